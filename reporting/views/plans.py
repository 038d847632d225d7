"""Data quality control plan pages (Art. 15): the unit's plans, the plan's task list, its sections,
check-your-answers and confirmation, revision and comparison; the bureau's decision (its overview
of a year's plans is in overview.py)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from carbon_portal.forms import add_service_error
from carbon_portal.permissions import is_bureau, require_bureau
from registry.models import Organisation

from .. import selectors, services
from ..choices import PlanSection, PlanStatus
from ..documents import plan_document_panel
from ..forms import PlanBoundaryForm, PlanDecisionForm, PlanParameterForm, PlanResponsibilitiesForm
from ..permissions import filing_organisation_ids, may_file, plans_for


def _plan(user, pk: int):
    """Another organisation's plan is not found, never forbidden: its existence is not disclosed."""
    return get_object_or_404(plans_for(user).select_related("organisation", "revises"), pk=pk)


def _filed_by_user(user, pk: int):
    plan = _plan(user, pk)
    if not may_file(user, plan.organisation_id):
        raise PermissionDenied(_("Only the unit's own staff may file its data quality control plan."))
    return plan


def _locked_plan_redirect(request, plan):
    if plan.is_editable:
        return None
    messages.error(
        request, _("This plan is %(status)s and can no longer be changed.") % {"status": plan.get_status_display()}
    )
    return redirect("reporting:plan_detail", pk=plan.pk)


@login_required
def plan_list(request):
    """The unit's plans per year they cover, with due date and status."""
    if is_bureau(request.user):
        return redirect("reporting:plan_admin")
    return render(request, "reporting/plan_list.html", {"rows": selectors.unit_plan_years(request.user)})


@login_required
@require_POST
def plan_start(request, organisation_id: int, year: int):
    if organisation_id not in filing_organisation_ids(request.user):
        raise Http404
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    try:
        plan = services.plan_create_draft(actor=request.user, organisation=organisation, year=year)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("reporting:plan_list")
    return redirect("reporting:plan_detail", pk=plan.pk)


def _section_tags(plan, parameters, comments) -> dict[str, str]:
    """A task list tag per section: returned (with comments), completed, or not started. A revision
    shows the sections the bureau returned until it is submitted again."""
    answering = plan.status in (PlanStatus.RETURNED, PlanStatus.DRAFT)
    done = {
        PlanSection.BOUNDARY: bool(plan.boundary),
        PlanSection.PARAMETERS: bool(parameters),
        PlanSection.RESPONSIBILITIES: plan.has_responsibilities,
    }
    return {
        section: "returned" if comments[section] and answering else ("completed" if done[section] else "not_started")
        for section in PlanSection.values
    }


@login_required
def plan_detail(request, pk: int):
    """The plan as a task list: boundary, parameters, responsibilities, then check and submit."""
    plan = _plan(request.user, pk)
    parameters = list(selectors.plan_parameters(plan))
    comments = selectors.plan_page_comments(plan)
    files = may_file(request.user, plan.organisation_id)
    return render(
        request,
        "reporting/plan_detail.html",
        {
            "plan": plan,
            "parameters": parameters,
            "comments": comments,
            "tags": _section_tags(plan, parameters, comments),
            "due_date": selectors.plan_due_date(plan.year),
            "can_edit": plan.is_editable and files,
            "can_revise": plan.status == PlanStatus.RETURNED and files,
            "can_decide": plan.status == PlanStatus.SUBMITTED and is_bureau(request.user),
            "versions": list(selectors.plan_versions(plan)),
            "document": plan_document_panel(plan),
        },
    )


def _form_page(request, plan, form, title: str, submit_label: str):
    return render(
        request, "reporting/plan_form.html", {"plan": plan, "form": form, "title": title, "submit_label": submit_label}
    )


def _section_form(request, pk: int, form_class, initial_fields, service, title, done_message):
    plan = _filed_by_user(request.user, pk)
    if locked := _locked_plan_redirect(request, plan):
        return locked
    form = form_class(request.POST or None, initial={name: getattr(plan, name) for name in initial_fields})
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, done_message)
            return redirect("reporting:plan_detail", pk=plan.pk)
    return _form_page(request, plan, form, title, _("Save"))


@login_required
def plan_boundary(request, pk: int):
    return _section_form(
        request,
        pk,
        PlanBoundaryForm,
        ["boundary"],
        services.plan_update_boundary,
        _("Emission boundary"),
        _("Emission boundary saved."),
    )


@login_required
def plan_responsibilities(request, pk: int):
    return _section_form(
        request,
        pk,
        PlanResponsibilitiesForm,
        ["responsible_name", "responsible_contact"],
        services.plan_update_responsibilities,
        _("Responsibilities"),
        _("Responsibilities saved."),
    )


@login_required
def plan_parameter_add(request, pk: int):
    plan = _filed_by_user(request.user, pk)
    if locked := _locked_plan_redirect(request, plan):
        return locked
    form = PlanParameterForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_parameter_add(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Parameter added."))
            return redirect("reporting:plan_detail", pk=plan.pk)
    return _form_page(request, plan, form, _("Add a parameter"), _("Add this parameter"))


@login_required
@require_POST
def plan_parameter_remove(request, pk: int, parameter_id: int):
    plan = _filed_by_user(request.user, pk)
    parameter = get_object_or_404(plan.parameters.all(), pk=parameter_id)
    try:
        services.plan_parameter_remove(actor=request.user, parameter=parameter)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Parameter removed."))
    return redirect("reporting:plan_detail", pk=plan.pk)


@login_required
def plan_submit(request, pk: int):
    """Check your answers and submit, then the confirmation page with the reference."""
    plan = _filed_by_user(request.user, pk)
    if locked := _locked_plan_redirect(request, plan):
        return locked
    errors = []
    if request.method == "POST":
        try:
            plan = services.plan_submit(actor=request.user, plan=plan)
        except ValidationError as exc:
            errors = exc.messages
        else:
            return render(request, "reporting/plan_submitted.html", {"plan": plan})
    parameters = list(selectors.plan_parameters(plan))
    return render(request, "reporting/plan_submit.html", {"plan": plan, "parameters": parameters, "errors": errors})


@login_required
@require_POST
def plan_revise(request, pk: int):
    plan = _filed_by_user(request.user, pk)
    try:
        new = services.plan_revise(actor=request.user, plan=plan)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("reporting:plan_detail", pk=plan.pk)
    messages.success(request, _("Revision started as version %(version)s.") % {"version": new.version})
    return redirect("reporting:plan_detail", pk=new.pk)


@login_required
def plan_compare(request, pk: int):
    """Two versions side by side: the boundary and the parameters, changed rows marked."""
    plan = _plan(request.user, pk)
    versions = list(selectors.plan_versions(plan))
    by_version = {v.version: v for v in versions}
    try:
        other = by_version.get(int(request.GET.get("with", "")))
    except ValueError:
        other = None
    other = other or selectors.previous_plan_version(plan)
    if other is None or other.pk == plan.pk:
        messages.info(request, _("This plan has no other version to compare with."))
        return redirect("reporting:plan_detail", pk=plan.pk)
    old, new = sorted([plan, other], key=lambda p: p.version)
    rows = selectors.compare_plan_parameters(selectors.plan_parameters(old), selectors.plan_parameters(new))
    return render(
        request,
        "reporting/plan_compare.html",
        {"plan": plan, "old": old, "new": new, "rows": rows, "versions": versions},
    )


@login_required
def plan_decide(request, pk: int):
    """Bureau: accept the plan, or return it with a comment per section."""
    require_bureau(request.user)
    plan = _plan(request.user, pk)
    if plan.status != PlanStatus.SUBMITTED:
        messages.error(request, _("Only a submitted plan awaits a decision."))
        return redirect("reporting:plan_detail", pk=plan.pk)
    form = PlanDecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "accept":
                services.plan_accept(actor=request.user, plan=plan)
                messages.success(request, _("Plan accepted."))
            else:
                comments = {section: data[section] for section in PlanSection.values}
                services.plan_return(actor=request.user, plan=plan, comments=comments)
                messages.success(request, _("Plan returned to the unit."))
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            return redirect("reporting:plan_detail", pk=plan.pk)
    parameters = list(selectors.plan_parameters(plan))
    return render(request, "reporting/plan_decide.html", {"plan": plan, "form": form, "parameters": parameters})
