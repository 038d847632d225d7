"""Reads behind the exchange's pages and API: the agreement transfers an exchange reported, newest
first, in a fixed number of queries whatever the number of rows."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, QuerySet, prefetch_related_objects

from carbon_portal.models import AuditEntry
from carbon_portal.roles import Role
from registry.models import Membership

from ..choices import TransactionKind
from ..models import Account, Instrument, LedgerEntry, LedgerTransaction
from ..services.acts import EXCHANGE_REFERENCE_PREFIX
from ..services.exchange import VERB


def reported_transactions(exchange_ids) -> QuerySet[LedgerTransaction]:
    """The transfers recorded at the request of the exchanges' staff (any staff member, past or present)."""
    reporters = Membership.objects.filter(organisation_id__in=exchange_ids, role=Role.EXCHANGE_STAFF).values("user_id")
    return (
        LedgerTransaction.objects.filter(
            kind=TransactionKind.TRANSFER, reference__startswith=EXCHANGE_REFERENCE_PREFIX, actor_id__in=reporters
        )
        .select_related("actor")
        .order_by("-sequence")
    )


@dataclass(frozen=True)
class ReportedTransfer:
    transaction: LedgerTransaction
    trade_reference: str
    trade_date: date | None
    seller: Account
    buyer: Account
    instrument: Instrument
    quantity_t: Decimal

    # Flat names for the API's serializer and the download.
    @property
    def code(self) -> str:
        return self.transaction.code

    @property
    def recorded_at(self):
        return self.transaction.recorded_at


def reported_rows(transactions) -> list[ReportedTransfer]:
    """A page of reported_transactions as rows: seller, buyer, instrument and tonnes from the entries,
    the trade date from the audit entry written with the transaction (the ledger keeps no such field)."""
    entries = Prefetch(
        "entries", queryset=LedgerEntry.objects.select_related("account__holder", "instrument").order_by("line")
    )
    txs = list(transactions)
    prefetch_related_objects(txs, entries)
    dates = _trade_dates(txs)
    rows = []
    for tx in txs:
        debit = next(e for e in tx.entries.all() if e.quantity_t < 0)
        credit = next(e for e in tx.entries.all() if e.quantity_t > 0)
        rows.append(
            ReportedTransfer(
                transaction=tx,
                trade_reference=tx.reference.removeprefix(EXCHANGE_REFERENCE_PREFIX),
                trade_date=dates.get(tx.pk),
                seller=debit.account,
                buyer=credit.account,
                instrument=credit.instrument,
                quantity_t=credit.quantity_t,
            )
        )
    return rows


def _trade_dates(txs: list[LedgerTransaction]) -> dict[int, date]:
    if not txs:
        return {}
    found = AuditEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(LedgerTransaction, for_concrete_model=False),
        target_id__in=[str(tx.pk) for tx in txs],
        verb=VERB,
    ).values_list("target_id", "data")
    return {int(pk): date.fromisoformat(data["trade_date"]) for pk, data in found if data.get("trade_date")}


def reported_transfer(code: str) -> ReportedTransfer:
    return reported_rows(LedgerTransaction.objects.filter(code=code))[0]
