"""The registrar's routine acts around the core: opening the accounts of a year's regulated units,
publishing the chain heads that are due, and a reversal that a repeated request replays."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import Organisation

from ..models import Account, ChainHead, LedgerTransaction
from ..permissions import require_registrar
from ..selectors.accounts import listed_without_account, published_list_years
from .accounts import account_open
from .acts import reverse
from .chain import chain_head_publish
from .ledger import Posted

# A beat that was down for longer than this is caught up by hand (one call per day).
MAX_CATCH_UP_DAYS = 400


@dataclass
class Opened:
    accounts: list[Account] = field(default_factory=list)
    refused: list[tuple[Organisation, str]] = field(default_factory=list)


@transaction.atomic
def accounts_open_for_list(*, actor, year: int) -> Opened:
    """A holding account for every regulated unit on the year's published list that has none
    (Art. 12); a unit that cannot have one (no longer active) is named with the reason."""
    require_registrar(actor)
    if year not in published_list_years():
        raise ValidationError({"year": _("The list of %(year)s has not been published.") % {"year": year}})
    opened = Opened()
    for organisation in listed_without_account(year):
        try:
            opened.accounts.append(account_open(actor=actor, organisation=organisation))
        except ValidationError as exc:
            opened.refused.append((organisation, " ".join(exc.messages)))
    return opened


def chain_heads_publish_due(*, today: date | None = None) -> list[ChainHead]:
    """Publishes the head of every finished day since the last published one (from the first
    transaction's day when none is published yet), up to yesterday. Idempotent: a rerun on the
    same day publishes nothing; a beat that missed days catches up."""
    today = today or timezone.localdate()
    latest = ChainHead.objects.order_by("-day").values_list("day", flat=True).first()
    if latest is not None:
        start = latest + timedelta(days=1)
    else:
        first = LedgerTransaction.objects.order_by("sequence").values_list("recorded_at", flat=True).first()
        if first is None:
            return []
        start = timezone.localdate(first)
    start = max(start, today - timedelta(days=MAX_CATCH_UP_DAYS))
    published = []
    day = start
    while day < today:
        published.append(chain_head_publish(day=day))
        day += timedelta(days=1)
    return published


@transaction.atomic
def reversal_record(*, actor, original: LedgerTransaction, reason: str, idempotency_key: str) -> Posted:
    """trading.services.acts.reverse, but a repeated request (same key, same reason) returns the
    reversal it made instead of being refused as "already reversed"."""
    require_registrar(actor)
    existing = LedgerTransaction.objects.filter(
        idempotency_key=(idempotency_key or "").strip(), reverses=original, memo=(reason or "").strip()
    ).first()
    if existing is not None:
        return Posted(existing, replayed=True)
    return reverse(actor=actor, original=original, reason=(reason or "").strip(), idempotency_key=idempotency_key)
