"""Who may write a technical review, and when (Art. 18): the staff of the agency holding the
assignment now, while it is assigned (not done, not withdrawn), and only a draft version."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from carbon_portal.permissions import organisation_ids_of
from carbon_portal.roles import Role

from ..choices import AssignmentStatus, ReviewStatus
from ..models import ReviewAssignment, ReviewReport
from ..permissions import assignments_for


def locked_assignment(actor, assignment_id: int) -> ReviewAssignment:
    """The assignment, locked, if the actor is staff of the agency holding it now."""
    agencies = organisation_ids_of(actor, Role.AGENCY_STAFF)
    found = (
        assignments_for(actor)
        .filter(pk=assignment_id, agency_id__in=agencies)
        .select_for_update(of=("self",))
        .select_related("organisation", "agency")
        .first()
    )
    if found is None:
        raise PermissionDenied(_("Only the staff of the agency assigned this review may write it."))
    return found


def require_assigned(assignment: ReviewAssignment) -> None:
    if assignment.status != AssignmentStatus.ASSIGNED:
        raise ValidationError(_("The review of this report has been submitted and can no longer be changed."))


def locked_draft(actor, review: ReviewReport) -> tuple[ReviewReport, ReviewAssignment]:
    """The review locked, and its assignment, if the actor may change it now: a draft of an
    assignment their agency holds and has not finished."""
    review = ReviewReport.objects.select_for_update(of=("self",)).get(pk=review.pk)
    assignment = locked_assignment(actor, review.assignment_id)
    require_assigned(assignment)
    if review.status != ReviewStatus.DRAFT:
        raise ValidationError(
            _("Version %(version)s of this review is %(status)s and can no longer be changed.")
            % {"version": review.version, "status": review.get_status_display().lower()}
        )
    return review, assignment
