"""Verification's one permission gate."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from carbon_portal.permissions import is_bureau, organisation_ids_of, roles_of
from carbon_portal.roles import Role

from .models import IN_FORCE, ReviewAssignment


def require_assigner(user) -> None:
    """Only the bureau assigns technical reviews (Art. 18)."""
    if not is_bureau(user):
        raise PermissionDenied(_("Only the bureau assigns technical reviews."))


def may_use_workspace(user) -> bool:
    """Agency staff review in the workspace; the bureau may look over their shoulder. Nobody else."""
    return is_bureau(user) or Role.AGENCY_STAFF in roles_of(user)


def assignments_for(user) -> QuerySet[ReviewAssignment]:
    """All for the bureau; an agency's staff see their agency's current assignments; nobody else any."""
    if is_bureau(user):
        return ReviewAssignment.objects.all()
    agencies = organisation_ids_of(user, Role.AGENCY_STAFF)
    return ReviewAssignment.objects.filter(agency_id__in=agencies, status__in=IN_FORCE)
