"""Organisations and their facilities: the bureau sees all, everyone else only their own.

List and detail answer the same representation, facilities included.

Another organisation's id answers 404, never 403, so its existence is not disclosed.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from carbon_portal.api import IsBureauOrReadOnly, PortalApiView, PortalPagination, paginated_response

from .. import selectors, services
from ..choices import District, OrganisationStatus, OrganisationType
from ..models import Industry, Organisation
from ..permissions import organisations_for

TAGS = ["registry: organisations"]


class FacilityOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    district = serializers.ChoiceField(choices=District.choices)
    address = serializers.CharField()
    is_active = serializers.BooleanField()


class OrganisationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    uscc = serializers.CharField(help_text="Unified social credit code (GB 32100-2015).")
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    org_type = serializers.ChoiceField(choices=OrganisationType.choices)
    industry = serializers.CharField(source="industry.code", allow_null=True, help_text="Industry code, e.g. C26.")
    industry_group = serializers.CharField(source="industry.group.code", allow_null=True)
    district = serializers.ChoiceField(choices=District.choices)
    address = serializers.CharField()
    status = serializers.ChoiceField(choices=OrganisationStatus.choices)
    status_effective_date = serializers.DateField(allow_null=True)
    facilities = FacilityOutputSerializer(many=True)


class OrganisationFilterSerializer(serializers.Serializer):
    q = serializers.CharField(default="", allow_blank=True, help_text="Name (Chinese or English) or exact USCC.")
    industry = serializers.CharField(default="", allow_blank=True, help_text="Industry code, e.g. C26.")
    district = serializers.ChoiceField(choices=District.choices, default="", allow_blank=True)
    org_type = serializers.ChoiceField(choices=OrganisationType.choices, default="", allow_blank=True)


class OrganisationCreateInputSerializer(serializers.Serializer):
    uscc = serializers.CharField(help_text="18 characters with a correct check character.")
    name_zh = serializers.CharField()
    name_en = serializers.CharField(default="", allow_blank=True)
    org_type = serializers.ChoiceField(choices=OrganisationType.choices)
    industry = serializers.SlugRelatedField(
        slug_field="code", queryset=Industry.objects.all(), default=None, allow_null=True
    )
    district = serializers.ChoiceField(choices=District.choices)
    address = serializers.CharField(default="", allow_blank=True)


class OrganisationUpdateInputSerializer(serializers.Serializer):
    """Only the fields sent are changed. A unit's own staff may change name_en and address only."""

    uscc = serializers.CharField(required=False)
    name_zh = serializers.CharField(required=False)
    name_en = serializers.CharField(required=False, allow_blank=True)
    org_type = serializers.ChoiceField(choices=OrganisationType.choices, required=False)
    industry = serializers.SlugRelatedField(
        slug_field="code", queryset=Industry.objects.all(), required=False, allow_null=True
    )
    district = serializers.ChoiceField(choices=District.choices, required=False)
    address = serializers.CharField(required=False, allow_blank=True)


class FacilityCreateInputSerializer(serializers.Serializer):
    code = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField(default="", allow_blank=True)
    district = serializers.ChoiceField(choices=District.choices)
    address = serializers.CharField(default="", allow_blank=True)


def _organisation(user, pk: int) -> Organisation:
    return get_object_or_404(
        organisations_for(user).select_related("industry__group").prefetch_related("facilities"), pk=pk
    )


_NOT_YOURS = OpenApiResponse(description="Not found, or not an organisation you may see.")
_INVALID = OpenApiResponse(description="Field errors, in the caller's language.")
_FORBIDDEN = OpenApiResponse(description="Not allowed for your role.")


class OrganisationCollectionApi(PortalApiView):
    permission_classes = [IsBureauOrReadOnly]
    pagination_class = PortalPagination

    @extend_schema(
        operation_id="registry_organisations_list",
        summary="Organisations you may see",
        parameters=[OrganisationFilterSerializer],
        responses=OrganisationOutputSerializer(many=True),
        tags=TAGS,
    )
    def get(self, request):
        filters = OrganisationFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.organisation_search(organisations_for(request.user), **filters.validated_data)
        qs = qs.prefetch_related("facilities")
        return paginated_response(
            view=self, request=request, queryset=qs, serializer_class=OrganisationOutputSerializer
        )

    @extend_schema(
        operation_id="registry_organisations_create",
        summary="Register an organisation (bureau)",
        request=OrganisationCreateInputSerializer,
        responses={201: OrganisationOutputSerializer, 400: _INVALID, 403: _FORBIDDEN},
        tags=TAGS,
    )
    def post(self, request):
        serializer = OrganisationCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        org = services.organisation_create(actor=request.user, **serializer.validated_data)
        return Response(
            OrganisationOutputSerializer(_organisation(request.user, org.pk)).data, status=status.HTTP_201_CREATED
        )


class OrganisationDetailApi(PortalApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="registry_organisations_retrieve",
        summary="One organisation with its facilities",
        responses={200: OrganisationOutputSerializer, 404: _NOT_YOURS},
        tags=TAGS,
    )
    def get(self, request, pk: int):
        return Response(OrganisationOutputSerializer(_organisation(request.user, pk)).data)

    @extend_schema(
        operation_id="registry_organisations_partial_update",
        summary="Change an organisation",
        description="The bureau may change any field; a unit's own staff may change `name_en` and `address`.",
        request=OrganisationUpdateInputSerializer,
        responses={200: OrganisationOutputSerializer, 400: _INVALID, 404: _NOT_YOURS},
        tags=TAGS,
    )
    def patch(self, request, pk: int):
        org = _organisation(request.user, pk)
        serializer = OrganisationUpdateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.organisation_update(actor=request.user, organisation=org, **serializer.validated_data)
        return Response(OrganisationOutputSerializer(_organisation(request.user, pk)).data)


class FacilityCollectionApi(PortalApiView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="registry_organisations_facilities_list",
        summary="An organisation's facilities",
        responses={200: FacilityOutputSerializer(many=True), 404: _NOT_YOURS},
        tags=TAGS,
    )
    def get(self, request, pk: int):
        org = _organisation(request.user, pk)
        return Response(FacilityOutputSerializer(org.facilities.all(), many=True).data)

    @extend_schema(
        operation_id="registry_organisations_facilities_create",
        summary="Add a facility to an organisation",
        request=FacilityCreateInputSerializer,
        responses={201: FacilityOutputSerializer, 400: _INVALID, 404: _NOT_YOURS},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        org = _organisation(request.user, pk)
        serializer = FacilityCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        facility = services.facility_create(actor=request.user, organisation=org, **serializer.validated_data)
        return Response(FacilityOutputSerializer(facility).data, status=status.HTTP_201_CREATED)
