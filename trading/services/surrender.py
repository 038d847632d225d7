"""Surrender (Art. 21; DOMAIN.md "Allowances"): a unit hands in allowances and eligible offsets
against its determined emissions for a year. The units go to the bureau's cancellation account in
one ledger transaction. Offsets count only up to the year's offset limit and never come from
inside the unit's own boundary; a surplus is not surrendered, it stays on the account and carries
forward. Surrender after the deadline is still accepted (the unit remains obliged); the compliance
selector marks it late."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from carbon_portal import audit
from registry.models import Organisation

from ..choices import AccountKind, InstrumentKind, TransactionKind
from ..models import Account, Instrument, Surrender
from ..permissions import require_account_holder
from ..selectors.compliance import (
    approved_determination,
    is_exempt,
    is_regulated,
    obligation_t,
    offset_limit_t,
    published_plan,
    surrendered_so_far,
)
from .accounts import bureau_account
from .acts import _replay_first
from .ledger import Leg, post


def _reference(organisation_id: int, year: int) -> str:
    return f"surrender:{organisation_id}:{year}"


def _quantities(items) -> list[tuple[Instrument, Decimal]]:
    """Whole tonnes above zero, one line per instrument; lines of 0 t are left out."""
    lines: list[tuple[Instrument, Decimal]] = []
    seen = set()
    for instrument, quantity_t in items:
        try:
            quantity = Decimal(str(quantity_t))
        except ArithmeticError as exc:
            raise ValidationError(_("Enter whole numbers of tonnes.")) from exc
        if not quantity.is_finite() or quantity < 0 or quantity != quantity.to_integral_value():
            raise ValidationError(
                _("Enter a whole number of tonnes, 0 or more, for %(instrument)s.") % {"instrument": instrument.code}
            )
        if quantity == 0:
            continue
        if instrument.pk in seen:
            raise ValidationError(
                _("%(instrument)s is listed twice: give one quantity for it.") % {"instrument": instrument.code}
            )
        seen.add(instrument.pk)
        lines.append((instrument, quantity.quantize(Decimal(1))))
    if not lines:
        raise ValidationError(_("Enter the quantity to surrender of at least one instrument."))
    return sorted(lines, key=lambda line: line[0].pk)


@transaction.atomic
def surrender(*, actor, account: Account, year: int, items, idempotency_key: str) -> Surrender:
    """Surrenders `items` [(instrument, quantity_t)] from the unit's holding account for `year`.
    Refused, with nothing recorded: another unit's account, no published plan for the year, a year
    the unit is exempt for, emissions not yet determined, an allowance of a later vintage, an offset
    of a type the plan does not accept or from inside the unit's own boundary, offsets beyond the
    limit, more than is outstanding, or more than the account holds. A retry with the same
    idempotency key returns the first surrender."""
    require_account_holder(actor, account)
    lines = _quantities(items)
    organisation_id = account.holder_id
    sink = bureau_account(AccountKind.CANCELLATION, actor=actor)
    legs = []
    for instrument, quantity in lines:
        legs += [Leg(account, instrument, -quantity), Leg(sink, instrument, quantity)]
    request = {
        "actor": actor,
        "kind": TransactionKind.SURRENDER,
        "legs": legs,
        "reference": _reference(organisation_id, year),
    }
    # A retry of a surrender already recorded gets it back before any business check (see
    # acts._replay_first): what happened since the first attempt must not refuse the retry.
    replayed = _replay_first(idempotency_key, **request)
    if replayed:
        return Surrender.objects.get(transaction=replayed.transaction)

    # One surrender per unit at a time: the offset limit and the outstanding obligation are read
    # and then used, so the unit's row is locked for the rest of the transaction.
    Organisation.objects.select_for_update().get(pk=organisation_id)
    if account.kind != AccountKind.HOLDING:
        raise ValidationError(_("Units are surrendered from a unit's holding account."))
    plan = published_plan(year)
    if plan is None:
        raise ValidationError(
            _("There is no published allocation plan for %(year)s: nothing can be surrendered for it yet.")
            % {"year": year},
            code="no_plan",
        )
    if not is_regulated(organisation_id, year):
        raise ValidationError(
            _("Your unit is not on the published list of regulated units for %(year)s: it has nothing to surrender.")
            % {"year": year},
            code="not_regulated",
        )
    if is_exempt(organisation_id, year):
        raise ValidationError(
            _(
                "Your unit is exempt from surrender for %(year)s (the bureau lifted the obligation, for example on "
                "its move to the national carbon market): there is nothing to surrender for that year."
            )
            % {"year": year},
            code="exempt",
        )
    determination = approved_determination(organisation_id, year)
    if determination is None:
        raise ValidationError(
            _("Your emissions for %(year)s are not yet determined: surrender opens once the bureau has approved them.")
            % {"year": year},
            code="not_determined",
        )
    obligation = obligation_t(determination.emissions_tco2e)
    allowances_before, offsets_before = surrendered_so_far(organisation_id, year)

    allowances = offsets = Decimal(0)
    for instrument, quantity in lines:
        if instrument.kind == InstrumentKind.ALLOWANCE:
            if instrument.vintage > year:
                raise ValidationError(
                    _("%(instrument)s are allowances of a later year: only allowances of %(year)s or earlier count.")
                    % {"instrument": instrument.code, "year": year},
                    code="later_vintage",
                )
            allowances += quantity
            continue
        if instrument.kind not in (plan.eligible_offsets or []):
            raise ValidationError(
                _("The plan for %(year)s does not accept %(kind)s for surrender.")
                % {"year": year, "kind": instrument.get_kind_display()},
                code="ineligible_offset",
            )
        if instrument.origin_organisation_id == organisation_id:
            raise ValidationError(
                _("%(instrument)s come from reductions inside your own boundary: they cannot be surrendered.")
                % {"instrument": instrument.code},
                code="own_boundary",
            )
        offsets += quantity

    if offsets:
        limit = offset_limit_t(plan, organisation_id, obligation)
        if offsets_before + offsets > limit:
            raise ValidationError(
                _(
                    "Offsets for %(year)s are limited to %(limit)s t; %(used)s t already surrendered, so at most "
                    "%(left)s t more."
                )
                % {"year": year, "limit": limit, "used": offsets_before, "left": max(limit - offsets_before, 0)},
                code="offset_limit",
            )
    outstanding = obligation - allowances_before - offsets_before
    if outstanding <= 0:
        raise ValidationError(
            _("Your obligation for %(year)s is already surrendered in full: what you hold carries forward.")
            % {"year": year},
            code="nothing_outstanding",
        )
    if allowances + offsets > outstanding:
        raise ValidationError(
            _(
                "Only %(outstanding)s t are outstanding for %(year)s: surrender no more than that; the rest carries forward."
            )
            % {"outstanding": outstanding, "year": year},
            code="more_than_outstanding",
        )

    posted = post(idempotency_key=idempotency_key, **request)
    record = Surrender.objects.create(
        organisation_id=organisation_id,
        year=year,
        transaction=posted.transaction,
        allowances_t=allowances,
        offsets_t=offsets,
        surrendered_by=actor,
    )
    audit.record(
        actor=actor,
        verb="ledger.surrender",
        target=record,
        data={
            "code": posted.transaction.code,
            "year": year,
            "allowances_t": str(allowances),
            "offsets_t": str(offsets),
            "obligation_t": str(obligation),
        },
    )
    return record
