from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TradingConfig(AppConfig):
    name = "trading"
    verbose_name = _("Allowances and trading")

    def ready(self):
        from carbon_portal import dashboard, demo

        from . import dashboard as trading_dashboard
        from .demo import seed_trading
        from .documents import register_renderers

        demo.register("Trading", seed_trading)
        register_renderers()
        dashboard.register(trading_dashboard.tasks_for)
