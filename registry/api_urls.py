"""/api/registry/: see registry/api/ for what each endpoint does and who may call it."""

from django.urls import path

from .api import lists, organisations, public

app_name = "registry_api"

urlpatterns = [
    # Organisations, scoped by registry.permissions.organisations_for
    path("organisations/", organisations.OrganisationCollectionApi.as_view(), name="organisations"),
    path("organisations/<int:pk>/", organisations.OrganisationDetailApi.as_view(), name="organisation"),
    path("organisations/<int:pk>/facilities/", organisations.FacilityCollectionApi.as_view(), name="facilities"),
    # Public, no sign-in (Art. 9 ¶3)
    path("lists/", public.PublishedListsApi.as_view(), name="public_lists"),
    path("lists/<int:year>/entries/", public.PublishedListEntriesApi.as_view(), name="public_list_entries"),
    path("criteria/", public.CriteriaApi.as_view(), name="criteria"),
    # Annual list administration, bureau only (Art. 9 ¶2)
    path("admin/lists/", lists.ListCollectionApi.as_view(), name="admin_lists"),
    path("admin/lists/<int:year>/", lists.ListDetailApi.as_view(), name="admin_list"),
    path("admin/lists/<int:year>/entries/", lists.ListEntriesApi.as_view(), name="admin_list_entries"),
    path("admin/lists/<int:year>/submit/", lists.ListSubmitApi.as_view(), name="admin_list_submit"),
    path("admin/lists/<int:year>/approve/", lists.ListApproveApi.as_view(), name="admin_list_approve"),
    path("admin/lists/<int:year>/return/", lists.ListReturnApi.as_view(), name="admin_list_return"),
]
