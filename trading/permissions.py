"""Trading's one permission gate: who may act on which account."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from carbon_portal.permissions import is_bureau, organisation_ids_of
from carbon_portal.roles import Role
from registry.choices import OrganisationType
from registry.models import Organisation

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


def exchange_ids_of(user) -> frozenset[int]:
    """The exchanges (Art. 31) the user reports for: an exchange-staff membership counts only on an
    organisation registered as an exchange, whatever else the membership says."""
    cached = getattr(user, "_exchange_ids", None)  # a file's every row asks again (like roles_of)
    if cached is not None:
        return cached
    ids = organisation_ids_of(user, Role.EXCHANGE_STAFF)
    if ids:
        ids = frozenset(
            Organisation.objects.filter(pk__in=ids, org_type=OrganisationType.EXCHANGE).values_list("pk", flat=True)
        )
    if getattr(user, "is_authenticated", False):
        user._exchange_ids = ids
    return ids


def require_exchange(user) -> frozenset[int]:
    """Only the exchange's staff report the agreement transfers concluded on its platform; returns
    the exchanges they report for."""
    ids = exchange_ids_of(user)
    if not ids:
        raise PermissionDenied(_("Only the exchange's staff report agreement transfers."))
    return ids


def require_market_importer(user) -> None:
    """The exchange's daily figures (Art. 31) are imported by the bureau or by the exchange itself."""
    if not (is_bureau(user) or exchange_ids_of(user)):
        raise PermissionDenied(_("Only the bureau or the exchange imports the market figures."))
