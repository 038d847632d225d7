"""Reads of the compliance lifecycle after surrender: exemptions, moves to the national market with
their rollover tranches, and the carry-forward report (Art. 21 para 3: "If a regulated unit has
surplus allowances after surrendering in full, the surplus may be carried forward").

Carry-forward, as decided here (the Measures do not spell it out):
- A unit's surplus for year Y is what it holds of allowances of vintage Y or earlier once it has
  surrendered in full (status A). Those allowances stay valid for later years' surrender
  (services.surrender accepts any vintage up to the year surrendered for), so they carry forward
  into Y+1.
- A unit with status B or C has no surplus: whatever it holds is still owed for Y, so nothing
  carries forward until it has surrendered in full. An exempt unit has no obligation and no surplus
  in this report (a unit that moved to the national market has its allowances in the rollover
  account instead).
- The position is taken when the year closes: at the end of the surrender deadline day, or for a
  unit that surrendered late, right after its last surrender for Y. Before the deadline has passed
  the figures are provisional: today's holdings.

Every function runs a fixed number of queries whatever the number of units or tranches."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from registry.choices import EntryCategory, ListStatus
from registry.models import ListEntry

from ..choices import AccountKind, ComplianceStatus, InstrumentKind, PlanStatus
from ..models import AllocationPlan, ComplianceExemption, LedgerEntry, NationalMarketMove, RolloverTranche, Surrender
from .compliance import ComplianceRow, YearCompliance, compliance, deadline_passed, published_plan, year_compliance

ZERO = Decimal(0)
SETTLED = (ComplianceStatus.A, ComplianceStatus.EXEMPT, ComplianceStatus.NOT_APPLICABLE)


def listed_years(organisation_id: int) -> list[int]:
    """The years whose published list names the unit as regulated (not removed). One query."""
    return sorted(
        ListEntry.objects.filter(
            organisation_id=organisation_id,
            regulated_list__status=ListStatus.PUBLISHED,
            category=EntryCategory.REGULATED,
            is_removed=False,
        )
        .values_list("regulated_list__year", flat=True)
        .distinct()
    )


def unsettled_years(organisation_id: int, before_year: int) -> list[tuple[int, ComplianceRow]]:
    """The unit's compliance of each year before `before_year` that is not settled (neither A nor
    exempt). Only the years the portal runs a compliance cycle for count: a published allocation
    plan (with its surrender deadline) and a published list naming the unit. Earlier years were
    settled in the previous registration system and cannot be surrendered for here."""
    plan_years = set(
        AllocationPlan.objects.filter(status=PlanStatus.PUBLISHED, year__lt=before_year).values_list("year", flat=True)
    )
    rows = []
    for year in sorted(plan_years & set(listed_years(organisation_id))):
        row = compliance(organisation_id, year)
        if row.status not in SETTLED:
            rows.append((year, row))
    return rows


# -- exemptions --


def exemptions(*, year: int | None = None, q: str = "") -> QuerySet[ComplianceExemption]:
    qs = ComplianceExemption.objects.select_related("organisation", "recorded_by").order_by(
        "-year", "organisation__name_zh", "pk"
    )
    if year:
        qs = qs.filter(year=year)
    if q:
        qs = qs.filter(
            Q(organisation__name_zh__icontains=q)
            | Q(organisation__name_en__icontains=q)
            | Q(organisation__uscc__icontains=q)
        )
    return qs


# -- moves and tranches --


def moves() -> QuerySet[NationalMarketMove]:
    """Every move with its tranche counts and what has come back so far."""
    return (
        NationalMarketMove.objects.select_related("organisation", "recorded_by", "lock")
        .annotate(
            tranche_count=Count("tranches"),
            released_count=Count("tranches", filter=Q(tranches__released__isnull=False)),
            released_t=Coalesce(Sum("tranches__quantity_t", filter=Q(tranches__released__isnull=False)), ZERO),
        )
        .order_by("-recorded_at", "-pk")
    )


def tranches_of(move: NationalMarketMove) -> list[RolloverTranche]:
    return list(move.tranches.select_related("instrument", "released").order_by("due_date", "instrument__vintage"))


def due_tranches(today: date | None = None) -> QuerySet[RolloverTranche]:
    return RolloverTranche.objects.filter(released__isnull=True, due_date__lte=today or timezone.localdate())


@dataclass
class TrancheDate:
    """The tranches of one date, one line per instrument."""

    due_date: date
    tranches: list[RolloverTranche]

    @property
    def quantity_t(self) -> Decimal:
        return sum((t.quantity_t for t in self.tranches), ZERO)

    @property
    def released(self) -> bool:
        return all(t.released_id for t in self.tranches)


def by_date(tranches: list[RolloverTranche]) -> list[TrancheDate]:
    groups: dict[date, list[RolloverTranche]] = {}
    for tranche in tranches:
        groups.setdefault(tranche.due_date, []).append(tranche)
    return [TrancheDate(day, group) for day, group in groups.items()]


def move_of(organisation_id: int) -> NationalMarketMove | None:
    return NationalMarketMove.objects.filter(organisation_id=organisation_id).select_related("lock").first()


# -- carry-forward --


@dataclass
class CarryForwardRow:
    compliance: ComplianceRow
    held_t: Decimal = ZERO  # allowances of vintage <= year held when the year closed

    @property
    def surplus_t(self) -> Decimal | None:
        """Carried forward into the next year: only once the obligation is surrendered in full."""
        return self.held_t if self.compliance.status == ComplianceStatus.A else None


@dataclass
class CarryForward:
    year: int
    result: YearCompliance
    rows: list[CarryForwardRow] = field(default_factory=list)

    @property
    def closed(self) -> bool:
        """After the deadline the position is the one at the year's close; before it, today's."""
        return deadline_passed(self.result.plan)

    @property
    def totals(self) -> dict[str, Decimal | int]:
        live = [r for r in self.rows if r.compliance.status != ComplianceStatus.EXEMPT]
        return {
            "obligation_t": sum((r.compliance.obligation_t for r in live if r.compliance.determined), ZERO),
            "allowances_t": sum((r.compliance.allowances_t for r in self.rows), ZERO),
            "offsets_t": sum((r.compliance.offsets_t for r in self.rows), ZERO),
            "surplus_t": sum((r.surplus_t for r in self.rows if r.surplus_t is not None), ZERO),
            "with_surplus": sum(1 for r in self.rows if r.surplus_t),
        }


def _close_of(year: int) -> datetime | None:
    """The end of the year's surrender deadline day, once it has passed (None before: today's holdings)."""
    plan = published_plan(year)
    if not deadline_passed(plan):
        return None
    return timezone.make_aware(datetime.combine(plan.surrender_deadline + timedelta(days=1), time.min))


def allowances_held(year: int, organisation_ids: list[int]) -> dict[int, Decimal]:
    """Per unit, the allowances of vintage `year` or earlier on its holding accounts when the year
    closed (see the module's docstring). One query: ledger entries summed up to each unit's close,
    the later of the deadline's end and its last surrender for the year still in force."""
    entries = LedgerEntry.objects.filter(
        account__kind=AccountKind.HOLDING,
        account__holder_id__in=organisation_ids,
        instrument__kind=InstrumentKind.ALLOWANCE,
        instrument__vintage__lte=year,
    )
    close = _close_of(year)
    if close is not None:
        last_surrender = (
            Surrender.objects.filter(
                organisation_id=OuterRef("account__holder_id"), year=year, transaction__reversed_by__isnull=True
            )
            .order_by("-surrendered_at")
            .values("surrendered_at")[:1]
        )
        entries = entries.annotate(
            close=Greatest(Value(close), Coalesce(Subquery(last_surrender), Value(close)))
        ).filter(transaction__recorded_at__lte=F("close"))
    sums = entries.values("account__holder_id").annotate(t=Sum("quantity_t")).order_by()
    return {row["account__holder_id"]: row["t"] or ZERO for row in sums}


def carry_forward(year: int, filters: dict | None = None) -> CarryForward:
    """Every regulated unit of the year (filtered as the compliance table is) with its obligation,
    what it surrendered, its status and the surplus it carries forward into year+1. Seven queries."""
    result = year_compliance(year, filters)
    held = allowances_held(year, [r.organisation.pk for r in result.rows])
    rows = [CarryForwardRow(row, held.get(row.organisation.pk, ZERO)) for row in result.rows]
    return CarryForward(year=year, result=result, rows=rows)


def carry_forward_line(organisation_id: int, year: int) -> CarryForwardRow:
    """One unit's line of the year's carry-forward report (for its own pages)."""
    row = compliance(organisation_id, year)
    return CarryForwardRow(row, allowances_held(year, [organisation_id]).get(organisation_id, ZERO))


def plan_years() -> list[int]:
    return list(
        AllocationPlan.objects.filter(status=PlanStatus.PUBLISHED).order_by("-year").values_list("year", flat=True)
    )
