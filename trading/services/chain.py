"""Publishing the chain's head at the end of each day (idempotent: one head per day)."""

from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import ChainHead, LedgerTransaction
from .ledger import GENESIS_SHA256


def chain_head_publish(*, day: date) -> ChainHead:
    """The head as it stood at the end of `day` (local time): the last transaction recorded by then."""
    if day >= timezone.localdate():
        raise ValueError("a day's head is published once the day is over")
    existing = ChainHead.objects.filter(day=day).first()
    if existing:
        return existing
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    start = end - timedelta(days=1)
    last = LedgerTransaction.objects.filter(recorded_at__lt=end).order_by("-sequence").first()
    count = LedgerTransaction.objects.filter(recorded_at__gte=start, recorded_at__lt=end).count()
    try:
        with transaction.atomic():
            return ChainHead.objects.create(
                day=day,
                last_sequence=last.sequence if last else 0,
                sha256=last.sha256 if last else GENESIS_SHA256,
                transactions=count,
            )
    except IntegrityError:
        return ChainHead.objects.get(day=day)
