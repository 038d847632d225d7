"""PDFs of reports and plans: download the latest ready one, ask for one, poll while it is prepared.

Who may see the report or plan may do all three; anyone else gets 404 (reports_for / plans_for).
Nothing here renders a PDF: preparing one sends a Celery task after commit.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carbon_portal.documents import document_file_response

from .. import documents as pdfs
from ..permissions import plans_for, reports_for


def _report(user, pk: int):
    return get_object_or_404(reports_for(user).select_related("organisation"), pk=pk)


def _plan(user, pk: int):
    return get_object_or_404(plans_for(user).select_related("organisation"), pk=pk)


def _download(document):
    if document is None:
        raise Http404
    return document_file_response(document)


def _status(request, panel, error: str = ""):
    return render(request, "reporting/_document_status.html", {"document": panel, "document_error": error})


def _prepare(request, prepare, panel_of, target):
    """POST: ask for the PDF; htmx swaps in the status, a plain form goes back to the page."""
    error = ""
    try:
        prepare()
    except ValidationError as exc:
        error = " ".join(exc.messages)
    panel = panel_of(target)
    if request.htmx:
        return _status(request, panel, error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("The PDF is being prepared. It will be ready to download in a moment."))
    return redirect(f"{panel.page_url}#pdf")


@login_required
def report_pdf(request, pk: int):
    return _download(pdfs.report_ready_document(_report(request.user, pk)))


@login_required
@require_POST
def report_pdf_prepare(request, pk: int):
    report = _report(request.user, pk)
    return _prepare(
        request,
        lambda: pdfs.report_pdf_prepare(actor=request.user, report=report),
        pdfs.report_document_panel,
        report,
    )


@login_required
def report_pdf_status(request, pk: int):
    return _status(request, pdfs.report_document_panel(_report(request.user, pk)))


@login_required
def plan_pdf(request, pk: int):
    return _download(pdfs.plan_ready_document(_plan(request.user, pk)))


@login_required
@require_POST
def plan_pdf_prepare(request, pk: int):
    plan = _plan(request.user, pk)
    return _prepare(
        request, lambda: pdfs.plan_pdf_prepare(actor=request.user, plan=plan), pdfs.plan_document_panel, plan
    )


@login_required
def plan_pdf_status(request, pk: int):
    return _status(request, pdfs.plan_document_panel(_plan(request.user, pk)))
