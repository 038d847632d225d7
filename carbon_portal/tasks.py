from celery import shared_task

from . import jobs, notifications


@shared_task
def resend_waiting_jobs():
    return jobs.jobs_resend_waiting()


@shared_task
def email_notifications(ids: list[int]):
    return notifications.email_pending(ids)


@shared_task
def email_unsent_notifications():
    """The beat's retry for emails whose broker or mail server was down."""
    return notifications.email_pending()
