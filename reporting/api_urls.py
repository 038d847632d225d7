"""/api/reporting/: see reporting/api/ for what each endpoint does and who may call it."""

from django.urls import path

from .api import access, documents, evidence, factors, imports, monthly, plans, reports

app_name = "reporting_api"

urlpatterns = [
    # Public, no sign-in
    path("factors/", factors.FactorsInForceApi.as_view(), name="factors"),
    # Annual emission reports (Art. 16), scoped by reporting.permissions.reports_for
    path("reports/", reports.ReportCollectionApi.as_view(), name="reports"),
    path("reports/<int:pk>/", reports.ReportDetailApi.as_view(), name="report"),
    path("reports/<int:pk>/production/", reports.ReportProductionApi.as_view(), name="report_production"),
    path("reports/<int:pk>/lines/", reports.ReportLineCollectionApi.as_view(), name="report_lines"),
    path("reports/<int:pk>/lines/<int:line_id>/", reports.ReportLineDetailApi.as_view(), name="report_line"),
    path("reports/<int:pk>/submit/", reports.ReportSubmitApi.as_view(), name="report_submit"),
    path("reports/<int:pk>/correct/", reports.ReportCorrectionApi.as_view(), name="report_correct"),
    path("reports/<int:pk>/abandon/", reports.ReportAbandonApi.as_view(), name="report_abandon"),
    # -- report evidence --
    path("reports/<int:pk>/evidence/", evidence.EvidenceCollectionApi.as_view(), name="report_evidence"),
    path(
        "reports/<int:pk>/evidence/<int:evidence_id>/",
        evidence.EvidenceDetailApi.as_view(),
        name="report_evidence_item",
    ),
    path(
        "reports/<int:pk>/evidence/<int:evidence_id>/download/",
        evidence.EvidenceDownloadApi.as_view(),
        name="report_evidence_download",
    ),
    # -- report import --
    path("reports/<int:pk>/import/", imports.ReportImportApi.as_view(), name="report_import"),
    path("reports/<int:pk>/import/template/", imports.ReportImportTemplateApi.as_view(), name="report_import_template"),
    # -- monthly key parameters --
    path("monthly/<int:organisation_id>/<int:year>/", monthly.MonthlyYearApi.as_view(), name="monthly"),
    path(
        "monthly/<int:organisation_id>/<int:year>/<int:row_id>/",
        monthly.MonthlyFigureApi.as_view(),
        name="monthly_figure",
    ),
    # Agency access to compile a unit's report for a year: the unit's own staff only
    path("access/<int:organisation_id>/<int:year>/", access.AccessApi.as_view(), name="access"),
    path(
        "access/<int:organisation_id>/<int:year>/<int:grant_id>/revoke/",
        access.AccessRevokeApi.as_view(),
        name="access_revoke",
    ),
    # PDFs of reports and plans: POST asks for one, GET answers 202 until it is ready
    path("reports/<int:pk>/pdf/", documents.ReportPdfApi.as_view(), name="report_pdf"),
    path("plans/<int:pk>/pdf/", documents.PlanPdfApi.as_view(), name="plan_pdf"),
    # Data quality control plans (Art. 15), scoped by reporting.permissions.plans_for
    path("plans/", plans.PlanCollectionApi.as_view(), name="plans"),
    path("plans/<int:pk>/", plans.PlanDetailApi.as_view(), name="plan"),
    path("plans/<int:pk>/boundary/", plans.PlanBoundaryApi.as_view(), name="plan_boundary"),
    path("plans/<int:pk>/responsibilities/", plans.PlanResponsibilitiesApi.as_view(), name="plan_responsibilities"),
    path("plans/<int:pk>/parameters/", plans.PlanParameterCollectionApi.as_view(), name="plan_parameters"),
    path(
        "plans/<int:pk>/parameters/<int:parameter_id>/",
        plans.PlanParameterDetailApi.as_view(),
        name="plan_parameter",
    ),
    path("plans/<int:pk>/submit/", plans.PlanSubmitApi.as_view(), name="plan_submit"),
    path("plans/<int:pk>/revise/", plans.PlanReviseApi.as_view(), name="plan_revise"),
    # Bureau decisions, session only
    path("plans/<int:pk>/accept/", plans.PlanAcceptApi.as_view(), name="plan_accept"),
    path("plans/<int:pk>/return/", plans.PlanReturnApi.as_view(), name="plan_return"),
]
