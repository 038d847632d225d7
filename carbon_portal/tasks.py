from celery import shared_task

from . import jobs


@shared_task
def resend_waiting_jobs():
    return jobs.jobs_resend_waiting()
