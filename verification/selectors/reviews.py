"""Reads for technical review reports (Art. 18): the latest version of an assignment's review, and
the reported-against-reviewed comparison the agency, the bureau and its determination all show.

Plain functions returning dataclasses, in a fixed number of queries whatever the number of lines.
Access starts from `assignments_for(user)`: an agency reaches only the reviews of assignments it
holds now; the bureau reaches any; nobody else any.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import QuerySet

from carbon_portal.formatting import format_amount
from carbon_portal.permissions import organisation_ids_of
from carbon_portal.roles import Role
from reporting.calculation import Line, Totals, reported_tonnes, totals
from reporting.models import ReportLine

from ..models import Finding, ReviewAssignment, ReviewedLine, Reviewer, ReviewReport
from ..permissions import assignments_for

PERCENT = Decimal("0.1")


def _percent(difference: Decimal, base: Decimal) -> Decimal | None:
    """The difference as a share of the reported figure; none when nothing was reported."""
    if not base:
        return None
    return (difference / base * 100).quantize(PERCENT, rounding=ROUND_HALF_UP)


def _with_context(reviews: QuerySet[ReviewReport]) -> QuerySet[ReviewReport]:
    return reviews.select_related(
        "assignment__organisation",
        "assignment__agency",
        "report__organisation",
        "reviewer",
        "submitted_by",
        "returned_by",
    )


def review_for_assignment(assignment: ReviewAssignment) -> ReviewReport | None:
    """The latest version of the assignment's review, or None before the agency starts one."""
    return _with_context(ReviewReport.objects.filter(assignment=assignment)).order_by("-version").first()


def review_versions(assignment: ReviewAssignment) -> list[ReviewReport]:
    """Every version of the assignment's review, newest first (returned ones stay on record)."""
    return list(ReviewReport.objects.filter(assignment=assignment).select_related("returned_by").order_by("-version"))


def agency_assignment(user, assignment_id: int) -> ReviewAssignment | None:
    """An assignment whose review the user may write: held now by one of the user's agencies."""
    agencies = organisation_ids_of(user, Role.AGENCY_STAFF)
    return (
        assignments_for(user)
        .filter(pk=assignment_id, agency_id__in=agencies)
        .select_related("organisation", "agency", "report", "report__organisation")
        .first()
    )


def visible_review(user, review_id: int) -> ReviewReport | None:
    """A review the user may read: its agency's staff while the assignment is in force, the bureau
    always; None for anyone else (the view says 404)."""
    return _with_context(ReviewReport.objects.filter(pk=review_id, assignment__in=assignments_for(user))).first()


def active_reviewers(agency_id: int) -> QuerySet[Reviewer]:
    return Reviewer.objects.filter(agency_id=agency_id, is_active=True).order_by("name", "pk")


def review_findings(review: ReviewReport) -> list[Finding]:
    return list(review.findings.select_related("report_line__facility").order_by("id"))


def assignment_finding(assignment: ReviewAssignment, finding_id: int) -> Finding | None:
    """A finding of one of the assignment's reviews; another review's finding is not found."""
    return Finding.objects.filter(pk=finding_id, review__assignment=assignment).select_related("review").first()


def reviewed_totals(rows: Iterable[ReviewedLine]) -> Totals:
    """Totals of the reviewed lines, biomass CO2 apart and outside the total, rounded once like a
    report's (`reporting.calculation.totals`). Each row needs its report line loaded."""
    return totals(
        Line(
            facility_code=row.report_line.facility.code,
            category=row.report_line.category,
            gas=row.report_line.gas,
            emissions_tco2e=row.emissions_tco2e,
            is_biomass=row.report_line.is_biomass,
        )
        for row in rows
    )


def _reported_totals(lines: Iterable[ReportLine]) -> Totals:
    return totals(
        Line(
            facility_code=line.facility.code,
            category=line.category,
            gas=line.gas,
            emissions_tco2e=line.emissions_tco2e,
            is_biomass=line.is_biomass,
        )
        for line in lines
    )


@dataclass
class ComparisonRow:
    """One source line: what the unit reported and what the agency found."""

    line: ReportLine
    reviewed: ReviewedLine | None

    @property
    def reported_activity(self) -> Decimal:
        return self.line.activity_amount

    @property
    def reviewed_activity(self) -> Decimal | None:
        return self.reviewed.activity_amount if self.reviewed else None

    @property
    def reported_activity_text(self) -> str:
        return format_amount(self.reported_activity)

    @property
    def reviewed_activity_text(self) -> str:
        return "" if self.reviewed is None else format_amount(self.reviewed.activity_amount)

    @property
    def reported_tco2e(self) -> Decimal:
        return self.line.reported_tco2e

    @property
    def reviewed_tco2e(self) -> Decimal | None:
        return reported_tonnes(self.reviewed.emissions_tco2e) if self.reviewed else None

    @property
    def difference_tco2e(self) -> Decimal | None:
        return None if self.reviewed is None else self.reviewed_tco2e - self.reported_tco2e

    @property
    def difference_pct(self) -> Decimal | None:
        return None if self.reviewed is None else _percent(self.difference_tco2e, self.reported_tco2e)

    @property
    def is_changed(self) -> bool:
        """The agency's figure is not the unit's (activity or, through it, emissions)."""
        if self.reviewed is None:
            return False
        return (
            self.reviewed.activity_amount != self.line.activity_amount
            or self.reviewed.emissions_tco2e != self.line.emissions_tco2e
        )

    @property
    def is_biomass_co2(self) -> bool:
        return self.line.is_biomass_co2

    @property
    def note(self) -> str:
        return self.reviewed.note if self.reviewed else ""


@dataclass
class Comparison:
    """Every source line reported against reviewed, with the totals (biomass CO2 outside them)."""

    rows: list[ComparisonRow]
    reported: Totals
    reviewed: Totals  # the reviewed lines only
    unreported_tco2e: Decimal
    frozen_total_tco2e: Decimal | None = None  # set once the review is submitted

    @property
    def reported_total_tco2e(self) -> Decimal:
        return self.reported.total_tco2e

    @property
    def reviewed_total_tco2e(self) -> Decimal:
        """The frozen figure once submitted; while a draft, what submitting it would freeze."""
        if self.frozen_total_tco2e is not None:
            return self.frozen_total_tco2e
        return self.reviewed.total_tco2e + self.unreported_tco2e

    @property
    def difference_tco2e(self) -> Decimal:
        return self.reviewed_total_tco2e - self.reported_total_tco2e

    @property
    def difference_pct(self) -> Decimal | None:
        return _percent(self.difference_tco2e, self.reported_total_tco2e)

    @property
    def changed_rows(self) -> list[ComparisonRow]:
        return [row for row in self.rows if row.is_changed]

    @property
    def is_as_reported(self) -> bool:
        """Every line as the unit reported it and no unreported source: the review may say "confirmed"."""
        return not self.unreported_tco2e and all(row.reviewed and not row.is_changed for row in self.rows)


def review_comparison(review: ReviewReport) -> Comparison:
    """Reported against reviewed, per source line and in total, in two queries."""
    lines = list(ReportLine.objects.filter(report_id=review.report_id).select_related("facility"))
    lines.sort(key=lambda line: (line.facility.code, line.pk))
    by_line = {row.report_line_id: row for row in ReviewedLine.objects.filter(review=review)}
    by_pk = {line.pk: line for line in lines}
    for row in by_line.values():  # the report line is loaded already: spare a query per row
        if row.report_line_id in by_pk:
            row.report_line = by_pk[row.report_line_id]
    reviewed = [by_line[line.pk] for line in lines if line.pk in by_line]
    return Comparison(
        rows=[ComparisonRow(line, by_line.get(line.pk)) for line in lines],
        reported=_reported_totals(lines),
        reviewed=reviewed_totals(reviewed),
        unreported_tco2e=review.unreported_tco2e,
        frozen_total_tco2e=review.reviewed_total_tco2e,
    )
