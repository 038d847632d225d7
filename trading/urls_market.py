"""URLs for trading's market pages; included by trading/urls.py under the same namespace."""

from django.urls import path

from .views import market as market_views
from .views import warnings as warning_views

urlpatterns: list = [
    # -- market information (Art. 31): public, no login --
    path("market/", market_views.market_public, name="market_public"),
    path("market/download.<str:fmt>", market_views.market_download, name="market_download"),
    # -- the bureau's imports of the exchange's daily figures --
    path("admin/market/", market_views.market_admin, name="market_admin"),
    path("admin/market/import/", market_views.market_import_view, name="market_import"),
    path("admin/market/template.xlsx", market_views.market_template, name="market_template"),
    # -- early warning --
    path("admin/warnings/", warning_views.warning_admin_index, name="warning_admin_index"),
    path("admin/warnings/recompute/", warning_views.warning_recompute, name="warning_recompute"),
    path("admin/warnings/<int:year>/", warning_views.warning_admin, name="warning_admin"),
    path(
        "admin/warnings/<int:year>/download.<str:fmt>",
        warning_views.warning_admin_download,
        name="warning_admin_download",
    ),
    path("early-warnings/", warning_views.warning_unit, name="warning_unit"),
]
