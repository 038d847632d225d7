"""Reads behind early warning (National (10); DOMAIN.md "Reporting"): what a unit holds that could
cover its projected emissions, and the warnings raised, for the bureau and for the unit itself.

Usable holdings follow the surrender rules (trading.services.surrender): allowances of the year's
vintage or earlier, and offsets of a type the year's published plan accepts, not made inside the
unit's own boundary, counted only up to the plan's offset limit (trading.selectors.compliance.
offset_limit_t) less what the unit already surrendered as offsets. Without a published plan no
offset counts: its eligibility and limit are not known yet. What the unit already surrendered for
the year counts towards covering it too. What the unit still owes for the year before (determined,
not yet surrendered) is taken off first: the same allowances cannot settle both years.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, QuerySet, Subquery

from carbon_portal.permissions import organisation_ids_of
from carbon_portal.roles import Role

from ..choices import AccountKind, InstrumentKind, WarningStatus
from ..models import AllocationPlan, EarlyWarning, Holding
from .compliance import ComplianceRow, _regulated_entries, _rows, obligation_t, offset_limit_t, published_plan

ZERO = Decimal(0)
VIEWS = ("latest", "all")


@dataclass
class Coverage:
    """What counts towards a unit's projected emissions, in whole tonnes."""

    allowances_t: Decimal = ZERO  # held: the year's vintage or earlier
    offsets_held_t: Decimal = ZERO  # held and eligible, before the limit
    offsets_counted_t: Decimal = ZERO  # eligible and within the limit
    offset_limit_t: Decimal | None = None  # worked out only when eligible offsets are held
    surrendered_allowances_t: Decimal = ZERO
    surrendered_offsets_t: Decimal = ZERO
    owed_earlier_t: Decimal = ZERO  # still to surrender for the year before

    @property
    def holdings_t(self) -> Decimal:
        usable = self.allowances_t + self.offsets_counted_t - self.owed_earlier_t
        return max(usable, ZERO) + self.surrendered_allowances_t + self.surrendered_offsets_t

    def as_inputs(self) -> dict:
        return {
            "allowances_t": str(self.allowances_t),
            "offsets_held_t": str(self.offsets_held_t),
            "offsets_counted_t": str(self.offsets_counted_t),
            "offset_limit_t": None if self.offset_limit_t is None else str(self.offset_limit_t),
            "surrendered_allowances_t": str(self.surrendered_allowances_t),
            "surrendered_offsets_t": str(self.surrendered_offsets_t),
            "owed_earlier_t": str(self.owed_earlier_t),
        }


def _held(year: int, plan: AllocationPlan | None, organisation_ids: list[int]) -> dict[int, list[Decimal]]:
    """organisation -> [allowances, eligible offsets] on its holding accounts, one query."""
    eligible = set(plan.eligible_offsets or []) if plan else set()
    found = {org_id: [ZERO, ZERO] for org_id in organisation_ids}
    rows = Holding.objects.filter(
        account__kind=AccountKind.HOLDING, account__holder_id__in=organisation_ids, quantity_t__gt=0
    ).values_list(
        "account__holder_id",
        "instrument__kind",
        "instrument__vintage",
        "instrument__origin_organisation_id",
        "quantity_t",
    )
    for holder_id, kind, vintage, origin_id, quantity in rows:
        if kind == InstrumentKind.ALLOWANCE:
            if vintage <= year:
                found[holder_id][0] += quantity
        elif kind in eligible and origin_id != holder_id:
            found[holder_id][1] += quantity
    return found


def coverage(
    year: int, plan: AllocationPlan | None, rows: list[ComplianceRow], projected: dict[int, Decimal]
) -> dict[int, Coverage]:
    """Coverage per unit of `rows` (the year's compliance rows, which carry what was surrendered).
    With the limit based on emissions, the projection stands in for the emissions not yet determined."""
    ids = [r.organisation.pk for r in rows]
    held = _held(year, plan, ids)
    owed = _owed_the_year_before(year, ids)
    found = {}
    for row in rows:
        org_id = row.organisation.pk
        allowances, offsets = held[org_id]
        cover = Coverage(allowances, offsets, ZERO, None, row.allowances_t, row.offsets_t)
        if plan is not None and offsets:
            basis = row.obligation_t if row.determined else obligation_t(projected.get(org_id) or ZERO)
            cover.offset_limit_t = offset_limit_t(plan, org_id, basis)
            cover.offsets_counted_t = min(offsets, max(cover.offset_limit_t - row.offsets_t, ZERO))
        cover.owed_earlier_t = owed.get(org_id, ZERO)
        found[org_id] = cover
    return found


def _owed_the_year_before(year: int, organisation_ids: list[int]) -> dict[int, Decimal]:
    """What each unit regulated the year before still has to surrender for it (determined, not
    exempt, not yet surrendered in full)."""
    entries = _regulated_entries(year - 1).filter(organisation_id__in=organisation_ids).select_related("organisation")
    rows = _rows(year - 1, published_plan(year - 1), [e.organisation for e in entries])
    return {row.organisation.pk: row.outstanding_t for row in rows if row.outstanding_t}


# -- pages --


def clean_filters(raw) -> dict[str, str]:
    """status (open/cleared) and view (latest warning per unit, or every month); others dropped."""
    filters = {"status": (raw.get("status") or "").strip(), "view": (raw.get("view") or "").strip()}
    if filters["status"] not in WarningStatus.values:
        filters["status"] = ""
    if filters["view"] not in VIEWS:
        filters["view"] = ""
    return {key: value for key, value in filters.items() if value}


def bureau_warnings(year: int, filters: dict | None = None) -> QuerySet[EarlyWarning]:
    """The year's warnings, by default each unit's latest month only; largest shortfall first."""
    filters = filters or {}
    found = EarlyWarning.objects.filter(year=year).select_related("organisation")
    if filters.get("view") != "all":
        latest = (
            EarlyWarning.objects.filter(organisation_id=OuterRef("organisation_id"), year=year)
            .order_by("-as_of_month")
            .values("as_of_month")[:1]
        )
        found = found.filter(as_of_month=Subquery(latest))
    if filters.get("status"):
        found = found.filter(status=filters["status"])
    return found.order_by("status", "-shortfall_t", "organisation__name_zh", "-as_of_month", "pk")


def warning_years() -> list[int]:
    return list(EarlyWarning.objects.order_by("-year").values_list("year", flat=True).distinct())


def counts(year: int) -> dict[str, int]:
    """Units per status of their latest warning of the year."""
    rows = bureau_warnings(year).order_by().values("status").annotate(n=Count("pk"))
    found = {value: 0 for value in WarningStatus.values}
    found.update({row["status"]: row["n"] for row in rows})
    return found


def unit_warnings(user) -> QuerySet[EarlyWarning]:
    """The warnings of the user's own units (as unit staff), newest first."""
    return (
        EarlyWarning.objects.filter(organisation_id__in=organisation_ids_of(user, Role.UNIT_STAFF))
        .select_related("organisation")
        .order_by("-year", "-as_of_month", "organisation__name_zh")
    )


def current_warning(organisation_id: int) -> EarlyWarning | None:
    """The unit's open warning of its latest year and month, if any: for its account page."""
    latest = EarlyWarning.objects.filter(organisation_id=organisation_id).order_by("-year", "-as_of_month").first()
    return latest if latest is not None and latest.status == WarningStatus.OPEN else None


def current_warnings_for(user) -> list[EarlyWarning]:
    """The open latest warning of each of the user's units (one query): for the account home."""
    latest: dict[int, EarlyWarning] = {}
    for warning in unit_warnings(user):
        latest.setdefault(warning.organisation_id, warning)
    return [w for w in latest.values() if w.status == WarningStatus.OPEN]
