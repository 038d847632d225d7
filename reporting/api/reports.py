"""Art. 16: a unit's own systems file the annual emission report: start a draft, fill in production
data and emission sources, declare and submit it, and correct it by a new version.

Who may do what is the services' rule, as on the pages: the unit's staff file; an agency with the
unit's grant for the year fills in the draft but does not submit; the bureau reads.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from carbon_portal.api import PortalApiView, PortalPagination, paginated_response
from carbon_portal.permissions import is_bureau
from registry.models import Organisation

from .. import selectors, services
from ..permissions import may_compile, reports_for
from .common import FORBIDDEN, INVALID, NO_CONTENT, NOT_YOURS, report_for, unit_facility
from .serializers import (
    CorrectionInputSerializer,
    DeclarationInputSerializer,
    FilingCreateInputSerializer,
    ProductionInputSerializer,
    ReportFilterSerializer,
    ReportLineInputSerializer,
    ReportLineOutputSerializer,
    ReportOutputSerializer,
    ReportSummaryOutputSerializer,
)

TAGS = ["reporting: annual reports"]


def report_detail(user, pk: int) -> dict:
    """The report as the API shows it: its lines and totals by the report page's rule."""
    report = report_for(user, pk)
    report.line_list = list(selectors.report_lines(report))
    report.totals = selectors.report_totals(report, report.line_list)
    return ReportOutputSerializer(report).data


class ReportCollectionApi(PortalApiView):
    pagination_class = PortalPagination

    @extend_schema(
        operation_id="reporting_reports_list",
        summary="Annual emission reports you may see",
        description="Your units' reports, every version; for an agency, those of the units and years that "
        "granted it access; for the bureau, all.",
        parameters=[ReportFilterSerializer],
        responses=ReportSummaryOutputSerializer(many=True),
        tags=TAGS,
    )
    def get(self, request):
        filters = ReportFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = filters.validated_data
        qs = reports_for(request.user).select_related("organisation")
        if "year" in wanted:
            qs = qs.filter(year=wanted["year"])
        if "organisation" in wanted:
            qs = qs.filter(organisation_id=wanted["organisation"])
        if "status" in wanted:
            qs = qs.filter(status=wanted["status"])
        qs = qs.order_by("-year", "organisation__name_zh", "-version")
        return paginated_response(
            view=self, request=request, queryset=qs, serializer_class=ReportSummaryOutputSerializer
        )

    @extend_schema(
        operation_id="reporting_reports_create",
        summary="Start a draft report for a unit and year",
        description="Only a unit on the year's published list reports (Art. 16 ¶1, ¶3), one draft at a time.",
        request=FilingCreateInputSerializer,
        responses={201: ReportOutputSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_YOURS},
        tags=TAGS,
    )
    def post(self, request):
        serializer = FilingCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        org_id, year = serializer.validated_data["organisation"], serializer.validated_data["year"]
        # Another unit is not found; the bureau, which sees every unit, is refused by the service.
        if not (is_bureau(request.user) or may_compile(request.user, org_id, year)):
            raise Http404
        organisation = get_object_or_404(Organisation, pk=org_id)
        report = services.report_create_draft(actor=request.user, organisation=organisation, year=year)
        return Response(report_detail(request.user, report.pk), status=status.HTTP_201_CREATED)


class ReportDetailApi(PortalApiView):
    @extend_schema(
        operation_id="reporting_reports_retrieve",
        summary="One report with its emission sources and totals",
        responses={200: ReportOutputSerializer, 404: NOT_YOURS},
        tags=TAGS,
    )
    def get(self, request, pk: int):
        return Response(report_detail(request.user, pk))


class ReportProductionApi(PortalApiView):
    @extend_schema(
        operation_id="reporting_reports_production_update",
        summary="Set the production data of a draft",
        request=ProductionInputSerializer,
        responses={200: ReportOutputSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_YOURS},
        tags=TAGS,
    )
    def put(self, request, pk: int):
        report = report_for(request.user, pk)
        serializer = ProductionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.report_production_update(actor=request.user, report=report, **serializer.validated_data)
        return Response(report_detail(request.user, pk))


class ReportLineCollectionApi(PortalApiView):
    @extend_schema(
        operation_id="reporting_reports_lines_create",
        summary="Add an emission source to a draft",
        description="Calculated with the factor version valid in the report's year, which is frozen on the "
        "line. A negative amount, a unit that does not fit the factor, or a submitted report is a 400.",
        request=ReportLineInputSerializer,
        responses={201: ReportLineOutputSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_YOURS},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        report = report_for(request.user, pk)
        serializer = ReportLineInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        facility = unit_facility(report.organisation, data.pop("facility"))
        line = services.report_line_add(actor=request.user, report=report, facility=facility, **data)
        return Response(ReportLineOutputSerializer(line).data, status=status.HTTP_201_CREATED)


class ReportLineDetailApi(PortalApiView):
    @extend_schema(
        operation_id="reporting_reports_lines_destroy",
        summary="Remove an emission source from a draft",
        request=None,
        responses={204: NO_CONTENT, 400: INVALID, 403: FORBIDDEN, 404: NOT_YOURS},
        tags=TAGS,
    )
    def delete(self, request, pk: int, line_id: int):
        report = report_for(request.user, pk)
        line = get_object_or_404(report.lines.all(), pk=line_id)
        services.report_line_remove(actor=request.user, line=line)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReportSubmitApi(PortalApiView):
    @extend_schema(
        operation_id="reporting_reports_submit",
        summary="Declare and submit a draft (unit staff only)",
        description="The responsible person declares the report true (Art. 16); it is then locked. The answer "
        "carries the reference and the totals. Submitting a correction supersedes the version it corrects.",
        request=DeclarationInputSerializer,
        responses={200: ReportOutputSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_YOURS},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        report = report_for(request.user, pk)
        serializer = DeclarationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.report_submit(actor=request.user, report=report, **serializer.validated_data)
        return Response(report_detail(request.user, pk))


class ReportCorrectionApi(PortalApiView):
    @extend_schema(
        operation_id="reporting_reports_correct",
        summary="Start a correction of a submitted report (unit staff only)",
        description="A new draft version with the activity data copied and recalculated; the reason is kept.",
        request=CorrectionInputSerializer,
        responses={201: ReportOutputSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_YOURS},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        report = report_for(request.user, pk)
        serializer = CorrectionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        new = services.report_correction_start(actor=request.user, report=report, **serializer.validated_data)
        return Response(report_detail(request.user, new.pk), status=status.HTTP_201_CREATED)


class ReportAbandonApi(PortalApiView):
    @extend_schema(
        operation_id="reporting_reports_abandon",
        summary="Abandon a draft (unit staff only)",
        description="The draft stays on record as abandoned, and a new one may be started.",
        request=None,
        responses={200: ReportOutputSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_YOURS},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        report = report_for(request.user, pk)
        services.report_abandon(actor=request.user, report=report)
        return Response(report_detail(request.user, pk))
