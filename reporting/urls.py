from django.urls import path

from .views import factors, plans, reports

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
    path("admin/reports/", reports.report_admin, name="report_admin"),
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
    path("admin/plans/", plans.plan_admin, name="plan_admin"),
]
