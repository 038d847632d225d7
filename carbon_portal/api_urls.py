"""Every app's API under /api/, each endpoint scoped by its app's permission gate."""

from django.urls import include, path

from .api import MeApi

urlpatterns = [
    path("me/", MeApi.as_view(), name="api_me"),
    path("registry/", include("registry.api_urls")),
    path("reporting/", include("reporting.api_urls")),
    path("trading/", include("trading.api_urls")),
]
