"""Early warning (National (10); DOMAIN.md "Reporting": monthly key parameters drive it).

For a compliance year, every regulated unit on the year's published list that has filed monthly
key parameters gets its projected emissions (reporting.selectors.monthly.projections, the one
place they are worked out), rounded up to whole tonnes as an obligation would be. Its usable
holdings (trading.selectors.warnings.coverage) are set against them. A shortfall raises a warning
for the latest month filed, notified once to the unit's staff and to the bureau; a unit whose
holdings now cover the projection has its open warnings cleared. A warning is never a violation
and decides nothing: it tells the unit to act before the surrender deadline.

A unit with no monthly figure filed has no projection, so it is neither warned nor cleared.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carbon_portal import audit
from carbon_portal.models import User
from carbon_portal.notifications import notify
from carbon_portal.roles import BUREAU_ROLES
from reporting.notices import staff_of
from reporting.selectors.monthly import Projection, projections

from ..choices import WarningStatus
from ..models import AllocationPlan, EarlyWarning
from ..permissions import require_registrar
from ..selectors.compliance import ComplianceRow, obligation_t, published_plan, year_compliance
from ..selectors.warnings import Coverage, coverage

# The table of allowed status changes: a warning clears when covered and reopens when short again.
TRANSITIONS = {
    WarningStatus.OPEN: {WarningStatus.CLEARED},
    WarningStatus.CLEARED: {WarningStatus.OPEN},
}
PROJECTION_METHOD = "mean of the months filed x 12"


@dataclass
class ComputeResult:
    year: int
    units: int = 0
    opened: list[EarlyWarning] = field(default_factory=list)  # new or reopened: notified
    refreshed: int = 0  # still short, already warned for the month: figures updated, no message
    cleared: int = 0
    covered: int = 0
    without_projection: int = 0


@dataclass
class _Run:
    """What every unit's assessment of one run shares."""

    actor: User | None
    plan: AllocationPlan | None
    bureau: list[User]
    result: ComputeResult


@transaction.atomic
def early_warnings_compute(*, actor, year: int) -> ComputeResult:
    """Raises, refreshes and clears the year's warnings. `actor` is a bureau user ("Recompute now")
    or None for the monthly beat. Idempotent: a second run with the same figures changes nothing
    and sends no message."""
    if actor is not None:
        require_registrar(actor)
    result = ComputeResult(year)
    rows = year_compliance(year).rows
    if not rows:
        return result
    ids = [row.organisation.pk for row in rows]
    found = projections(year, ids)
    projected = {org_id: p.projected_tco2e for org_id, p in found.items() if p.projected_tco2e is not None}
    run = _Run(actor, published_plan(year), _bureau_users(), result)
    cover = coverage(year, run.plan, rows, projected)
    existing: dict[int, list[EarlyWarning]] = {}
    for warning in EarlyWarning.objects.select_for_update().filter(year=year, organisation_id__in=ids):
        existing.setdefault(warning.organisation_id, []).append(warning)
    for row in rows:
        result.units += 1
        projection = found[row.organisation.pk]
        if projection.projected_tco2e is None:
            result.without_projection += 1
            continue
        holdings = cover[row.organisation.pk]
        warnings = existing.get(row.organisation.pk, [])
        if obligation_t(projection.projected_tco2e) > holdings.holdings_t:
            _raise(run, row, projection, holdings, warnings)
        else:
            result.covered += 1
            result.cleared += _clear(actor, warnings, projection, holdings)
    return result


def _bureau_users() -> list[User]:
    return list(
        User.objects.filter(is_active=True, memberships__role__in=BUREAU_ROLES, memberships__is_active=True).distinct()
    )


def _inputs(projection: Projection, holdings: Coverage, plan: AllocationPlan | None) -> dict:
    ytd = projection.year_to_date
    return {
        "projection": {
            "method": PROJECTION_METHOD,
            "months_filed": ytd.months_filed,
            "year_to_date_tco2e": str(ytd.total_tco2e),
            "projected_tco2e": str(projection.projected_tco2e),
            "obligation_t": str(obligation_t(projection.projected_tco2e)),
        },
        "coverage": holdings.as_inputs(),
        "plan": None
        if plan is None
        else {
            "year": plan.year,
            "version": plan.version,
            "offset_limit_pct": str(plan.offset_limit_pct),
            "offset_basis": plan.offset_basis,
            "eligible_offsets": list(plan.eligible_offsets or []),
        },
    }


def _raise(run: _Run, row: ComplianceRow, projection: Projection, holdings: Coverage, warnings) -> None:
    """The warning of the latest month filed: created (and notified), refreshed, or reopened (and
    notified again)."""
    month = max(projection.year_to_date.months_filed)
    warning = next((w for w in warnings if w.as_of_month == month), None)
    figures = {
        "projected_tco2e": projection.projected_tco2e,
        "holdings_t": holdings.holdings_t,
        "shortfall_t": obligation_t(projection.projected_tco2e) - holdings.holdings_t,
        "inputs": _inputs(projection, holdings, run.plan),
        "computed_at": timezone.now(),
    }
    if warning is None:
        warning = EarlyWarning(organisation=row.organisation, year=run.result.year, as_of_month=month, **figures)
        warning.full_clean()
        warning.save()
        audit.record(actor=run.actor, verb="early_warning.opened", target=warning, data=_audit_data(warning))
    else:
        for name, value in figures.items():
            setattr(warning, name, value)
        reopened = warning.status == WarningStatus.CLEARED
        if reopened:
            _set_status(warning, WarningStatus.OPEN)
        warning.save()
        if not reopened:
            run.result.refreshed += 1
            return
        audit.record(actor=run.actor, verb="early_warning.reopened", target=warning, data=_audit_data(warning))
    warning.organisation = row.organisation
    run.result.opened.append(warning)
    _notify(warning, run.bureau)


def _clear(actor, warnings: list[EarlyWarning], projection, holdings: Coverage) -> int:
    cleared = 0
    for warning in warnings:
        if warning.status != WarningStatus.OPEN:
            continue
        _set_status(warning, WarningStatus.CLEARED)
        # The warning keeps the figures that raised it; what cleared it is added beside them.
        warning.inputs = warning.inputs | {
            "cleared": {
                "at": timezone.now().isoformat(),
                "months_filed": projection.year_to_date.months_filed,
                "projected_tco2e": str(projection.projected_tco2e),
                "holdings_t": str(holdings.holdings_t),
            }
        }
        warning.save(update_fields=["status", "inputs"])
        audit.record(actor=actor, verb="early_warning.cleared", target=warning, data=_audit_data(warning))
        cleared += 1
    return cleared


def _set_status(warning: EarlyWarning, to: str) -> None:
    if to not in TRANSITIONS.get(warning.status, set()):
        raise ValidationError(
            _("An early warning cannot go from %(from)s to %(to)s.")
            % {"from": WarningStatus(warning.status).label, "to": WarningStatus(to).label}
        )
    warning.status = to


def _audit_data(warning: EarlyWarning) -> dict:
    return {
        "year": warning.year,
        "as_of_month": warning.as_of_month,
        "projected_tco2e": str(warning.projected_tco2e),
        "holdings_t": str(warning.holdings_t),
        "shortfall_t": str(warning.shortfall_t),
    }


SUBJECT = gettext_lazy("Early warning: %(org)s may be short of allowances for %(year)s")
BODY = gettext_lazy(
    "From the monthly key parameters filed up to %(month)s, %(org)s is projected to emit %(projected)s tCO2e "
    "in %(year)s, which needs %(needed)s t, but it holds %(holdings)s t that could be surrendered for %(year)s: "
    "%(shortfall)s t short. This is a warning, not a decision: acquire allowances or eligible offsets before "
    "the surrender deadline."
)


def _notify(warning: EarlyWarning, bureau: list[User]) -> None:
    params = {
        "org": warning.organisation.name_zh,
        "year": warning.year,
        "month": f"{warning.year}-{warning.as_of_month:02d}",
        "projected": f"{warning.projected_tco2e:,.3f}",
        "needed": f"{obligation_t(warning.projected_tco2e):,.0f}",
        "holdings": f"{warning.holdings_t:,.0f}",
        "shortfall": f"{warning.shortfall_t:,.0f}",
    }
    for recipients, url in (
        (staff_of(warning.organisation_id), reverse("trading:warning_unit")),
        (bureau, reverse("trading:warning_admin", args=[warning.year])),
    ):
        notify(recipients=recipients, kind="trading.early_warning", subject=SUBJECT, body=BODY, params=params, url=url)
