"""The bureau assigns each submitted report's technical review to an eligible agency (Art. 18-19)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carbon_portal import audit
from registry.models import Organisation
from reporting.choices import ReportStatus
from reporting.models import AnnualReport

from .. import selectors
from ..choices import AssignmentKind, AssignmentStatus
from ..models import IN_FORCE, ReviewAssignment
from ..permissions import require_assigner
from ..transitions import ASSIGNMENT_TRANSITIONS, move


def _require_eligible(agency: Organisation, organisation_id: int, year: int) -> None:
    reasons = selectors.ineligibility(agency, organisation_id, year)
    if reasons:
        raise ValidationError({"agency": reasons})


def _due_date(year: int):
    due = selectors.review_due_date(year)
    if due is None:
        raise ValidationError(
            _("Set the technical review due date for %(year)s in the year settings first.") % {"year": year}
        )
    return due


@transaction.atomic
def assignment_create(*, actor, report: AnnualReport, agency: Organisation) -> ReviewAssignment:
    """One review per unit and year; the agency must be eligible (Art. 19); due by the year's date."""
    require_assigner(actor)
    report = AnnualReport.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=report.pk)
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted report is reviewed."))
    if ReviewAssignment.objects.filter(
        organisation_id=report.organisation_id,
        year=report.year,
        status__in=IN_FORCE,
        kind=AssignmentKind.REVIEW,
    ).exists():
        raise ValidationError(
            _("The %(year)s report of %(unit)s is already assigned: reassign it instead, with a reason.")
            % {"year": report.year, "unit": report.organisation.name}
        )
    _require_eligible(agency, report.organisation_id, report.year)
    assignment = ReviewAssignment.objects.create(
        organisation=report.organisation,
        year=report.year,
        report=report,
        agency=agency,
        due_date=_due_date(report.year),
        assigned_by=actor,
    )
    audit.record(
        actor=actor,
        verb="review.assign",
        target=assignment,
        data={"report": report.reference, "agency": agency.pk, "due": assignment.due_date.isoformat()},
    )
    return assignment


@transaction.atomic
def assignment_reassign(*, actor, assignment: ReviewAssignment, agency: Organisation, reason: str) -> ReviewAssignment:
    """Withdraws the assignment with a reason and gives the review to another eligible agency."""
    require_assigner(actor)
    current = (
        ReviewAssignment.objects.select_for_update(of=("self",))
        .select_related("report", "organisation")
        .get(pk=assignment.pk)
    )
    if current.kind != AssignmentKind.REVIEW:
        raise ValidationError(_("A re-examination is reassigned from its own page."))
    if current.status == AssignmentStatus.DONE:
        raise ValidationError(
            _("The agency has submitted its review: return the review for correction instead of reassigning it.")
        )
    if current.status != AssignmentStatus.ASSIGNED:
        raise ValidationError(_("This assignment has already been withdrawn."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the review goes to another agency.")})
    if agency.pk == current.agency_id:
        raise ValidationError({"agency": _("Choose another agency than the one assigned now.")})
    _require_eligible(agency, current.organisation_id, current.year)
    move(current, AssignmentStatus.WITHDRAWN, ASSIGNMENT_TRANSITIONS)
    current.withdrawn_by, current.withdrawn_at = actor, timezone.now()
    current.withdrawal_reason = reason.strip()
    current.save()
    report = current.report
    if report.status != ReportStatus.SUBMITTED:
        # A correction submitted since: the review follows the version now in force.
        report = AnnualReport.objects.get(
            organisation_id=current.organisation_id, year=current.year, status=ReportStatus.SUBMITTED
        )
    new = ReviewAssignment.objects.create(
        organisation=current.organisation,
        year=current.year,
        report=report,
        agency=agency,
        due_date=_due_date(current.year),
        assigned_by=actor,
        replaces=current,
    )
    audit.record(
        actor=actor,
        verb="review.reassign",
        target=new,
        data={"from": current.agency_id, "to": agency.pk, "reason": current.withdrawal_reason},
    )
    return new
