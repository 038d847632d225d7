"""Reads behind the account pages and the API: every one starts from trading.permissions.accounts_for
(or is public by design) and runs a fixed number of queries whatever the number of rows."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from carbon_portal.permissions import organisation_ids_of
from carbon_portal.roles import Role
from registry.choices import EntryCategory, ListStatus
from registry.models import ListEntry, Organisation, RegulatedList

from ..choices import AccountKind, AccountStatus, TransactionKind
from ..models import Account, ChainHead, Holding, Instrument, LedgerEntry, LedgerTransaction
from ..permissions import accounts_for


def account_for(user, number: str) -> Account:
    """An account the user may see; anyone else's is not found (404), never forbidden."""
    return get_object_or_404(accounts_for(user).select_related("holder"), number=number)


def unit_accounts(user) -> list[Account]:
    """The holding accounts of the user's units, with what they hold."""
    return list(
        accounts_for(user)
        .filter(kind=AccountKind.HOLDING)
        .select_related("holder")
        .prefetch_related(_holdings())
        .order_by("holder__name_zh", "number")
    )


def units_without_account(user) -> list[Organisation]:
    """The user's units that have no open holding account yet (the bureau opens it)."""
    ids = organisation_ids_of(user, Role.UNIT_STAFF)
    with_account = Account.objects.filter(holder_id__in=ids, kind=AccountKind.HOLDING).exclude(
        status=AccountStatus.CLOSED
    )
    return list(Organisation.objects.filter(pk__in=ids).exclude(pk__in=with_account.values("holder_id")))


def _holdings() -> Prefetch:
    return Prefetch(
        "holdings",
        queryset=Holding.objects.select_related("instrument").order_by("instrument__kind", "instrument__vintage"),
    )


def holdings_of(account: Account) -> list[Holding]:
    return list(account.holdings.select_related("instrument").order_by("instrument__kind", "instrument__vintage", "pk"))


# -- an account's history --


@dataclass(frozen=True)
class HistoryRow:
    """One of the account's entries, with the accounts on the other side of its transaction."""

    entry: LedgerEntry
    counterparties: tuple[str, ...]

    @property
    def transaction(self) -> LedgerTransaction:
        return self.entry.transaction


def account_history(account: Account) -> QuerySet[LedgerEntry]:
    """The account's entries, newest first."""
    return (
        LedgerEntry.objects.filter(account=account)
        .select_related("transaction", "instrument")
        .order_by("-transaction__sequence", "-line")
    )


def with_counterparties(entries) -> list[HistoryRow]:
    """The page's entries and, in one query, the account numbers on the other side of each:
    the entries of the same transaction and instrument with the opposite sign."""
    entries = list(entries)
    others: dict[int, list[LedgerEntry]] = {}
    tx_ids = {e.transaction_id for e in entries}
    if tx_ids:
        for other in LedgerEntry.objects.filter(transaction_id__in=tx_ids).select_related("account").order_by("line"):
            others.setdefault(other.transaction_id, []).append(other)
    rows = []
    for entry in entries:
        numbers = [
            o.account.number
            for o in others.get(entry.transaction_id, [])
            if o.pk != entry.pk
            and o.instrument_id == entry.instrument_id
            and (o.quantity_t > 0) != (entry.quantity_t > 0)
        ]
        rows.append(HistoryRow(entry, tuple(dict.fromkeys(numbers))))
    return rows


# -- the bureau's lists --


def bureau_accounts(*, q: str = "", kind: str = "", status: str = "", prohibited: str = "") -> QuerySet[Account]:
    """Every account, searched by number, holder name or credit code, and filtered."""
    qs = Account.objects.all()
    if q:
        q = q.strip()
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(holder__name_zh__icontains=q)
            | Q(holder__name_en__icontains=q)
            | Q(holder__uscc__iexact=q.upper())
        )
    if kind in AccountKind.values:
        qs = qs.filter(kind=kind)
    if status in AccountStatus.values:
        qs = qs.filter(status=status)
    if prohibited in ("yes", "no"):
        qs = qs.filter(trading_prohibited=prohibited == "yes")
    return qs.select_related("holder").prefetch_related(_holdings()).order_by("kind", "number")


def holdings_totals(accounts: QuerySet[Account]) -> list[tuple[Instrument, Decimal]]:
    """What the accounts hold together, per instrument (the issuance account's negative balance
    is the total ever issued, so it is left out of the sum)."""
    rows = (
        Holding.objects.filter(account__in=accounts.order_by().values("pk"))
        .exclude(account__kind=AccountKind.ISSUANCE)
        .values("instrument_id")
        .annotate(total=Sum("quantity_t"))
        .order_by()
    )
    totals = {row["instrument_id"]: row["total"] for row in rows}
    instruments = Instrument.objects.filter(pk__in=totals)
    return [(i, totals[i.pk]) for i in instruments]


def transactions(*, q: str = "", kind: str = "") -> QuerySet[LedgerTransaction]:
    qs = LedgerTransaction.objects.all()
    if q:
        qs = qs.filter(code__icontains=q.strip())
    if kind in TransactionKind.values:
        qs = qs.filter(kind=kind)
    return qs.select_related("actor").order_by("-sequence")


def transaction_detail(code: str) -> LedgerTransaction:
    return get_object_or_404(
        LedgerTransaction.objects.select_related("actor", "reverses").prefetch_related(
            Prefetch("entries", queryset=LedgerEntry.objects.select_related("account__holder", "instrument"))
        ),
        code=code,
    )


def reversal_of(tx: LedgerTransaction) -> LedgerTransaction | None:
    return LedgerTransaction.objects.filter(reverses=tx).first()


def published_list_years() -> list[int]:
    return list(
        RegulatedList.objects.filter(status=ListStatus.PUBLISHED).order_by("-year").values_list("year", flat=True)
    )


def listed_without_account(year: int) -> QuerySet[Organisation]:
    """Regulated units on the year's published list that have no open holding account."""
    listed = ListEntry.objects.filter(
        regulated_list__year=year,
        regulated_list__status=ListStatus.PUBLISHED,
        category=EntryCategory.REGULATED,
        is_removed=False,
    )
    with_account = Account.objects.filter(kind=AccountKind.HOLDING).exclude(status=AccountStatus.CLOSED)
    return (
        Organisation.objects.filter(pk__in=listed.values("organisation_id"))
        .exclude(pk__in=with_account.values("holder_id"))
        .order_by("name_zh", "pk")
    )


# -- public --


def chain_heads() -> QuerySet[ChainHead]:
    return ChainHead.objects.order_by("-day")


def public_entries(tx: LedgerTransaction) -> list[LedgerEntry]:
    """A transaction's entries as anyone may see them: account numbers, instruments, quantities."""
    return list(tx.entries.select_related("account", "instrument").order_by("line"))
