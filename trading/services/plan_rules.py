"""An allocation plan's rules per industry (method, parameters, paid share) and its incentive
coefficients per unit (DOMAIN.md "Allowances"): changed only while the plan is a draft."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from carbon_portal import audit
from registry.models import Industry, Organisation

from ..choices import AllocationMethod
from ..models import AllocationPlan, IncentiveAdjustment, IndustryRule
from .plan_checks import (
    FIRST_YEAR,
    MAX_BASE_YEARS,
    NOT_UNITS,
    PAID_SHARE_TARGET_PCT,
    _decimal,
    _lock,
    _percent,
    _places,
    _require_bureau,
    _require_draft,
)


def paid_share_warnings(rules) -> list[str]:
    """Action Plan (5): the paid share is to stay within 8% by 2027. Above it is allowed, but said."""
    return [
        _("The paid share of %(industry)s (%(pct)s%%) is above the 8%% the Action Plan sets for 2027.")
        % {"industry": rule.industry.name, "pct": format(rule.paid_share_pct.normalize(), "f")}
        for rule in rules
        if rule.paid_share_pct > PAID_SHARE_TARGET_PCT
    ]


def _base_years(plan: AllocationPlan, base_years) -> list[int]:
    try:
        years = sorted({int(y) for y in (base_years or [])})
    except (TypeError, ValueError):
        years = []
    if not 1 <= len(years) <= MAX_BASE_YEARS or len(years) != len(list(base_years or [])):
        raise ValidationError({"base_years": _("Give 1 to 5 different base years.")})
    if any(y >= plan.year or y < FIRST_YEAR for y in years):
        raise ValidationError(
            {
                "base_years": _("Base years are years from %(first)s to %(last)s, before the plan's year.")
                % {"first": FIRST_YEAR, "last": plan.year - 1}
            }
        )
    return years


def _rule_parameters(plan, method, benchmark_t_per_unit, product_unit, base_years, factor) -> dict:
    if method not in AllocationMethod.values:
        raise ValidationError({"method": _("Choose the allocation method.")})
    product_unit = (product_unit or "").strip()
    if len(product_unit) > 30:
        raise ValidationError({"product_unit": _("Give the unit of output in at most 30 characters.")})
    factor = _decimal(factor, "factor", _("Enter the factor, for example 0.98."))
    if not 0 < factor < 100:
        raise ValidationError({"factor": _("The factor must be more than 0 and less than 100.")})
    _places(factor, 6, "factor", _("Give the factor to at most 6 decimal places."))
    if method == AllocationMethod.BENCHMARK:
        if benchmark_t_per_unit in (None, ""):
            raise ValidationError({"benchmark_t_per_unit": _("Enter the benchmark for the benchmark method.")})
        benchmark = _decimal(benchmark_t_per_unit, "benchmark_t_per_unit", _("Enter the benchmark as a number."))
        if not 0 < benchmark < 10**10:
            raise ValidationError({"benchmark_t_per_unit": _("The benchmark must be more than 0.")})
        _places(benchmark, 6, "benchmark_t_per_unit", _("Give the benchmark to at most 6 decimal places."))
        if not product_unit:
            raise ValidationError({"product_unit": _("Enter the unit of output the benchmark is per.")})
        return {"benchmark_t_per_unit": benchmark, "product_unit": product_unit, "base_years": [], "factor": factor}
    years = _base_years(plan, base_years)
    if method == AllocationMethod.HISTORICAL:
        product_unit = ""
    return {"benchmark_t_per_unit": None, "product_unit": product_unit, "base_years": years, "factor": factor}


@transaction.atomic
def rule_set(
    *,
    actor,
    plan: AllocationPlan,
    industry: Industry,
    method: str,
    benchmark_t_per_unit: Decimal | None = None,
    product_unit: str = "",
    base_years: list[int] | None = None,
    factor: Decimal = Decimal(1),
    paid_share_pct: Decimal = Decimal(0),
) -> IndustryRule:
    """Art. 10, Action Plan (4), (5): how an industry's units are allocated, and the share they buy.
    Sets the industry's rule in a draft plan, adding it if the plan has none for the industry."""
    _require_bureau(actor)
    plan = _lock(plan)
    _require_draft(plan)
    if industry is None:
        raise ValidationError({"industry": _("Choose the industry.")})
    values = _rule_parameters(plan, method, benchmark_t_per_unit, product_unit, base_years, factor)
    values["method"] = method
    values["paid_share_pct"] = _percent(paid_share_pct, "paid_share_pct")
    rule, created = IndustryRule.objects.select_for_update().get_or_create(
        plan=plan, industry=industry, defaults=values
    )
    if not created:
        for field, value in values.items():
            setattr(rule, field, value)
    rule.full_clean()
    rule.save()
    audit.record(
        actor=actor,
        verb="plan.rule_set",
        target=plan,
        data={
            "industry": industry.code,
            "method": method,
            "benchmark_t_per_unit": str(rule.benchmark_t_per_unit) if rule.benchmark_t_per_unit is not None else None,
            "product_unit": rule.product_unit,
            "base_years": rule.base_years,
            "factor": str(rule.factor),
            "paid_share_pct": str(rule.paid_share_pct),
        },
    )
    return rule


@transaction.atomic
def rule_remove(*, actor, rule: IndustryRule) -> None:
    _require_bureau(actor)
    plan = _lock(rule.plan)
    _require_draft(plan)
    code = rule.industry.code
    IndustryRule.objects.filter(pk=rule.pk, plan=plan).delete()
    audit.record(actor=actor, verb="plan.rule_remove", target=plan, data={"industry": code})


@transaction.atomic
def adjustment_set(
    *, actor, plan: AllocationPlan, organisation: Organisation, coefficient: Decimal, reason: str
) -> IncentiveAdjustment:
    """Action Plan (4): a unit's incentive adjustment coefficient, more than 0 and at most 2, with
    the reason."""
    _require_bureau(actor)
    plan = _lock(plan)
    _require_draft(plan)
    if organisation is None or organisation.org_type in NOT_UNITS:
        raise ValidationError(_("Only a unit can have an incentive coefficient."))
    coefficient = _decimal(coefficient, "coefficient", _("Enter the coefficient, for example 1.02."))
    if not 0 < coefficient <= 2:
        raise ValidationError({"coefficient": _("The coefficient must be more than 0 and at most 2.")})
    _places(coefficient, 4, "coefficient", _("Give the coefficient to at most 4 decimal places."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the unit's allocation is adjusted.")})
    if len(reason) > 300:
        raise ValidationError({"reason": _("Give the reason in at most 300 characters.")})
    adjustment, _created = IncentiveAdjustment.objects.select_for_update().update_or_create(
        plan=plan, organisation=organisation, defaults={"coefficient": coefficient, "reason": reason}
    )
    audit.record(
        actor=actor,
        verb="plan.adjustment_set",
        target=plan,
        data={"organisation": organisation.uscc, "coefficient": str(coefficient), "reason": reason},
    )
    return adjustment


@transaction.atomic
def adjustment_remove(*, actor, adjustment: IncentiveAdjustment) -> None:
    _require_bureau(actor)
    plan = _lock(adjustment.plan)
    _require_draft(plan)
    uscc = adjustment.organisation.uscc
    IncentiveAdjustment.objects.filter(pk=adjustment.pk, plan=plan).delete()
    audit.record(actor=actor, verb="plan.adjustment_remove", target=plan, data={"organisation": uscc})
