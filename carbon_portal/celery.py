"""The Celery app and its one explicit beat schedule.

Without CELERY_BROKER_URL the portal runs tasks eagerly in-process, so a first run needs no
Redis. With a broker, publishing fails fast instead of hanging a web request when Redis is
down: carbon_portal.jobs turns that into a job that waits and is re-sent by beat.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carbon_portal.settings")

app = Celery("carbon_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_ignore_result=True,
    task_acks_late=True,
    worker_prefetch_multiplier=1,
    broker_connection_timeout=2,
    broker_connection_retry_on_startup=True,
    task_publish_retry=False,
    broker_transport_options={"max_retries": 0, "socket_connect_timeout": 2, "socket_timeout": 5},
    beat_schedule={
        "resend-waiting-jobs": {
            "task": "carbon_portal.tasks.resend_waiting_jobs",
            "schedule": 60.0,
        },
        "resend-pending-documents": {
            "task": "carbon_portal.document_tasks.resend_pending_documents",
            "schedule": 60.0,
        },
        "email-unsent-notifications": {
            "task": "carbon_portal.tasks.email_unsent_notifications",
            "schedule": 300.0,
        },
        "registry-deadline-reminders": {
            "task": "registry.tasks.send_deadline_reminders",
            "schedule": crontab(hour=8, minute=0),
        },
        # Review, information-request and objection-window due dates; overdue reviews to the bureau.
        "verification-due-date-reminders": {
            "task": "verification.tasks.send_due_date_reminders",
            "schedule": crontab(hour=8, minute=10),
        },
        # The chain head of each finished day, published for public verification (Art. 12).
        "trading-publish-chain-head": {
            "task": "trading.tasks.publish_chain_head",
            "schedule": crontab(hour=0, minute=5),
        },
        # Auctions whose bidding closed are cleared; awards unpaid by their due date lapse.
        "trading-clear-closed-auctions": {
            "task": "trading.tasks_auctions.clear_closed_auctions",
            "schedule": 300.0,
        },
        "trading-lapse-unpaid-awards": {
            "task": "trading.tasks_auctions.lapse_unpaid_awards",
            "schedule": crontab(hour=0, minute=15),
        },
        # Surplus of units that moved to the national market, rolled back over in tranches (Action Plan (5)).
        "trading-release-rollover-tranches": {
            "task": "trading.tasks_lifecycle.release_due_rollover_tranches",
            "schedule": crontab(hour=0, minute=30),
        },
        # After the monthly key parameters are due: holdings against projected emissions.
        "trading-early-warnings": {
            "task": "trading.tasks_market.compute_early_warnings",
            "schedule": crontab(day_of_month=10, hour=6, minute=0),
        },
        "verification-overdue-reviews": {
            "task": "verification.tasks.flag_overdue_reviews",
            "schedule": crontab(hour=8, minute=20),
        },
    },
)
app.autodiscover_tasks()
