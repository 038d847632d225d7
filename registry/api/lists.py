"""Art. 9 ¶2-3, bureau only: compile the annual list, submit it, and approve (four eyes) or return it.

The four-eyes rule lives in the services; these endpoints only carry its 403 to the caller.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from carbon_portal.api import IsBureau, PortalApiView, PortalPagination, paginated_response
from carbon_portal.models import BackgroundJob

from .. import selectors, services
from ..choices import EntryCategory, EntryOrigin, ListStatus
from ..models import RegulatedList
from .common import TONNES

TAGS = ["registry: list administration"]


class JobOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=BackgroundJob.Status.choices)
    progress_done = serializers.IntegerField()
    progress_total = serializers.IntegerField()
    percent = serializers.IntegerField()
    message = serializers.CharField()


class ListCountsOutputSerializer(serializers.Serializer):
    regulated = serializers.IntegerField(source="regulated_count")
    reporting = serializers.IntegerField(source="reporting_count")
    removed = serializers.IntegerField(source="removed_count")
    manual = serializers.IntegerField(source="manual_count", help_text="Live entries the bureau added by hand.")


class ListOutputSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ListStatus.choices)
    basis_from_year = serializers.IntegerField()
    basis_to_year = serializers.IntegerField()
    job = JobOutputSerializer(allow_null=True, help_text="The compilation job; poll until it is done.")
    compiled_by = serializers.EmailField(source="compiled_by.email")
    compiled_at = serializers.DateTimeField(allow_null=True)
    submitted_by = serializers.EmailField(source="submitted_by.email", allow_null=True)
    submitted_at = serializers.DateTimeField(allow_null=True)
    approved_by = serializers.EmailField(source="approved_by.email", allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    return_reason = serializers.CharField()
    counts = ListCountsOutputSerializer(source="*")


class ListCompileInputSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    basis_from_year = serializers.IntegerField(required=False, allow_null=True, default=None)
    basis_to_year = serializers.IntegerField(required=False, allow_null=True, default=None)


class ListReturnInputSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text="Why the list goes back to its compiler.")


class AdminEntryFilterSerializer(serializers.Serializer):
    q = serializers.CharField(default="", allow_blank=True)
    category = serializers.ChoiceField(choices=EntryCategory.choices, default="", allow_blank=True)
    origin = serializers.ChoiceField(
        choices=[*EntryOrigin.choices, ("removed", "Removed")],
        default="",
        allow_blank=True,
        help_text="`removed` shows removed entries; the others show live entries of that origin.",
    )


class AdminEntryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation_id = serializers.IntegerField()
    uscc = serializers.CharField(source="organisation.uscc")
    name_zh = serializers.CharField(source="organisation.name_zh")
    name_en = serializers.CharField(source="organisation.name_en")
    category = serializers.ChoiceField(choices=EntryCategory.choices)
    origin = serializers.ChoiceField(choices=EntryOrigin.choices)
    basis_emissions_tco2e = serializers.DecimalField(allow_null=True, **TONNES)
    basis_year = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(source="reason_text")
    is_removed = serializers.BooleanField()
    removal_reason = serializers.CharField()


def _lists():
    return selectors.with_entry_counts(selectors.list_overview())


def _list(year: int) -> RegulatedList:
    return get_object_or_404(_lists(), year=year)


def _detail(year: int) -> dict:
    return ListOutputSerializer(_list(year)).data


_NO_LIST = OpenApiResponse(description="No list for that year.")
_INVALID = OpenApiResponse(description="The list cannot make this move now; the message says why.")
_FORBIDDEN = OpenApiResponse(description="Not bureau staff, or the four-eyes rule refuses you.")


class BureauApiView(PortalApiView):
    permission_classes = [IsBureau]


class ListCollectionApi(BureauApiView):
    @extend_schema(
        operation_id="registry_admin_lists_list",
        summary="Every annual list, whatever its status",
        responses=ListOutputSerializer(many=True),
        tags=TAGS,
    )
    def get(self, request):
        return Response(ListOutputSerializer(_lists(), many=True).data)

    @extend_schema(
        operation_id="registry_admin_lists_compile",
        summary="Compile (or recompile) a draft list",
        description="Starts a background job; the answer carries the job to poll. "
        "Basis years default to the two years before the list's year.",
        request=ListCompileInputSerializer,
        responses={202: ListOutputSerializer, 400: _INVALID, 403: _FORBIDDEN},
        tags=TAGS,
    )
    def post(self, request):
        serializer = ListCompileInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rl = services.regulated_list_compile(actor=request.user, **serializer.validated_data)
        return Response(_detail(rl.year), status=status.HTTP_202_ACCEPTED)


class ListDetailApi(BureauApiView):
    @extend_schema(
        operation_id="registry_admin_lists_retrieve",
        summary="One annual list with its counts",
        responses={200: ListOutputSerializer, 404: _NO_LIST},
        tags=TAGS,
    )
    def get(self, request, year: int):
        return Response(_detail(year))


class ListEntriesApi(BureauApiView):
    pagination_class = PortalPagination

    @extend_schema(
        operation_id="registry_admin_list_entries_list",
        summary="Entries of a list in any status, removed ones included",
        parameters=[AdminEntryFilterSerializer],
        responses={200: AdminEntryOutputSerializer(many=True), 404: _NO_LIST},
        tags=TAGS,
    )
    def get(self, request, year: int):
        rl = _list(year)
        filters = AdminEntryFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        entries = selectors.admin_list_entries(rl, **filters.validated_data)
        return paginated_response(
            view=self, request=request, queryset=entries, serializer_class=AdminEntryOutputSerializer
        )


class ListSubmitApi(BureauApiView):
    @extend_schema(
        operation_id="registry_admin_lists_submit",
        summary="Submit a draft list for a second bureau user's approval",
        request=None,
        responses={200: ListOutputSerializer, 400: _INVALID, 403: _FORBIDDEN, 404: _NO_LIST},
        tags=TAGS,
    )
    def post(self, request, year: int):
        services.regulated_list_submit(actor=request.user, regulated_list=_list(year))
        return Response(_detail(year))


class ListApproveApi(BureauApiView):
    @extend_schema(
        operation_id="registry_admin_lists_approve",
        summary="Approve and publish a submitted list (four eyes)",
        description="Only a bureau approver who neither compiled nor submitted the list may approve it.",
        request=None,
        responses={200: ListOutputSerializer, 400: _INVALID, 403: _FORBIDDEN, 404: _NO_LIST},
        tags=TAGS,
    )
    def post(self, request, year: int):
        services.regulated_list_approve(actor=request.user, regulated_list=_list(year))
        return Response(_detail(year))


class ListReturnApi(BureauApiView):
    @extend_schema(
        operation_id="registry_admin_lists_return",
        summary="Return a submitted list to its compiler, with the reason",
        request=ListReturnInputSerializer,
        responses={200: ListOutputSerializer, 400: _INVALID, 403: _FORBIDDEN, 404: _NO_LIST},
        tags=TAGS,
    )
    def post(self, request, year: int):
        rl = _list(year)
        serializer = ListReturnInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.regulated_list_return(actor=request.user, regulated_list=rl, **serializer.validated_data)
        return Response(_detail(year))
