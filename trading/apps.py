from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TradingConfig(AppConfig):
    name = "trading"
    verbose_name = _("Allowances and trading")

    def ready(self):
        from carbon_portal import dashboard, demo
        from registry.signals import organisation_event_recorded

        from . import dashboard as trading_dashboard
        from .demo import seed_trading
        from .demo_allocation import seed_allocation
        from .demo_auctions import seed_auctions
        from .demo_exchange import seed_exchange
        from .demo_lifecycle import seed_lifecycle
        from .demo_market import seed_market
        from .documents import register_renderers
        from .receivers import on_organisation_event

        demo.register("Trading", seed_trading)
        demo.register("Allocation plan", seed_allocation)
        demo.register("Auctions", seed_auctions)
        demo.register("Trading lifecycle", seed_lifecycle)
        demo.register("Market data", seed_market)
        demo.register("Exchange", seed_exchange)
        register_renderers()
        dashboard.register(trading_dashboard.tasks_for)
        organisation_event_recorded.connect(on_organisation_event, dispatch_uid="trading.holdings_succession")
