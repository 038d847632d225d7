"""Annual emission report pages (Art. 16): the unit's reports, the report's task list, its
sources, check-your-answers and confirmation, corrections; the bureau's list of a year's reports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carbon_portal.forms import add_service_error
from carbon_portal.permissions import is_bureau, require_bureau
from registry.models import Organisation

from .. import selectors, services
from ..choices import ReportStatus
from ..forms import CorrectionForm, DeclarationForm, ProductionForm, ReportLineForm
from ..permissions import filing_organisation_ids, may_file, reports_for
from .factors import _year


def _report(user, pk: int):
    """Another organisation's report is not found, never forbidden: its existence is not disclosed."""
    return get_object_or_404(reports_for(user).select_related("organisation", "corrects"), pk=pk)


def _filed_by_user(user, pk: int):
    report = _report(user, pk)
    if not may_file(user, report.organisation_id):
        raise PermissionDenied(_("Only the unit's own staff may file its emission report."))
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
    if organisation_id not in filing_organisation_ids(request.user):
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
    return render(
        request,
        "reporting/report_detail.html",
        {
            "report": report,
            "lines": lines,
            "totals": totals,
            "category_totals": selectors.category_totals(totals),
            "due_date": due.report_due_date if due else None,
            "can_edit": report.is_editable and may_file(request.user, report.organisation_id),
            "can_correct": report.status == ReportStatus.SUBMITTED and may_file(request.user, report.organisation_id),
        },
    )


def _form_page(request, report, form, title: str, submit_label: str):
    return render(
        request,
        "reporting/report_form.html",
        {"report": report, "form": form, "title": title, "submit_label": submit_label},
    )


@login_required
def report_production(request, pk: int):
    report = _filed_by_user(request.user, pk)
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
    report = _filed_by_user(request.user, pk)
    if locked := _locked_report_redirect(request, report):
        return locked
    form = ReportLineForm(request.POST or None, report=report, factors=selectors.current_factors())
    if request.method == "POST" and form.is_valid():
        try:
            services.report_line_add(actor=request.user, report=report, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Emission source added."))
            return redirect("reporting:report_detail", pk=report.pk)
    return _form_page(request, report, form, _("Add an emission source"), _("Add"))


@login_required
@require_POST
def report_line_remove(request, pk: int, line_id: int):
    report = _filed_by_user(request.user, pk)
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
def report_admin(request):
    """Bureau: every report of a year, filtered by unit and status."""
    require_bureau(request.user)
    year = _year(request) if request.GET.get("year") else timezone.localdate().year - 1
    reports = selectors.bureau_reports(year=year, q=request.GET.get("q", ""), status=request.GET.get("status", ""))
    due = selectors.year_settings(year)
    return render(
        request,
        "reporting/report_admin.html",
        {
            "year": year,
            "page": Paginator(reports, 50).get_page(request.GET.get("page")),
            "statuses": ReportStatus.choices,
            "filters": request.GET,
            "due_date": due.report_due_date if due else None,
        },
    )
