from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    # Public, no login: the factors a report for a year uses
    path("factors/", views.factors, name="factors"),
    # Factor library, bureau
    path("admin/factors/", views.factor_library, name="factor_library"),
    path("admin/factors/new/<slug:kind>/", views.factor_revise, name="factor_revise"),
]
