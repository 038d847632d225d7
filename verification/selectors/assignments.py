"""Reads for the bureau's review assignment pages (Art. 18-19)."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Organisation
from reporting.models import AnnualReport
from reporting.selectors.access import agencies_that_compiled

from ..choices import AssignmentKind
from ..models import IN_FORCE, AgencyUnitLink, ReviewAssignment
from . import agency_loads, ineligibility, reports_to_review, review_due_date, reviewing_agencies

ASSIGNED, UNASSIGNED, OVERDUE = "assigned", "unassigned", "overdue"
STATES = [(ASSIGNED, _("Assigned")), (UNASSIGNED, _("Not assigned")), (OVERDUE, _("Review overdue"))]


@dataclass(frozen=True)
class ReviewRow:
    """A submitted report of the year, with its current assignment (None when not assigned)."""

    report: AnnualReport
    assignment: ReviewAssignment | None
    history: int  # assignments ever made for the unit and year, the withdrawn ones included
    is_overdue: bool

    @property
    def on_earlier_version(self) -> bool:
        """Assigned before the unit submitted the correction now in force."""
        return self.assignment is not None and self.assignment.report_id != self.report.pk


@dataclass(frozen=True)
class YearReviews:
    year: int
    due_date: date | None
    rows: list[ReviewRow]  # those the filters select
    counts: dict[str, int]  # per state, after the search and before the state filter
    total: int

    def count_items(self) -> list[tuple[str, str, int]]:
        return [(value, label, self.counts[value]) for value, label in STATES]


def _search(q: str, year: int) -> Q:
    by_agency = ReviewAssignment.objects.filter(
        Q(agency__name_zh__icontains=q) | Q(agency__name_en__icontains=q),
        year=year,
        status__in=IN_FORCE,
        kind=AssignmentKind.REVIEW,
    ).values("organisation_id")
    return (
        Q(organisation__name_zh__icontains=q)
        | Q(organisation__name_en__icontains=q)
        | Q(organisation__uscc__icontains=q)
        | Q(organisation_id__in=by_agency)
    )


def year_reviews(year: int, *, q: str = "", state: str = "", today: date | None = None) -> YearReviews:
    """Every submitted report of `year` and where its review stands, in three queries whatever the
    number of reports. `q` matches the unit's name or credit code, or the assigned agency's name."""
    today = today or timezone.localdate()
    reports = reports_to_review(year).order_by("organisation__name_zh", "pk")
    if q:
        reports = reports.filter(_search(q, year))
    assignments = (
        ReviewAssignment.objects.filter(year=year, kind=AssignmentKind.REVIEW)
        .select_related("agency")
        .order_by("assigned_at", "pk")
    )
    current, history = {}, {}
    for assignment in assignments:
        history[assignment.organisation_id] = history.get(assignment.organisation_id, 0) + 1
        if assignment.status in IN_FORCE:
            current[assignment.organisation_id] = assignment
    rows = []
    for report in reports:
        assignment = current.get(report.organisation_id)
        overdue = assignment is not None and today > assignment.due_date
        rows.append(ReviewRow(report, assignment, history.get(report.organisation_id, 0), overdue))
    counts = {
        ASSIGNED: sum(1 for row in rows if row.assignment),
        UNASSIGNED: sum(1 for row in rows if not row.assignment),
        OVERDUE: sum(1 for row in rows if row.is_overdue),
    }
    chosen = {
        ASSIGNED: lambda row: row.assignment is not None,
        UNASSIGNED: lambda row: row.assignment is None,
        OVERDUE: lambda row: row.is_overdue,
    }.get(state)
    selected = [row for row in rows if chosen(row)] if chosen else rows
    return YearReviews(year, review_due_date(year), selected, counts, len(rows))


@dataclass(frozen=True)
class AgencyOption:
    """A reviewing agency as the assignment form lists it: its load and, when it may not take
    this report, why (Art. 19)."""

    agency: Organisation
    load: int
    reasons: tuple[str, ...]
    is_current: bool = False

    @property
    def eligible(self) -> bool:
        return not self.reasons and not self.is_current


def agency_options(year: int, organisation_id: int, *, current_agency_id: int | None = None) -> list[AgencyOption]:
    """Every agency reviewing in `year`, least loaded first, with its reasons through the one rule."""
    compiled = agencies_that_compiled(year)
    links = list(AgencyUnitLink.objects.filter(organisation_id=organisation_id))
    loads = agency_loads(year)
    options = [
        AgencyOption(
            agency,
            loads.get(agency.pk, 0),
            tuple(ineligibility(agency, organisation_id, year, compiled=compiled, links=links)),
            agency.pk == current_agency_id,
        )
        for agency in reviewing_agencies(year)
    ]
    return sorted(options, key=lambda o: (not o.eligible, o.load, o.agency.name_zh, o.agency.pk))
