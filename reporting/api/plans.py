"""Art. 15: a regulated unit's own systems file the data quality control plan for a year: start a
draft, write its sections, submit it, and revise it when returned. The bureau, signed in with
its second factor (a session: tokens are refused for bureau accounts), accepts or returns it.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from carbon_portal.api import IsBureau, PortalApiView, PortalPagination, paginated_response
from carbon_portal.permissions import is_bureau
from registry.models import Organisation

from .. import selectors, services
from ..permissions import may_file, plans_for
from .common import FORBIDDEN, INVALID, NO_CONTENT, NOT_YOURS, plan_for, unit_facility
from .serializers import (
    BoundaryInputSerializer,
    FilingCreateInputSerializer,
    PlanFilterSerializer,
    PlanOutputSerializer,
    PlanParameterInputSerializer,
    PlanParameterOutputSerializer,
    PlanReturnInputSerializer,
    PlanSummaryOutputSerializer,
    ResponsibilitiesInputSerializer,
)

TAGS = ["reporting: data quality control plans"]
DECISION_TAGS = ["reporting: plan decisions (bureau)"]


def plan_detail(user, pk: int) -> dict:
    plan = plan_for(user, pk)
    plan.parameter_list = list(selectors.plan_parameters(plan))
    plan.comment_list = [c for comments in selectors.plan_page_comments(plan).values() for c in comments]
    return PlanOutputSerializer(plan).data


class PlanCollectionApi(PortalApiView):
    pagination_class = PortalPagination

    @extend_schema(
        operation_id="reporting_plans_list",
        summary="Data quality control plans you may see",
        description="Your units' plans, every version; for the bureau, all.",
        parameters=[PlanFilterSerializer],
        responses=PlanSummaryOutputSerializer(many=True),
        tags=TAGS,
    )
    def get(self, request):
        filters = PlanFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        qs = plans_for(request.user).select_related("organisation")
        if "year" in wanted:
            qs = qs.filter(year=wanted["year"])
        if "organisation" in wanted:
            qs = qs.filter(organisation_id=wanted["organisation"])
        if "status" in wanted:
            qs = qs.filter(status=wanted["status"])
        qs = qs.order_by("-year", "organisation__name_zh", "-version")
        return paginated_response(view=self, request=request, queryset=qs, serializer_class=PlanSummaryOutputSerializer)

    @extend_schema(
        operation_id="reporting_plans_create",
        summary="Start the plan covering a year",
        description="A regulated unit on the published list of that year or the year before files one plan "
        "per year it covers (Art. 15).",
        request=FilingCreateInputSerializer,
        responses={201: PlanOutputSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_YOURS},
        tags=TAGS,
    )
    def post(self, request):
        serializer = FilingCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        org_id, year = serializer.validated_data["organisation"], serializer.validated_data["year"]
        if not (is_bureau(request.user) or may_file(request.user, org_id)):
            raise Http404
        organisation = get_object_or_404(Organisation, pk=org_id)
        plan = services.plan_create_draft(actor=request.user, organisation=organisation, year=year)
        return Response(plan_detail(request.user, plan.pk), status=status.HTTP_201_CREATED)


class PlanDetailApi(PortalApiView):
    @extend_schema(
        operation_id="reporting_plans_retrieve",
        summary="One plan with its parameters and the bureau's comments",
        responses={200: PlanOutputSerializer, 404: NOT_YOURS},
        tags=TAGS,
    )
    def get(self, request, pk: int):
        return Response(plan_detail(request.user, pk))


class PlanBoundaryApi(PortalApiView):
    @extend_schema(
        operation_id="reporting_plans_boundary_update",
        summary="Set the emission boundary of a draft plan",
        request=BoundaryInputSerializer,
        responses={200: PlanOutputSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_YOURS},
        tags=TAGS,
    )
    def put(self, request, pk: int):
        plan = plan_for(request.user, pk)
        serializer = BoundaryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.plan_update_boundary(actor=request.user, plan=plan, **serializer.validated_data)
        return Response(plan_detail(request.user, pk))


class PlanResponsibilitiesApi(PortalApiView):
    @extend_schema(
        operation_id="reporting_plans_responsibilities_update",
        summary="Name the person responsible for the plan's data quality",
        request=ResponsibilitiesInputSerializer,
        responses={200: PlanOutputSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_YOURS},
        tags=TAGS,
    )
    def put(self, request, pk: int):
        plan = plan_for(request.user, pk)
        serializer = ResponsibilitiesInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.plan_update_responsibilities(actor=request.user, plan=plan, **serializer.validated_data)
        return Response(plan_detail(request.user, pk))


class PlanParameterCollectionApi(PortalApiView):
    @extend_schema(
        operation_id="reporting_plans_parameters_create",
        summary="Add a monitored parameter to a draft plan",
        description="A measured parameter names its instrument and the instrument's calibration date.",
        request=PlanParameterInputSerializer,
        responses={201: PlanParameterOutputSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_YOURS},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        plan = plan_for(request.user, pk)
        serializer = PlanParameterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        facility = unit_facility(plan.organisation, data.pop("facility"))
        row = services.plan_parameter_add(actor=request.user, plan=plan, facility=facility, **data)
        return Response(PlanParameterOutputSerializer(row).data, status=status.HTTP_201_CREATED)


class PlanParameterDetailApi(PortalApiView):
    @extend_schema(
        operation_id="reporting_plans_parameters_destroy",
        summary="Remove a parameter from a draft plan",
        request=None,
        responses={204: NO_CONTENT, 400: INVALID, 403: FORBIDDEN, 404: NOT_YOURS},
        tags=TAGS,
    )
    def delete(self, request, pk: int, parameter_id: int):
        plan = plan_for(request.user, pk)
        parameter = get_object_or_404(plan.parameters.all(), pk=parameter_id)
        services.plan_parameter_remove(actor=request.user, parameter=parameter)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PlanSubmitApi(PortalApiView):
    @extend_schema(
        operation_id="reporting_plans_submit",
        summary="Submit a complete plan to the bureau (unit staff only)",
        description="A plan needs its boundary, at least one parameter and a responsible person; each "
        "missing part is a message in `non_field_errors`.",
        request=None,
        responses={200: PlanOutputSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_YOURS},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        services.plan_submit(actor=request.user, plan=plan_for(request.user, pk))
        return Response(plan_detail(request.user, pk))


class PlanReviseApi(PortalApiView):
    @extend_schema(
        operation_id="reporting_plans_revise",
        summary="Revise a returned plan as a new draft version (unit staff only)",
        request=None,
        responses={201: PlanOutputSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_YOURS},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        new = services.plan_revise(actor=request.user, plan=plan_for(request.user, pk))
        return Response(plan_detail(request.user, new.pk), status=status.HTTP_201_CREATED)


class PlanAcceptApi(PortalApiView):
    permission_classes = [IsBureau]

    @extend_schema(
        operation_id="reporting_plans_accept",
        summary="Accept a submitted plan (bureau)",
        request=None,
        responses={200: PlanOutputSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_YOURS},
        tags=DECISION_TAGS,
    )
    def post(self, request, pk: int):
        services.plan_accept(actor=request.user, plan=plan_for(request.user, pk))
        return Response(plan_detail(request.user, pk))


class PlanReturnApi(PortalApiView):
    permission_classes = [IsBureau]

    @extend_schema(
        operation_id="reporting_plans_return",
        summary="Return a submitted plan with comments per section (bureau)",
        description="At least one section needs a comment; the unit then revises the plan.",
        request=PlanReturnInputSerializer,
        responses={200: PlanOutputSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_YOURS},
        tags=DECISION_TAGS,
    )
    def post(self, request, pk: int):
        plan = plan_for(request.user, pk)
        serializer = PlanReturnInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.plan_return(actor=request.user, plan=plan, comments=serializer.validated_data)
        return Response(plan_detail(request.user, pk))
