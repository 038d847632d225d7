"""Evidence files on an annual report (Art. 16): add to a draft, remove from a draft, download.
Another organisation's report is not found (404); files are always sent as attachments, so a
browser never renders an uploaded PDF or image inside the portal's origin."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from carbon_portal.files import KINDS, kinds_label
from carbon_portal.forms import add_service_error
from carbon_portal.private_files import file_response

from ..selectors.evidence import evidence_of
from ..services.evidence import EVIDENCE_KINDS, MAX_FILES_PER_REPORT
from ..services.evidence import evidence_add as add_evidence
from ..services.evidence import evidence_remove as remove_evidence
from .reports import _compiled_by_user, _locked_report_redirect, _report


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        widget=forms.FileInput(attrs={"accept": ",".join(ext for k in EVIDENCE_KINDS for ext in KINDS[k].extensions)}),
    )
    description = forms.CharField(
        label=gettext_lazy("What the file shows"),
        max_length=200,
        help_text=gettext_lazy("For example: electricity invoices, January to December 2026."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("%(types)s, at most %(size)s.") % {
            "types": kinds_label(EVIDENCE_KINDS),
            "size": filesizeformat(settings.UPLOAD_MAX_BYTES),
        }


def _back_to_evidence(report):
    return redirect(reverse("reporting:report_detail", args=[report.pk]) + "#evidence")


@login_required
def evidence_add(request, pk: int):
    report = _compiled_by_user(request.user, pk)
    if locked := _locked_report_redirect(request, report):
        return locked
    # Bound on every POST, even one that carries only a file and no other field.
    form = EvidenceForm(request.POST, request.FILES) if request.method == "POST" else EvidenceForm()
    if request.method == "POST" and form.is_valid():
        try:
            evidence = add_evidence(
                actor=request.user,
                report=report,
                uploaded_file=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("%(name)s added as evidence.") % {"name": evidence.original_name})
            return _back_to_evidence(report)
    context = {
        "report": report,
        "form": form,
        "accepted_types": kinds_label(EVIDENCE_KINDS),
        "max_bytes": settings.UPLOAD_MAX_BYTES,
        "max_files": MAX_FILES_PER_REPORT,
        "file_count": report.evidence.count(),
    }
    return render(request, "reporting/evidence_form.html", context)


@login_required
@require_POST
def evidence_remove(request, pk: int, evidence_id: int):
    report = _compiled_by_user(request.user, pk)
    evidence = evidence_of(report, evidence_id)
    if evidence is None:
        raise Http404
    try:
        remove_evidence(actor=request.user, evidence=evidence)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s removed from the evidence.") % {"name": evidence.original_name})
    return _back_to_evidence(report)


@login_required
@require_GET
def evidence_download(request, pk: int, evidence_id: int):
    """Anyone who may see the report, in any status: a submitted report's evidence stays readable."""
    report = _report(request.user, pk)
    evidence = evidence_of(report, evidence_id)
    if evidence is None:
        raise Http404
    return file_response(evidence.stored_path, filename=evidence.original_name, kind=evidence.kind)
