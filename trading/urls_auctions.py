"""URLs for trading's auctions pages; included by trading/urls.py under the same namespace."""

from django.urls import path

from .views import auctions as views

urlpatterns: list = [
    # -- the public --
    path("auctions/", views.auction_public_index, name="auction_public_index"),
    path("auctions/<int:pk>/", views.auction_public, name="auction_public"),
    # -- a unit's staff --
    path("auctions/bids/", views.auction_unit, name="auction_unit"),
    path("auctions/bids/<int:pk>/", views.auction_unit_detail, name="auction_unit_detail"),
    path("auctions/bids/<int:pk>/withdraw/<int:bid_pk>/", views.auction_withdraw, name="auction_withdraw"),
    # -- the bureau --
    path("admin/auctions/", views.auction_admin, name="auction_admin"),
    path("admin/auctions/new/", views.auction_new, name="auction_new"),
    path("admin/auctions/<int:pk>/", views.auction_detail, name="auction_detail"),
    path("admin/auctions/<int:pk>/edit/", views.auction_edit, name="auction_edit"),
    path("admin/auctions/<int:pk>/submit/", views.auction_submit, name="auction_submit"),
    path("admin/auctions/<int:pk>/decide/", views.auction_decide, name="auction_decide"),
    path("admin/auctions/<int:pk>/cancel/", views.auction_cancel, name="auction_cancel"),
    path("admin/auctions/<int:pk>/clear/", views.auction_clear, name="auction_clear"),
    path("admin/auctions/<int:pk>/payment/<int:bid_pk>/", views.auction_payment, name="auction_payment"),
    path("admin/auctions/<int:pk>/results.<str:fmt>", views.auction_download, name="auction_download"),
]
