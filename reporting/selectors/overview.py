"""The bureau's overview of a year's filings (Art. 15-16): every unit required to file, the status
of its current filing or "not started", the due date from the year's settings, and whether the
filing is overdue or came in late.

Built from the duty (the published lists), not from the filings, so a unit that never started is
on it. A fixed number of queries, however many units: the list entries, the filings of the year,
their lines (reports), the year's settings.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.choices import EntryCategory, ListStatus
from registry.models import ListEntry, Organisation
from registry.selectors import name_or_code, year_settings

from ..calculation import Line, totals
from ..choices import PlanStatus, ReportStatus
from ..models import AnnualReport, QualityPlan, ReportLine

NOT_STARTED = "not_started"
OVERDUE = "overdue"
LATE = "late"

# The states a unit's filing can be in on the overview, in the order the counts are shown.
# Superseded and abandoned versions are history: a unit is in the state of its current version.
REPORT_STATES = [
    (NOT_STARTED, _("Not started")),
    (ReportStatus.DRAFT.value, ReportStatus.DRAFT.label),
    (ReportStatus.SUBMITTED.value, ReportStatus.SUBMITTED.label),
]
PLAN_STATES = [
    (NOT_STARTED, _("Not started")),
    (PlanStatus.DRAFT.value, PlanStatus.DRAFT.label),
    (PlanStatus.SUBMITTED.value, PlanStatus.SUBMITTED.label),
    (PlanStatus.RETURNED.value, PlanStatus.RETURNED.label),
    (PlanStatus.ACCEPTED.value, PlanStatus.ACCEPTED.label),
]
FLAGS = [(OVERDUE, _("Overdue")), (LATE, _("Submitted late"))]


@dataclass
class OverviewRow:
    """One unit's duty for the year and where its filing stands."""

    organisation: Organisation
    category: str
    due_date: date | None
    filing: AnnualReport | QualityPlan | None = None  # the current version, if any
    first_submitted_on: date | None = None  # local date of the unit's first submission, any version
    is_overdue: bool = False
    total_tco2e: Decimal | None = None  # reports: the current version's total, biomass CO2 excluded
    correction: AnnualReport | None = None  # reports: a correction draft open beside the submitted one

    @property
    def state(self) -> str:
        return self.filing.status if self.filing else NOT_STARTED

    @property
    def category_label(self) -> str:
        return EntryCategory(self.category).label

    @property
    def is_late(self) -> bool:
        return bool(self.first_submitted_on and self.due_date and self.first_submitted_on > self.due_date)

    def has(self, state: str) -> bool:
        """True when the row belongs under a status filter (a state, or the overdue / late flag)."""
        if state == OVERDUE:
            return self.is_overdue
        if state == LATE:
            return self.is_late
        return self.state == state


@dataclass
class Overview:
    kind: str  # "reports" or "plans"
    year: int
    due_date: date | None
    today: date
    states: list[tuple[str, str]]
    rows: list[OverviewRow]  # after every filter, the status filter included
    counts: Counter = field(default_factory=Counter)  # per state and flag, before the status filter
    unfiltered_count: int = 0  # rows before the status filter

    @property
    def count_items(self) -> list[tuple[str, str, int]]:
        """(value, label, count) for the counts at the top of the page, states then flags."""
        return [(value, label, self.counts[value]) for value, label in [*self.states, *FLAGS]]

    @property
    def submitted_total_tco2e(self) -> Decimal | None:
        """The total of the listed units' submitted reports (None for plans)."""
        if self.kind != "reports":
            return None
        return sum((row.total_tco2e for row in self.rows if row.state == ReportStatus.SUBMITTED), Decimal(0))


def status_choices(states) -> list[tuple[str, str]]:
    return [*states, *FLAGS]


def _filtered(entries: QuerySet[ListEntry], *, q: str, category: str, district: str, industry: str):
    if q:
        entries = entries.filter(name_or_code(q.strip(), prefix="organisation__"))
    if category:
        entries = entries.filter(category=category)
    if district:
        entries = entries.filter(organisation__district=district)
    if industry:
        entries = entries.filter(organisation__industry__code=industry)
    return entries.select_related("organisation__industry", "regulated_list").order_by(
        "organisation__name_zh", "organisation_id", "-regulated_list__year"
    )


def _live_entries(years) -> QuerySet[ListEntry]:
    return ListEntry.objects.filter(
        regulated_list__year__in=years, regulated_list__status=ListStatus.PUBLISHED, is_removed=False
    )


def _local_date(moment: datetime | None) -> date | None:
    return timezone.localdate(moment) if moment else None


def _first_submitted(versions) -> date | None:
    moments = [v.submitted_at for v in versions if v.submitted_at]
    return _local_date(min(moments)) if moments else None


def _finish(kind, year, due, today, states, rows, status) -> Overview:
    counts = Counter()
    for row in rows:
        counts[row.state] += 1
        counts[OVERDUE] += row.is_overdue
        counts[LATE] += row.is_late
    shown = [row for row in rows if row.has(status)] if status else rows
    return Overview(kind, year, due, today, states, shown, counts, len(rows))


def _is_overdue(due: date | None, today: date, first_submitted_on: date | None) -> bool:
    """Overdue: the due date has passed and the unit has never submitted a version."""
    return bool(due and today > due and first_submitted_on is None)


def _report_totals(report_ids: list[int]) -> dict[int, Decimal]:
    """Each report's total by the report page's rule (biomass CO2 apart, summed exactly, rounded
    once), in one query. Summed in Python: a database SUM over decimals is floating point on SQLite."""
    by_report: dict[int, list[Line]] = {pk: [] for pk in report_ids}
    rows = ReportLine.objects.filter(report_id__in=report_ids).values_list(
        "report_id", "category", "gas", "emissions_tco2e", "is_biomass"
    )
    for report_id, category, gas, emissions, is_biomass in rows.iterator(chunk_size=2000):
        by_report[report_id].append(Line("", category, gas, emissions, is_biomass))
    return {report_id: totals(lines).total_tco2e for report_id, lines in by_report.items()}


def report_overview(
    *,
    year: int,
    q: str = "",
    category: str = "",
    district: str = "",
    industry: str = "",
    status: str = "",
    today: date | None = None,
) -> Overview:
    """Art. 16 ¶1, ¶3: every regulated and reporting unit on the year's published list (not
    removed) and its report for the year; overdue once the report due date has passed with
    nothing submitted."""
    today = today or timezone.localdate()
    settings = year_settings(year)
    due = settings.report_due_date if settings else None
    entries = list(
        _filtered(
            _live_entries([year]).filter(category__in=[EntryCategory.REGULATED, EntryCategory.REPORTING]),
            q=q,
            category=category,
            district=district,
            industry=industry,
        )
    )
    versions: dict[int, list[AnnualReport]] = {}
    reports = AnnualReport.objects.filter(
        year=year, organisation_id__in=[entry.organisation_id for entry in entries]
    ).order_by("version")
    for report in reports:
        versions.setdefault(report.organisation_id, []).append(report)
    rows = []
    for entry in entries:
        found = versions.get(entry.organisation_id, [])
        for report in found:
            report.organisation = entry.organisation  # the reference needs it; no query per row
        submitted = next((r for r in found if r.status == ReportStatus.SUBMITTED), None)
        draft = next((r for r in found if r.status == ReportStatus.DRAFT), None)
        first = _first_submitted(found)
        rows.append(
            OverviewRow(
                organisation=entry.organisation,
                category=entry.category,
                due_date=due,
                filing=submitted or draft,
                first_submitted_on=first,
                is_overdue=_is_overdue(due, today, first),
                correction=draft if submitted else None,
            )
        )
    figures = _report_totals([row.filing.pk for row in rows if row.filing])
    for row in rows:
        row.total_tco2e = figures[row.filing.pk] if row.filing else None
    return _finish("reports", year, due, today, REPORT_STATES, rows, status)


def plan_overview(
    *,
    year: int,
    q: str = "",
    category: str = "",
    district: str = "",
    industry: str = "",
    status: str = "",
    today: date | None = None,
) -> Overview:
    """Art. 15: the plan covering `year` is filed during the year before, usually before the
    `year` list is published, so every regulated unit on the published list of `year` or of the
    year before (not removed) files it, as `selectors.is_required_to_plan` decides."""
    today = today or timezone.localdate()
    settings = year_settings(year)
    due = settings.plan_due_date if settings else None
    entries = _filtered(
        _live_entries([year, year - 1]).filter(category=EntryCategory.REGULATED),
        q=q,
        category=category,
        district=district,
        industry=industry,
    )
    # A unit on both lists appears once; its entry of the later year comes first.
    unique: dict[int, ListEntry] = {}
    for entry in entries:
        unique.setdefault(entry.organisation_id, entry)
    versions: dict[int, list[QualityPlan]] = {}
    for plan in QualityPlan.objects.filter(year=year, organisation_id__in=list(unique)).order_by("version"):
        versions.setdefault(plan.organisation_id, []).append(plan)
    rows = []
    for entry in unique.values():
        found = versions.get(entry.organisation_id, [])
        for plan in found:
            plan.organisation = entry.organisation
        current = next((p for p in found if p.status != PlanStatus.SUPERSEDED), None)
        first = _first_submitted(found)
        rows.append(
            OverviewRow(
                organisation=entry.organisation,
                category=entry.category,
                due_date=due,
                filing=current,
                first_submitted_on=first,
                is_overdue=_is_overdue(due, today, first),
            )
        )
    return _finish("plans", year, due, today, PLAN_STATES, rows, status)
