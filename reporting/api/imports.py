"""Art. 16: a report's emission sources from a spreadsheet, for units' own systems: the template made
for the report, then upload with a dry run (the default) and import, every row or none.

Each row is calculated exactly as a source added one by one (reporting.services.imports). A file
with row errors answers 400 with each error's row number and column, and saves nothing.
"""

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from carbon_portal.api import PortalApiView
from carbon_portal.excel import XLSX_CONTENT_TYPE

from .. import import_templates
from ..services.imports import report_lines_import
from .common import FORBIDDEN, NOT_YOURS, report_for
from .documents import DownloadApiView
from .serializers import ImportInputSerializer, ImportResultOutputSerializer

TAGS = ["reporting: annual reports"]

IMPORT_REFUSED = OpenApiResponse(
    ImportResultOutputSerializer,
    description="Rows with errors: `errors` lists each with its row number and column, and nothing is saved. "
    "A file that cannot be read at all (type, size, headings, too many rows) or a report that is no longer "
    "a draft answers field errors (`non_field_errors`) instead.",
)


class ReportImportApi(PortalApiView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="reporting_reports_import",
        summary="Check, or import, a spreadsheet of emission sources",
        description="multipart/form-data with `file` (.xlsx or .csv) and `dry_run` (default true). A dry run "
        "calculates every row and saves nothing; `dry_run=false` adds every row to the draft if all are valid, "
        "or none. Lines already on the report stay as they are.",
        request=ImportInputSerializer,
        responses={200: ImportResultOutputSerializer, 400: IMPORT_REFUSED, 403: FORBIDDEN, 404: NOT_YOURS},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        report = report_for(request.user, pk)
        serializer = ImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = report_lines_import(
            actor=request.user,
            report=report,
            uploaded_file=serializer.validated_data["file"],
            dry_run=serializer.validated_data["dry_run"],
        )
        result.saved = result.ok and not result.dry_run
        answer = status.HTTP_200_OK if result.ok else status.HTTP_400_BAD_REQUEST
        return Response(ImportResultOutputSerializer(result).data, status=answer)


class ReportImportTemplateApi(DownloadApiView):
    @extend_schema(
        operation_id="reporting_reports_import_template",
        summary="The spreadsheet template made for this report",
        description="A Sources sheet to fill in and a Reference sheet listing the unit's facilities in "
        "operation and the factors valid in the report's year, with the units each accepts.",
        responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY, 404: NOT_YOURS},
        tags=TAGS,
    )
    def get(self, request, pk: int):
        report = report_for(request.user, pk)
        response = HttpResponse(import_templates.template_xlsx(report), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition_header(True, f"{report.reference}-sources.xlsx")
        return response
