"""Art. 14 and 22: mergers, splits, shutdowns and relocations show in the next list."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from registry import services
from tests.factories import EmissionRecordFactory, FacilityFactory, OrganisationFactory
from tests.registry.helpers import compile_list, emitter, entry_of

pytestmark = pytest.mark.django_db


def test_merged_unit_leaves_the_list_and_its_emissions_follow_the_survivor(alice, django_capture_on_commit_callbacks):
    absorbed, survivor = emitter(6000), emitter(6000)
    services.organisation_merge(actor=alice, organisation=absorbed, surviving=survivor, effective_date=date(2025, 7, 1))
    rl = compile_list(alice, 2026, django_capture_on_commit_callbacks, basis_from_year=2024)
    assert entry_of(rl, absorbed) is None
    entry = entry_of(rl, survivor)
    assert entry.category == "regulated" and entry.basis_emissions_tco2e == Decimal(12000)


def test_merger_moves_facilities_to_the_survivor(alice):
    absorbed, survivor = OrganisationFactory(), OrganisationFactory()
    facility = FacilityFactory(organisation=absorbed)
    services.organisation_merge(actor=alice, organisation=absorbed, surviving=survivor, effective_date=date(2026, 1, 1))
    facility.refresh_from_db()
    absorbed.refresh_from_db()
    assert facility.organisation == survivor and absorbed.status == "merged" and absorbed.merged_into == survivor


def test_unit_cannot_merge_into_itself(alice, unit):
    with pytest.raises(ValidationError):
        services.organisation_merge(actor=alice, organisation=unit, surviving=unit, effective_date=date(2026, 1, 1))


def test_split_divides_earlier_emissions_by_facility_share(alice, django_capture_on_commit_callbacks):
    parent = emitter(30000, year=2024)
    child = OrganisationFactory()
    plant = FacilityFactory(organisation=parent, code="P2")
    services.organisation_split(
        actor=alice, organisation=parent, effective_date=date(2025, 3, 1), transfers=[(plant, child, Decimal("0.6"))]
    )
    rl = compile_list(alice, 2026, django_capture_on_commit_callbacks)
    assert entry_of(rl, child).basis_emissions_tco2e == Decimal(18000)
    assert entry_of(rl, parent).basis_emissions_tco2e == Decimal(12000)
    plant.refresh_from_db()
    assert plant.organisation == child


def test_split_shares_above_100_percent_are_refused(alice, unit, other_unit):
    f1, f2 = FacilityFactory(organisation=unit), FacilityFactory(organisation=unit)
    with pytest.raises(ValidationError):
        services.organisation_split(
            actor=alice,
            organisation=unit,
            effective_date=date(2026, 1, 1),
            transfers=[(f1, other_unit, Decimal("0.7")), (f2, other_unit, Decimal("0.5"))],
        )
    f1.refresh_from_db()
    assert f1.organisation == unit


def test_unit_shut_down_last_year_is_not_on_the_next_list(alice, django_capture_on_commit_callbacks):
    org = emitter(50000)
    services.organisation_close(actor=alice, organisation=org, kind="shutdown", effective_date=date(2025, 10, 1))
    assert entry_of(compile_list(alice, 2026, django_capture_on_commit_callbacks), org) is None


def test_unit_relocating_during_the_year_stays_on_that_years_list(alice, django_capture_on_commit_callbacks):
    """Art. 22: it still reports and surrenders for the current year."""
    org = emitter(50000)
    services.organisation_close(actor=alice, organisation=org, kind="relocation", effective_date=date(2026, 5, 1))
    assert entry_of(compile_list(alice, 2026, django_capture_on_commit_callbacks), org) is not None
    EmissionRecordFactory(organisation=org, year=2026, emissions_tco2e=Decimal(20000))
    rl_2027 = compile_list(alice, 2027, django_capture_on_commit_callbacks)
    assert entry_of(rl_2027, org) is None


def test_closed_unit_cannot_be_closed_again(alice, unit):
    services.organisation_close(actor=alice, organisation=unit, kind="shutdown", effective_date=date(2026, 1, 1))
    with pytest.raises(ValidationError):
        services.organisation_close(actor=alice, organisation=unit, kind="relocation", effective_date=date(2026, 2, 1))


def test_only_bureau_records_events(carol, unit, other_unit):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.organisation_merge(
            actor=carol, organisation=unit, surviving=other_unit, effective_date=date(2026, 1, 1)
        )
