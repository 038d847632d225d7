"""The registered acts (Art. 12): issuance, transfer, voluntary cancellation and reversal. Each
checks who may do it, then posts one balanced transaction through the ledger."""

from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from carbon_portal import audit
from carbon_portal.formatting import format_tonnes

from ..choices import AccountKind, InstrumentKind, PlanStatus, TransactionKind
from ..models import Account, AllocationPlan, Instrument, LedgerEntry, LedgerTransaction
from ..permissions import require_account_holder, require_registrar
from .accounts import bureau_account
from .ledger import Leg, Posted, _locked_tip, post


def _positive(quantity_t) -> Decimal:
    try:
        quantity = Decimal(str(quantity_t))
    except ArithmeticError as exc:
        raise ValidationError({"quantity_t": _("Enter a whole number of tonnes.")}) from exc
    if not quantity.is_finite() or quantity <= 0 or quantity != quantity.to_integral_value():
        raise ValidationError({"quantity_t": _("Enter a whole number of tonnes greater than zero.")})
    return quantity


def _replay_first(idempotency_key: str, **request) -> Posted | None:
    """A retry of a request already recorded gets its transaction back before any business check:
    the account may have been marked or the original reversed since, and the retry must not be
    refused for what happened after the first attempt succeeded. post() checks it is the same request."""
    if LedgerTransaction.objects.filter(idempotency_key=(idempotency_key or "").strip()).exists():
        return post(idempotency_key=idempotency_key, **request)
    return None


def _audit(actor, posted: Posted, verb: str) -> Posted:
    if not posted.replayed:
        audit.record(actor=actor, verb=verb, target=posted.transaction, data={"code": posted.transaction.code})
    return posted


@transaction.atomic
def issue(*, actor, to_account: Account, instrument: Instrument, quantity_t, idempotency_key: str, memo: str = ""):
    """Creates units on a holding (or the bureau's reserve or auction) account. The caller (the
    allocation's issuance) has checked the plan; the ledger records it."""
    require_registrar(actor)
    quantity = _positive(quantity_t)
    if to_account.kind in (AccountKind.ISSUANCE, AccountKind.CANCELLATION):
        raise ValidationError(_("Units are issued to a holding, reserve or auction account."))
    source = bureau_account(AccountKind.ISSUANCE, actor=actor)
    legs = [Leg(source, instrument, -quantity), Leg(to_account, instrument, quantity)]
    request = {"actor": actor, "kind": TransactionKind.ISSUANCE, "legs": legs, "memo": memo}
    replayed = _replay_first(idempotency_key, **request)
    if replayed:
        return replayed
    if instrument.kind == InstrumentKind.ALLOWANCE:
        _require_within_plan(instrument, quantity)
    posted = post(idempotency_key=idempotency_key, **request)
    return _audit(actor, posted, "ledger.issue")


def _require_within_plan(instrument: Instrument, quantity: Decimal) -> None:
    """Issuance never exceeds the published plan of the vintage (DOMAIN.md): whatever has left the
    issuance account plus this issue must fit the plan's cap. Checked with the plan row and the
    chain's tip locked, so no other issue slips in between. Without a published plan only the
    vintages carried over from the previous registration system may be issued (their opening
    balances, settings.REGISTRY_CARRIED_OVER_UNTIL_VINTAGE); they count once a plan exists."""
    plan = (
        AllocationPlan.objects.select_for_update().filter(year=instrument.vintage, status=PlanStatus.PUBLISHED).first()
    )
    if plan is None:
        if instrument.vintage > settings.REGISTRY_CARRIED_OVER_UNTIL_VINTAGE:
            raise ValidationError(
                _(
                    "No allocation plan for %(year)s is published: allowances of that year are issued only "
                    "under its published plan. Nothing was issued."
                )
                % {"year": instrument.vintage},
                code="no_plan",
            )
        return
    _locked_tip()
    total = LedgerEntry.objects.filter(
        account__kind=AccountKind.ISSUANCE, account__holder__isnull=True, instrument=instrument
    ).aggregate(t=Sum("quantity_t"))["t"]
    issued = -(total or Decimal(0))
    if issued + quantity > plan.cap_t:
        raise ValidationError(
            _(
                "Over-issuance refused: %(issued)s t of %(instrument)s are already issued, and %(quantity)s t more "
                "would exceed the %(year)s plan's cap of %(cap)s t. Nothing was issued."
            )
            % {
                "issued": format_tonnes(issued),
                "instrument": instrument.code,
                "quantity": format_tonnes(quantity),
                "year": plan.year,
                "cap": format_tonnes(plan.cap_t),
            },
            code="over_issuance",
        )


# Transfers the exchange reports (trading.services.exchange) carry this prefix in their reference;
# a holder may not use it, so the exchange's reference stays unique across every path.
EXCHANGE_REFERENCE_PREFIX = "SEEE:"


@transaction.atomic
def transfer(
    *,
    actor,
    from_account: Account,
    to_account: Account,
    instrument: Instrument,
    quantity_t,
    idempotency_key: str,
    memo: str = "",
    reference: str = "",
) -> Posted:
    """Moves units between holding accounts at the holder's request; refused to or from the
    account of someone who may not trade (Art. 32 para 2)."""
    require_account_holder(actor, from_account)

    def reference_not_reserved() -> None:
        if reference.strip().upper().startswith(EXCHANGE_REFERENCE_PREFIX):
            raise ValidationError(
                {"reference": _("References beginning with SEEE: are kept for transfers the exchange reports.")}
            )

    return _holding_transfer(
        actor=actor,
        from_account=from_account,
        to_account=to_account,
        instrument=instrument,
        quantity_t=quantity_t,
        idempotency_key=idempotency_key,
        memo=memo,
        reference=reference,
        checks=(reference_not_reserved,),
    )


def _holding_transfer(
    *,
    actor,
    from_account: Account,
    to_account: Account,
    instrument: Instrument,
    quantity_t,
    idempotency_key: str,
    memo: str,
    reference: str,
    checks: tuple[Callable[[], None], ...] = (),
    verb: str = "ledger.transfer",
    audit_data: dict | None = None,
) -> Posted:
    """The one transfer between holding accounts, whoever asks for it (the holder, or the exchange
    reporting an agreement transfer): the caller has checked who may ask. A retry is replayed before
    any rule; then both accounts must be holding accounts that may trade (Art. 32 para 2), and the
    caller's own `checks` run, after the replay and before posting. Runs in the caller's transaction."""
    quantity = _positive(quantity_t)
    legs = [Leg(from_account, instrument, -quantity), Leg(to_account, instrument, quantity)]
    request = {"actor": actor, "kind": TransactionKind.TRANSFER, "legs": legs, "memo": memo, "reference": reference}
    replayed = _replay_first(idempotency_key, **request)
    if replayed:
        return replayed
    if from_account.pk == to_account.pk:
        raise ValidationError({"to_account": _("Choose another account than the one the units leave.")})
    if from_account.kind != AccountKind.HOLDING:
        raise ValidationError({"from_account": _("Units are transferred from a holding account.")})
    if to_account.kind != AccountKind.HOLDING:
        raise ValidationError({"to_account": _("Units are transferred to a holding account.")})
    # Read again: a prohibition recorded since the caller loaded the accounts still holds.
    current = Account.objects.in_bulk([from_account.pk, to_account.pk])
    for account in (from_account, to_account):
        _refuse_prohibited(current.get(account.pk, account))
    for check in checks:
        check()
    posted = post(idempotency_key=idempotency_key, **request)
    if not posted.replayed:
        data = {"code": posted.transaction.code} | (audit_data or {})
        audit.record(actor=actor, verb=verb, target=posted.transaction, data=data)
    return posted


def _refuse_prohibited(account: Account) -> None:
    if account.trading_prohibited:
        raise ValidationError(
            _("Account %(account)s may not trade (Art. 32 para 2): %(reason)s")
            % {"account": account.number, "reason": account.prohibition_reason},
            code="prohibited",
        )


@transaction.atomic
def cancel_voluntarily(
    *, actor, from_account: Account, instrument: Instrument, quantity_t, idempotency_key: str, purpose: str
) -> Posted:
    """Takes units out of circulation for good, for a public-welfare purpose (DOMAIN.md)."""
    require_account_holder(actor, from_account)
    quantity = _positive(quantity_t)
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": _("Say what the cancellation is for.")})
    sink = bureau_account(AccountKind.CANCELLATION, actor=actor)
    legs = [Leg(from_account, instrument, -quantity), Leg(sink, instrument, quantity)]
    request = {"actor": actor, "kind": TransactionKind.CANCELLATION, "legs": legs, "memo": purpose}
    replayed = _replay_first(idempotency_key, **request)
    if replayed:
        return replayed
    # The page offers no cancellation from such an account; the rule lives here for every caller.
    _refuse_prohibited(from_account)
    posted = post(idempotency_key=idempotency_key, **request)
    return _audit(actor, posted, "ledger.cancel")


@transaction.atomic
def reverse(*, actor, original: LedgerTransaction, reason: str, idempotency_key: str) -> Posted:
    """A correction: the same entries with the signs turned, never an edit of the original."""
    require_registrar(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the transaction is reversed.")})
    legs = [
        Leg(e.account, e.instrument, -e.quantity_t) for e in original.entries.select_related("account", "instrument")
    ]
    request = {"actor": actor, "kind": TransactionKind.REVERSAL, "legs": legs, "memo": reason, "reverses": original}
    replayed = _replay_first(idempotency_key, **request)
    if replayed:
        return replayed
    if original.kind == TransactionKind.REVERSAL:
        raise ValidationError(_("A reversal is not reversed: record a new transaction instead."))
    if LedgerTransaction.objects.filter(reverses=original).exists():
        raise ValidationError(_("Transaction %(code)s has already been reversed.") % {"code": original.code})
    posted = post(idempotency_key=idempotency_key, **request)
    return _audit(actor, posted, "ledger.reverse")
