"""The bureau's allocation runs and their issuance (Art. 10, 12): start a what-if or the final
run, watch it progress, read and download each unit's allocation with the inputs used, adopt the
final run within the cap, and issue it with four eyes. Every page is the bureau's: 403 otherwise."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from carbon_portal import excel
from carbon_portal.forms import add_service_error
from carbon_portal.i18n_text import pick
from carbon_portal.permissions import is_bureau_approver, require_bureau

from ..choices import AllocationMethod, IssuanceStatus, PlanStatus, RunStatus
from ..models import AllocationPlan, AllocationRun, IssuanceBatch
from ..selectors import runs as selectors
from ..services.issuance import issuance_approve, issuance_prepare, issuance_return
from ..services.runs import WHAT_IF_STATUSES, run_adopt, run_start

PAGE_SIZE = 50


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        choices=[("approve", gettext_lazy("Approve and issue")), ("return", gettext_lazy("Return to the preparer"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=gettext_lazy("Why it is returned"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


def _run_or_404(pk: int) -> AllocationRun:
    return get_object_or_404(AllocationRun.objects.select_related("plan", "job", "created_by"), pk=pk)


def _error_form(exc: ValidationError) -> forms.Form:
    form = forms.Form(data={})
    form.is_valid()
    add_service_error(form, exc)
    return form


@login_required
def run_list(request, plan_pk: int):
    """A plan's runs, with the buttons that start a what-if or the final run."""
    require_bureau(request.user)
    plan = get_object_or_404(AllocationPlan, pk=plan_pk)
    form = None
    if request.method == "POST":
        try:
            run = run_start(actor=request.user, plan=plan, what_if=request.POST.get("action") != "final")
        except ValidationError as exc:
            form = _error_form(exc)
        else:
            run.refresh_from_db()
            if run.status == RunStatus.RUNNING:
                messages.success(request, _("The allocation run has started."))
            else:  # with Celery in eager mode (a first run) the job finishes within the request
                messages.success(request, _("The allocation run is finished."))
            return redirect("trading:run_detail", pk=run.pk)
    context = {
        "plan": plan,
        "runs": selectors.runs_of(plan),
        "form": form,
        "can_what_if": plan.status in WHAT_IF_STATUSES,
        "can_final": plan.status == PlanStatus.PUBLISHED and selectors.adopted_run(plan) is None,
    }
    return render(request, "trading/run_list.html", context, status=400 if form else 200)


def _filters(request) -> dict[str, str]:
    raw = {key: request.GET.get(key, "").strip()[:100] for key in selectors.RESULT_FILTERS}
    if raw["method"] not in AllocationMethod.values:
        raw["method"] = ""
    if raw["problem"] not in ("yes", "no"):
        raw["problem"] = ""
    return {key: value for key, value in raw.items() if value}


@login_required
@require_GET
def run_detail(request, pk: int):
    require_bureau(request.user)
    run = _run_or_404(pk)
    filters = _filters(request)
    finished = run.status in (RunStatus.DONE, RunStatus.ADOPTED)
    page = Paginator(selectors.run_results(run, **filters), PAGE_SIZE).get_page(request.GET.get("page"))
    for row in page:
        row.inputs_text = selectors.describe_inputs(row.method, row.inputs)
    context = {
        "run": run,
        "plan": run.plan,
        "page": page,
        "filters": filters,
        "query": urlencode(filters),
        "finished": finished,
        "summary": selectors.run_summary(run) if finished else None,
        "industries": selectors.run_industries(run) if finished else [],
        "methods": AllocationMethod.choices,
        "can_adopt": run.status == RunStatus.DONE
        and not run.is_what_if
        and run.plan.status == PlanStatus.PUBLISHED
        and selectors.adopted_run(run.plan) is None,
    }
    return render(request, "trading/run_detail.html", context)


@login_required
@require_GET
def run_download(request, pk: int, fmt: str):
    require_bureau(request.user)
    if fmt not in excel.FORMATS:
        raise Http404
    run = _run_or_404(pk)
    methods = dict(AllocationMethod.choices)
    headers = [
        _("Unit"),
        _("Credit code"),
        _("Industry"),
        _("Method"),
        _("Inputs"),
        _("Coefficient"),
        _("Allocation (t)"),
        _("Free (t)"),
        _("Paid, to auction (t)"),
        _("Problem"),
    ]

    def rows():
        for a in selectors.run_results(run, **_filters(request)).iterator(chunk_size=500):
            yield [
                a.organisation.name,
                a.organisation.uscc,
                a.industry.code if a.industry else "",
                str(methods.get(a.method, "")),
                selectors.describe_inputs(a.method, a.inputs),
                a.coefficient,
                a.total_t,
                a.free_t,
                a.paid_t,
                pick(a.problem),
            ]

    stem = f"allocation-{run.plan.year}-run-{run.pk}"
    return excel.table_response(fmt, stem, headers, rows(), sheet_title=_("Allocation"))


@login_required
@require_POST
def run_adopt_view(request, pk: int):
    require_bureau(request.user)
    run = _run_or_404(pk)
    try:
        run_adopt(actor=request.user, run=run)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The run is adopted as the plan's allocation."))
    return redirect("trading:run_detail", pk=run.pk)


@login_required
def issuance_page(request, pk: int):
    """The adopted run's issuance: prepare a batch; a second bureau user approves or returns it."""
    require_bureau(request.user)
    run = _run_or_404(pk)
    if run.status != RunStatus.ADOPTED:
        raise Http404
    form = None
    if request.method == "POST":
        try:
            issuance_prepare(actor=request.user, run=run)
        except ValidationError as exc:
            form = _error_form(exc)
        else:
            messages.success(request, _("The issuance is prepared: a second bureau user must approve it."))
            return redirect("trading:issuance_page", pk=run.pk)
    return _render_issuance(request, run, form=form)


def _render_issuance(request, run, *, form=None, decision_form=None, status=200):
    batch = selectors.open_batch(run)
    context = {
        "run": run,
        "plan": run.plan,
        "summary": selectors.run_summary(run),
        "batches": selectors.batches_of(run),
        "batch": batch,
        "form": form,
        "decision_form": decision_form or DecisionForm(),
        "can_decide": batch is not None
        and batch.status == IssuanceStatus.PENDING
        and is_bureau_approver(request.user)
        and batch.prepared_by_id != request.user.pk,
    }
    return render(request, "trading/issuance_batch.html", context, status=400 if (form or decision_form) else status)


@login_required
@require_POST
def issuance_decide(request, batch_pk: int):
    require_bureau(request.user)
    batch = get_object_or_404(IssuanceBatch.objects.select_related("run__plan"), pk=batch_pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                issuance_approve(actor=request.user, batch=batch)
                messages.success(request, _("The allocation is issued."))
            else:
                issuance_return(actor=request.user, batch=batch, reason=form.cleaned_data["reason"])
                messages.success(request, _("The issuance is returned to the preparer."))
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            return redirect("trading:issuance_page", pk=batch.run_id)
    return _render_issuance(request, batch.run, decision_form=form)
