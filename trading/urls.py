from django.urls import path

from .views import accounts as account_views
from .views import bureau as bureau_views
from .views import certificates as certificate_views
from .views import compliance as compliance_views
from .views import plans as plan_views
from .views import public as public_views
from .views import runs as run_views

app_name = "trading"

urlpatterns = [
    # -- public ledger verification (no login) --
    path("market-overview/", public_views.market_hub, name="market_hub"),
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
    # -- allocation runs and issuance --
    path("admin/allocation/plans/<int:plan_pk>/runs/", run_views.run_list, name="run_list"),
    path("admin/allocation/runs/<int:pk>/", run_views.run_detail, name="run_detail"),
    path("admin/allocation/runs/<int:pk>/download.<str:fmt>", run_views.run_download, name="run_download"),
    path("admin/allocation/runs/<int:pk>/adopt/", run_views.run_adopt_view, name="run_adopt"),
    path("admin/allocation/runs/<int:pk>/issuance/", run_views.issuance_page, name="issuance_page"),
    path("admin/allocation/issuance/<int:batch_pk>/decide/", run_views.issuance_decide, name="issuance_decide"),
    # -- allocation plans --
    path("plans/", plan_views.plan_public_index, name="plan_public_index"),
    path("plans/<int:year>/", plan_views.plan_public, name="plan_public"),
    path("admin/allocation/plans/", plan_views.plan_admin, name="plan_admin"),
    path("admin/allocation/plans/new/", plan_views.plan_new, name="plan_new"),
    path("admin/allocation/plans/<int:pk>/", plan_views.plan_edit, name="plan_edit"),
    path("admin/allocation/plans/<int:pk>/rules/add/", plan_views.plan_rule, name="plan_rule_add"),
    path("admin/allocation/plans/<int:pk>/rules/<int:rule_pk>/", plan_views.plan_rule, name="plan_rule_edit"),
    path(
        "admin/allocation/plans/<int:pk>/rules/<int:rule_pk>/remove/",
        plan_views.plan_rule_remove,
        name="plan_rule_remove",
    ),
    path(
        "admin/allocation/plans/<int:pk>/adjustments/<int:adjustment_pk>/remove/",
        plan_views.plan_adjustment_remove,
        name="plan_adjustment_remove",
    ),
    path("admin/allocation/plans/<int:pk>/consultation/", plan_views.plan_consultation, name="plan_consultation"),
    path("admin/allocation/plans/<int:pk>/submit/", plan_views.plan_submit, name="plan_submit"),
    path("admin/allocation/plans/<int:pk>/approval/", plan_views.plan_approval, name="plan_approval"),
    path("admin/allocation/plans/<int:pk>/comments/", plan_views.plan_comments, name="plan_comments"),
    path("admin/allocation/plans/<int:pk>/new-version/", plan_views.plan_new_version, name="plan_new_version"),
    # -- surrender and compliance --
    path("account/<str:number>/surrender/", compliance_views.surrender_index, name="surrender_index"),
    path("account/<str:number>/surrender/<int:year>/", compliance_views.surrender_view, name="surrender"),
    path(
        "account/<str:number>/surrender/<int:year>/recorded/<str:code>/",
        compliance_views.surrender_done,
        name="surrender_done",
    ),
    path("admin/compliance/", compliance_views.compliance_admin_index, name="compliance_admin_index"),
    path("admin/compliance/<int:year>/", compliance_views.compliance_admin, name="compliance_admin"),
    path(
        "admin/compliance/<int:year>/download.<str:fmt>",
        compliance_views.compliance_admin_download,
        name="compliance_admin_download",
    ),
    path(
        "admin/compliance/<int:year>/candidates/",
        compliance_views.compliance_candidates,
        name="compliance_candidates",
    ),
    path("compliance/", compliance_views.compliance_public_index, name="compliance_public_index"),
    path("compliance/<int:year>/", compliance_views.compliance_public, name="compliance_public"),
    # -- cancellation certificates --
    path("certificates/<str:code>/", certificate_views.certificate_download, name="certificate_download"),
    path("certificates/<str:code>/prepare/", certificate_views.certificate_prepare, name="certificate_prepare"),
]

# Each area keeps its own URL module, included here under the "trading" namespace.
from . import urls_auctions, urls_exchange, urls_lifecycle, urls_market, urls_succession  # noqa: E402

urlpatterns += (
    urls_auctions.urlpatterns
    + urls_market.urlpatterns
    + urls_lifecycle.urlpatterns
    + urls_succession.urlpatterns
    + urls_exchange.urlpatterns
)
