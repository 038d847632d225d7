"""Checks shared by the allocation plan services: who may act, the plan's state, and the figures
typed into a plan (whole tonnes, shares, years)."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from carbon_portal.permissions import is_bureau
from registry.choices import OrganisationType

from ..choices import InstrumentKind, PlanStatus
from ..models import AllocationPlan
from ..transitions import PLAN_TRANSITIONS, move

FIRST_YEAR, LAST_YEAR = 2013, 2100
TONNES_MAX = Decimal(10) ** 18
PAID_SHARE_TARGET_PCT = Decimal(8)  # Action Plan (5): the paid share within 8% by 2027
MAX_BASE_YEARS = 5
COMMENT_MAX_CHARS = 5000
OFFSET_KINDS = tuple(k for k in InstrumentKind.values if k != InstrumentKind.ALLOWANCE)
NOT_UNITS = {OrganisationType.AGENCY, OrganisationType.BUREAU, OrganisationType.EXCHANGE}


def _today() -> date:
    return timezone.localdate()


def _require_bureau(actor) -> None:
    if not is_bureau(actor):
        raise PermissionDenied(_("Only bureau staff prepare allocation plans."))


def _lock(plan: AllocationPlan) -> AllocationPlan:
    return AllocationPlan.objects.select_for_update().get(pk=plan.pk)


def _move(plan: AllocationPlan, status: str) -> None:
    move(plan, status, PLAN_TRANSITIONS, message=_("An allocation plan cannot go from %(from)s to %(to)s."))


def _require_draft(plan: AllocationPlan) -> None:
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(
            _("Only a draft plan can be changed. A published plan is changed by drafting a new version.")
        )


def _decimal(value, field: str, message: str) -> Decimal:
    try:
        number = Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise ValidationError({field: message})
    return number


def _places(number: Decimal, places: int, field: str, message: str) -> None:
    if number.as_tuple().exponent < -places:
        raise ValidationError({field: message})


def _tonnes(value, field: str, *, positive: bool) -> Decimal:
    number = _decimal(value, field, _("Enter a whole number of tonnes."))
    if number != number.to_integral_value():
        raise ValidationError({field: _("Enter a whole number of tonnes.")})
    if positive and number <= 0:
        raise ValidationError({field: _("The total must be more than 0 tonnes.")})
    if number < 0:
        raise ValidationError({field: _("Enter 0 tonnes or more.")})
    if number >= TONNES_MAX:
        raise ValidationError({field: _("Enter a smaller number of tonnes.")})
    return number.quantize(Decimal(1))


def _percent(value, field: str) -> Decimal:
    number = _decimal(value, field, _("Enter a percentage from 0 to 100."))
    if not 0 <= number <= 100:
        raise ValidationError({field: _("Enter a percentage from 0 to 100.")})
    _places(number, 2, field, _("Give the percentage to at most 2 decimal places."))
    return number


def _year(year) -> int:
    if not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(
            {"year": _("Enter a year from %(first)s to %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}}
        )
    return year
