from django.urls import path

from .views import imports, lists, organisations, public, settings

app_name = "registry"

urlpatterns = [
    # Public, no login (Art. 9 ¶3, Art. 17)
    path("lists/", public.list_index, name="public_lists"),
    path("lists/<int:year>/", public.list_detail, name="public_list"),
    path("lists/<int:year>/download.<str:fmt>", public.list_download, name="public_list_download"),
    path("units/<str:uscc>/", public.unit_detail, name="public_unit"),
    path("criteria/", public.criteria, name="criteria"),
    # Organisations (bureau: all; others: their own)
    path("organisations/", organisations.organisation_list, name="organisation_list"),
    path("organisations/new/", organisations.organisation_create, name="organisation_create"),
    path("organisations/import/", imports.organisation_import, name="organisation_import"),
    path("organisations/import/template.<str:fmt>", imports.import_template, name="organisation_import_template"),
    path("organisations/<int:pk>/", organisations.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", organisations.organisation_edit, name="organisation_edit"),
    path("organisations/<int:pk>/facilities/new/", organisations.facility_create, name="facility_create"),
    path("organisations/<int:pk>/contacts/new/", organisations.contact_create, name="contact_create"),
    path("organisations/<int:pk>/events/<str:kind>/", organisations.event_create, name="event_create"),
    # Annual list, bureau (Art. 9 ¶2)
    path("admin/lists/", lists.list_admin, name="list_admin"),
    path("admin/lists/<int:year>/", lists.list_manage, name="list_manage"),
    path("admin/lists/<int:year>/add/", lists.entry_add, name="list_entry_add"),
    path("admin/lists/<int:year>/entries/<int:entry_id>/remove/", lists.entry_remove, name="list_entry_remove"),
    path("admin/lists/<int:year>/entries/<int:entry_id>/restore/", lists.entry_restore, name="list_entry_restore"),
    path("admin/lists/<int:year>/submit/", lists.list_submit, name="list_submit"),
    path("admin/lists/<int:year>/decide/", lists.list_decide, name="list_decide"),
    # Criteria and per-year settings, bureau
    path("admin/criteria/<slug:group>/revise/", settings.criterion_revise, name="criterion_revise"),
    path("admin/year-settings/", settings.year_settings, name="year_settings"),
    path("admin/year-settings/<int:year>/", settings.year_settings_edit, name="year_settings_edit"),
]
