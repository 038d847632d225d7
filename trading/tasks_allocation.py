"""The allocation run's Celery task. Its name is its dotted path (carbon_portal.jobs imports it
by that name in eager mode); trading.tasks imports this module so a worker registers it."""

from celery import shared_task

from .services.runs import run_compute


@shared_task(name="trading.tasks_allocation.compute_allocation_run")
def compute_allocation_run(job_id: int) -> None:
    run_compute(job_id=job_id)
