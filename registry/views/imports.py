"""Bulk import of organisations by bureau staff: upload, check (dry run), import, confirmation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from carbon_portal import pending_uploads
from carbon_portal.permissions import require_bureau

from .. import import_templates, imports
from ..choices import District, OrganisationType
from ..forms import ImportForm
from ..models import Industry

# After a dry run passes, the checked file is kept in the session (database-backed) so that
# "Import" needs no second upload. Only small files are kept: a session row should stay small,
# and a larger file is simply chosen again with "Import" selected. Either way the import
# validates every row again, because the register may have changed in between; the digest in
# the confirm form makes sure the file imported is the one whose preview the user saw.
SESSION_PENDING = "registry.organisation_import.pending"
SESSION_DONE = "registry.organisation_import.done"
SHOW_ERRORS = 200
SHOW_ROWS = 100


@login_required
def organisation_import(request):
    require_bureau(request.user)
    if request.method == "POST" and request.POST.get("action") == "confirm":
        return _confirm(request)
    done = request.session.get(SESSION_DONE)
    if request.method == "GET" and done and request.GET.get("done") == done["reference"]:
        return render(request, "registry/import_done.html", done)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        dry_run = form.cleaned_data["mode"] == "check"
        result = _run(request, form, upload, dry_run=dry_run)
        if result and result.ok and not dry_run:
            return _finish(request, result)
        if result and result.ok:
            _keep_pending(request, upload, result)
    return _render(request, form, result)


def _confirm(request):
    """Imports the file whose dry run the user has just seen."""
    upload = pending_uploads.take(request, SESSION_PENDING, request.POST.get("sha256", ""))
    if upload is None:
        messages.error(request, _("The checked file is no longer available. Choose it again and select Import."))
        return redirect("registry:organisation_import")
    try:
        result = imports.organisation_import(actor=request.user, uploaded_file=upload, dry_run=False)
    except ValidationError as exc:  # only if the limits changed since the dry run
        pending_uploads.drop(request, SESSION_PENDING)
        messages.error(request, " ".join(exc.messages))
        return redirect("registry:organisation_import")
    if result.ok:
        pending_uploads.drop(request, SESSION_PENDING)
        return _finish(request, result)
    return _render(request, ImportForm(initial={"mode": "import"}), result)


def _run(request, form, upload, *, dry_run: bool):
    try:
        return imports.organisation_import(actor=request.user, uploaded_file=upload, dry_run=dry_run)
    except ValidationError as exc:
        form.add_error("file", exc)
        return None


def _keep_pending(request, upload, result) -> None:
    pending_uploads.keep(request, SESSION_PENDING, upload, name=result.file_name, sha256=result.file_sha256)


def _finish(request, result):
    request.session[SESSION_DONE] = {
        "reference": result.reference,
        "count": result.created,
        "file_name": result.file_name,
    }
    # Post/redirect/get: reloading the confirmation never imports twice.
    return redirect(f"{reverse('registry:organisation_import')}?done={result.reference}")


def _render(request, form, result):
    pending = request.session.get(SESSION_PENDING) if result and result.ok and result.dry_run else None
    errors = result.errors if result else []
    return render(
        request,
        "registry/import.html",
        {
            "form": form,
            "result": result,
            "errors": errors[:SHOW_ERRORS],
            "more_errors": max(len(errors) - SHOW_ERRORS, 0),
            "preview": result.rows[:SHOW_ROWS] if result and result.ok else [],
            "more_rows": max(len(result.rows) - SHOW_ROWS, 0) if result and result.ok else 0,
            "pending_sha256": pending["sha256"] if pending and pending["sha256"] == result.file_sha256 else "",
            "columns": imports.COLUMNS,
            "industries": Industry.objects.all(),
            "org_types": OrganisationType.choices,
            "districts": District.choices,
        },
    )


@login_required
def import_template(request, fmt: str):
    require_bureau(request.user)
    if fmt == "csv":
        response = HttpResponse(import_templates.template_csv(), content_type="text/csv; charset=utf-8")
    elif fmt == "xlsx":
        response = HttpResponse(
            import_templates.template_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="organisations-template.{fmt}"'
    return response
