from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Registry")

    def ready(self):
        from carbon_portal import dashboard

        from . import dashboard as registry_dashboard

        dashboard.register(registry_dashboard.tasks_for)
