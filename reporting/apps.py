from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self):
        from carbon_portal import dashboard, demo

        from . import dashboard as reporting_dashboard
        from .demo import seed_reporting
        from .documents import register_renderers

        demo.register("Reporting", seed_reporting)
        register_renderers()
        dashboard.register(reporting_dashboard.tasks_for)
