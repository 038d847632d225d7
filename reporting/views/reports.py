"""Annual emission report pages (Art. 16): the unit's reports, the report's task list, its
sources, check-your-answers and confirmation, corrections. The bureau's overview is in overview.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carbon_portal.forms import add_service_error
from carbon_portal.permissions import is_bureau
from registry.models import Organisation

from .. import selectors, services
from ..choices import ReportStatus
from ..documents import report_document_panel
from ..forms import CorrectionForm, DeclarationForm, ProductionForm, ReportLineForm
from ..permissions import may_compile, may_file, reports_for
from ..selectors import evidence as evidence_selectors
from ..selectors import warnings as warning_selectors


def _report(user, pk: int):
    """Another organisation's report is not found, never forbidden: its existence is not disclosed."""
    return get_object_or_404(reports_for(user).select_related("organisation", "corrects", "compiled_by_agency"), pk=pk)


def _filed_by_user(user, pk: int):
    """Declaring, submitting and correcting: the unit's own staff only."""
    report = _report(user, pk)
    if not may_file(user, report.organisation_id):
        raise PermissionDenied(_("Only the unit's own staff may file its emission report."))
    return report


def _compiled_by_user(user, pk: int):
    """Filling in the draft: the unit's staff, or an agency the unit granted access for the year."""
    report = _report(user, pk)
    if not may_compile(user, report.organisation_id, report.year):
        raise PermissionDenied(_("You may read this report but not change it."))
    return report


def _locked_report_redirect(request, report):
    """A draft page of a submitted report goes back to the report, saying why."""
    if report.is_editable:
        return None
    messages.error(
        request,
        _("This report is %(status)s and can no longer be changed. To change a submitted report, start a correction.")
        % {"status": report.get_status_display()},
    )
    return redirect("reporting:report_detail", pk=report.pk)


@login_required
def report_list(request):
    """The unit's reports per year it is listed for, with status and due date."""
    if is_bureau(request.user):
        return redirect("reporting:report_admin")
    return render(request, "reporting/report_list.html", {"rows": selectors.unit_report_years(request.user)})


@login_required
@require_POST
def report_start(request, organisation_id: int, year: int):
    if not may_compile(request.user, organisation_id, year):
        raise Http404
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    try:
        report = services.report_create_draft(actor=request.user, organisation=organisation, year=year)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("reporting:report_list")
    return redirect("reporting:report_detail", pk=report.pk)


@login_required
def report_detail(request, pk: int):
    """The report as a task list: production data, emission sources, totals, then check and submit."""
    report = _report(request.user, pk)
    lines = list(selectors.report_lines(report))
    totals = selectors.report_totals(report, lines)
    due = selectors.year_settings(report.year)
    is_unit_staff = may_file(request.user, report.organisation_id)
    context = {
        "report": report,
        "lines": lines,
        "totals": totals,
        "category_totals": selectors.category_totals(totals),
        "due_date": due.report_due_date if due else None,
        "can_edit": report.is_editable and may_compile(request.user, report.organisation_id, report.year),
        "can_submit": report.is_editable and is_unit_staff,
        "can_correct": report.status == ReportStatus.SUBMITTED and is_unit_staff,
    }
    context["evidence"] = evidence_selectors.report_evidence(report)
    context["document"] = report_document_panel(report)
    context["report_warnings"] = warning_selectors.report_warnings(
        report, lines, totals, in_progress=report.is_editable
    )
    return render(request, "reporting/report_detail.html", context)


def _form_page(request, report, form, title: str, submit_label: str):
    return render(
        request,
        "reporting/report_form.html",
        {"report": report, "form": form, "title": title, "submit_label": submit_label},
    )


@login_required
def report_production(request, pk: int):
    report = _compiled_by_user(request.user, pk)
    if locked := _locked_report_redirect(request, report):
        return locked
    initial = {"product_name": report.product_name, "product_output": report.product_output}
    initial["product_unit"] = report.product_unit
    form = ProductionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_production_update(actor=request.user, report=report, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            return redirect("reporting:report_detail", pk=report.pk)
    return _form_page(request, report, form, _("Production data"), _("Save"))


@login_required
def report_line_add(request, pk: int):
    """The source form: htmx shows the figure and warnings as the filer types (views.preview);
    without JavaScript, "Check the figures" shows the same without saving, and Add validates."""
    from . import preview  # the live help on this form

    report = _compiled_by_user(request.user, pk)
    if locked := _locked_report_redirect(request, report):
        return locked
    factors = list(selectors.current_factors())
    form = preview.live(ReportLineForm(request.POST or None, report=report, factors=factors), report, factors)
    shown = None
    if request.method == "POST" and "check" in request.POST:
        shown = preview.preview_of(report, form)
        # Checking is not submitting: the form comes back filled in, without "required" errors.
        form = ReportLineForm(report=report, factors=factors, initial=request.POST.dict())
        form = preview.live(form, report, factors)
    elif request.method == "POST" and form.is_valid():
        try:
            line = services.report_line_add(actor=request.user, report=report, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Emission source added."))
            preview.warn_about_saved_line(request, report, line)
            return redirect("reporting:report_detail", pk=report.pk)
    if request.method == "POST" and shown is None:
        shown = preview.preview_of(report, form)
    return render(request, "reporting/report_line_form.html", {"report": report, "form": form, "preview": shown})


@login_required
@require_POST
def report_line_remove(request, pk: int, line_id: int):
    report = _compiled_by_user(request.user, pk)
    line = get_object_or_404(report.lines.all(), pk=line_id)
    try:
        services.report_line_remove(actor=request.user, line=line)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Emission source removed."))
    return redirect("reporting:report_detail", pk=report.pk)


@login_required
def report_submit(request, pk: int):
    """Check your answers and declare, then the confirmation page with the reference."""
    report = _filed_by_user(request.user, pk)
    if locked := _locked_report_redirect(request, report):
        return locked
    form = DeclarationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_submit(actor=request.user, report=report, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            return render(request, "reporting/report_submitted.html", {"report": report})
    lines = list(selectors.report_lines(report))
    totals = selectors.report_totals(report, lines)
    return render(
        request,
        "reporting/report_submit.html",
        {
            "report": report,
            "form": form,
            "lines": lines,
            "totals": totals,
            "category_totals": selectors.category_totals(totals),
            # Non-blocking: the filer sees them before declaring.
            "report_warnings": warning_selectors.report_warnings(report, lines, totals),
        },
    )


@login_required
def report_correct(request, pk: int):
    report = _filed_by_user(request.user, pk)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.report_correction_start(actor=request.user, report=report, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Correction started as version %(version)s.") % {"version": new.version})
            return redirect("reporting:report_detail", pk=new.pk)
    return _form_page(request, report, form, _("Correct the submitted report"), _("Start the correction"))


@login_required
def report_abandon(request, pk: int):
    """Abandoning a draft: a confirmation page, then the draft is kept on record as abandoned."""
    report = _filed_by_user(request.user, pk)
    if locked := _locked_report_redirect(request, report):
        return locked
    if request.method == "POST":
        try:
            services.report_abandon(actor=request.user, report=report)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("reporting:report_detail", pk=report.pk)
        messages.success(request, _("Draft version %(version)s abandoned.") % {"version": report.version})
        return redirect("reporting:report_list")
    return render(request, "reporting/report_abandon.html", {"report": report})
