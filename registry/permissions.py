"""The registry's one permission gate: who may see and change which organisations."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from carbon_portal.permissions import is_bureau, organisation_ids_of

from .models import Organisation


def organisations_for(user):
    """Organisations a user may see: all for the bureau, their own for everyone else."""
    if is_bureau(user):
        return Organisation.objects.all()
    return Organisation.objects.filter(pk__in=organisation_ids_of(user))


def require_organisation_access(user, organisation: Organisation) -> None:
    if not organisations_for(user).filter(pk=organisation.pk).exists():
        raise PermissionDenied(_("You do not have access to this organisation."))
