"""Compliance per unit and year (Art. 21; DOMAIN.md "Allowances"): the obligation is the approved
determination of the year's emissions, what the unit surrendered against it, what is outstanding,
and the status A/B/C. Units on the year's published list of regulated units only; any other unit
is "not applicable". A listed unit whose obligation the bureau lifted (a ComplianceExemption for the
year, or a move to the national market from that year or earlier) is "exempt", never a candidate.
After the plan's surrender deadline, the units short of their obligation are candidate violations
for the bureau to review: nothing here decides or fines anything.

Every function runs a fixed number of queries whatever the number of units."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from registry.choices import EntryCategory, ListStatus
from registry.models import ListEntry, Organisation, RegulatedList
from verification.choices import DeterminationStatus
from verification.models import Determination

from ..choices import ComplianceStatus, OffsetBasis, PlanStatus, RunStatus
from ..models import AllocationPlan, ComplianceExemption, NationalMarketMove, Surrender, UnitAllocation

ZERO = Decimal(0)
STATUS_ORDER = [ComplianceStatus.A, ComplianceStatus.B, ComplianceStatus.C]


def published_plan(year: int) -> AllocationPlan | None:
    """The year's published plan: its surrender deadline and offset rules apply."""
    return AllocationPlan.objects.filter(year=year, status=PlanStatus.PUBLISHED).first()


def obligation_t(emissions_tco2e) -> Decimal:
    """Allowances are surrendered in whole tonnes, so the obligation is the determined emissions
    rounded UP to the next whole tonne (10,000.2 tCO2e -> 10,001 t): never less than emitted."""
    return Decimal(emissions_tco2e).to_integral_value(rounding=ROUND_CEILING)


def approved_determination(organisation_id: int, year: int) -> Determination | None:
    return Determination.objects.filter(
        organisation_id=organisation_id, year=year, status=DeterminationStatus.APPROVED
    ).first()


def is_regulated(organisation_id: int, year: int) -> bool:
    """On the year's published list as a regulated unit, and not removed."""
    return _regulated_entries(year).filter(organisation_id=organisation_id).exists()


def exempt_ids(year: int, organisation_ids) -> set[int]:
    """Of these units, those exempt for the year: an exemption recorded for it, or a move to the
    national market effective that year or earlier (a later list that names the unit by mistake
    does not make it owe Shanghai allowances again). One query."""
    recorded = ComplianceExemption.objects.filter(year=year, organisation_id__in=organisation_ids)
    moved = NationalMarketMove.objects.filter(first_national_year__lte=year, organisation_id__in=organisation_ids)
    ids = recorded.order_by().values_list("organisation_id", flat=True)
    return set(ids.union(moved.order_by().values_list("organisation_id", flat=True)))


def is_exempt(organisation_id: int, year: int) -> bool:
    return bool(exempt_ids(year, [organisation_id]))


def offset_limit_t(plan: AllocationPlan, organisation_id: int, obligation: Decimal | None) -> Decimal:
    """How many tonnes of offsets the unit may surrender for the plan's year: the plan's share of the
    unit's allocation in the plan's adopted run, or of its obligation, rounded down to whole tonnes.
    Without an adopted allocation (or obligation) for the unit, the limit is 0."""
    if plan.offset_basis == OffsetBasis.ALLOCATION:
        base = (
            UnitAllocation.objects.filter(
                run__plan=plan, run__status=RunStatus.ADOPTED, organisation_id=organisation_id
            ).values_list("total_t", flat=True)
        ).first()
    else:
        base = obligation
    if not base or base <= 0:
        return ZERO
    return (Decimal(base) * plan.offset_limit_pct / 100).to_integral_value(rounding=ROUND_FLOOR)


def surrenders_in_force(organisation_id: int | None = None, year: int | None = None):
    """Surrenders whose ledger transaction has not been reversed by the bureau."""
    qs = Surrender.objects.filter(transaction__reversed_by__isnull=True)
    if organisation_id is not None:
        qs = qs.filter(organisation_id=organisation_id)
    if year is not None:
        qs = qs.filter(year=year)
    return qs


def surrendered_so_far(organisation_id: int, year: int) -> tuple[Decimal, Decimal]:
    """(allowances, offsets) surrendered for the unit's year so far."""
    sums = surrenders_in_force(organisation_id, year).aggregate(a=Sum("allowances_t"), o=Sum("offsets_t"))
    return sums["a"] or ZERO, sums["o"] or ZERO


def deadline_passed(plan: AllocationPlan | None, today: date | None = None) -> bool:
    """True from the day after the surrender deadline."""
    if plan is None:
        return False
    return (today or timezone.localdate()) > plan.surrender_deadline


def _deadline_end(plan: AllocationPlan | None) -> datetime | None:
    if plan is None:
        return None
    return timezone.make_aware(datetime.combine(plan.surrender_deadline + timedelta(days=1), time.min))


@dataclass
class ComplianceRow:
    organisation: Organisation
    status: str
    on_list: bool = True
    emissions_tco2e: Decimal | None = None
    obligation_t: Decimal | None = None
    allowances_t: Decimal = ZERO
    offsets_t: Decimal = ZERO
    late: bool = False  # something was surrendered after the deadline
    last_surrender_at: datetime | None = None

    @property
    def surrendered_t(self) -> Decimal:
        return self.allowances_t + self.offsets_t

    @property
    def outstanding_t(self) -> Decimal | None:
        """What is still to surrender (None while the emissions are not determined); a surplus
        surrendered earlier shows as 0 here."""
        if self.status == ComplianceStatus.EXEMPT:
            return ZERO
        if self.obligation_t is None:
            return None
        return max(self.obligation_t - self.surrendered_t, ZERO)

    @property
    def determined(self) -> bool:
        return self.obligation_t is not None

    def get_status_display(self) -> str:
        return str(ComplianceStatus(self.status).label)


@dataclass
class YearCompliance:
    year: int
    plan: AllocationPlan | None
    listed: bool  # the year's list of regulated units is published
    rows: list[ComplianceRow] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # per status, over every unit of the year

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def deadline_passed(self) -> bool:
        return deadline_passed(self.plan)

    def count_rows(self) -> list[tuple[str, str, int]]:
        """A, B, C always; "exempt" only in a year that has exempt units."""
        shown = STATUS_ORDER + ([ComplianceStatus.EXEMPT] if self.counts.get(ComplianceStatus.EXEMPT) else [])
        return [(s.value, str(s.label), self.counts.get(s.value, 0)) for s in shown]


def _regulated_entries(year: int):
    return ListEntry.objects.filter(
        regulated_list__year=year,
        regulated_list__status=ListStatus.PUBLISHED,
        category=EntryCategory.REGULATED,
        is_removed=False,
    )


def _rows(year: int, plan: AllocationPlan | None, organisations: list[Organisation]) -> list[ComplianceRow]:
    """Three queries for any number of units: determinations, surrenders, exemptions."""
    ids = [o.pk for o in organisations]
    determined = dict(
        Determination.objects.filter(
            organisation_id__in=ids, year=year, status=DeterminationStatus.APPROVED
        ).values_list("organisation_id", "emissions_tco2e")
    )
    deadline_end = _deadline_end(plan)
    late = Count("id", filter=Q(surrendered_at__gte=deadline_end)) if deadline_end else Count("id", filter=Q(pk=None))
    surrendered = {
        s["organisation_id"]: s
        for s in surrenders_in_force(year=year)
        .filter(organisation_id__in=ids)
        .values("organisation_id")
        .annotate(a=Sum("allowances_t"), o=Sum("offsets_t"), late=late, last=Max("surrendered_at"))
    }
    exempt = exempt_ids(year, ids)
    rows = []
    for organisation in organisations:
        emissions = determined.get(organisation.pk)
        sums = surrendered.get(organisation.pk, {})
        row = ComplianceRow(
            organisation=organisation,
            status=ComplianceStatus.C,
            emissions_tco2e=emissions,
            obligation_t=obligation_t(emissions) if emissions is not None else None,
            allowances_t=sums.get("a") or ZERO,
            offsets_t=sums.get("o") or ZERO,
            late=bool(sums.get("late")),
            last_surrender_at=sums.get("last"),
        )
        if organisation.pk in exempt:
            row.status = ComplianceStatus.EXEMPT
        elif row.determined:
            row.status = ComplianceStatus.A if row.surrendered_t >= row.obligation_t else ComplianceStatus.B
        rows.append(row)
    return rows


def compliance(organisation_id: int, year: int) -> ComplianceRow:
    """One unit's compliance for a year; a unit not on the year's published list is "n/a"."""
    organisation = Organisation.objects.get(pk=organisation_id)
    row = _rows(year, published_plan(year), [organisation])[0]
    if not is_regulated(organisation_id, year):
        row.on_list, row.status = False, ComplianceStatus.NOT_APPLICABLE
    return row


FILTER_KEYS = ("q", "status", "late")


def clean_filters(raw) -> dict[str, str]:
    """The filters a page may pass: a search text, a status, late yes/no; anything else dropped."""
    filters = {key: (raw.get(key) or "").strip()[:100] for key in FILTER_KEYS}
    if filters["status"] not in [s.value for s in STATUS_ORDER] + [ComplianceStatus.EXEMPT.value]:
        filters["status"] = ""
    if filters["late"] not in ("yes", "no"):
        filters["late"] = ""
    return {key: value for key, value in filters.items() if value}


def year_compliance(year: int, filters: dict | None = None) -> YearCompliance:
    """Every regulated unit (not removed) on the year's published list, by name, with its status.
    `filters` as from clean_filters: q (name or credit code), status, late. The counts per status
    are over every unit of the year, whatever the filters. Six queries."""
    filters = filters or {}
    plan = published_plan(year)
    entries = list(
        _regulated_entries(year).select_related("organisation").order_by("organisation__name_zh", "organisation_id")
    )
    listed = RegulatedList.objects.filter(year=year, status=ListStatus.PUBLISHED).exists()
    rows = _rows(year, plan, [e.organisation for e in entries])
    counts = {s.value: 0 for s in STATUS_ORDER}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    q = filters.get("q", "").casefold()
    if q:
        rows = [
            r
            for r in rows
            if q in r.organisation.name_zh.casefold()
            or q in (r.organisation.name_en or "").casefold()
            or q in r.organisation.uscc.casefold()
        ]
    if filters.get("status"):
        rows = [r for r in rows if r.status == filters["status"]]
    if filters.get("late"):
        rows = [r for r in rows if r.late == (filters["late"] == "yes")]
    return YearCompliance(year=year, plan=plan, listed=listed, rows=rows, counts=counts)


@dataclass
class Candidate:
    """A unit short of its obligation after the deadline: for the bureau's review, not a decision."""

    row: ComplianceRow

    @property
    def shortfall_t(self) -> Decimal | None:
        """Tonnes still to surrender; None while the emissions are not determined (status C)."""
        return self.row.outstanding_t


def candidate_violations(year: int, today: date | None = None) -> list[Candidate]:
    """After the year's surrender deadline: every regulated unit with status B or C, with its
    shortfall. Before the deadline (or without a published plan) there are none. Nothing is
    decided here: the bureau reviews each candidate (the fine of Art. 42 para 3 is decided elsewhere)."""
    plan = published_plan(year)
    if not deadline_passed(plan, today):
        return []
    return [
        Candidate(row) for row in year_compliance(year).rows if row.status in (ComplianceStatus.B, ComplianceStatus.C)
    ]
