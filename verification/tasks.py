"""Verification's beat jobs: reminders of due dates and overdue reviews flagged to the bureau.
Idempotent: each reminder is booked once (registry.DeadlineReminder), so a rerun sends nothing."""

from celery import shared_task
from django.utils import timezone

from .services.reminders import due_date_reminders_send, overdue_reviews_flag


@shared_task
def send_due_date_reminders() -> dict[str, int]:
    """Agencies: reviews due in 7, 3, 1 days; units: information requests and objection windows in 3, 1."""
    return due_date_reminders_send(today=timezone.localdate())


@shared_task
def flag_overdue_reviews() -> int:
    """Bureau: each assigned review past its due date, once."""
    return overdue_reviews_flag(today=timezone.localdate())
