from allauth.mfa.models import Authenticator
from django.shortcuts import redirect
from django.urls import reverse

from .permissions import is_bureau

# Paths a bureau user without TOTP may still reach: the MFA set-up itself, logout, language.
_OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/")


class RequireMfaForBureauMiddleware:
    """Bureau roles act for the government: they must have a TOTP authenticator (issue 2)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and is_bureau(user)
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        return self.get_response(request)
