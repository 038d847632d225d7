"""Art. 16: the evidence behind a report's figures (invoices, meter readings, lab reports), for units'
own systems: list, upload to a draft, remove from a draft, download.

Who may do what is the services' rule, as on the pages: the unit's staff and an agency with the
unit's grant for the year add and remove files; anyone who sees the report downloads them, in any
status. Files are checked by content, so a program renamed .pdf is refused and nothing is stored.
"""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from carbon_portal.api import PortalApiView
from carbon_portal.private_files import CONTENT_TYPES, file_response

from ..models import AnnualReport, ReportEvidence
from ..selectors.evidence import evidence_of, report_evidence
from ..services.evidence import EVIDENCE_KINDS, evidence_add, evidence_remove
from .common import FORBIDDEN, INVALID, NO_CONTENT, NOT_YOURS, report_for
from .documents import DownloadApiView
from .serializers import EvidenceInputSerializer, EvidenceOutputSerializer

TAGS = ["reporting: report evidence"]
EVIDENCE_TYPES = tuple(CONTENT_TYPES[kind] for kind in EVIDENCE_KINDS)


def _evidence(report: AnnualReport, evidence_id: int) -> ReportEvidence:
    """One file of this report; another report's file is not found."""
    evidence = evidence_of(report, evidence_id)
    if evidence is None:
        raise Http404
    return evidence


class EvidenceCollectionApi(PortalApiView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="reporting_reports_evidence_list",
        summary="The report's evidence files",
        responses={200: EvidenceOutputSerializer(many=True), 404: NOT_YOURS},
        tags=TAGS,
    )
    def get(self, request, pk: int):
        report = report_for(request.user, pk)
        return Response(EvidenceOutputSerializer(report_evidence(report), many=True).data)

    @extend_schema(
        operation_id="reporting_reports_evidence_create",
        summary="Upload an evidence file to a draft",
        description="multipart/form-data with `file` and `description`. The file is checked by its content "
        "(PDF, workbook or image, within the size limit); a refused file is a 400 on `file` and nothing is "
        "stored. The same file twice on one report is refused.",
        request=EvidenceInputSerializer,
        responses={201: EvidenceOutputSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_YOURS},
        tags=TAGS,
    )
    def post(self, request, pk: int):
        report = report_for(request.user, pk)
        serializer = EvidenceInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        evidence = evidence_add(
            actor=request.user,
            report=report,
            uploaded_file=serializer.validated_data["file"],
            description=serializer.validated_data["description"],
        )
        return Response(EvidenceOutputSerializer(evidence).data, status=status.HTTP_201_CREATED)


class EvidenceDetailApi(PortalApiView):
    @extend_schema(
        operation_id="reporting_reports_evidence_destroy",
        summary="Remove an evidence file from a draft",
        description="A submitted report's evidence stays; a correction starts with a copy of it.",
        request=None,
        responses={204: NO_CONTENT, 400: INVALID, 403: FORBIDDEN, 404: NOT_YOURS},
        tags=TAGS,
    )
    def delete(self, request, pk: int, evidence_id: int):
        evidence = _evidence(report_for(request.user, pk), evidence_id)
        evidence_remove(actor=request.user, evidence=evidence)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EvidenceDownloadApi(DownloadApiView):
    @extend_schema(
        operation_id="reporting_reports_evidence_download",
        summary="Download an evidence file",
        description="Sent as an attachment under its uploaded name.",
        responses={(200, *EVIDENCE_TYPES): OpenApiTypes.BINARY, 404: NOT_YOURS},
        tags=TAGS,
    )
    def get(self, request, pk: int, evidence_id: int):
        evidence = _evidence(report_for(request.user, pk), evidence_id)
        return file_response(evidence.stored_path, filename=evidence.original_name, kind=evidence.kind)
