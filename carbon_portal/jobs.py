"""Background jobs: created in the caller's transaction, sent to Celery after commit.

If the broker is unreachable the job is marked WAITING rather than failing the request; the
beat task `resend_waiting_jobs` sends it again once Redis is back.
"""

import logging

from celery import current_app
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from kombu.exceptions import OperationalError

from .models import BackgroundJob

log = logging.getLogger(__name__)
Status = BackgroundJob.Status


def job_create(*, actor, kind: str, task_name: str, target: models.Model | None = None) -> BackgroundJob:
    job = BackgroundJob.objects.create(
        kind=kind,
        task_name=task_name,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        created_by=actor,
    )
    transaction.on_commit(lambda: job_send(job.pk))
    return job


def job_send(job_id: int) -> bool:
    """Publish the job's task; on a broker failure leave it WAITING for beat to resend."""
    job = BackgroundJob.objects.get(pk=job_id)
    try:
        if current_app.conf.task_always_eager:
            # Task names are their dotted paths; importing registers the task in this process.
            import_string(job.task_name).apply(args=[job.pk])
        else:
            current_app.send_task(job.task_name, args=[job.pk])
    except (OperationalError, ConnectionError, OSError) as exc:
        log.warning("broker unavailable, job %s waits: %s", job.pk, exc)
        BackgroundJob.objects.filter(pk=job.pk, status=Status.QUEUED).update(
            status=Status.WAITING, message="broker unavailable"
        )
        return False
    return True


def job_start(job_id: int, *, total: int) -> BackgroundJob | None:
    """Claim a job for this worker; None if another worker has it or it already finished."""
    claimed = BackgroundJob.objects.filter(pk=job_id, status__in=[Status.QUEUED, Status.WAITING]).update(
        status=Status.RUNNING, started_at=timezone.now(), progress_total=total, progress_done=0, message=""
    )
    return BackgroundJob.objects.get(pk=job_id) if claimed else None


def job_set_total(job: BackgroundJob, total: int) -> None:
    job.progress_total = total
    BackgroundJob.objects.filter(pk=job.pk).update(progress_total=total)


def job_progress(job: BackgroundJob, done: int) -> None:
    BackgroundJob.objects.filter(pk=job.pk).update(progress_done=done)


def job_finish(job: BackgroundJob, *, ok: bool, message: str = "") -> None:
    BackgroundJob.objects.filter(pk=job.pk).update(
        status=Status.DONE if ok else Status.FAILED,
        finished_at=timezone.now(),
        message=message[:2000],
        progress_done=job.progress_total if ok else models.F("progress_done"),
    )


def jobs_resend_waiting(*, older_than_seconds: int = 30) -> int:
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    ids = list(
        BackgroundJob.objects.filter(status__in=[Status.WAITING, Status.QUEUED], created_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    for job_id in ids:
        BackgroundJob.objects.filter(pk=job_id, status=Status.WAITING).update(status=Status.QUEUED)
        job_send(job_id)
    return len(ids)
