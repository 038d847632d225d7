from django.urls import path

from .views import agencies as agency_views
from .views import assignments as assignment_views
from .views import workspace as workspace_views

app_name = "verification"

urlpatterns = [
    # -- agency directory (public) and its upkeep (bureau) --
    path("agencies/", agency_views.agency_directory, name="agency_directory"),
    path("agencies/download.<str:fmt>", agency_views.agency_directory_download, name="agency_directory_download"),
    path("agencies/<int:org_id>/", agency_views.agency_detail, name="agency_detail"),
    path("admin/agencies/", agency_views.agency_admin, name="agency_admin"),
    path("admin/agencies/<int:org_id>/", agency_views.agency_edit, name="agency_edit"),
    path(
        "admin/agencies/<int:org_id>/reviewers/<int:reviewer_id>/deactivate/",
        agency_views.agency_reviewer_deactivate,
        name="agency_reviewer_deactivate",
    ),
    path("admin/agencies/<int:org_id>/links/<int:link_id>/end/", agency_views.agency_link_end, name="agency_link_end"),
    # -- review assignments (bureau) --
    path("admin/reviews/", assignment_views.review_home, name="review_home"),
    path("admin/reviews/<int:year>/", assignment_views.review_list, name="review_list"),
    path("admin/reviews/<int:year>/assign/<int:report_id>/", assignment_views.review_assign, name="review_assign"),
    path(
        "admin/reviews/<int:year>/reassign/<int:assignment_id>/",
        assignment_views.review_reassign,
        name="review_reassign",
    ),
    path("admin/reviews/<int:year>/propose/", assignment_views.review_propose, name="review_propose"),
    # -- agency workspace --
    path("reviews/", workspace_views.workspace_list, name="workspace_list"),
    path("reviews/<int:assignment_id>/", workspace_views.workspace_report, name="workspace_report"),
    path(
        "reviews/<int:assignment_id>/evidence/<int:evidence_id>/",
        workspace_views.workspace_evidence,
        name="workspace_evidence",
    ),
    path("reviews/<int:assignment_id>/pdf/", workspace_views.workspace_pdf, name="workspace_pdf"),
]
