"""Demo reporting state, written through the reporting services like real filings:

- 2025 annual reports submitted by most units on the 2025 list (a few left overdue), each with
  purchased electricity and natural gas lines sized to the unit's emissions on record;
- 2026 data quality plans accepted for the regulated units on the 2025 list;
- 2027 plans: some submitted and awaiting the bureau, one returned; carol's not started;
- erin's unit has granted dave's agency access to compile its 2026 report.
Runs after the registry's lists are published; a second run leaves existing filings alone.
"""

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from carbon_portal import documents
from carbon_portal.models import User
from carbon_portal.roles import Role
from registry.choices import EntryCategory, ListStatus
from registry.models import EmissionRecord, ListEntry, Membership, Organisation
from registry.services import membership_grant

from . import services
from .models import AnnualReport, CompilationGrant, QualityPlan
from .services.access import compilation_grant
from .services.monthly import monthly_file

ELECTRICITY_SHARE = Decimal("0.45")
# natural gas: 389.31 GJ x 15.3 tC/TJ x 0.99 x 44/12 per 10^4 Nm3 (the seeded default)
GAS_TCO2_PER_10K_NM3 = Decimal("21.62")
GRID_TCO2_PER_MWH = Decimal("0.42")
OVERDUE_SHARE = 0.06
LATE_SHARE = 0.05
MONTHLY_YEAR = 2026


def seed_reporting(*, log: Callable[[str], None] = print, seed: int = 2026) -> None:
    if AnnualReport.objects.exists():
        log("Demo reports are already there: leaving them as they are.")
        return
    rng = random.Random(seed)
    alice = User.objects.get(email__startswith="alice@")
    # PDFs are prepared when someone opens a filing and asks for one, not 450 renders now.
    with transaction.atomic(), documents.on_demand_only():
        filed, overdue = _reports_2025(rng, alice)
        log(f"  2025 annual reports: {filed} submitted, {overdue} overdue")
        accepted = _plans(rng, alice)
        log(f"  data quality plans: {accepted}")
        _grant_for_dave(log)
        months = _monthly_for_cast(rng)
        log(f"  monthly key parameters for {MONTHLY_YEAR}: {months} unit-months filed")


def _filer(org: Organisation, alice: User) -> User:
    """The unit's staff member who files (carol or erin for theirs; the primary contact otherwise)."""
    member = Membership.objects.filter(organisation=org, role=Role.UNIT_STAFF, is_active=True).select_related("user")
    if found := member.first():
        return found.user
    contact = org.contacts.order_by("-is_primary", "id").first()
    email = contact.email if contact and contact.email else f"reporting-{org.uscc.lower()}@example.cn"
    user = User.objects.filter(email=email).first() or User.objects.create(
        email=email, full_name=contact.name if contact else org.name_zh
    )
    user.set_unusable_password()  # files in the demo; nobody signs in as them
    user.save(update_fields=["password"])
    membership_grant(actor=alice, user=user, role=Role.UNIT_STAFF, organisation=org)
    return user


def _listed(year: int, categories=(EntryCategory.REGULATED, EntryCategory.REPORTING)):
    return (
        ListEntry.objects.filter(
            regulated_list__year=year,
            regulated_list__status=ListStatus.PUBLISHED,
            is_removed=False,
            category__in=categories,
        )
        .select_related("organisation")
        .order_by("organisation__name_zh")
    )


def _reports_2025(rng: random.Random, alice: User) -> tuple[int, int]:
    records = {r.organisation_id: r.emissions_tco2e for r in EmissionRecord.objects.filter(year__in=[2024, 2025])}
    filed = overdue = 0
    for entry in _listed(2025):
        org = entry.organisation
        if org.contacts.exists() and rng.random() < OVERDUE_SHARE and not _is_cast(org):
            overdue += 1
            continue
        facility = org.facilities.filter(is_active=True).order_by("code").first()
        if facility is None:
            continue
        user = _filer(org, alice)
        total = records.get(org.pk) or Decimal(rng.randint(6000, 60000))
        total *= Decimal(rng.randint(92, 106)) / 100
        mwh = (total * ELECTRICITY_SHARE / GRID_TCO2_PER_MWH).quantize(Decimal("1"), ROUND_HALF_UP)
        gas = (total * (1 - ELECTRICITY_SHARE) / GAS_TCO2_PER_10K_NM3).quantize(Decimal("0.01"), ROUND_HALF_UP)
        report = services.report_create_draft(actor=user, organisation=org, year=2025)
        services.report_production_update(
            actor=user,
            report=report,
            product_name="主要产品",
            product_output=Decimal(rng.randint(10, 900) * 100),
            product_unit="t",
        )
        _line(user, report, facility, "purchased_electricity", "sh_grid_electricity", mwh, "mwh", "外购电力")
        _line(user, report, facility, "fuel_combustion", "natural_gas", gas, "10k_nm3", "燃气锅炉 天然气")
        services.report_submit(
            actor=user, report=report, declaration_confirmed=True, declared_by_name=user.full_name or "负责人"
        )
        _as_if_filed(AnnualReport, report.pk, _filing_day(rng, date(2026, 3, 31)), "declared_at", "submitted_at")
        filed += 1
    return filed, overdue


def _line(user, report, facility, category, code, amount, unit, description):
    services.report_line_add(
        actor=user,
        report=report,
        facility=facility,
        category=category,
        factor_code=code,
        activity_amount=amount,
        activity_unit=unit,
        source_description=description,
    )


def _is_cast(org: Organisation) -> bool:
    return Membership.objects.filter(organisation=org, user__email__regex=r"^(carol|erin)@").exists()


def _plan(user, org, year, fac, *, submit=True):
    plan = services.plan_create_draft(actor=user, organisation=org, year=year)
    services.plan_update_boundary(actor=user, plan=plan, boundary=f"{org.name_zh}：{fac.name_zh} 全部排放源。")
    services.plan_update_responsibilities(
        actor=user, plan=plan, responsible_name=user.full_name or "负责人", responsible_contact=user.email
    )
    services.plan_parameter_add(
        actor=user,
        plan=plan,
        facility=fac,
        emission_source="外购电力",
        parameter_name="外购电量",
        method="measured",
        frequency="monthly",
        responsible_person=user.full_name or "负责人",
        instrument_name="关口电能表",
        calibration_date=date(year - 1, 6, 1),
    )
    return services.plan_submit(actor=user, plan=plan) if submit else plan


def _plans(rng: random.Random, alice: User) -> str:
    bob = User.objects.get(email__startswith="bob@")
    accepted = waiting = returned = 0
    for entry in _listed(2025, categories=(EntryCategory.REGULATED,)):
        org = entry.organisation
        fac = org.facilities.filter(is_active=True).order_by("code").first()
        if fac is None or not Membership.objects.filter(organisation=org, role=Role.UNIT_STAFF).exists():
            continue
        user = _filer(org, alice)
        plan = _plan(user, org, 2026, fac)
        services.plan_accept(actor=bob, plan=plan)
        submitted_on = _filing_day(rng, date(2025, 12, 31))
        _as_if_filed(QualityPlan, plan.pk, submitted_on, "submitted_at")
        _as_if_filed(QualityPlan, plan.pk, submitted_on + timedelta(days=rng.randint(5, 20)), "decided_at")
        accepted += 1
        if _is_cast(org) or rng.random() > 0.35:
            continue  # carol's 2027 plan is hers to try; most units file in December
        plan = _plan(user, org, 2027, fac)
        if returned == 0:
            services.plan_return(
                actor=alice, plan=plan, comments={"parameters": "请补充天然气消耗量的计量方法和计量器具校准信息。"}
            )
            returned += 1
        else:
            waiting += 1
    return f"{accepted} accepted for 2026; for 2027 {waiting} awaiting a decision, {returned} returned"


def _grant_for_dave(log) -> None:
    erin = User.objects.filter(email__startswith="erin@").first()
    dave = User.objects.filter(email__startswith="dave@").first()
    if not (erin and dave) or CompilationGrant.objects.exists():
        return
    unit = erin.memberships.get(role=Role.UNIT_STAFF).organisation
    agency = dave.memberships.get(role=Role.AGENCY_STAFF).organisation
    from . import selectors

    if selectors.is_required_to_report(unit.pk, 2026):
        compilation_grant(actor=erin, organisation=unit, agency=agency, year=2026)
        log(f"  {unit.name_zh} granted {agency.name_zh} access to compile its 2026 report")


def _monthly_for_cast(rng: random.Random) -> int:
    """carol's and erin's units file electricity and gas for each month of 2026 so far."""

    today = timezone.localdate()
    last = 12 if today.year > MONTHLY_YEAR else (today.month if today.year == MONTHLY_YEAR else 0)
    filed = 0
    for user in User.objects.filter(email__regex=r"^(carol|erin)@"):
        org = user.memberships.get(role=Role.UNIT_STAFF).organisation
        fac = org.facilities.filter(is_active=True).order_by("code").first()
        record = EmissionRecord.objects.filter(organisation=org, year=MONTHLY_YEAR - 1).first()
        if fac is None or record is None:
            continue
        per_month = record.emissions_tco2e / 12
        for month in range(1, last + 1):
            season = Decimal(rng.randint(88, 116)) / 100
            mwh = (per_month * ELECTRICITY_SHARE * season / GRID_TCO2_PER_MWH).quantize(Decimal("1"))
            gas = (per_month * (1 - ELECTRICITY_SHARE) * season / GAS_TCO2_PER_10K_NM3).quantize(Decimal("0.01"))
            for category, code, amount, unit, description in (
                ("purchased_electricity", "sh_grid_electricity", mwh, "mwh", "外购电力"),
                ("fuel_combustion", "natural_gas", gas, "10k_nm3", "燃气锅炉 天然气"),
            ):
                monthly_file(
                    actor=user,
                    organisation=org,
                    year=MONTHLY_YEAR,
                    month=month,
                    facility=fac,
                    category=category,
                    factor_code=code,
                    activity_amount=amount,
                    activity_unit=unit,
                    source_description=description,
                )
            filed += 1
    return filed


def _filing_day(rng: random.Random, due: date) -> datetime:
    """When a demo unit filed: mostly in the month before the deadline, a few late."""
    days_before = rng.randint(-20, 30) if rng.random() < LATE_SHARE else rng.randint(0, 30)
    day = due - timedelta(days=days_before)
    return timezone.make_aware(datetime.combine(day, time(rng.randint(9, 17), rng.randint(0, 59))))


def _as_if_filed(model, pk: int, when: datetime, *fields: str) -> None:
    """Demo only: the services stamp filings with the time the seed runs; a demo of past years
    reads better with the dates a real year would have had. The audit trail keeps the real time."""
    model.objects.filter(pk=pk).update(**{name: when for name in fields})
