from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = _("Verification")

    def ready(self):
        from carbon_portal import dashboard, demo

        from . import dashboard as verification_dashboard
        from .demo import seed_verification
        from .documents import register_renderers

        demo.register("Verification", seed_verification)
        register_renderers()
        dashboard.register(verification_dashboard.tasks_for)
