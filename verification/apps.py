from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VerificationConfig(AppConfig):
    name = "verification"
    verbose_name = _("Verification")

    def ready(self):
        from carbon_portal import demo

        from .demo import seed_verification

        demo.register("Verification", seed_verification)
