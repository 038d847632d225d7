"""Role checks shared by every app. Each app scopes its own querysets in its permissions.py."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .roles import BUREAU_ROLES, Role


def roles_of(user) -> frozenset[str]:
    """The roles a user holds through active memberships, cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        cached = frozenset(user.memberships.filter(is_active=True).values_list("role", flat=True))
        user._portal_roles = cached
    return cached


def organisation_ids_of(user, *roles: str) -> frozenset[int]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    qs = user.memberships.filter(is_active=True, organisation__isnull=False)
    if roles:
        qs = qs.filter(role__in=roles)
    return frozenset(qs.values_list("organisation_id", flat=True))


def is_bureau(user) -> bool:
    return bool(roles_of(user) & BUREAU_ROLES)


def is_bureau_approver(user) -> bool:
    return Role.BUREAU_APPROVER in roles_of(user)


def require_bureau(user) -> None:
    if not is_bureau(user):
        raise PermissionDenied(_("Only bureau staff may do this."))


def require_second_bureau_user(*, actor, first_actor) -> None:
    """Four eyes: a sensitive act is approved by a bureau approver other than its initiator."""
    if not is_bureau_approver(actor):
        raise PermissionDenied(_("Only a bureau approver may approve this."))
    if first_actor is not None and actor.pk == first_actor.pk:
        raise PermissionDenied(_("A second bureau user must approve: you cannot approve your own work."))
