"""The rollover's beat job (Action Plan (5)): each day, the tranches that have come due go back from
the rollover account to the units that moved to the national market. Idempotent: a tranche is
released once (its own ledger transaction under a fixed key), so a rerun releases nothing twice and
a beat that was down catches up on its next run."""

from celery import shared_task
from django.utils import timezone

from .services.rollover import tranches_release_due


@shared_task(name="trading.tasks_lifecycle.release_due_rollover_tranches")
def release_due_rollover_tranches() -> dict[str, int]:
    result = tranches_release_due(today=timezone.localdate())
    return {"released": len(result.released), "refused": len(result.refused)}
