"""Checking the ledger: every transaction's hash recomputed from its data and the previous hash,
the chain unbroken, each transaction balanced, and the holdings equal to the sum of the entries.
Anyone can check one transaction by its code against the day's published chain head."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Sum
from django.utils.translation import gettext as _

from ..models import ChainHead, Holding, LedgerEntry, LedgerTransaction
from ..services.ledger import GENESIS_SHA256, entry_tuple, transaction_sha256

BATCH = 2000


@dataclass
class ChainCheck:
    checked: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)  # (transaction code, what is wrong)
    last_sha256: str = GENESIS_SHA256

    @property
    def ok(self) -> bool:
        return not self.problems


def _entries_query():
    return Prefetch(
        "entries",
        queryset=LedgerEntry.objects.select_related("account", "instrument").order_by("line"),
    )


def _batches(start_sequence: int, end_sequence: int | None):
    """Transactions from `start_sequence` on, in chain order, a batch at a time."""
    after = start_sequence - 1
    while True:
        qs = LedgerTransaction.objects.filter(sequence__gt=after).select_related("reverses").order_by("sequence")
        if end_sequence is not None:
            qs = qs.filter(sequence__lte=end_sequence)
        batch = list(qs.prefetch_related(_entries_query())[:BATCH])
        if not batch:
            return
        yield from batch
        after = batch[-1].sequence


def _problems_of(tx: LedgerTransaction, expected_prev: str, expected_sequence: int) -> list[str]:
    found = []
    entries = list(tx.entries.all())
    if tx.sequence != expected_sequence:
        found.append(
            _("position %(found)s where %(expected)s was expected")
            % {"found": tx.sequence, "expected": expected_sequence}
        )
    if tx.prev_sha256 != expected_prev:
        found.append(_("does not follow the previous transaction's hash"))
    sums: dict[int, Decimal] = {}
    for entry in entries:
        sums[entry.instrument_id] = sums.get(entry.instrument_id, Decimal(0)) + entry.quantity_t
    if not entries or any(sums.values()):
        found.append(_("its entries do not balance"))
    recomputed = transaction_sha256(
        tx,
        [entry_tuple(e.account.number, e.instrument.code, e.quantity_t) for e in entries],
        reverses_code=tx.reverses.code if tx.reverses else "",
    )
    if recomputed != tx.sha256:
        found.append(_("its data no longer match its hash"))
    return found


def verify_chain(*, start_sequence: int = 1, end_sequence: int | None = None) -> ChainCheck:
    """Walks the chain; names each transaction whose data, order or balance is wrong."""
    check = ChainCheck()
    previous = (
        LedgerTransaction.objects.filter(sequence=start_sequence - 1).values_list("sha256", flat=True).first()
        if start_sequence > 1
        else GENESIS_SHA256
    )
    expected_prev, expected_sequence = previous or GENESIS_SHA256, start_sequence
    for tx in _batches(start_sequence, end_sequence):
        for problem in _problems_of(tx, expected_prev, expected_sequence):
            check.problems.append((tx.code, problem))
        check.checked += 1
        expected_prev, expected_sequence = tx.sha256, tx.sequence + 1
    check.last_sha256 = expected_prev
    return check


def holdings_mismatches() -> list[tuple[str, str, Decimal, Decimal]]:
    """(account, instrument, holding, sum of entries) wherever the two differ."""
    sums = {
        (row["account_id"], row["instrument_id"]): row["total"]
        for row in LedgerEntry.objects.values("account_id", "instrument_id").annotate(total=Sum("quantity_t"))
    }
    found = []
    for holding in Holding.objects.select_related("account", "instrument"):
        total = sums.pop((holding.account_id, holding.instrument_id), Decimal(0))
        if total != holding.quantity_t:
            found.append((holding.account.number, holding.instrument.code, holding.quantity_t, total))
    for (_account, _instrument), total in sums.items():
        if total:
            found.append((str(_account), str(_instrument), Decimal(0), total))
    return found


@dataclass(frozen=True)
class CodeCheck:
    """What the public verification page says of one transaction."""

    transaction: LedgerTransaction | None
    head: ChainHead | None
    problems: tuple[tuple[str, str], ...]

    @property
    def found(self) -> bool:
        return self.transaction is not None

    @property
    def verified(self) -> bool:
        return self.found and self.head is not None and not self.problems


def verify_code(code: str) -> CodeCheck:
    """The transaction with this code, recomputed and chained forward to the first published head
    at or after it; the head's hash must be where the chain arrives."""
    tx = LedgerTransaction.objects.filter(code=(code or "").strip().upper()).first()
    if tx is None:
        return CodeCheck(None, None, ())
    head = ChainHead.objects.filter(last_sequence__gte=tx.sequence).order_by("last_sequence").first()
    end = head.last_sequence if head else tx.sequence
    check = verify_chain(start_sequence=tx.sequence, end_sequence=end)
    problems = list(check.problems)
    if head and check.last_sha256 != head.sha256:
        problems.append((tx.code, _("the chain does not arrive at the published head of %(day)s") % {"day": head.day}))
    return CodeCheck(tx, head, tuple(problems))
