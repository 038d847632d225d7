"""Early warning's beat job: on the 10th of each month, once the previous month's key parameters
are due, the warnings of that month's compliance year are computed again. Idempotent: a rerun with
the same figures changes nothing and sends no message. Its name is its dotted path."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .services.warnings import early_warnings_compute


@shared_task(name="trading.tasks_market.compute_early_warnings")
def compute_early_warnings(year: int | None = None) -> dict:
    """The year of last month (in January: last year, whose December is just in)."""
    if year is None:
        year = (timezone.localdate().replace(day=1) - timedelta(days=1)).year
    result = early_warnings_compute(actor=None, year=year)
    return {
        "year": year,
        "units": result.units,
        "opened": len(result.opened),
        "refreshed": result.refreshed,
        "cleared": result.cleared,
        "without_projection": result.without_projection,
    }
