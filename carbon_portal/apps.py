from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CarbonPortalConfig(AppConfig):
    name = "carbon_portal"
    verbose_name = _("Portal")
