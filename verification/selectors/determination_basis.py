"""What a determination rests on (Art. 18, 20): the unit's report in force, the review assignment
in force and its submitted review, and a re-examination whose review is in."""

from reporting.choices import ReportStatus
from reporting.models import AnnualReport

from ..choices import AssignmentKind, ReexamStatus, ReviewStatus
from ..models import IN_FORCE as ASSIGNMENT_IN_FORCE
from ..models import ReExamination, ReviewAssignment, ReviewReport


def submitted_report(organisation_id: int, year: int) -> AnnualReport | None:
    """The unit's report in force for the year (a correction supersedes the version it corrects)."""
    return (
        AnnualReport.objects.filter(organisation_id=organisation_id, year=year, status=ReportStatus.SUBMITTED)
        .select_related("organisation")
        .first()
    )


def current_assignment(organisation_id: int, year: int) -> ReviewAssignment | None:
    return (
        ReviewAssignment.objects.filter(
            organisation_id=organisation_id, year=year, kind=AssignmentKind.REVIEW, status__in=ASSIGNMENT_IN_FORCE
        )
        .select_related("agency")
        .first()
    )


def current_review(organisation_id: int, year: int) -> ReviewReport | None:
    """The submitted review of the assignment in force for the unit's year, if any."""
    return (
        ReviewReport.objects.filter(
            status=ReviewStatus.SUBMITTED,
            assignment__organisation_id=organisation_id,
            assignment__year=year,
            assignment__kind=AssignmentKind.REVIEW,
            assignment__status__in=ASSIGNMENT_IN_FORCE,
        )
        .select_related("assignment__agency", "report__organisation")
        .first()
    )


def reexamination_review(reexamination: ReExamination) -> ReviewReport | None:
    """The submitted review of the re-examination's assignment in force."""
    return (
        ReviewReport.objects.filter(
            status=ReviewStatus.SUBMITTED,
            assignment__reexamination=reexamination,
            assignment__kind=AssignmentKind.REEXAMINATION,
            assignment__status__in=ASSIGNMENT_IN_FORCE,
        )
        .select_related("assignment__agency", "report__organisation")
        .first()
    )


def reviewed_reexamination(organisation_id: int, year: int) -> ReExamination | None:
    """A re-examination of the unit's year whose report is in: its result is to be determined."""
    return (
        ReExamination.objects.filter(
            determination__organisation_id=organisation_id, determination__year=year, status=ReexamStatus.REVIEWED
        )
        .select_related("determination", "objection")
        .first()
    )
