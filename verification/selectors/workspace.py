"""Reads for an agency's workspace: the reports it was assigned to review (Art. 18), read-only.

Everything starts from `assignments_for(user)`: an agency reaches a unit's report only through a
current assignment, never through reporting's own pages (reporting knows nothing of reviews).
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from carbon_portal.models import GeneratedDocument
from reporting import selectors as report_selectors
from reporting.calculation import Totals
from reporting.documents import report_ready_document
from reporting.models import ReportEvidence, ReportLine
from reporting.selectors.evidence import evidence_of, report_evidence

from ..models import ReviewAssignment, ReviewReport
from ..permissions import assignments_for
from .reviews import review_for_assignment


def _with_report(assignments: QuerySet[ReviewAssignment]) -> QuerySet[ReviewAssignment]:
    # The report's reference needs its organisation's credit code: select it too.
    return assignments.select_related("organisation", "agency", "report", "report__organisation")


@dataclass
class WorkspaceRow:
    """One assignment on the agency's list, with the days left until its review is due."""

    assignment: ReviewAssignment
    days_left: int  # negative once overdue
    review: ReviewReport | None = None  # the latest version of its technical review, if started

    @property
    def is_overdue(self) -> bool:
        return self.days_left < 0

    @property
    def days_overdue(self) -> int:
        return -self.days_left


def workspace_rows(user, *, today: date | None = None) -> list[WorkspaceRow]:
    """The user's current assignments, soonest due first, in a fixed number of queries."""
    today = today or timezone.localdate()
    assignments = (
        _with_report(assignments_for(user))
        .prefetch_related(Prefetch("reviews", queryset=ReviewReport.objects.order_by("-version"), to_attr="versions"))
        .order_by("due_date", "organisation__name_zh", "pk")
    )
    return [
        WorkspaceRow(assignment, (assignment.due_date - today).days, next(iter(assignment.versions), None))
        for assignment in assignments
    ]


def workspace_assignment(user, assignment_id: int) -> ReviewAssignment | None:
    """One assignment the user may open, with its report; None for anything else (the view says 404)."""
    return _with_report(assignments_for(user)).filter(pk=assignment_id).first()


@dataclass
class ReviewedReport:
    """What the read-only page shows of the assigned report."""

    row: WorkspaceRow
    lines: list[ReportLine]
    totals: Totals
    category_totals: list
    evidence: list[ReportEvidence]
    pdf: GeneratedDocument | None


def reviewed_report(assignment: ReviewAssignment, *, today: date | None = None) -> ReviewedReport:
    today = today or timezone.localdate()
    report = assignment.report
    lines = list(report_selectors.report_lines(report))
    totals = report_selectors.report_totals(report, lines)
    return ReviewedReport(
        row=WorkspaceRow(assignment, (assignment.due_date - today).days, review_for_assignment(assignment)),
        lines=lines,
        totals=totals,
        category_totals=report_selectors.category_totals(totals),
        evidence=list(report_evidence(report)),
        pdf=report_ready_document(report),
    )


def assignment_evidence(assignment: ReviewAssignment, evidence_id: int) -> ReportEvidence | None:
    """A file of the assigned report; another report's file is not found."""
    return evidence_of(assignment.report, evidence_id)


def assignment_pdf(assignment: ReviewAssignment) -> GeneratedDocument | None:
    return report_ready_document(assignment.report)
