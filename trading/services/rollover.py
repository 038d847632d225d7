"""The rollover of a unit that moved to the national market (Action Plan (5)): "their surplus carbon
emission quotas shall, in principle, be gradually rolled over in the Shanghai carbon emission
trading market within three years".

The surplus is locked in the bureau's rollover account when the move is recorded (services.lifecycle)
and comes back to the unit's holding account in tranches, each on its date, where it can be traded
in the Shanghai market again. The schedule is a list of (date, share of the surplus); by default three
equal tranches on 1 January of the first national year N, N+1 and N+2. Every date lies within the
three years that start on 1 January of N (so on or before 31 December of N+2).

A tranche is released once: the daily beat (or the bureau's button) releases those due, each in
its own ledger transaction with a fixed idempotency key, and never more of an instrument than was
locked for the move."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carbon_portal import audit, notifications
from carbon_portal.formatting import format_tonnes
from reporting.notices import staff_of

from ..choices import AccountKind, InstrumentKind, TransactionKind
from ..models import Account, Holding, Instrument, LedgerEntry, NationalMarketMove, RolloverTranche
from ..permissions import require_registrar
from .accounts import bureau_account, holding_account_of
from .ledger import Leg, post

ROLLOVER_YEARS = 3
MAX_TRANCHES = 6
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class TrancheSpec:
    due_date: date
    share_pct: Decimal


def first_rollover_date(first_national_year: int) -> date:
    return date(first_national_year, 1, 1)


def last_rollover_date(first_national_year: int) -> date:
    """The last day of the three years that start on 1 January of the first national year."""
    return date(first_national_year + ROLLOVER_YEARS - 1, 12, 31)


def default_schedule(first_national_year: int) -> list[TrancheSpec]:
    """Three equal tranches on 1 January of N, N+1 and N+2 (the shares add up to exactly 100%)."""
    shares = [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    return [TrancheSpec(date(first_national_year + n, 1, 1), share) for n, share in enumerate(shares)]


def check_schedule(first_national_year: int, schedule: list[TrancheSpec]) -> list[TrancheSpec]:
    """The bureau's schedule, or the reason it cannot be used: one to six tranches, dates in order
    and within the three years, shares above 0 with at most two decimals, adding up to 100%."""
    if not schedule:
        raise ValidationError(_("Give at least one tranche, or leave every row blank for the default schedule."))
    if len(schedule) > MAX_TRANCHES:
        raise ValidationError(_("Give at most %(n)s tranches.") % {"n": MAX_TRANCHES})
    first, last = first_rollover_date(first_national_year), last_rollover_date(first_national_year)
    for before, after in zip(schedule, schedule[1:], strict=False):
        if after.due_date <= before.due_date:
            raise ValidationError(_("List the tranches in date order, each on a different day."), code="order")
    for spec in schedule:
        if not first <= spec.due_date <= last:
            raise ValidationError(
                _(
                    "Every tranche is rolled over within three years of the move (Action Plan (5)): between "
                    "%(first)s and %(last)s. %(date)s is outside."
                )
                % {"first": first.isoformat(), "last": last.isoformat(), "date": spec.due_date.isoformat()},
                code="beyond_three_years",
            )
        try:
            share = Decimal(spec.share_pct)
        except (InvalidOperation, TypeError, ValueError) as exc:
            raise ValidationError(_("Give each tranche's share as a percentage.")) from exc
        if not share.is_finite() or share <= 0 or share != share.quantize(Decimal("0.01")):
            raise ValidationError(_("Each tranche's share is a percentage above 0 with at most two decimals."))
    total = sum((Decimal(spec.share_pct) for spec in schedule), Decimal(0))
    if total != HUNDRED:
        raise ValidationError(
            _("The tranches' shares add up to %(total)s%%: they must add up to 100%%.") % {"total": total},
            code="shares",
        )
    return schedule


def split(quantity_t: Decimal, schedule: list[TrancheSpec]) -> list[Decimal]:
    """Whole tonnes per tranche that add up to exactly `quantity_t` (largest remainder): each tranche
    gets its share rounded down, and the tonnes left over go one each to the tranches with the largest
    fractions, the earliest first on a tie. So 100 t in the default thirds is 34, 33, 33, 300 t is
    100, 100, 100, and nothing is ever created or lost by rounding."""
    quotas = [quantity_t * Decimal(spec.share_pct) / HUNDRED for spec in schedule]
    parts = [quota.to_integral_value(rounding=ROUND_FLOOR) for quota in quotas]
    left = int(quantity_t - sum(parts, Decimal(0)))
    by_fraction = sorted(range(len(quotas)), key=lambda n: (-(quotas[n] - parts[n]), n))
    for n in by_fraction[:left]:
        parts[n] += 1
    return parts


@dataclass
class RolloverPlan:
    """What recording a move would lock, and when each part comes back: [(instrument, quantity)] and
    [(spec, [(instrument, quantity)])]."""

    account: Account | None
    holdings: list[tuple[Instrument, Decimal]] = field(default_factory=list)
    tranches: list[tuple[TrancheSpec, list[tuple[Instrument, Decimal]]]] = field(default_factory=list)

    @property
    def surplus_t(self) -> Decimal:
        return sum((quantity for _i, quantity in self.holdings), Decimal(0))


def rollover_plan(organisation_id: int, schedule: list[TrancheSpec]) -> RolloverPlan:
    """Every vintage of Shanghai allowances the unit's holding account holds (offsets stay), split by
    the schedule. Two queries. The move re-reads it with the ledger locked, so it locks exactly this."""
    account = holding_account_of(organisation_id)
    plan = RolloverPlan(account=account)
    if account is None:
        return plan
    held = (
        Holding.objects.filter(account=account, instrument__kind=InstrumentKind.ALLOWANCE, quantity_t__gt=0)
        .select_related("instrument")
        .order_by("instrument__vintage", "instrument_id")
    )
    plan.holdings = [(h.instrument, h.quantity_t) for h in held]
    per_instrument = [(instrument, split(quantity, schedule)) for instrument, quantity in plan.holdings]
    for n, spec in enumerate(schedule):
        plan.tranches.append((spec, [(instrument, parts[n]) for instrument, parts in per_instrument if parts[n] > 0]))
    return plan


# -- release --


def _release_key(tranche: RolloverTranche) -> str:
    return f"rollover:release:{tranche.pk}"


def _locked_for(move: NationalMarketMove, instrument_id: int) -> Decimal:
    """What the move's lock put into the rollover account of this instrument."""
    if move.lock_id is None:
        return Decimal(0)
    total = LedgerEntry.objects.filter(
        transaction_id=move.lock_id, account__kind=AccountKind.ROLLOVER, instrument_id=instrument_id
    ).aggregate(t=Sum("quantity_t"))["t"]
    return total or Decimal(0)


def _release(tranche_id: int, *, ledger_actor, audit_actor, today: date) -> RolloverTranche | None:
    """Releases one due tranche, or returns None if it was already released. Refused (nothing
    recorded) when the unit has no open holding account, or when it would release more of the
    instrument than the move locked."""
    tranche = (
        RolloverTranche.objects.select_for_update()
        .select_related("move__organisation", "instrument")
        .get(pk=tranche_id)
    )
    if tranche.released_id is not None:
        return None
    if tranche.due_date > today:
        raise ValidationError(_("This tranche is due on %(date)s.") % {"date": tranche.due_date.isoformat()})
    move = tranche.move
    released = RolloverTranche.objects.filter(
        move=move, instrument=tranche.instrument, released__isnull=False
    ).aggregate(t=Sum("quantity_t"))["t"] or Decimal(0)
    if released + tranche.quantity_t > _locked_for(move, tranche.instrument_id):
        raise ValidationError(
            _("Releasing %(quantity)s t of %(instrument)s would return more than was locked for the move.")
            % {"quantity": format_tonnes(tranche.quantity_t), "instrument": tranche.instrument.code},
            code="beyond_lock",
        )
    account = holding_account_of(move.organisation_id)
    if account is None:
        raise ValidationError(
            _("%(unit)s has no open holding account to receive the rollover.") % {"unit": move.organisation.name},
            code="no_account",
        )
    source = bureau_account(AccountKind.ROLLOVER, actor=ledger_actor)
    posted = post(
        actor=ledger_actor,
        kind=TransactionKind.ROLLOVER,
        legs=[
            Leg(source, tranche.instrument, -tranche.quantity_t),
            Leg(account, tranche.instrument, tranche.quantity_t),
        ],
        idempotency_key=_release_key(tranche),
        reference=f"rollover:{move.pk}",
    )
    tranche.released = posted.transaction
    tranche.save(update_fields=["released"])
    audit.record(
        actor=audit_actor,
        verb="rollover.release",
        target=move,
        data={
            "code": posted.transaction.code,
            "instrument": tranche.instrument.code,
            "quantity_t": str(tranche.quantity_t),
            "due_date": tranche.due_date.isoformat(),
        },
    )
    return tranche


@dataclass
class ReleaseResult:
    released: list[RolloverTranche] = field(default_factory=list)
    refused: list[tuple[RolloverTranche, str]] = field(default_factory=list)


def tranches_release_due(*, actor=None, today: date | None = None) -> ReleaseResult:
    """Releases every tranche due by `today` that is not yet released; idempotent, so the beat and
    the bureau's button may both run it. The beat passes no actor: the ledger then names the bureau
    user who recorded the move (whose schedule it carries out) and the audit says "system". Each
    tranche is its own transaction: one refused (no open account) does not hold up the others."""
    if actor is not None:
        require_registrar(actor)
    today = today or timezone.localdate()
    due = list(
        RolloverTranche.objects.filter(released__isnull=True, due_date__lte=today)
        .select_related("move__recorded_by")
        .order_by("due_date", "move_id", "instrument_id")
    )
    result = ReleaseResult()
    for tranche in due:
        try:
            with transaction.atomic():
                done = _release(
                    tranche.pk, ledger_actor=actor or tranche.move.recorded_by, audit_actor=actor, today=today
                )
        except ValidationError as exc:
            result.refused.append((tranche, " ".join(exc.messages)))
            continue
        if done is not None:
            result.released.append(done)
    _notify_released(result.released)
    return result


def _notify_released(tranches: list[RolloverTranche]) -> None:
    by_move: dict[int, list[RolloverTranche]] = defaultdict(list)
    for tranche in tranches:
        by_move[tranche.move_id].append(tranche)
    for group in by_move.values():
        move = group[0].move
        notifications.notify(
            recipients=staff_of(move.organisation_id),
            kind="rollover.released",
            subject=gettext_lazy("Rollover: %(quantity)s t returned to your account"),
            body=gettext_lazy(
                "Under the rollover schedule of %(unit)s's move to the national carbon market (Action Plan (5)), "
                "%(lines)s came back from the rollover account to its holding account today and may be used "
                "in the Shanghai market."
            ),
            params={
                "quantity": format_tonnes(sum((t.quantity_t for t in group), Decimal(0))),
                "unit": move.organisation.name_zh,
                "lines": ", ".join(f"{format_tonnes(t.quantity_t)} t {t.instrument.code}" for t in group),
            },
            url=reverse("trading:account_home"),
        )
