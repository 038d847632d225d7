from django.urls import path

from .views import agencies as agency_views
from .views import assignments as assignment_views
from .views import determinations as determination_views
from .views import objections as objection_views
from .views import public as public_views
from .views import reexaminations as reexam_views
from .views import requests as request_views
from .views import reviews as review_views
from .views import risk as risk_views
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
    # -- requests for information --
    path("reviews/<int:assignment_id>/requests/", request_views.request_list, name="request_list"),
    path("reviews/<int:assignment_id>/requests/new/", request_views.request_new, name="request_new"),
    path("requests/", request_views.request_inbox, name="request_inbox"),
    path("requests/<int:request_id>/", request_views.request_detail, name="request_detail"),
    path("requests/<int:request_id>/close/", request_views.request_close, name="request_close"),
    path("requests/<int:request_id>/reply-due/", request_views.request_reply_due, name="request_reply_due"),
    path("requests/<int:request_id>/files/<int:file_id>/", request_views.request_file, name="request_file"),
    # -- risk ranking --
    path("admin/risk/", risk_views.risk_home, name="risk_home"),
    path("admin/risk/<int:year>/", risk_views.risk_ranking, name="risk_ranking"),
    # -- public disclosure --
    path("determined/", public_views.determined_index, name="determined_index"),
    path("determined/<int:year>/", public_views.determined_year, name="determined_year"),
    path("determined/<int:year>/download.<str:fmt>", public_views.determined_download, name="determined_download"),
    # -- objections and re-examinations --
    path("objections/", objection_views.objection_list, name="objection_list"),
    path("objections/new/<int:determination_id>/", objection_views.objection_file_view, name="objection_file"),
    path("objections/<int:objection_id>/", objection_views.objection_detail, name="objection_detail"),
    path(
        "objections/<int:objection_id>/files/<int:file_id>/",
        objection_views.objection_attachment,
        name="objection_attachment",
    ),
    path("admin/objections/", objection_views.objection_admin_home, name="objection_admin_home"),
    path("admin/objections/<int:year>/", objection_views.objection_admin, name="objection_admin"),
    path("admin/objections/decide/<int:objection_id>/", objection_views.objection_decide, name="objection_decide"),
    path("admin/reexaminations/", reexam_views.reexam_home, name="reexam_home"),
    path("admin/reexaminations/<int:year>/", reexam_views.reexam_list, name="reexam_list"),
    path("admin/reexaminations/<int:year>/open/", reexam_views.reexam_pick, name="reexam_pick"),
    path("admin/reexaminations/open/<int:determination_id>/", reexam_views.reexam_open, name="reexam_open"),
    path("admin/reexaminations/item/<int:reexam_id>/", reexam_views.reexam_detail, name="reexam_detail"),
    path("admin/reexaminations/item/<int:reexam_id>/assign/", reexam_views.reexam_assign, name="reexam_assign"),
    path("admin/reexaminations/item/<int:reexam_id>/reassign/", reexam_views.reexam_reassign, name="reexam_reassign"),
    path("admin/reexaminations/item/<int:reexam_id>/cancel/", reexam_views.reexam_cancel, name="reexam_cancel"),
    # -- technical review reports --
    path("reviews/<int:assignment_id>/review/", review_views.review_edit, name="review_edit"),
    path("reviews/<int:assignment_id>/review/start/", review_views.review_start, name="review_start"),
    path(
        "reviews/<int:assignment_id>/review/findings/<int:finding_id>/remove/",
        review_views.review_finding_remove,
        name="review_finding_remove",
    ),
    path("technical-reviews/<int:review_id>/", review_views.review_detail, name="review_detail"),
    path("technical-reviews/<int:review_id>/document/", review_views.review_document, name="review_document"),
    path("technical-reviews/<int:review_id>/return/", review_views.review_return, name="review_return"),
    # -- determinations --
    path("admin/determinations/", determination_views.determination_home, name="determination_home"),
    path("admin/determinations/<int:year>/", determination_views.determination_list, name="determination_list"),
    path(
        "admin/determinations/<int:year>/<int:org_id>/",
        determination_views.determination_workspace,
        name="determination_workspace",
    ),
    path(
        "admin/determinations/<int:year>/<int:org_id>/history/",
        determination_views.determination_history,
        name="determination_history",
    ),
    path("admin/determination/<int:pk>/", determination_views.determination_approval, name="determination_approval"),
    path("admin/determination/<int:pk>/submit/", determination_views.determination_submit, name="determination_submit"),
    path("determinations/", determination_views.determination_unit, name="determination_unit"),
    path("determinations/<int:pk>/notice/", determination_views.determination_notice, name="determination_notice"),
    path(
        "determinations/<int:pk>/notice/prepare/",
        determination_views.determination_notice_prepare,
        name="determination_notice_prepare",
    ),
]
