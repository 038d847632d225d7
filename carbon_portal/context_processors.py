from django.conf import settings

from .notifications import unread_count
from .permissions import is_bureau, is_bureau_approver, roles_of


def portal(request):
    user = getattr(request, "user", None)
    roles = roles_of(user) if user is not None else frozenset()
    return {
        "portal_name": settings.PORTAL_NAME,
        "user_roles": roles,
        "user_is_bureau": is_bureau(user) if user is not None else False,
        "user_is_approver": is_bureau_approver(user) if user is not None else False,
        # Lazy: pages that never show the nav (PDFs, partials) do not pay the query.
        "unread_messages": lambda: unread_count(user),
    }
