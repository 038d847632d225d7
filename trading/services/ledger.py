"""Posting to the ledger (Art. 12): the one function every act goes through.

A transaction is a set of legs that balance per instrument. Posting locks the chain's tip first,
so postings happen one at a time in one order: no double spend, no gap in the chain and no
deadlock between postings. A repeated request with the same idempotency key returns the
transaction it made the first time; the same key with a different request is refused.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..choices import AccountKind, AccountStatus
from ..models import Account, ChainState, Holding, Instrument, LedgerEntry, LedgerTransaction

GENESIS_SHA256 = "0" * 64


@dataclass(frozen=True)
class Leg:
    account: Account
    instrument: Instrument
    quantity_t: Decimal  # positive: credited to the account; negative: debited


@dataclass(frozen=True)
class Posted:
    transaction: LedgerTransaction
    replayed: bool  # True when the idempotency key had already been used for this request


def _whole_tonnes(value) -> Decimal:
    try:
        quantity = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(_("A quantity must be a whole number of tonnes.")) from exc
    if not quantity.is_finite() or quantity != quantity.to_integral_value() or quantity == 0:
        raise ValidationError(_("A quantity must be a whole number of tonnes, other than zero."))
    return quantity.quantize(Decimal(1))


def request_sha256(*, kind: str, legs: list[Leg], memo: str, reference: str, reverses_id: int | None) -> str:
    """What the request asked for, to tell a retry from a different request under the same key."""
    body = {
        "kind": kind,
        "legs": [[leg.account.pk, leg.instrument.pk, str(leg.quantity_t)] for leg in legs],
        "memo": memo,
        "reference": reference,
        "reverses": reverses_id,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def transaction_sha256(tx: LedgerTransaction, entries: list[tuple[str, str, str]], *, reverses_code: str) -> str:
    """The seal: every field that matters, the entries and the previous hash, in a fixed form.
    Anyone holding the same data computes the same hash (see selectors.chain)."""
    body = {
        "sequence": tx.sequence,
        "code": tx.code,
        "kind": tx.kind,
        "recorded_at": tx.recorded_at.astimezone(UTC).isoformat(),
        "actor": tx.actor_id,
        "memo": tx.memo,
        "reference": tx.reference,
        "reverses": reverses_code,
        "entries": [list(entry) for entry in entries],
        "prev": tx.prev_sha256,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def entry_tuple(account_number: str, instrument_code: str, quantity_t: Decimal) -> tuple[str, str, str]:
    return (account_number, instrument_code, str(Decimal(quantity_t).quantize(Decimal(1))))


def _check_balanced(legs: list[Leg]) -> None:
    sums: dict[int, Decimal] = {}
    for leg in legs:
        sums[leg.instrument.pk] = sums.get(leg.instrument.pk, Decimal(0)) + leg.quantity_t
    if any(total != 0 for total in sums.values()):
        raise ValidationError(_("The entries of a transaction must balance for each instrument."))


def _replay(existing: LedgerTransaction, sha: str) -> Posted:
    if existing.request_sha256 != sha:
        raise ValidationError(
            _("This idempotency key was already used for a different request: nothing was recorded."),
            code="idempotency_conflict",
        )
    return Posted(existing, replayed=True)


def _locked_holdings(legs: list[Leg]) -> dict[tuple[int, int], Holding]:
    """The holdings the legs touch, locked in a fixed order; those missing are made first (the
    chain lock, already held, keeps two postings from making the same one)."""
    keys = sorted({(leg.account.pk, leg.instrument.pk) for leg in legs})
    accounts = {leg.account.pk: leg.account for leg in legs}
    scope = Holding.objects.filter(account_id__in={a for a, _i in keys}, instrument_id__in={i for _a, i in keys})
    have = set(scope.values_list("account_id", "instrument_id"))
    Holding.objects.bulk_create(
        Holding(account_id=a, instrument_id=i, may_go_negative=accounts[a].kind == AccountKind.ISSUANCE)
        for a, i in keys
        if (a, i) not in have
    )
    locked = scope.select_for_update().order_by("account_id", "instrument_id")
    return {(h.account_id, h.instrument_id): h for h in locked if (h.account_id, h.instrument_id) in set(keys)}


def _apply(legs: list[Leg], holdings: dict[tuple[int, int], Holding], now) -> list[Holding]:
    changed = {}
    for leg in legs:
        holding = holdings[(leg.account.pk, leg.instrument.pk)]
        holding.quantity_t += leg.quantity_t
        changed[holding.pk] = holding
    for holding in changed.values():
        if holding.quantity_t < 0 and not holding.may_go_negative:
            account = next(leg.account for leg in legs if leg.account.pk == holding.account_id)
            instrument = next(leg.instrument for leg in legs if leg.instrument.pk == holding.instrument_id)
            raise ValidationError(
                _("Account %(account)s does not hold enough %(instrument)s: %(short)s t short; nothing was recorded.")
                % {"account": account.number, "instrument": instrument.code, "short": -holding.quantity_t},
                code="insufficient",
            )
        holding.updated_at = now
    return list(changed.values())


def _locked_tip() -> ChainState:
    """The chain's tip, locked. Its row comes with the migrations; a test database flushed between
    tests loses it, so it is made again at the genesis hash when missing."""
    ChainState.objects.get_or_create(pk=1, defaults={"last_sha256": GENESIS_SHA256})
    return ChainState.objects.select_for_update().get(pk=1)


@transaction.atomic
def post(
    *,
    actor,
    kind: str,
    legs: list[Leg],
    idempotency_key: str,
    memo: str = "",
    reference: str = "",
    reverses: LedgerTransaction | None = None,
) -> Posted:
    """Records one balanced transaction, or returns the one this idempotency key already made."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > 100:
        raise ValidationError(_("Every ledger request needs an idempotency key of at most 100 characters."))
    if not legs:
        raise ValidationError(_("A transaction needs entries."))
    legs = [Leg(leg.account, leg.instrument, _whole_tonnes(leg.quantity_t)) for leg in legs]
    _check_balanced(legs)
    sha = request_sha256(
        kind=kind, legs=legs, memo=memo, reference=reference, reverses_id=getattr(reverses, "pk", None)
    )
    existing = LedgerTransaction.objects.filter(idempotency_key=key).first()
    if existing:
        return _replay(existing, sha)
    state = _locked_tip()
    existing = LedgerTransaction.objects.filter(idempotency_key=key).first()  # a racing twin may have won
    if existing:
        return _replay(existing, sha)
    accounts = {leg.account.pk: leg.account for leg in legs}
    closed = sorted(
        Account.objects.filter(pk__in=accounts).exclude(status=AccountStatus.OPEN).values_list("pk", flat=True)
    )
    if closed:
        raise ValidationError(
            _("Account %(account)s is not open: nothing was recorded.") % {"account": accounts[closed[0]].number}
        )
    now = timezone.now()
    changed = _apply(legs, _locked_holdings(legs), now)
    sequence = state.last_sequence + 1
    tx = LedgerTransaction(
        sequence=sequence,
        code=f"LT{timezone.localdate(now):%Y%m%d}{sequence:08d}",
        kind=kind,
        idempotency_key=key,
        request_sha256=sha,
        reverses=reverses,
        memo=memo,
        reference=reference,
        actor=actor,
        recorded_at=now,
        prev_sha256=state.last_sha256,
    )
    entries = [entry_tuple(leg.account.number, leg.instrument.code, leg.quantity_t) for leg in legs]
    tx.sha256 = transaction_sha256(tx, entries, reverses_code=reverses.code if reverses else "")
    tx.save()
    LedgerEntry.objects.bulk_create(
        LedgerEntry(transaction=tx, line=n, account=leg.account, instrument=leg.instrument, quantity_t=leg.quantity_t)
        for n, leg in enumerate(legs, start=1)
    )
    for holding in changed:
        holding.save(update_fields=["quantity_t", "updated_at"])
    state.last_sequence, state.last_sha256 = sequence, tx.sha256
    state.save(update_fields=["last_sequence", "last_sha256"])
    return Posted(tx, replayed=False)
