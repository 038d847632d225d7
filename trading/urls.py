from django.urls import path

from .views import accounts as account_views
from .views import bureau as bureau_views
from .views import public as public_views

app_name = "trading"

urlpatterns = [
    # -- public ledger verification (no login) --
    path("verify/", public_views.verify, name="verify"),
    path("verify/heads/", public_views.heads, name="chain_heads"),
    path("verify/heads/download.<str:fmt>", public_views.heads_download, name="chain_heads_download"),
    # -- a unit's allowance account --
    path("account/", account_views.account_home, name="account_home"),
    path("account/<str:number>/", account_views.account_detail, name="account_detail"),
    path("account/<str:number>/transfer/", account_views.transfer_view, name="transfer"),
    path("account/<str:number>/cancel/", account_views.cancel_view, name="cancel"),
    path("account/<str:number>/recorded/<str:code>/", account_views.recorded, name="recorded"),
    # -- the registry (bureau) --
    path("admin/accounts/", bureau_views.account_admin, name="account_admin"),
    path("admin/accounts/download.<str:fmt>", bureau_views.account_admin_download, name="account_admin_download"),
    path("admin/accounts/open/", bureau_views.account_open_view, name="account_open"),
    path("admin/accounts/<str:number>/prohibition/", bureau_views.account_prohibition, name="account_prohibition"),
    path("admin/transactions/", bureau_views.transaction_admin, name="transaction_admin"),
    path("admin/transactions/<str:code>/", bureau_views.transaction_detail, name="transaction_detail"),
    path("admin/ledger/", bureau_views.ledger_health, name="ledger_health"),
]
