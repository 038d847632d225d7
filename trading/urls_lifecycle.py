"""URLs for trading's lifecycle pages; included by trading/urls.py under the same namespace."""

from django.urls import path

from .views import lifecycle as views

urlpatterns: list = [
    # -- the bureau: exemptions, moves to the national market, carry-forward --
    path("admin/compliance/exemptions/", views.exemption_admin, name="exemption_admin"),
    path(
        "admin/compliance/exemptions/<int:pk>/withdraw/",
        views.exemption_withdraw_view,
        name="exemption_withdraw",
    ),
    path("admin/compliance/carry-forward/", views.carry_forward_index, name="carry_forward_index"),
    path("admin/compliance/<int:year>/carry-forward/", views.carry_forward_admin, name="carry_forward_admin"),
    path(
        "admin/compliance/<int:year>/carry-forward/download.<str:fmt>",
        views.carry_forward_download,
        name="carry_forward_download",
    ),
    path("admin/rollover/", views.rollover_admin, name="rollover_admin"),
    path("admin/rollover/new/", views.rollover_new, name="rollover_new"),
    path("admin/rollover/release-due/", views.rollover_release_due, name="rollover_release_due"),
    path("admin/rollover/<int:pk>/", views.rollover_detail, name="rollover_detail"),
    # -- a unit's own view --
    path("account/<str:number>/carry-forward/", views.lifecycle_unit, name="lifecycle_unit"),
]
