from celery import shared_task

from . import services


@shared_task
def compile_regulated_list(job_id: int) -> None:
    services.regulated_list_build(job_id=job_id)


@shared_task
def send_deadline_reminders() -> int:
    from django.utils import timezone

    from .services.reminders import deadline_reminders_send

    return deadline_reminders_send(today=timezone.localdate())
