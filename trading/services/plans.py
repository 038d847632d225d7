"""The annual allocation plan (Art. 10, 13; Action Plan (1), (4), (5); DOMAIN.md "Allowances").

Bureau staff draft a year's plan: the total (cap) and the reserve, a method per industry with its
parameters and paid share, incentive coefficients per unit and the year's settings (surrender
deadline, offset limit and basis, eligible offset types). It may be shown to the public for
comment, is sent for approval and is published when a second bureau user, an approver, approves
it (four eyes). A published plan never changes: a change is a new version, drafted from it.

    draft --open for comment--> consultation --submit--> pending --approve--> published
    draft --submit--> pending --return--> draft

Every status change goes through trading.transitions.move.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from carbon_portal import audit
from carbon_portal.permissions import require_second_bureau_user

from ..choices import OffsetBasis, PlanStatus
from ..models import AllocationPlan, IncentiveAdjustment, IndustryRule, PlanComment
from .plan_checks import (  # noqa: F401 - the names callers and tests reach through this module
    COMMENT_MAX_CHARS,
    MAX_BASE_YEARS,
    OFFSET_KINDS,
    PAID_SHARE_TARGET_PCT,
    _decimal,
    _lock,
    _move,
    _percent,
    _places,
    _require_bureau,
    _require_draft,
    _today,
    _tonnes,
    _year,
)
from .plan_rules import adjustment_remove, adjustment_set, paid_share_warnings, rule_remove, rule_set  # noqa: F401 - one import path for callers


def _price(value) -> Decimal | None:
    """The auction reserve price: optional, in yuan per tonne with at most two decimals."""
    if value in (None, ""):
        return None
    try:
        price = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationError({"auction_reserve_price_yuan": _("Enter the price in yuan per tonne.")}) from None
    if not price.is_finite() or price <= 0 or price != price.quantize(Decimal("0.01")) or price >= Decimal("1e10"):
        raise ValidationError(
            {
                "auction_reserve_price_yuan": _(
                    "The reserve price is a positive amount in yuan with at most two decimals."
                )
            }
        )
    return price


def _settings(
    year,
    cap_t,
    reserve_t,
    surrender_deadline,
    offset_limit_pct,
    offset_basis,
    eligible_offsets,
    auction_reserve_price_yuan=None,
) -> dict:
    """The plan's figures and the year's settings, checked together; the keys are the model's fields."""
    cap_t = _tonnes(cap_t, "cap_t", positive=True)
    reserve_t = _tonnes(reserve_t if reserve_t not in (None, "") else 0, "reserve_t", positive=False)
    if reserve_t > cap_t:
        raise ValidationError({"reserve_t": _("The reserve cannot be more than the total allowances.")})
    if not isinstance(surrender_deadline, date):
        raise ValidationError({"surrender_deadline": _("Enter the surrender deadline.")})
    if surrender_deadline.year <= year:
        raise ValidationError(
            {
                "surrender_deadline": _(
                    "The surrender deadline falls after %(year)s: the emissions of the year are determined first."
                )
                % {"year": year}
            }
        )
    if offset_basis not in OffsetBasis.values:
        raise ValidationError({"offset_basis": _("Choose what the offset limit is a share of.")})
    eligible = list(dict.fromkeys(eligible_offsets or []))
    if any(kind not in OFFSET_KINDS for kind in eligible):
        raise ValidationError({"eligible_offsets": _("Only CCERs and carbon inclusive credits can be offsets.")})
    return {
        "cap_t": cap_t,
        "reserve_t": reserve_t,
        "surrender_deadline": surrender_deadline,
        "offset_limit_pct": _percent(offset_limit_pct, "offset_limit_pct"),
        "offset_basis": offset_basis,
        "eligible_offsets": [k for k in OFFSET_KINDS if k in eligible],
        "auction_reserve_price_yuan": _price(auction_reserve_price_yuan),
    }


def _next_version(year: int) -> int:
    return (AllocationPlan.objects.filter(year=year).aggregate(m=Max("version"))["m"] or 0) + 1


def _refuse_open(year: int) -> None:
    open_plan = AllocationPlan.objects.filter(year=year).exclude(status=PlanStatus.PUBLISHED).first()
    if open_plan is not None:
        raise ValidationError(
            _("Version %(version)s of the %(year)s plan is still being prepared: change that one.")
            % {"version": open_plan.version, "year": year}
        )


@transaction.atomic
def plan_create(
    *,
    actor,
    year: int,
    cap_t: Decimal,
    reserve_t: Decimal,
    surrender_deadline: date,
    offset_limit_pct: Decimal,
    offset_basis: str,
    eligible_offsets: list[str],
    notes: str = "",
    auction_reserve_price_yuan: Decimal | None = None,
) -> AllocationPlan:
    """Art. 10: a draft of the year's plan, as the next version of the year's plans."""
    _require_bureau(actor)
    year = _year(year)
    figures = _settings(
        year,
        cap_t,
        reserve_t,
        surrender_deadline,
        offset_limit_pct,
        offset_basis,
        eligible_offsets,
        auction_reserve_price_yuan,
    )
    # Serialise creations for the year on the year's existing plans (the unique constraints catch the rest).
    list(AllocationPlan.objects.select_for_update().filter(year=year).values_list("pk", flat=True))
    _refuse_open(year)
    plan = AllocationPlan(
        year=year, version=_next_version(year), prepared_by=actor, notes=(notes or "").strip(), **figures
    )
    plan.full_clean()
    plan.save()
    audit.record(actor=actor, verb="plan.create", target=plan, data=_audit_figures(plan))
    return plan


def _audit_figures(plan: AllocationPlan) -> dict:
    return {
        "year": plan.year,
        "version": plan.version,
        "cap_t": str(plan.cap_t),
        "reserve_t": str(plan.reserve_t),
        "surrender_deadline": plan.surrender_deadline.isoformat(),
        "offset_limit_pct": str(plan.offset_limit_pct),
        "offset_basis": plan.offset_basis,
        "eligible_offsets": plan.eligible_offsets,
        "auction_reserve_price_yuan": str(plan.auction_reserve_price_yuan or ""),
    }


@transaction.atomic
def plan_update(
    *,
    actor,
    plan: AllocationPlan,
    cap_t: Decimal,
    reserve_t: Decimal,
    surrender_deadline: date,
    offset_limit_pct: Decimal,
    offset_basis: str,
    eligible_offsets: list[str],
    notes: str = "",
    auction_reserve_price_yuan: Decimal | None = None,
) -> AllocationPlan:
    """Changes a draft's figures and the year's settings."""
    _require_bureau(actor)
    plan = _lock(plan)
    _require_draft(plan)
    figures = _settings(
        plan.year,
        cap_t,
        reserve_t,
        surrender_deadline,
        offset_limit_pct,
        offset_basis,
        eligible_offsets,
        auction_reserve_price_yuan,
    )
    for field, value in figures.items():
        setattr(plan, field, value)
    plan.notes = (notes or "").strip()
    plan.full_clean()
    plan.save()
    audit.record(actor=actor, verb="plan.update", target=plan, data=_audit_figures(plan))
    return plan


@transaction.atomic
def plan_open_consultation(*, actor, plan: AllocationPlan, until: date) -> AllocationPlan:
    """Shows the draft to the public, who may comment until the date given (inclusive)."""
    _require_bureau(actor)
    plan = _lock(plan)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("Only a draft plan can be opened for comment."))
    if not isinstance(until, date) or until <= _today():
        raise ValidationError({"until": _("Comments close on a day in the future.")})
    _move(plan, PlanStatus.CONSULTATION)
    plan.consultation_until = until
    plan.save()
    audit.record(actor=actor, verb="plan.consultation", target=plan, data={"until": until.isoformat()})
    return plan


def is_open_for_comment(plan: AllocationPlan, today: date | None = None) -> bool:
    today = today or _today()
    return (
        plan.status == PlanStatus.CONSULTATION
        and plan.consultation_until is not None
        and today <= plan.consultation_until
    )


def _comment_text(value, field: str, max_chars: int, required_message: str | None) -> str:
    text = (value or "").strip()
    if required_message and not text:
        raise ValidationError({field: required_message})
    if len(text) > max_chars:
        raise ValidationError(
            {field: _("Use at most %(max)s characters (you used %(n)s).") % {"max": max_chars, "n": len(text)}}
        )
    return text


@transaction.atomic
def comment_add(
    *,
    plan: AllocationPlan,
    author_name: str,
    organisation_name: str = "",
    email: str = "",
    body: str,
    user=None,
) -> PlanComment:
    """Anyone may comment on a plan while it is open for comment, up to and including the last day."""
    plan = AllocationPlan.objects.select_for_update().get(pk=plan.pk)
    if not is_open_for_comment(plan):
        raise ValidationError(_("This plan is not open for comment."))
    author_name = _comment_text(author_name, "author_name", 100, _("Enter your name."))
    organisation_name = _comment_text(organisation_name, "organisation_name", 200, None)
    email = _comment_text(email, "email", 254, None)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": _("Enter an email address like name@example.com.")}) from None
    body = _comment_text(body, "body", COMMENT_MAX_CHARS, _("Enter your comment."))
    comment = PlanComment.objects.create(
        plan=plan,
        author_name=author_name,
        organisation_name=organisation_name,
        email=email,
        body=body,
        user=user if user is not None and getattr(user, "is_authenticated", False) else None,
    )
    audit.record(
        actor=comment.user, verb="plan.comment", target=plan, data={"comment": comment.pk, "author": author_name}
    )
    return comment


@transaction.atomic
def plan_submit(*, actor, plan: AllocationPlan) -> AllocationPlan:
    """Sends the draft (or the plan whose consultation ran) to a second bureau user for approval."""
    _require_bureau(actor)
    plan = _lock(plan)
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.CONSULTATION):
        raise ValidationError(_("Only a draft plan, or one open for comment, can be sent for approval."))
    if not plan.rules.exists():
        raise ValidationError(_("Set the allocation method of at least one industry first."))
    _move(plan, PlanStatus.PENDING)
    plan.submitted_at = timezone.now()
    plan.returned_reason = ""
    plan.save()
    audit.record(actor=actor, verb="plan.submit", target=plan, data={})
    return plan


def _require_pending(plan: AllocationPlan, message: str) -> None:
    if plan.status != PlanStatus.PENDING:
        raise ValidationError(message)


@transaction.atomic
def plan_return(*, actor, plan: AllocationPlan, reason: str) -> AllocationPlan:
    """The approver sends the plan back to draft, saying why."""
    _require_bureau(actor)
    plan = _lock(plan)
    _require_pending(plan, _("Only a plan awaiting approval can be returned."))
    require_second_bureau_user(actor=actor, first_actor=plan.prepared_by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the plan goes back.")})
    _move(plan, PlanStatus.DRAFT)
    plan.returned_reason = reason
    plan.submitted_at = None
    plan.save()
    audit.record(actor=actor, verb="plan.return", target=plan, data={"reason": reason})
    return plan


@transaction.atomic
def plan_approve(*, actor, plan: AllocationPlan) -> AllocationPlan:
    """Four eyes (Art. 10): a bureau approver other than its preparer approves the plan, which
    publishes it."""
    _require_bureau(actor)
    plan = _lock(plan)
    _require_pending(plan, _("Only a plan awaiting approval can be approved: send it for approval first."))
    require_second_bureau_user(actor=actor, first_actor=plan.prepared_by)
    now = timezone.now()
    # The version in force until now is replaced, and kept on record.
    for previous in AllocationPlan.objects.select_for_update().filter(year=plan.year, status=PlanStatus.PUBLISHED):
        _move(previous, PlanStatus.SUPERSEDED)
        previous.superseded_at = now
        previous.save(update_fields=["status", "superseded_at"])
        audit.record(actor=actor, verb="plan.supersede", target=previous, data={"by_version": plan.version})
    _move(plan, PlanStatus.PUBLISHED)
    plan.approved_by = actor
    plan.approved_at = now
    plan.full_clean()
    plan.save()
    audit.record(actor=actor, verb="plan.approve", target=plan, data={"version": plan.version})
    return plan


@transaction.atomic
def plan_new_version(*, actor, plan: AllocationPlan) -> AllocationPlan:
    """A published plan never changes: its change is a new draft version, a copy of it with its
    rules and adjustments."""
    _require_bureau(actor)
    source = AllocationPlan.objects.select_for_update().get(pk=plan.pk)
    if source.status != PlanStatus.PUBLISHED:
        raise ValidationError(_("Only a published plan is changed by a new version."))
    list(AllocationPlan.objects.select_for_update().filter(year=source.year).values_list("pk", flat=True))
    _refuse_open(source.year)
    copy = AllocationPlan.objects.create(
        year=source.year,
        version=_next_version(source.year),
        prepared_by=actor,
        cap_t=source.cap_t,
        reserve_t=source.reserve_t,
        surrender_deadline=source.surrender_deadline,
        offset_limit_pct=source.offset_limit_pct,
        offset_basis=source.offset_basis,
        eligible_offsets=list(source.eligible_offsets),
        auction_reserve_price_yuan=source.auction_reserve_price_yuan,
        notes=source.notes,
    )
    IndustryRule.objects.bulk_create(
        IndustryRule(
            plan=copy,
            industry_id=rule.industry_id,
            method=rule.method,
            benchmark_t_per_unit=rule.benchmark_t_per_unit,
            product_unit=rule.product_unit,
            base_years=list(rule.base_years),
            factor=rule.factor,
            paid_share_pct=rule.paid_share_pct,
        )
        for rule in source.rules.all()
    )
    IncentiveAdjustment.objects.bulk_create(
        IncentiveAdjustment(plan=copy, organisation_id=a.organisation_id, coefficient=a.coefficient, reason=a.reason)
        for a in source.adjustments.all()
    )
    audit.record(actor=actor, verb="plan.new_version", target=copy, data={"from_version": source.version})
    return copy
