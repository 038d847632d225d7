"""Art. 9 ¶3: published lists and the criteria in force are public; no sign-in needed.

Drafts and lists awaiting approval are never reachable here: every read starts from
`selectors.published_lists()`.
"""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from carbon_portal.api import PortalApiView, PortalPagination, paginated_response

from .. import selectors
from ..choices import District, EntryCategory
from .common import TONNES

TAGS = ["registry: public"]


class PublicListCountsOutputSerializer(serializers.Serializer):
    regulated = serializers.IntegerField(source="regulated_count")
    reporting = serializers.IntegerField(source="reporting_count")


class PublicListOutputSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    basis_from_year = serializers.IntegerField()
    basis_to_year = serializers.IntegerField()
    published_at = serializers.DateTimeField()
    counts = PublicListCountsOutputSerializer(source="*")


class PublicEntryFilterSerializer(serializers.Serializer):
    q = serializers.CharField(default="", allow_blank=True, help_text="Name (Chinese or English) or exact USCC.")
    industry = serializers.CharField(default="", allow_blank=True, help_text="Industry code, e.g. C26.")
    district = serializers.ChoiceField(choices=District.choices, default="", allow_blank=True)
    category = serializers.ChoiceField(choices=EntryCategory.choices, default="", allow_blank=True)


class PublicEntryOutputSerializer(serializers.Serializer):
    uscc = serializers.CharField(source="organisation.uscc")
    name_zh = serializers.CharField(source="organisation.name_zh")
    name_en = serializers.CharField(source="organisation.name_en")
    industry = serializers.CharField(source="organisation.industry.code", allow_null=True)
    district = serializers.ChoiceField(source="organisation.district", choices=District.choices)
    category = serializers.ChoiceField(choices=EntryCategory.choices)
    basis_emissions_tco2e = serializers.DecimalField(allow_null=True, help_text="Exact decimal, as a string.", **TONNES)
    basis_year = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField(source="reason_text", help_text="Why the unit is listed, in your language.")


class CriteriaFilterSerializer(serializers.Serializer):
    year = serializers.IntegerField(
        required=False, min_value=2000, max_value=2100, help_text="Defaults to the current year."
    )


class CriterionOutputSerializer(serializers.Serializer):
    group = serializers.CharField(source="group.code")
    group_name_zh = serializers.CharField(source="group.name_zh")
    group_name_en = serializers.CharField(source="group.name_en")
    effective_from_year = serializers.IntegerField()
    regulated_threshold_tco2e = serializers.DecimalField(**TONNES)
    reporting_threshold_tco2e = serializers.DecimalField(**TONNES)
    legal_basis = serializers.CharField()
    version = serializers.IntegerField()


class CriteriaOutputSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    criteria = CriterionOutputSerializer(many=True)


class PublicApiView(PortalApiView):
    # No authentication at all: a stale token or session must not turn a public read into a 401.
    authentication_classes = []
    permission_classes = [AllowAny]


class PublishedListsApi(PublicApiView):
    @extend_schema(
        operation_id="registry_public_lists_list",
        summary="Published lists of regulated and reporting units",
        responses=PublicListOutputSerializer(many=True),
        tags=TAGS,
    )
    def get(self, request):
        return Response(
            PublicListOutputSerializer(selectors.with_entry_counts(selectors.published_lists()), many=True).data
        )


class PublishedListEntriesApi(PublicApiView):
    pagination_class = PortalPagination

    @extend_schema(
        operation_id="registry_public_list_entries_list",
        summary="Units on a published list, with the reason each is there",
        parameters=[PublicEntryFilterSerializer],
        responses={200: PublicEntryOutputSerializer(many=True), 404: OpenApiResponse(description="No such list.")},
        tags=TAGS,
    )
    def get(self, request, year: int):
        rl = get_object_or_404(selectors.published_lists(), year=year)
        filters = PublicEntryFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        entries = selectors.public_list_entries(rl, **filters.validated_data)
        return paginated_response(
            view=self, request=request, queryset=entries, serializer_class=PublicEntryOutputSerializer
        )


class CriteriaApi(PublicApiView):
    @extend_schema(
        operation_id="registry_public_criteria_retrieve",
        summary="Inclusion criteria in force in a year, per industry group",
        parameters=[CriteriaFilterSerializer],
        responses=CriteriaOutputSerializer,
        tags=TAGS,
    )
    def get(self, request):
        filters = CriteriaFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        year = filters.validated_data.get("year") or timezone.localdate().year
        criteria = sorted(selectors.criteria_in_force(year).values(), key=lambda c: c.group.code)
        return Response(CriteriaOutputSerializer({"year": year, "criteria": criteria}).data)
