"""/api/reporting/: see reporting/api/ for what each endpoint does and who may call it."""

from django.urls import path

from .api import factors, plans, reports

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
    # -- report import --
    # -- monthly key parameters --
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
