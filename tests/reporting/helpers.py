"""Annual reports in tests: a unit on a published list, a facility, a report with lines."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from registry.choices import EntryCategory, EntryOrigin, ListStatus
from registry.models import ListEntry, RegulatedList
from reporting import services
from reporting.models import EmissionFactor
from tests.factories import FacilityFactory, UserFactory

YEAR = 2026


def published_list(year=YEAR, status=ListStatus.PUBLISHED) -> RegulatedList:
    published = status == ListStatus.PUBLISHED
    rl, _ = RegulatedList.objects.get_or_create(
        year=year,
        defaults={
            "status": status,
            "basis_from_year": year - 2,
            "basis_to_year": year - 1,
            "compiled_by": UserFactory(),
            "approved_by": UserFactory() if published else None,
            "published_at": timezone.now() if published else None,
        },
    )
    return rl


def listed(org, *, year=YEAR, category=EntryCategory.REGULATED, removed=False, status=ListStatus.PUBLISHED):
    """Puts `org` on the year's list (published unless told otherwise)."""
    return ListEntry.objects.create(
        regulated_list=published_list(year, status),
        organisation=org,
        category=category,
        origin=EntryOrigin.MANUAL,
        reason="test",
        is_removed=removed,
        removal_reason="Shut down" if removed else "",
    )


def facility(org, code="F1"):
    return org.facilities.filter(code=code).first() or FacilityFactory(organisation=org, code=code)


def draft(actor, org, *, year=YEAR):
    listed(org, year=year)
    return services.report_create_draft(actor=actor, organisation=org, year=year)


def add_electricity(actor, report, fac, mwh="10000", **kwargs):
    fields = {
        "category": "purchased_electricity",
        "factor_code": "sh_grid_electricity",
        "activity_amount": mwh,
        "activity_unit": "mwh",
        "source_description": "Purchased electricity",
    } | kwargs
    return services.report_line_add(actor=actor, report=report, facility=fac, **fields)


def submit(actor, report, name="Zhang San"):
    return services.report_submit(actor=actor, report=report, declaration_confirmed=True, declared_by_name=name)


def revise_grid_factor(actor, value="0.5") -> EmissionFactor:
    """A new version of Shanghai's grid factor from 2022 (the one a 2026 report uses)."""
    return services.emission_factor_revise(
        actor=actor,
        code="sh_grid_electricity",
        kind="purchased_electricity",
        name_zh="上海市外购电力",
        activity_unit="mwh",
        source_zh="沪环气〔2026〕1号",
        valid_from_year=2022,
        ef_tco2_per_mwh=Decimal(value),
    )


# Data quality control plans (Art. 15): the plan for YEAR + 1 is filed during YEAR.
PLAN_YEAR = YEAR + 1


def plan_draft(actor, org, *, year=PLAN_YEAR):
    listed(org, year=year - 1)
    return services.plan_create_draft(actor=actor, organisation=org, year=year)


def add_parameter(actor, plan, fac, **kwargs):
    fields = {
        "emission_source": "Boiler no. 2, natural gas",
        "parameter_name": "Gas consumed",
        "method": "measured",
        "frequency": "monthly",
        "responsible_person": "Li Si",
        "instrument_name": "Gas flow meter FM-1",
        "calibration_date": date(2026, 3, 1),
    } | kwargs
    return services.plan_parameter_add(actor=actor, plan=plan, facility=fac, **fields)


def complete_plan(actor, plan, fac):
    services.plan_update_boundary(actor=actor, plan=plan, boundary="Site A: boilers 1-3.")
    services.plan_update_responsibilities(
        actor=actor, plan=plan, responsible_name="Zhang San", responsible_contact="021-1234 5678"
    )
    add_parameter(actor, plan, fac)
    return plan


def submitted_plan(actor, org):
    plan = complete_plan(actor, plan_draft(actor, org), facility(org))
    return services.plan_submit(actor=actor, plan=plan)
