"""URLs for the exchange's pages; included by trading/urls.py under the same namespace."""

from django.urls import path

from .views import exchange as exchange_views

urlpatterns: list = [
    # -- agreement transfers the exchange reports (Art. 31): exchange staff only --
    path("exchange/", exchange_views.exchange_home, name="exchange_home"),
    path("exchange/download.<str:fmt>", exchange_views.exchange_download, name="exchange_download"),
    path("exchange/import/", exchange_views.exchange_import, name="exchange_import"),
    path("exchange/template.xlsx", exchange_views.exchange_template, name="exchange_template"),
]
