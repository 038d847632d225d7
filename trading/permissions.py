"""Trading's one permission gate: who may act on which account."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from carbon_portal.permissions import is_bureau, organisation_ids_of
from carbon_portal.roles import Role

from .models import Account


def accounts_for(user) -> QuerySet[Account]:
    """The bureau sees every account; a unit's staff their unit's holding accounts; nobody else any."""
    if is_bureau(user):
        return Account.objects.all()
    return Account.objects.filter(holder_id__in=organisation_ids_of(user, Role.UNIT_STAFF))


def require_registrar(user) -> None:
    """The bureau keeps the registry: it opens accounts, issues, reverses and records prohibitions."""
    if not is_bureau(user):
        raise PermissionDenied(_("Only the bureau keeps the allowance registry."))


def require_account_holder(user, account: Account) -> None:
    """Only the holder's own staff move a holding account's units."""
    if account.holder_id is None or account.holder_id not in organisation_ids_of(user, Role.UNIT_STAFF):
        raise PermissionDenied(_("Only the account holder's staff may move its units."))
