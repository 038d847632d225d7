from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

from .permissions import is_bureau


class PortalAdminSite(admin.AdminSite):
    """The Django admin is for bureau superusers only, and they log in through MFA."""

    site_header = "Shanghai Carbon Portal administration"

    def has_permission(self, request):
        user = request.user
        return bool(user.is_active and user.is_staff and user.is_superuser and is_bureau(user))

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            # Signed in but not a bureau superuser: sending them to log in again would loop.
            raise PermissionDenied
        return redirect(f"{reverse('account_login')}?next={request.get_full_path()}")


class PortalAdminConfig(AdminConfig):
    default_site = "carbon_portal.admin_site.PortalAdminSite"
