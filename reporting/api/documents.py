"""PDFs of annual reports (Art. 16) and data quality control plans (Art. 15) for units' own systems:
ask for one (POST, 202), then poll the same path with GET: 202 while it is prepared, 200 with the
PDF once it is ready, 404 when there is none. Who may see the filing may do both; anyone else gets
a 404. Nothing here renders: preparing one sends a Celery task after commit (reporting.documents).

Also the base class of every reporting endpoint that answers with a file.
"""

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from carbon_portal.api import PortalApiView
from carbon_portal.documents import BROKER_DOWN, document_file_response
from carbon_portal.models import GeneratedDocument

from .. import documents as pdfs
from .common import NOT_YOURS, EnumField, plan_for, report_for

REPORT_TAGS = ["reporting: annual reports"]
PLAN_TAGS = ["reporting: data quality control plans"]


class DownloadApiView(PortalApiView):
    # A file endpoint answers whatever the client accepts (`Accept: application/pdf` included):
    # negotiation falls back to JSON for errors instead of refusing the request with a 406.
    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


class DocumentStatusField(EnumField):
    # GeneratedDocument.Status under a name of its own: `StatusEnum` alone would not be unique.
    def __init__(self, **kwargs):
        super().__init__(GeneratedDocument.Status, **kwargs)
        self.enum_name = "DocumentStatusEnum"


class DocumentStatusOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = DocumentStatusField()
    filename = serializers.CharField()
    requested_at = serializers.DateTimeField(source="created_at")
    finished_at = serializers.DateTimeField(allow_null=True)
    waiting_for_the_queue = serializers.BooleanField(
        help_text="The task queue is down just now; the PDF is prepared as soon as it is back."
    )
    content_sha256 = serializers.CharField(help_text="Printed on the PDF; empty until it is ready.")
    size_bytes = serializers.IntegerField()


PDF_READY = OpenApiTypes.BINARY
PDF_PENDING = OpenApiResponse(DocumentStatusOutputSerializer, description="Being prepared: ask again in a moment.")
PDF_ASKED = OpenApiResponse(
    DocumentStatusOutputSerializer, description="Asked for; GET the same path until it answers 200 with the PDF."
)
NO_PDF = OpenApiResponse(description="No PDF of this version (ask for one with POST), or not a filing you may see.")
NOT_PREPARABLE = OpenApiResponse(
    description="A PDF is already being prepared, or the submitted version's PDF is ready to download."
)


def _status(document: GeneratedDocument, location: str) -> Response:
    document.refresh_from_db()  # the task may have run already (eager Celery)
    document.waiting_for_the_queue = (
        document.status == GeneratedDocument.Status.PENDING and document.message == BROKER_DOWN
    )
    return Response(
        DocumentStatusOutputSerializer(document).data, status=status.HTTP_202_ACCEPTED, headers={"Location": location}
    )


def _current(panel: pdfs.DocumentPanel, location: str):
    """The newest request wins: while one is prepared, an older ready PDF of a draft is out of date."""
    if panel.is_pending:
        return _status(panel.latest, location)
    if panel.ready is not None:
        return document_file_response(panel.ready)
    if panel.has_failed:
        raise Http404(_("The PDF could not be prepared. Ask for it again; if it fails again, tell the help desk."))
    raise Http404(_("There is no PDF of this version yet. Ask for one first."))


class ReportPdfApi(DownloadApiView):
    @extend_schema(
        operation_id="reporting_reports_pdf_retrieve",
        summary="The report's PDF, or how far it is",
        description="200 with the PDF of this version once ready; 202 with its status while it is prepared.",
        responses={(200, "application/pdf"): PDF_READY, 202: PDF_PENDING, 404: NO_PDF},
        tags=REPORT_TAGS,
    )
    def get(self, request, pk: int):
        report = report_for(request.user, pk)
        return _current(pdfs.report_document_panel(report), request.path)

    @extend_schema(
        operation_id="reporting_reports_pdf_create",
        summary="Ask for the report's PDF",
        description="When this version has none, or at any time for a draft (a draft's PDF is marked DRAFT).",
        request=None,
        responses={202: PDF_ASKED, 400: NOT_PREPARABLE, 404: NOT_YOURS},
        tags=REPORT_TAGS,
    )
    def post(self, request, pk: int):
        report = report_for(request.user, pk)
        document = pdfs.report_pdf_prepare(actor=request.user, report=report)
        return _status(document, reverse("reporting_api:report_pdf", args=[report.pk]))


class PlanPdfApi(DownloadApiView):
    @extend_schema(
        operation_id="reporting_plans_pdf_retrieve",
        summary="The plan's PDF, or how far it is",
        description="200 with the PDF of this version once ready; 202 with its status while it is prepared.",
        responses={(200, "application/pdf"): PDF_READY, 202: PDF_PENDING, 404: NO_PDF},
        tags=PLAN_TAGS,
    )
    def get(self, request, pk: int):
        plan = plan_for(request.user, pk)
        return _current(pdfs.plan_document_panel(plan), request.path)

    @extend_schema(
        operation_id="reporting_plans_pdf_create",
        summary="Ask for the plan's PDF",
        description="When this version has none, or at any time for a draft (a draft's PDF is marked DRAFT).",
        request=None,
        responses={202: PDF_ASKED, 400: NOT_PREPARABLE, 404: NOT_YOURS},
        tags=PLAN_TAGS,
    )
    def post(self, request, pk: int):
        plan = plan_for(request.user, pk)
        document = pdfs.plan_pdf_prepare(actor=request.user, plan=plan)
        return _status(document, reverse("reporting_api:plan_pdf", args=[plan.pk]))
