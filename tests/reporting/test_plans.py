"""Data quality control plan services (Measures Art. 15; DOMAIN.md "Reporting")."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from carbon_portal.models import AuditEntry
from registry.choices import EntryCategory, ListStatus
from reporting import services
from reporting.choices import PlanStatus
from reporting.models import PlanParameter, QualityPlan
from reporting.transitions import PLAN_EDITABLE, PLAN_TERMINAL, PLAN_TRANSITIONS, plan_can_move
from tests.reporting.helpers import (
    PLAN_YEAR,
    add_parameter,
    complete_plan,
    facility,
    listed,
    plan_draft,
    submitted_plan,
)

pytestmark = pytest.mark.django_db


def returned_plan(carol, alice, unit):
    plan = submitted_plan(carol, unit)
    return services.plan_return(actor=alice, plan=plan, comments={"boundary": "Include boiler 4."})


# Who files a plan for which year


def test_a_regulated_unit_on_this_years_list_files_next_years_plan(carol, unit):
    plan = plan_draft(carol, unit)
    assert (plan.status, plan.version, plan.year) == (PlanStatus.DRAFT, 1, PLAN_YEAR)


def test_a_regulated_unit_on_the_covered_years_list_files_its_plan(carol, unit):
    listed(unit, year=PLAN_YEAR)
    assert services.plan_create_draft(actor=carol, organisation=unit, year=PLAN_YEAR).year == PLAN_YEAR


def test_a_reporting_unit_files_no_plan(carol, unit):
    listed(unit, year=PLAN_YEAR - 1, category=EntryCategory.REPORTING)
    with pytest.raises(ValidationError, match="not a regulated unit"):
        services.plan_create_draft(actor=carol, organisation=unit, year=PLAN_YEAR)


def test_a_removed_unit_files_no_plan(carol, unit):
    listed(unit, year=PLAN_YEAR - 1, removed=True)
    with pytest.raises(ValidationError, match="not a regulated unit"):
        services.plan_create_draft(actor=carol, organisation=unit, year=PLAN_YEAR)


def test_a_unit_on_an_unpublished_list_files_no_plan(carol, unit):
    listed(unit, year=PLAN_YEAR - 1, status=ListStatus.PENDING_APPROVAL)
    with pytest.raises(ValidationError, match="not a regulated unit"):
        services.plan_create_draft(actor=carol, organisation=unit, year=PLAN_YEAR)


def test_a_list_two_years_before_does_not_count(carol, unit):
    listed(unit, year=PLAN_YEAR - 2)
    with pytest.raises(ValidationError, match="not a regulated unit"):
        services.plan_create_draft(actor=carol, organisation=unit, year=PLAN_YEAR)


def test_another_units_staff_cannot_start_a_plan(erin, unit):
    listed(unit, year=PLAN_YEAR - 1)
    with pytest.raises(PermissionDenied):
        services.plan_create_draft(actor=erin, organisation=unit, year=PLAN_YEAR)


def test_a_second_plan_for_the_year_is_refused(carol, unit):
    plan_draft(carol, unit)
    with pytest.raises(ValidationError, match="already exists"):
        services.plan_create_draft(actor=carol, organisation=unit, year=PLAN_YEAR)


def test_the_database_holds_one_current_plan_per_unit_and_year(carol, unit):
    plan_draft(carol, unit)
    with pytest.raises(IntegrityError), transaction.atomic():
        QualityPlan.objects.create(organisation=unit, year=PLAN_YEAR, version=2, created_by=carol)


# Parameters


def test_a_measured_parameter_without_calibration_date_is_refused(carol, unit):
    plan = plan_draft(carol, unit)
    with pytest.raises(ValidationError) as exc:
        add_parameter(carol, plan, facility(unit), calibration_date=None)
    assert "calibration_date" in exc.value.message_dict
    assert not plan.parameters.exists()


def test_the_database_holds_the_calibration_rule(carol, unit):
    plan = plan_draft(carol, unit)
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanParameter.objects.create(
            plan=plan,
            facility=facility(unit),
            emission_source="Boiler",
            parameter_name="Gas",
            method="measured",
            frequency="monthly",
            responsible_person="Li Si",
        )


def test_a_default_factor_parameter_needs_no_instrument(carol, unit):
    plan = plan_draft(carol, unit)
    row = add_parameter(carol, plan, facility(unit), method="default_factor", instrument_name="", calibration_date=None)
    assert row.pk


def test_another_units_facility_is_refused(carol, unit, other_unit):
    plan = plan_draft(carol, unit)
    with pytest.raises(ValidationError) as exc:
        add_parameter(carol, plan, facility(other_unit))
    assert "facility" in exc.value.message_dict


def test_a_parameter_can_be_removed_from_a_draft(carol, unit):
    plan = plan_draft(carol, unit)
    row = add_parameter(carol, plan, facility(unit))
    services.plan_parameter_remove(actor=carol, parameter=row)
    assert not plan.parameters.exists()


# Submitting


def test_submitting_needs_a_boundary_and_a_parameter(carol, unit):
    plan = plan_draft(carol, unit)
    with pytest.raises(ValidationError) as exc:
        services.plan_submit(actor=carol, plan=plan)
    assert any("boundary" in m for m in exc.value.messages)
    assert any("parameter" in m for m in exc.value.messages)


def test_a_complete_plan_is_submitted_with_its_reference(carol, unit):
    plan = submitted_plan(carol, unit)
    assert plan.status == PlanStatus.SUBMITTED and plan.submitted_at
    assert plan.reference == f"DQP-{PLAN_YEAR}-{unit.uscc}-v1"
    assert AuditEntry.objects.filter(verb="plan.submit").exists()


def test_a_submitted_plan_cannot_be_edited(carol, unit):
    plan = submitted_plan(carol, unit)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.plan_update_boundary(actor=carol, plan=plan, boundary="Other")
    with pytest.raises(ValidationError, match="can no longer be changed"):
        add_parameter(carol, plan, facility(unit))


# The bureau's decision


def test_the_bureau_accepts_a_submitted_plan(carol, alice, unit):
    plan = services.plan_accept(actor=alice, plan=submitted_plan(carol, unit))
    assert plan.status == PlanStatus.ACCEPTED and plan.decided_by == alice


def test_a_unit_cannot_decide_on_its_own_plan(carol, unit):
    plan = submitted_plan(carol, unit)
    with pytest.raises(PermissionDenied):
        services.plan_accept(actor=carol, plan=plan)
    with pytest.raises(PermissionDenied):
        services.plan_return(actor=carol, plan=plan, comments={"boundary": "x"})


def test_returning_without_a_comment_is_refused(carol, alice, unit):
    plan = submitted_plan(carol, unit)
    with pytest.raises(ValidationError, match="at least one section"):
        services.plan_return(actor=alice, plan=plan, comments={"boundary": "  ", "parameters": ""})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED


def test_returning_keeps_a_comment_per_section(carol, alice, unit):
    plan = returned_plan(carol, alice, unit)
    assert plan.status == PlanStatus.RETURNED
    assert list(plan.comments.values_list("section", "comment")) == [("boundary", "Include boiler 4.")]


def test_a_draft_cannot_be_accepted(carol, alice, unit):
    with pytest.raises(ValidationError, match="cannot become"):
        services.plan_accept(actor=alice, plan=plan_draft(carol, unit))


# Revising


def test_revising_a_returned_plan_copies_it_into_a_new_version(carol, alice, unit):
    old = returned_plan(carol, alice, unit)
    new = services.plan_revise(actor=carol, plan=old)
    old.refresh_from_db()
    assert (old.status, new.status, new.version, new.revises) == (PlanStatus.SUPERSEDED, PlanStatus.DRAFT, 2, old)
    assert new.boundary == old.boundary and new.parameters.count() == 1


def test_only_a_returned_plan_can_be_revised(carol, unit):
    with pytest.raises(ValidationError, match="Only a returned plan"):
        services.plan_revise(actor=carol, plan=submitted_plan(carol, unit))


def test_a_revised_plan_can_be_resubmitted_and_accepted(carol, alice, unit):
    new = services.plan_revise(actor=carol, plan=returned_plan(carol, alice, unit))
    services.plan_submit(actor=carol, plan=new)
    assert services.plan_accept(actor=alice, plan=new).status == PlanStatus.ACCEPTED


# The transition table


def test_the_transition_table_names_every_status():
    assert set(PLAN_TRANSITIONS) == set(PlanStatus.values)
    assert PLAN_EDITABLE == {PlanStatus.DRAFT}
    assert all(not PLAN_TRANSITIONS[status] for status in PLAN_TERMINAL)


def test_the_services_walk_the_whole_table(carol, alice, unit):
    """Every allowed move is made by a service; every other move is refused."""
    seen = set()
    plan = plan_draft(carol, unit)
    complete_plan(carol, plan, facility(unit))
    plan = services.plan_submit(actor=carol, plan=plan)
    seen.add((PlanStatus.DRAFT, PlanStatus.SUBMITTED))
    services.plan_return(actor=alice, plan=plan, comments={"parameters": "Add the meter's range."})
    seen.add((PlanStatus.SUBMITTED, PlanStatus.RETURNED))
    new = services.plan_revise(actor=carol, plan=plan)
    seen.add((PlanStatus.RETURNED, PlanStatus.SUPERSEDED))
    services.plan_submit(actor=carol, plan=new)
    services.plan_accept(actor=alice, plan=new)
    seen.add((PlanStatus.SUBMITTED, PlanStatus.ACCEPTED))
    allowed = {(a, b) for a, targets in PLAN_TRANSITIONS.items() for b in targets}
    assert seen == allowed
    for a in PlanStatus.values:
        for b in PlanStatus.values:
            assert plan_can_move(a, b) == ((a, b) in allowed)
