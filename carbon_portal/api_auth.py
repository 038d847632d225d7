"""API authentication (its own module: DRF imports it while its views module is loading)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .permissions import is_bureau


class PortalTokenAuthentication(TokenAuthentication):
    """API tokens for units' and agencies' own systems. Bureau accounts act only through an
    MFA-verified session: a token would let a stolen key skip the second factor."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if is_bureau(user):
            raise exceptions.AuthenticationFailed(
                _("Bureau accounts cannot use API tokens: sign in with your second factor instead.")
            )
        return user, token
