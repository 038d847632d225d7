"""Trading's beat job: the chain head of each finished day, published after midnight so anyone can
verify a transaction against it. Idempotent: one head per day; a rerun or a late run publishes
only the days still missing (yesterday, or every day since the beat last ran)."""

from celery import shared_task
from django.utils import timezone

from .services.operations import chain_heads_publish_due


@shared_task
def publish_chain_head() -> list[str]:
    """Yesterday's head (and any day the beat missed); the days published, as ISO dates."""
    return [head.day.isoformat() for head in chain_heads_publish_due(today=timezone.localdate())]


# Registers the other trading tasks with the worker.
from . import tasks_allocation, tasks_auctions, tasks_lifecycle, tasks_market  # noqa: E402, F401
