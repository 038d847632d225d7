"""Reads of the allocation plans: the bureau's list and workspace, and what the public sees
(plans open for comment and published ones, never a draft or one awaiting approval)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import gettext as _

from ..choices import AllocationMethod, InstrumentKind, PlanStatus
from ..models import AllocationPlan, IncentiveAdjustment, IndustryRule, PlanComment
from ..transitions import PLAN_PUBLIC


def _rules() -> Prefetch:
    return Prefetch("rules", queryset=IndustryRule.objects.select_related("industry").order_by("industry__code"))


def _adjustments() -> Prefetch:
    return Prefetch(
        "adjustments",
        queryset=IncentiveAdjustment.objects.select_related("organisation").order_by("organisation__name_zh"),
    )


def bureau_plans() -> QuerySet[AllocationPlan]:
    """Every version of every year's plan, newest first, with what the list shows."""
    return AllocationPlan.objects.select_related("prepared_by", "approved_by").annotate(
        rule_count=Count("rules", distinct=True), comment_count=Count("comments", distinct=True)
    )


def bureau_plan(pk: int) -> AllocationPlan:
    """One plan with its rules and adjustments (raises DoesNotExist)."""
    return (
        AllocationPlan.objects.select_related("prepared_by", "approved_by")
        .prefetch_related(_rules(), _adjustments())
        .annotate(comment_count=Count("comments"))
        .get(pk=pk)
    )


def plan_comments(plan: AllocationPlan) -> QuerySet[PlanComment]:
    return plan.comments.select_related("user").order_by("submitted_at")


def public_years() -> list[dict]:
    """The years with a plan the public may read, newest first."""
    return list(
        AllocationPlan.objects.filter(status__in=PLAN_PUBLIC)
        .values("year")
        .annotate(plans=Count("id"))
        .order_by("-year")
    )


def public_plans(year: int) -> list[AllocationPlan]:
    """The year's published plan and the version open for comment, if any; with the comments of the
    one open for comment (the public never sees a commenter's email)."""
    comments = Prefetch(
        "comments",
        queryset=PlanComment.objects.only("plan_id", "author_name", "organisation_name", "body", "submitted_at"),
    )
    return list(
        AllocationPlan.objects.filter(year=year, status__in=PLAN_PUBLIC)
        .prefetch_related(_rules(), _adjustments(), comments)
        .order_by("-version")
    )


def open_plan(year: int) -> AllocationPlan | None:
    return AllocationPlan.objects.filter(year=year, status=PlanStatus.CONSULTATION).first()


@dataclass(frozen=True)
class RuleText:
    """A rule in plain words: the formula and what each term is."""

    formula: str
    terms: list[str]


def _number(value: Decimal) -> str:
    """A decimal without trailing zeros: 0.980000 -> 0.98, 1.000000 -> 1."""
    text = format(value.normalize(), "f")
    return text


def rule_text(rule: IndustryRule) -> RuleText:
    """Explains how a unit of the rule's industry is allocated (DOMAIN.md "Allowances")."""
    factor = _number(rule.factor)
    years = ", ".join(str(y) for y in rule.base_years)
    coefficient = _("the unit's incentive coefficient (1 unless listed below)")
    if rule.method == AllocationMethod.BENCHMARK:
        formula = _("allocation = output x %(benchmark)s tCO2 per %(unit)s x factor %(factor)s x coefficient") % {
            "benchmark": _number(rule.benchmark_t_per_unit),
            "unit": rule.product_unit,
            "factor": factor,
        }
        terms = [_("output: the unit's output of the year, in %(unit)s") % {"unit": rule.product_unit}]
    elif rule.method == AllocationMethod.INTENSITY:
        formula = _("allocation = output x base intensity x factor %(factor)s x coefficient") % {"factor": factor}
        terms = [
            _("output: the unit's output of the year"),
            _("base intensity: the unit's emissions per unit of output in %(years)s") % {"years": years},
        ]
    else:
        formula = _("allocation = average emissions of %(years)s x factor %(factor)s x coefficient") % {
            "years": years,
            "factor": factor,
        }
        terms = [_("average emissions: the unit's determined emissions averaged over the base years")]
    terms.append(_("coefficient: %(what)s") % {"what": coefficient})
    if rule.paid_share_pct:
        terms.append(
            _("%(pct)s%% of the allocation is paid for, sold at auction; the rest is free")
            % {"pct": _number(rule.paid_share_pct)}
        )
    else:
        terms.append(_("all of the allocation is free"))
    return RuleText(formula=formula, terms=terms)


def offset_labels(plan: AllocationPlan) -> list[str]:
    labels = dict(InstrumentKind.choices)
    return [str(labels[k]) for k in plan.eligible_offsets if k in labels]
