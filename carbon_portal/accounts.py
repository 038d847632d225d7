"""Login policy on top of django-allauth."""

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings


def client_ip(request) -> str:
    # The proxy in docker-compose.yml sets X-Real-IP; without a proxy REMOTE_ADDR is the client.
    return request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR", "")


class PortalAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return settings.ACCOUNT_ALLOW_SIGNUPS

    def _get_login_attempts_cache_key(self, request, **credentials):
        # allauth counts failures per account; adding the client address means repeated wrong
        # passwords from one place cannot lock the real filer out from their own office.
        base = super()._get_login_attempts_cache_key(request, **credentials)
        return f"{base}@{client_ip(request)}"
