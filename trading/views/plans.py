"""The annual allocation plan (Art. 10, 13): the bureau's pages to draft it, open it for public
comment, send it for approval and approve it (four eyes); and the public pages, with no login, that
show plans open for comment and published ones, and take comments."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from carbon_portal.forms import add_service_error
from carbon_portal.permissions import is_bureau_approver, require_bureau
from registry.models import Organisation

from ..choices import PlanStatus
from ..forms_plans import AdjustmentForm, CommentForm, ConsultationForm, PlanCreateForm, PlanForm, ReturnForm, RuleForm
from ..models import AllocationPlan, IncentiveAdjustment, IndustryRule
from ..selectors import plans as selectors
from ..services import plans as services

FIRST_YEAR, LAST_YEAR = 2013, 2100
PLAN_FIELDS = (
    "cap_t",
    "reserve_t",
    "surrender_deadline",
    "offset_limit_pct",
    "offset_basis",
    "eligible_offsets",
    "auction_reserve_price_yuan",
    "notes",
)


def _plan(pk: int) -> AllocationPlan:
    try:
        return selectors.bureau_plan(pk)
    except AllocationPlan.DoesNotExist:
        raise Http404 from None


def _error(request, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _rules_with_text(plan: AllocationPlan) -> list[tuple]:
    return [(rule, selectors.rule_text(rule)) for rule in plan.rules.all()]


# -- the bureau ----------------------------------------------------------------------------------


@login_required
@require_GET
def plan_admin(request):
    require_bureau(request.user)
    return render(request, "trading/plan_admin.html", {"plans": selectors.bureau_plans()})


@login_required
def plan_new(request):
    require_bureau(request.user)
    form = PlanCreateForm(request.POST or None, initial={"offset_limit_pct": 5, "offset_basis": "allocation"})
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Draft %(plan)s created.") % {"plan": plan})
            return redirect("trading:plan_edit", pk=plan.pk)
    return render(request, "trading/plan_new.html", {"form": form})


@login_required
def plan_edit(request, pk: int):
    """The plan's workspace: its figures, rules and adjustments, editable while it is a draft."""
    require_bureau(request.user)
    plan = _plan(pk)
    action = request.POST.get("action") if request.method == "POST" else None
    if action and plan.status != PlanStatus.DRAFT:
        messages.error(request, _("Only a draft plan can be changed."))
        return redirect("trading:plan_edit", pk=plan.pk)
    initial = {field: getattr(plan, field) for field in PLAN_FIELDS}
    form = PlanForm(request.POST if action == "plan" else None, initial=initial, prefix="plan")
    adjustment_form = AdjustmentForm(request.POST if action == "adjustment" else None, prefix="adj")
    if action == "plan" and form.is_valid():
        try:
            services.plan_update(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Plan saved."))
            return redirect("trading:plan_edit", pk=plan.pk)
    if action == "adjustment" and adjustment_form.is_valid():
        data = adjustment_form.cleaned_data
        organisation = Organisation.objects.filter(uscc=data["uscc"]).first()
        if organisation is None:
            adjustment_form.add_error("uscc", _("No organisation has this credit code."))
        else:
            try:
                services.adjustment_set(
                    actor=request.user,
                    plan=plan,
                    organisation=organisation,
                    coefficient=data["coefficient"],
                    reason=data["reason"],
                )
            except ValidationError as exc:
                add_service_error(adjustment_form, exc)
            else:
                messages.success(request, _("Coefficient of %(unit)s set.") % {"unit": organisation.name})
                return redirect("trading:plan_edit", pk=plan.pk)
    context = {
        "plan": plan,
        "form": form,
        "adjustment_form": adjustment_form,
        "rules": _rules_with_text(plan),
        "warnings": services.paid_share_warnings(plan.rules.all()),
        "offsets": selectors.offset_labels(plan),
        "editable": plan.status == PlanStatus.DRAFT,
    }
    return render(request, "trading/plan_edit.html", context)


def _rule_initial(rule: IndustryRule | None) -> dict:
    if rule is None:
        return {"factor": 1, "paid_share_pct": 0}
    return {
        "industry": rule.industry_id,
        "method": rule.method,
        "benchmark_t_per_unit": rule.benchmark_t_per_unit,
        "product_unit": rule.product_unit,
        "base_years": ", ".join(str(y) for y in rule.base_years),
        "factor": rule.factor.normalize(),
        "paid_share_pct": rule.paid_share_pct,
    }


@login_required
def plan_rule(request, pk: int, rule_pk: int | None = None):
    """Adds an industry's rule to a draft plan, or changes one."""
    require_bureau(request.user)
    plan = get_object_or_404(AllocationPlan, pk=pk)
    rule = (
        get_object_or_404(IndustryRule.objects.select_related("industry"), pk=rule_pk, plan=plan) if rule_pk else None
    )
    if plan.status != PlanStatus.DRAFT:
        messages.error(request, _("Only a draft plan can be changed."))
        return redirect("trading:plan_edit", pk=plan.pk)
    form = RuleForm(request.POST or None, initial=_rule_initial(rule))
    if rule is not None:
        form.fields["industry"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.rule_set(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Rule for %(industry)s saved.") % {"industry": saved.industry.name})
            for warning in services.paid_share_warnings([saved]):
                messages.warning(request, warning)
            return redirect("trading:plan_edit", pk=plan.pk)
    return render(request, "trading/plan_rule.html", {"plan": plan, "rule": rule, "form": form})


@login_required
@require_POST
def plan_rule_remove(request, pk: int, rule_pk: int):
    require_bureau(request.user)
    rule = get_object_or_404(IndustryRule.objects.select_related("plan", "industry"), pk=rule_pk, plan_id=pk)
    try:
        services.rule_remove(actor=request.user, rule=rule)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Rule for %(industry)s removed.") % {"industry": rule.industry.name})
    return redirect("trading:plan_edit", pk=pk)


@login_required
@require_POST
def plan_adjustment_remove(request, pk: int, adjustment_pk: int):
    require_bureau(request.user)
    adjustment = get_object_or_404(
        IncentiveAdjustment.objects.select_related("plan", "organisation"), pk=adjustment_pk, plan_id=pk
    )
    try:
        services.adjustment_remove(actor=request.user, adjustment=adjustment)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("Coefficient of %(unit)s removed.") % {"unit": adjustment.organisation.name})
    return redirect("trading:plan_edit", pk=pk)


@login_required
def plan_consultation(request, pk: int):
    """Opens a draft for public comment until a day chosen."""
    require_bureau(request.user)
    plan = get_object_or_404(AllocationPlan, pk=pk)
    form = ConsultationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_open_consultation(actor=request.user, plan=plan, until=form.cleaned_data["until"])
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("The plan is open for public comment."))
            return redirect("trading:plan_edit", pk=plan.pk)
    return render(request, "trading/plan_consultation.html", {"plan": plan, "form": form})


@login_required
@require_POST
def plan_submit(request, pk: int):
    require_bureau(request.user)
    plan = get_object_or_404(AllocationPlan, pk=pk)
    try:
        services.plan_submit(actor=request.user, plan=plan)
    except ValidationError as exc:
        _error(request, exc)
    else:
        messages.success(request, _("The plan is sent for approval."))
    return redirect("trading:plan_edit", pk=pk)


@login_required
@require_POST
def plan_new_version(request, pk: int):
    require_bureau(request.user)
    plan = get_object_or_404(AllocationPlan, pk=pk)
    try:
        copy = services.plan_new_version(actor=request.user, plan=plan)
    except ValidationError as exc:
        _error(request, exc)
        return redirect("trading:plan_edit", pk=pk)
    messages.success(request, _("Draft %(plan)s created from the published plan.") % {"plan": copy})
    return redirect("trading:plan_edit", pk=copy.pk)


@login_required
def plan_approval(request, pk: int):
    """Four eyes: a bureau approver other than the preparer approves or returns the plan."""
    require_bureau(request.user)
    plan = _plan(pk)
    action = request.POST.get("action") if request.method == "POST" else None
    return_form = ReturnForm(request.POST if action == "return" else None)
    errors: list[str] = []
    if action in ("approve", "return"):
        try:
            if action == "approve":
                services.plan_approve(actor=request.user, plan=plan)
            elif return_form.is_valid():
                services.plan_return(actor=request.user, plan=plan, reason=return_form.cleaned_data["reason"])
            else:
                raise ValidationError({})
        except ValidationError as exc:
            if action == "return":
                add_service_error(return_form, exc)
            else:
                errors = exc.messages
        else:
            messages.success(request, _("Plan approved and published.") if action == "approve" else _("Plan returned."))
            return redirect("trading:plan_edit", pk=plan.pk)
    context = {
        "plan": plan,
        "rules": _rules_with_text(plan),
        "warnings": services.paid_share_warnings(plan.rules.all()),
        "offsets": selectors.offset_labels(plan),
        "return_form": return_form,
        "errors": errors,
        "is_preparer": plan.prepared_by_id == request.user.pk,
        "is_approver": is_bureau_approver(request.user),
    }
    return render(request, "trading/plan_approval.html", context)


@login_required
@require_GET
def plan_comments(request, pk: int):
    require_bureau(request.user)
    plan = get_object_or_404(AllocationPlan, pk=pk)
    return render(request, "trading/plan_comments.html", {"plan": plan, "comments": selectors.plan_comments(plan)})


# -- the public ----------------------------------------------------------------------------------


@require_GET
def plan_public_index(request):
    return render(request, "trading/plan_public_index.html", {"years": selectors.public_years()})


def plan_public(request, year: int):
    """The year's published plan and the version open for comment, with a comment form while open."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    if request.method not in ("GET", "HEAD", "POST"):
        raise Http404
    plans = selectors.public_plans(year)
    if not plans:
        raise Http404
    open_plan = next((p for p in plans if services.is_open_for_comment(p)), None)
    form = CommentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        consulting = next((p for p in plans if p.status == PlanStatus.CONSULTATION), None)
        if consulting is None:
            raise Http404
        if form.is_valid():
            try:
                services.comment_add(plan=consulting, user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Thank you: your comment has been received and is shown below."))
                return redirect("trading:plan_public", year=year)
    shown = [
        {
            "plan": plan,
            "rules": _rules_with_text(plan),
            "offsets": selectors.offset_labels(plan),
            "comments": list(plan.comments.all()) if plan.status == PlanStatus.CONSULTATION else [],
        }
        for plan in plans
    ]
    context = {"year": year, "shown": shown, "open_plan": open_plan, "form": form}
    return render(request, "trading/plan_public.html", context)
