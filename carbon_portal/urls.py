from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("health/", views.health, name="health"),
    path("audit/<int:content_type_id>/<str:object_id>/", views.audit_trail, name="audit_trail"),
    path("jobs/<int:pk>/", views.job_status, name="job_status"),
    path("messages/", views.inbox_view, name="inbox"),
    path("messages/<int:pk>/", views.inbox_open, name="inbox_open"),
    path("messages/read-all/", views.inbox_mark_all_read, name="inbox_mark_all_read"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("registry/", include("registry.urls")),
    path("reporting/", include("reporting.urls")),
    path("verification/", include("verification.urls")),
    path("trading/", include("trading.urls")),
    path("api/", include("carbon_portal.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api_schema"), name="api_redoc"),
]
