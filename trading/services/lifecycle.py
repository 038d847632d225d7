"""The compliance lifecycle after surrender: exemptions the bureau records, and a unit's move to the
national carbon market (Action Plan (5)), which exempts it from then on and locks its surplus
allowances in the rollover account, to be rolled back over to it in tranches (services.rollover).

Every act here is the bureau's, is audited, and is told to the unit's staff. Both acts lock the
unit's organisation row, as a surrender does, so neither can slip in between a surrender's checks
and its posting."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carbon_portal import audit, notifications
from carbon_portal.formatting import format_tonnes
from registry.models import Organisation
from reporting.notices import staff_of

from ..choices import AccountKind, ExemptionReason, TransactionKind
from ..models import ComplianceExemption, NationalMarketMove, RolloverTranche
from ..permissions import require_registrar
from ..selectors.compliance import is_regulated, surrenders_in_force
from ..selectors.lifecycle import listed_years, unsettled_years
from .accounts import bureau_account
from .ledger import Leg, _locked_tip, post
from .rollover import TrancheSpec, check_schedule, default_schedule, rollover_plan

# The Shanghai pilot market began in 2013: no compliance year before it.
FIRST_YEAR = 2013
MANUAL_REASONS = (ExemptionReason.SHUTDOWN, ExemptionReason.OTHER)


def _locked_unit(organisation: Organisation) -> Organisation:
    return Organisation.objects.select_for_update().get(pk=organisation.pk)


# -- exemptions --


@transaction.atomic
def exemption_record(
    *, actor, organisation: Organisation, year: int, reason: str, note: str = ""
) -> ComplianceExemption:
    """Lifts a listed unit's obligation for a year: its status becomes "exempt", it is never a
    candidate violation, and surrender for that year is refused. Refused for a unit not on the year's
    list, a year already exempt, or a year the unit has surrendered for (reverse the surrender first).
    A move to the national market records its own exemptions (services.lifecycle.national_move_record)."""
    require_registrar(actor)
    organisation = _locked_unit(organisation)
    note = (note or "").strip()
    if reason not in MANUAL_REASONS:
        raise ValidationError(
            {"reason": _("A move to the national market is recorded on its own page, with its rollover.")}
        )
    if reason == ExemptionReason.OTHER and not note:
        raise ValidationError({"note": _("Say why the bureau lifts the obligation.")})
    if not is_regulated(organisation.pk, year):
        raise ValidationError(
            {
                "year": _(
                    "%(unit)s is not on the published list of regulated units for %(year)s: it has no obligation to lift."
                )
                % {"unit": organisation.name, "year": year}
            }
        )
    if ComplianceExemption.objects.filter(organisation=organisation, year=year).exists():
        raise ValidationError(
            {"year": _("%(unit)s is already exempt for %(year)s.") % {"unit": organisation.name, "year": year}}
        )
    move = NationalMarketMove.objects.filter(organisation=organisation, first_national_year__lte=year).first()
    if move is not None:
        raise ValidationError(
            {
                "year": _("%(unit)s is in the national market from %(first)s: it is exempt for %(year)s already.")
                % {"unit": organisation.name, "first": move.first_national_year, "year": year}
            }
        )
    if surrenders_in_force(organisation.pk, year).exists():
        raise ValidationError(
            {
                "year": _(
                    "%(unit)s has surrendered for %(year)s: its obligation cannot be lifted unless the bureau "
                    "reverses the surrender first."
                )
                % {"unit": organisation.name, "year": year}
            }
        )
    exemption = ComplianceExemption(organisation=organisation, year=year, reason=reason, note=note, recorded_by=actor)
    exemption.full_clean()
    exemption.save()
    audit.record(
        actor=actor, verb="compliance.exempt", target=exemption, data={"year": year, "reason": reason, "note": note}
    )
    _notify(
        organisation.pk,
        kind="compliance.exempted",
        subject=gettext_lazy("Your unit is exempt from surrender for %(year)s"),
        body=gettext_lazy(
            "The bureau lifted the %(year)s surrender obligation of %(unit)s (%(reason)s). Its compliance status "
            'for %(year)s is now "exempt".'
        ),
        params={"year": year, "unit": organisation.name_zh, "reason": exemption.get_reason_display()},
    )
    return exemption


@transaction.atomic
def exemption_withdraw(*, actor, exemption: ComplianceExemption, reason: str) -> None:
    """Restores the year's obligation, with the reason: the status is A/B/C again (and a candidate
    violation after the deadline if short). An exemption that came with a move to the national
    market is part of that move and is not withdrawn on its own. The audit keeps what was withdrawn."""
    require_registrar(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the exemption is withdrawn.")})
    _locked_unit(exemption.organisation)
    exemption = ComplianceExemption.objects.select_for_update().filter(pk=exemption.pk).first()
    if exemption is None:
        raise ValidationError(_("This exemption has already been withdrawn."), code="gone")
    if exemption.reason == ExemptionReason.NATIONAL_MARKET:
        raise ValidationError(
            _("This exemption is part of the unit's move to the national market and is not withdrawn on its own.")
        )
    if surrenders_in_force(exemption.organisation_id, exemption.year).exists():
        raise ValidationError(_("A surrender is recorded for this year: the exemption is not withdrawn."))
    audit.record(
        actor=actor,
        verb="compliance.exemption_withdraw",
        target=exemption,
        data={"year": exemption.year, "reason": exemption.reason, "note": exemption.note, "withdrawn_because": reason},
    )
    organisation, year = exemption.organisation, exemption.year
    exemption.delete()
    _notify(
        organisation.pk,
        kind="compliance.exemption_withdrawn",
        subject=gettext_lazy("Exemption for %(year)s withdrawn: surrender is due"),
        body=gettext_lazy(
            "The bureau withdrew the %(year)s exemption of %(unit)s: %(reason)s. The %(year)s obligation applies "
            "again; check the surrender page."
        ),
        params={"year": year, "unit": organisation.name_zh, "reason": reason},
    )


# -- the move to the national market --


def national_move_check(organisation: Organisation, first_year: int) -> None:
    """Why the move cannot be recorded (a ValidationError), if anything: already moved, a year out of
    range, never regulated, an earlier year not settled, or a surrender for N or later. Writes nothing,
    so the page may show a refusal before "check your answers"."""
    if NationalMarketMove.objects.filter(organisation=organisation).exists():
        raise ValidationError(
            _("The move of %(unit)s to the national market is already recorded.") % {"unit": organisation.name},
            code="already_moved",
        )
    latest = timezone.localdate().year + 1
    if not FIRST_YEAR <= first_year <= latest:
        raise ValidationError(
            {
                "first_national_year": _("Give a year between %(first)s and %(last)s.")
                % {"first": FIRST_YEAR, "last": latest}
            }
        )
    years = listed_years(organisation.pk)
    if not years:
        raise ValidationError(
            _("%(unit)s has never been on a published list of regulated units: it has nothing to move.")
            % {"unit": organisation.name}
        )
    unsettled = unsettled_years(organisation.pk, first_year)
    if unsettled:
        raise ValidationError(
            _(
                "%(unit)s has not settled its obligations before %(first)s (%(years)s): a move is recorded once every "
                "earlier year is surrendered in full or exempt."
            )
            % {
                "unit": organisation.name,
                "first": first_year,
                "years": "; ".join(f"{year}: {row.get_status_display()}" for year, row in unsettled),
            },
            code="unsettled",
        )
    surrendered = sorted(
        set(surrenders_in_force(organisation.pk).filter(year__gte=first_year).values_list("year", flat=True))
    )
    if surrendered:
        raise ValidationError(
            _("%(unit)s has surrendered for %(years)s: choose a first national year after it.")
            % {"unit": organisation.name, "years": ", ".join(map(str, surrendered))},
            code="surrendered_later",
        )


@transaction.atomic
def national_move_record(
    *,
    actor,
    organisation: Organisation,
    first_national_year: int,
    note: str = "",
    schedule: list[TrancheSpec] | None = None,
) -> NationalMarketMove:
    """Action Plan (5): the unit enters the national market from `first_national_year` (N). In one
    transaction: it is exempt for N and every later year on a published list; every vintage of
    Shanghai allowances on its holding account moves to the bureau's rollover account (offsets stay);
    the surplus and the tranches that bring it back within three years are recorded. Refused while
    an earlier year is not settled (A or exempt), and for a schedule beyond the three years."""
    require_registrar(actor)
    organisation = _locked_unit(organisation)
    national_move_check(organisation, first_national_year)
    schedule = check_schedule(first_national_year, schedule or default_schedule(first_national_year))
    _locked_tip()  # nothing reaches or leaves the account between reading its holdings and locking them
    plan = rollover_plan(organisation.pk, schedule)
    lock = None
    if plan.holdings:
        sink = bureau_account(AccountKind.ROLLOVER, actor=actor)
        legs = []
        for instrument, quantity in plan.holdings:
            legs += [Leg(plan.account, instrument, -quantity), Leg(sink, instrument, quantity)]
        lock = post(
            actor=actor,
            kind=TransactionKind.ROLLOVER,
            legs=legs,
            idempotency_key=f"rollover:lock:{organisation.pk}",
            reference=f"national-move:{organisation.pk}:{first_national_year}",
        ).transaction
    move = NationalMarketMove.objects.create(
        organisation=organisation,
        first_national_year=first_national_year,
        surplus_t=plan.surplus_t,
        lock=lock,
        note=(note or "").strip(),
        recorded_by=actor,
    )
    RolloverTranche.objects.bulk_create(
        RolloverTranche(move=move, instrument=instrument, due_date=spec.due_date, quantity_t=quantity)
        for spec, lines in plan.tranches
        for instrument, quantity in lines
    )
    exempt_years = _exempt_from(move, actor)
    audit.record(
        actor=actor,
        verb="rollover.move",
        target=move,
        data={
            "first_national_year": first_national_year,
            "lock": lock.code if lock else None,
            "surplus_t": str(plan.surplus_t),
            "held": {instrument.code: str(quantity) for instrument, quantity in plan.holdings},
            "schedule": [[spec.due_date.isoformat(), str(spec.share_pct)] for spec in schedule],
            "exempt_years": exempt_years,
        },
    )
    _notify_move(move, schedule)
    return move


def _exempt_from(move: NationalMarketMove, actor) -> list[int]:
    """An exemption (reason: national market) for each year from N on whose published list names the
    unit; a year already exempt for another reason keeps that exemption."""
    have = set(ComplianceExemption.objects.filter(organisation=move.organisation).values_list("year", flat=True))
    years = [y for y in listed_years(move.organisation_id) if y >= move.first_national_year and y not in have]
    ComplianceExemption.objects.bulk_create(
        ComplianceExemption(
            organisation=move.organisation,
            year=year,
            reason=ExemptionReason.NATIONAL_MARKET,
            note=move.note,
            recorded_by=actor,
        )
        for year in years
    )
    return years


def _notify_move(move: NationalMarketMove, schedule: list[TrancheSpec]) -> None:
    _notify(
        move.organisation_id,
        kind="rollover.moved",
        subject=gettext_lazy("Move to the national carbon market recorded from %(year)s"),
        body=gettext_lazy(
            "The bureau recorded that %(unit)s enters the national carbon market from %(year)s: it has no Shanghai "
            "surrender obligation from that year. Its %(surplus)s t of Shanghai allowances are held in the rollover "
            "account and come back to its holding account in tranches on %(dates)s (Action Plan (5))."
        ),
        params={
            "unit": move.organisation.name_zh,
            "year": move.first_national_year,
            "surplus": format_tonnes(move.surplus_t),
            "dates": ", ".join(spec.due_date.isoformat() for spec in schedule),
        },
    )


def _notify(organisation_id: int, *, kind: str, subject, body, params: dict) -> None:
    notifications.notify(
        recipients=staff_of(organisation_id),
        kind=kind,
        subject=subject,
        body=body,
        params=params,
        url=reverse("trading:account_home"),
    )
