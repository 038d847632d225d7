"""Art. 14: holdings follow a merger or a split.

"If regulated units merge, their allowances shall be transferred to the surviving or newly
established units": when the registry records a merger, every instrument on the absorbed unit's
holding account moves to the survivor's in one ledger transaction, in the same database
transaction as the merger, and the absorbed account is closed. "If regulated units split, a
reasonable allowance allocation plan shall be formulated based on the ownership of emission
facilities": the bureau records the division of the splitting unit's holdings among the new
owners, once per split. Each is one SUCCESSION transaction and one HoldingsSuccession row.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carbon_portal import audit, notifications
from carbon_portal.formatting import format_tonnes
from registry.choices import EventKind
from registry.models import Organisation, OrganisationEvent
from reporting.notices import staff_of

from ..choices import AccountStatus, TransactionKind
from ..models import Account, HoldingsSuccession, Instrument
from ..permissions import require_registrar
from ..selectors.succession import division_plan, positive_holdings
from .accounts import account_open, holding_account_of
from .ledger import Leg, _locked_tip, post


def succession_key(event: OrganisationEvent) -> str:
    """One registry event, one succession transaction: the key makes a repeat a replay."""
    return f"succession-{event.pk}"


def _locked_account(organisation_id: int) -> Account | None:
    account = holding_account_of(organisation_id)
    return Account.objects.select_for_update().get(pk=account.pk) if account else None


def _target_account(actor, organisation: Organisation) -> Account:
    """The receiving unit's holding account, opened for it when it has none."""
    account = holding_account_of(organisation.pk)
    if account is not None:
        return account
    try:
        return account_open(actor=actor, organisation=organisation)
    except ValidationError as exc:
        raise ValidationError(
            _("%(org)s has no holding account and none can be opened: %(reason)s")
            % {"org": organisation.name, "reason": " ".join(exc.messages)}
        ) from exc


@transaction.atomic
def holdings_merge(*, actor, event: OrganisationEvent) -> HoldingsSuccession:
    """Art. 14 ¶1: everything the absorbed unit's holding account holds moves to the survivor's
    account (opened if it has none) in one transaction, and the absorbed account is closed, so
    nothing can post to it again (the ledger refuses accounts that are not open). Called by the
    registry's merger, in its transaction: a refusal here undoes the merger. A second call for
    the same event returns the first succession."""
    require_registrar(actor)
    if event.kind != EventKind.MERGER:
        raise ValidationError(_("Only a merger moves all of a unit's holdings."))
    existing = HoldingsSuccession.objects.filter(event=event).first()
    if existing is not None:
        return existing
    _locked_tip()  # every posting waits for this lock: the holdings read below stay as they are
    source = _locked_account(event.organisation_id)
    held = positive_holdings(source)
    target, tx = None, None
    if held:
        target, tx = _move_all(actor, event, source, held)
    if source is not None:
        source.status = AccountStatus.CLOSED
        source.save(update_fields=["status"])
        audit.record(actor=actor, verb="account.close", target=source, data={"event": event.pk, "reason": "merger"})
    division = {
        "kind": EventKind.MERGER,
        "from_account": source.number if source else None,
        "to_account": target.number if target else None,
        "moved": {h.instrument.code: str(h.quantity_t) for h in held},
    }
    succession = _record(actor, event, tx, division, event.note)
    if source is not None:
        _notify_merger(event, source, target, held)
    return succession


def _move_all(actor, event: OrganisationEvent, source: Account, held) -> tuple[Account, object]:
    survivor = event.surviving_organisation
    try:
        target = _target_account(actor, survivor)
        legs = []
        for h in held:
            legs += [Leg(source, h.instrument, -h.quantity_t), Leg(target, h.instrument, h.quantity_t)]
        posted = post(
            actor=actor,
            kind=TransactionKind.SUCCESSION,
            legs=legs,
            idempotency_key=succession_key(event),
            memo=f"Merger {event.organisation.uscc} -> {survivor.uscc} / 合并 {event.organisation.uscc} 并入 {survivor.uscc}",
            reference=f"event-{event.pk}",
        )
    except ValidationError as exc:
        raise ValidationError(
            _(
                "The merger was not recorded: the holdings of account %(account)s could not move to "
                "%(survivor)s. %(reason)s"
            )
            % {"account": source.number, "survivor": survivor.name, "reason": " ".join(exc.messages)},
            code="succession_failed",
        ) from exc
    return target, posted.transaction


def _record(actor, event, tx, division: dict, note: str) -> HoldingsSuccession:
    succession = HoldingsSuccession(event=event, transaction=tx, division=division, note=note, recorded_by=actor)
    succession.full_clean()
    succession.save()
    audit.record(
        actor=actor,
        verb=f"holdings.{event.kind}",
        target=succession,
        data={"event": event.pk, "transaction": tx.code if tx else None, "division": division},
    )
    return succession


def _notify_merger(event, source: Account, target: Account | None, held) -> None:
    moved = ", ".join(f"{format_tonnes(h.quantity_t)} t {h.instrument.code}" for h in held) or "—"
    notifications.notify(
        recipients=list(staff_of(event.organisation_id)) + list(staff_of(event.surviving_organisation_id)),
        kind="trading.merger_succession",
        subject=gettext_lazy("Merger: allowance account %(account)s closed"),
        body=gettext_lazy(
            "The bureau recorded the merger of %(absorbed)s into %(survivor)s, effective %(date)s (Art. 14). "
            "Everything account %(account)s held has moved to account %(target)s: %(moved)s. "
            "Account %(account)s is closed."
        ),
        params={
            "absorbed": event.organisation.name_zh,
            "survivor": event.surviving_organisation.name_zh,
            "date": event.effective_date.isoformat(),
            "account": source.number,
            "target": target.number if target else "—",
            "moved": moved,
        },
        url=reverse("trading:account_home"),
    )


# -- split --


def _whole(value) -> Decimal:
    try:
        quantity = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(_("Enter whole tonnes, zero or more.")) from exc
    if not quantity.is_finite() or quantity < 0 or quantity != quantity.to_integral_value():
        raise ValidationError(_("Enter whole tonnes, zero or more."))
    return quantity.quantize(Decimal(1))


@transaction.atomic
def holdings_divide(
    *, actor, event: OrganisationEvent, division: dict[tuple[int, int], object], note: str
) -> HoldingsSuccession:
    """Art. 14 ¶2: the bureau divides the splitting unit's holdings among the new owners of its
    facilities, per owner and instrument, never more of an instrument than the unit holds; what
    is not given stays with the splitting unit. Once per split, in one transaction."""
    require_registrar(actor)
    event = OrganisationEvent.objects.select_for_update().select_related("organisation").get(pk=event.pk)
    if event.kind != EventKind.SPLIT:
        raise ValidationError(_("Only a split's holdings are divided by the bureau."))
    if HoldingsSuccession.objects.filter(event=event).exists():
        raise ValidationError(
            _("The holdings of this split are already divided: a division is recorded once."), code="already_divided"
        )
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say how the division was agreed, for the record.")})
    _locked_tip()  # the holdings read below stay as they are until this commits
    plan = division_plan(event)
    quantities = _checked_division(plan, division)
    gives = [(owner, holding, q) for (owner, holding), q in quantities.items() if q > 0]
    tx, targets = None, {}
    if gives:
        for owner, _h, _q in gives:
            targets.setdefault(owner.pk, _target_account(actor, owner))
        totals: dict[int, Decimal] = {}
        for _o, h, q in gives:
            totals[h.instrument_id] = totals.get(h.instrument_id, Decimal(0)) + q
        legs = [
            Leg(plan.account, h.instrument, -totals[h.instrument_id])
            for h in plan.holdings
            if h.instrument_id in totals
        ]
        legs += [Leg(targets[owner.pk], h.instrument, q) for owner, h, q in gives]
        posted = post(
            actor=actor,
            kind=TransactionKind.SUCCESSION,
            legs=legs,
            idempotency_key=succession_key(event),
            memo=f"Split of {event.organisation.uscc} / 分立 {event.organisation.uscc}",
            reference=f"event-{event.pk}",
        )
        tx = posted.transaction
    record = _division_record(plan, quantities, targets)
    succession = _record(actor, event, tx, record, note)
    _notify_split(event, plan, gives, targets)
    return succession


def _checked_division(plan, division) -> dict[tuple[Organisation, object], Decimal]:
    """The division as (owner, holding) -> whole tonnes, or every reason it cannot be made."""
    owners = {o.organisation.pk: o.organisation for o in plan.owners}
    holdings = {h.instrument_id: h for h in plan.holdings}
    errors, result = [], {}
    for (owner_id, instrument_id), value in division.items():
        quantity = _whole(value)
        if owner_id not in owners:
            errors.append(_("Holdings are divided only among the new owners of the split's facilities."))
            continue
        if instrument_id not in holdings:
            if quantity > 0:
                errors.append(
                    _("The splitting unit holds no %(instrument)s.")
                    % {"instrument": Instrument.objects.filter(pk=instrument_id).values_list("code", flat=True).first()}
                )
            continue
        result[(owners[owner_id], holdings[instrument_id])] = quantity
    for h in plan.holdings:
        given = sum((q for (_o, hh), q in result.items() if hh.instrument_id == h.instrument_id), Decimal(0))
        if given > h.quantity_t:
            errors.append(
                _(
                    "%(given)s t of %(instrument)s are divided, but account %(account)s holds only %(held)s t: "
                    "divide at most what it holds."
                )
                % {
                    "given": format_tonnes(given),
                    "instrument": h.instrument.code,
                    "account": plan.account.number,
                    "held": format_tonnes(h.quantity_t),
                }
            )
    if errors:
        raise ValidationError(list(dict.fromkeys(errors)), code="bad_division")
    return result


def _division_record(plan, quantities, targets) -> dict:
    """What was decided, in plain data (codes, not labels): from where, to whom, what stays."""
    to = []
    for o in plan.owners:
        given = {h.instrument.code: str(q) for (owner, h), q in quantities.items() if owner.pk == o.organisation.pk}
        to.append(
            {
                "organisation": o.organisation.uscc,
                "share": str(o.share),
                "facilities": list(o.facilities),
                "account": targets[o.organisation.pk].number if o.organisation.pk in targets else None,
                "quantities": given,
            }
        )
    kept = plan.kept({(owner.pk, h.instrument_id): q for (owner, h), q in quantities.items()})
    return {
        "kind": EventKind.SPLIT,
        "from_account": plan.account.number if plan.account else None,
        "held": {h.instrument.code: str(h.quantity_t) for h in plan.holdings},
        "suggested": {f"{o}:{i}": str(q) for (o, i), q in plan.suggested.items()},
        "to": to,
        "kept": {h.instrument.code: str(kept[h.instrument_id]) for h in plan.holdings},
    }


def _notify_split(event, plan, gives, targets) -> None:
    """Each new owner hears what it received; the splitting unit hears the whole division."""
    if not gives:
        return
    common = {
        "unit": event.organisation.name_zh,
        "date": event.effective_date.isoformat(),
        "source": plan.account.number,
    }
    subject = gettext_lazy("Split of %(unit)s: allowances divided")
    body = gettext_lazy(
        "The bureau recorded how the holdings of %(unit)s are divided after its split, effective %(date)s "
        "(Art. 14): from account %(source)s, %(received)s."
    )
    lines = []
    for owner_id, account in targets.items():
        received = ", ".join(f"{format_tonnes(q)} t {h.instrument.code}" for o, h, q in gives if o.pk == owner_id)
        lines.append(f"{account.number}: {received}")
        notifications.notify(
            recipients=staff_of(owner_id),
            kind="trading.split_succession",
            subject=subject,
            body=body,
            params=common | {"received": lines[-1]},
            url=reverse("trading:account_home"),
        )
    notifications.notify(
        recipients=staff_of(event.organisation_id),
        kind="trading.split_succession",
        subject=subject,
        body=body,
        params=common | {"received": "; ".join(lines)},
        url=reverse("trading:account_home"),
    )
