from django.urls import path

from .views import access, factors, monthly, overview, plans, reports
from .views import documents as pdf_views
from .views import evidence as evidence_views
from .views import imports as import_views
from .views import preview as line_preview

app_name = "reporting"

urlpatterns = [
    # Public, no login: the factors a report for a year uses
    path("factors/", factors.factors, name="factors"),
    # Factor library, bureau
    path("admin/factors/", factors.factor_library, name="factor_library"),
    path("admin/factors/new/<slug:kind>/", factors.factor_revise, name="factor_revise"),
    # Annual emission reports (Art. 16): unit staff file, the bureau reads
    path("reports/", reports.report_list, name="report_list"),
    path("reports/start/<int:organisation_id>/<int:year>/", reports.report_start, name="report_start"),
    path("reports/<int:pk>/", reports.report_detail, name="report_detail"),
    path("reports/<int:pk>/production/", reports.report_production, name="report_production"),
    path("reports/<int:pk>/lines/add/", reports.report_line_add, name="report_line_add"),
    path("reports/<int:pk>/lines/<int:line_id>/remove/", reports.report_line_remove, name="report_line_remove"),
    path("reports/<int:pk>/submit/", reports.report_submit, name="report_submit"),
    path("reports/<int:pk>/correct/", reports.report_correct, name="report_correct"),
    path("admin/reports/", overview.report_overview, name="report_admin"),
    # -- report Excel template and activity-data import --
    path("reports/<int:pk>/import/", import_views.report_import, name="report_import"),
    path("reports/<int:pk>/import/template.xlsx", import_views.report_import_template, name="report_import_template"),
    # -- report evidence --
    path("reports/<int:pk>/evidence/add/", evidence_views.evidence_add, name="report_evidence_add"),
    path(
        "reports/<int:pk>/evidence/<int:evidence_id>/remove/",
        evidence_views.evidence_remove,
        name="report_evidence_remove",
    ),
    path(
        "reports/<int:pk>/evidence/<int:evidence_id>/download/",
        evidence_views.evidence_download,
        name="report_evidence_download",
    ),
    # -- PDFs --
    path("reports/<int:pk>/pdf/", pdf_views.report_pdf, name="report_pdf"),
    path("reports/<int:pk>/pdf/prepare/", pdf_views.report_pdf_prepare, name="report_pdf_prepare"),
    path("reports/<int:pk>/pdf/status/", pdf_views.report_pdf_status, name="report_pdf_status"),
    path("plans/<int:pk>/pdf/", pdf_views.plan_pdf, name="plan_pdf"),
    path("plans/<int:pk>/pdf/prepare/", pdf_views.plan_pdf_prepare, name="plan_pdf_prepare"),
    path("plans/<int:pk>/pdf/status/", pdf_views.plan_pdf_status, name="plan_pdf_status"),
    # -- monthly key parameters --
    path("monthly/", monthly.monthly_list, name="monthly_list"),
    path("monthly/<int:organisation_id>/<int:year>/", monthly.monthly_unit, name="monthly_unit"),
    path("monthly/<int:organisation_id>/<int:year>/file/", monthly.monthly_file, name="monthly_file"),
    path(
        "monthly/<int:organisation_id>/<int:year>/<int:row_id>/withdraw/",
        monthly.monthly_withdraw,
        name="monthly_withdraw",
    ),
    path("admin/monthly/", monthly.monthly_admin, name="monthly_admin"),
    path("admin/monthly/download.<str:fmt>", monthly.monthly_admin_download, name="monthly_admin_download"),
    # -- live help on the source form --
    path("reports/<int:pk>/lines/preview/", line_preview.report_line_preview, name="report_line_preview"),
    # -- agency compilation grants --
    path("reports/access/<int:organisation_id>/<int:year>/", access.report_access, name="report_access"),
    path(
        "reports/access/<int:organisation_id>/<int:year>/<int:grant_id>/revoke/",
        access.report_access_revoke,
        name="report_access_revoke",
    ),
    path("reports/<int:pk>/abandon/", reports.report_abandon, name="report_abandon"),
    # Data quality control plans (Art. 15): unit staff file, the bureau accepts or returns
    path("plans/", plans.plan_list, name="plan_list"),
    path("plans/start/<int:organisation_id>/<int:year>/", plans.plan_start, name="plan_start"),
    path("plans/<int:pk>/", plans.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/boundary/", plans.plan_boundary, name="plan_boundary"),
    path("plans/<int:pk>/responsibilities/", plans.plan_responsibilities, name="plan_responsibilities"),
    path("plans/<int:pk>/parameters/add/", plans.plan_parameter_add, name="plan_parameter_add"),
    path(
        "plans/<int:pk>/parameters/<int:parameter_id>/remove/",
        plans.plan_parameter_remove,
        name="plan_parameter_remove",
    ),
    path("plans/<int:pk>/submit/", plans.plan_submit, name="plan_submit"),
    path("plans/<int:pk>/revise/", plans.plan_revise, name="plan_revise"),
    path("plans/<int:pk>/compare/", plans.plan_compare, name="plan_compare"),
    path("plans/<int:pk>/decide/", plans.plan_decide, name="plan_decide"),
    path("admin/plans/", overview.plan_overview, name="plan_admin"),
]
