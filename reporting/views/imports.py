"""A report's emission sources from a spreadsheet: the template made for the report, then upload,
check (dry run) and import, all rows or none (Art. 16)."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from carbon_portal import pending_uploads
from carbon_portal.excel import XLSX_CONTENT_TYPE

from .. import import_templates, imports
from ..services.imports import report_lines_import
from .reports import _compiled_by_user, _locked_report_redirect, _report

# As in the organisation import (registry/views/imports.py): after a dry run passes, the checked
# file is kept in the session so "Import" needs no second upload. Only small files are kept; the
# import checks every row again (a factor or facility may have changed meanwhile), and the digest
# in the confirm form makes sure the file imported is the one whose preview the user saw.
SESSION_PENDING = "reporting.report_import.pending.%s"
SHOW_ERRORS = 200
SHOW_ROWS = 200


class SourcesImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Spreadsheet"), widget=forms.FileInput(attrs={"accept": ".xlsx,.csv"}))
    mode = forms.ChoiceField(
        label=gettext_lazy("What to do"),
        choices=[
            ("check", gettext_lazy("Check only (dry run): nothing is saved")),
            ("import", gettext_lazy("Import: add every row to the report, if every row is valid")),
        ],
        initial="check",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "An Excel workbook (.xlsx) or a CSV file (UTF-8 or GB18030), at most %(size)s and %(rows)s rows."
        ) % {"size": filesizeformat(settings.UPLOAD_MAX_BYTES), "rows": f"{imports.MAX_ROWS:,}"}


@login_required
def report_import_template(request, pk: int):
    """Anyone who may see the report may download its template; another unit's report is 404."""
    report = _report(request.user, pk)
    response = HttpResponse(import_templates.template_xlsx(report), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{report.reference}-sources.xlsx")
    return response


@login_required
def report_import(request, pk: int):
    report = _compiled_by_user(request.user, pk)
    if locked := _locked_report_redirect(request, report):
        return locked
    if request.method == "POST" and request.POST.get("action") == "confirm":
        return _confirm(request, report)
    form = SourcesImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        dry_run = form.cleaned_data["mode"] == "check"
        result = _run(request, report, form, upload, dry_run=dry_run)
        if result and result.ok and not dry_run:
            return _finish(request, report, result)
        if result and result.ok:
            _keep_pending(request, report, upload, result)
    return _render(request, report, form, result)


def _run(request, report, form, upload, *, dry_run: bool):
    try:
        return report_lines_import(actor=request.user, report=report, uploaded_file=upload, dry_run=dry_run)
    except ValidationError as exc:
        form.add_error("file", exc)
        return None


def _confirm(request, report):
    """Imports the file whose dry run the user has just seen."""
    key = SESSION_PENDING % report.pk
    upload = pending_uploads.take(request, key, request.POST.get("sha256", ""))
    if upload is None:
        messages.error(request, _("The checked file is no longer available. Choose it again and select Import."))
        return redirect("reporting:report_import", pk=report.pk)
    form = SourcesImportForm(initial={"mode": "import"})
    result = _run(request, report, form, upload, dry_run=False)
    if result and result.ok:
        pending_uploads.drop(request, key)
        return _finish(request, report, result)
    return _render(request, report, form, result)


def _keep_pending(request, report, upload, result) -> None:
    pending_uploads.keep(request, SESSION_PENDING % report.pk, upload, name=result.file_name, sha256=result.file_sha256)


def _finish(request, report, result):
    message = ngettext(
        "%(count)s emission source imported from %(name)s, adding %(total)s tCO2e to the report.",
        "%(count)s emission sources imported from %(name)s, adding %(total)s tCO2e to the report.",
        result.created,
    )
    messages.success(
        request, message % {"count": result.created, "name": result.file_name, "total": result.totals.total_tco2e}
    )
    # Post/redirect/get: reloading the report never imports twice.
    return redirect(reverse("reporting:report_detail", args=[report.pk]) + "#sources")


def _render(request, report, form, result):
    pending = request.session.get(SESSION_PENDING % report.pk) if result and result.ok and result.dry_run else None
    errors = result.errors if result else []
    rows = result.rows if result and result.ok else []
    return render(
        request,
        "reporting/report_import.html",
        {
            "report": report,
            "form": form,
            "result": result,
            "errors": errors[:SHOW_ERRORS],
            "more_errors": max(len(errors) - SHOW_ERRORS, 0),
            "preview": rows[:SHOW_ROWS],
            "more_rows": max(len(rows) - SHOW_ROWS, 0),
            "pending_sha256": pending["sha256"] if pending and pending["sha256"] == result.file_sha256 else "",
            "columns": imports.COLUMNS,
            "max_rows": imports.MAX_ROWS,
        },
    )
