"""The conflict-of-interest rule (Art. 19) and the assignment of a review to an agency (Art. 18)."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from carbon_portal.roles import Role
from registry.models import Organisation, YearSettings
from reporting.services.access import compilation_grant
from tests.factories import AgencyFactory
from tests.reporting.helpers import YEAR, add_electricity, draft, facility, submit
from verification.choices import AssignmentStatus, BusinessLine, LinkKind
from verification.models import AgencyUnitLink, AgencyYearLine, ReviewAssignment
from verification.selectors import ineligibility
from verification.services import assignment_create, assignment_reassign

pytestmark = pytest.mark.django_db


def reviewing(agency, alice, year=YEAR, line=BusinessLine.REVIEWING):
    AgencyYearLine.objects.create(agency=agency, year=year, line=line, recorded_by=alice)
    return agency


@pytest.fixture
def report(carol, unit):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    return submit(carol, report)


@pytest.fixture
def agency(alice):
    return reviewing(AgencyFactory(), alice)


def test_a_reviewing_agency_with_no_ties_is_eligible(agency, unit):
    assert ineligibility(agency, unit.pk, YEAR) == []


def test_an_agency_that_compiled_any_report_of_the_year_is_ineligible_for_every_report(
    alice, carol, erin, dave, unit, other_unit
):
    compiler = reviewing(Organisation.objects.get(memberships__user=dave), alice)
    report = draft(erin, other_unit)
    compilation_grant(actor=erin, organisation=other_unit, agency=compiler, year=YEAR)
    add_electricity(dave, report, facility(other_unit))
    reasons = ineligibility(compiler, unit.pk, YEAR)
    assert any("Art. 19" in reason and "compiled" in reason for reason in reasons)


def test_an_agency_tied_to_the_unit_is_ineligible_while_the_tie_lasts(alice, agency, unit):
    AgencyUnitLink.objects.create(
        agency=agency,
        organisation=unit,
        kind=LinkKind.CONSULTING,
        description="Energy audit 2025",
        from_year=YEAR - 1,
        to_year=YEAR,
        recorded_by=alice,
    )
    assert any("tied to the unit" in reason for reason in ineligibility(agency, unit.pk, YEAR))
    reviewing(agency, alice, year=YEAR + 1)
    assert ineligibility(agency, unit.pk, YEAR + 1) == []


def test_an_agency_compiling_this_year_or_with_no_line_is_ineligible(alice, unit):
    compiling = reviewing(AgencyFactory(), alice, line=BusinessLine.COMPILING)
    silent = AgencyFactory()
    for agency in (compiling, silent):
        assert any("business line" in reason for reason in ineligibility(agency, unit.pk, YEAR))


def test_a_unit_is_not_an_agency(unit, other_unit):
    assert ineligibility(other_unit, unit.pk, YEAR)


def test_assigning_sets_the_due_date_of_the_year_settings(alice, report, agency):
    assignment = assignment_create(actor=alice, report=report, agency=agency)
    expected = YearSettings.objects.filter(year=YEAR).order_by("-version").first().review_due_date
    assert (assignment.agency, assignment.due_date, assignment.status) == (agency, expected, AssignmentStatus.ASSIGNED)


def test_an_ineligible_agency_is_refused_with_the_reason(alice, report, unit):
    compiling = reviewing(AgencyFactory(), alice, line=BusinessLine.COMPILING)
    with pytest.raises(ValidationError) as refused:
        assignment_create(actor=alice, report=report, agency=compiling)
    assert "business line" in " ".join(refused.value.message_dict["agency"])
    assert not ReviewAssignment.objects.exists()


def test_a_unit_and_year_is_assigned_once(alice, report, agency):
    assignment_create(actor=alice, report=report, agency=agency)
    with pytest.raises(ValidationError, match="already assigned"):
        assignment_create(actor=alice, report=report, agency=reviewing(AgencyFactory(), alice))


def test_a_draft_is_not_assigned(alice, carol, unit, agency):
    with pytest.raises(ValidationError, match="submitted"):
        assignment_create(actor=alice, report=draft(carol, unit), agency=agency)


def test_only_the_bureau_assigns(carol, dave, report, agency):
    for outsider in (carol, dave):
        with pytest.raises(PermissionDenied):
            assignment_create(actor=outsider, report=report, agency=agency)


def test_without_a_review_due_date_the_bureau_is_told_to_set_one(alice, report, agency):
    YearSettings.objects.filter(year=YEAR).delete()
    with pytest.raises(ValidationError, match="due date"):
        assignment_create(actor=alice, report=report, agency=agency)


def test_reassigning_needs_a_reason_and_keeps_the_withdrawn_assignment(alice, report, agency):
    first = assignment_create(actor=alice, report=report, agency=agency)
    other = reviewing(AgencyFactory(), alice)
    with pytest.raises(ValidationError):
        assignment_reassign(actor=alice, assignment=first, agency=other, reason="  ")
    second = assignment_reassign(actor=alice, assignment=first, agency=other, reason="Reviewer fell ill")
    first.refresh_from_db()
    assert (first.status, first.withdrawal_reason) == (AssignmentStatus.WITHDRAWN, "Reviewer fell ill")
    assert (second.agency, second.replaces) == (other, first)


def test_reassigning_to_the_same_agency_is_refused(alice, report, agency):
    first = assignment_create(actor=alice, report=report, agency=agency)
    with pytest.raises(ValidationError, match="another agency"):
        assignment_reassign(actor=alice, assignment=first, agency=agency, reason="again")


def test_reassigning_checks_the_conflict_rule_again(alice, report, agency, unit):
    first = assignment_create(actor=alice, report=report, agency=agency)
    tied = reviewing(AgencyFactory(), alice)
    AgencyUnitLink.objects.create(
        agency=tied, organisation=unit, kind=LinkKind.SAME_GROUP, description="Group", from_year=2020, recorded_by=alice
    )
    with pytest.raises(ValidationError, match="tied"):
        assignment_reassign(actor=alice, assignment=first, agency=tied, reason="Load")
    first.refresh_from_db()
    assert first.status == AssignmentStatus.ASSIGNED


def test_a_review_due_date_is_a_date(alice, report, agency):
    assert isinstance(assignment_create(actor=alice, report=report, agency=agency).due_date, date)


def test_the_agencys_staff_see_their_assignment_and_others_do_not(alice, report, agency, dave, erin):
    from tests.factories import MembershipFactory, UserFactory
    from verification.permissions import assignments_for

    assignment = assignment_create(actor=alice, report=report, agency=agency)
    reviewer = UserFactory()
    MembershipFactory(user=reviewer, organisation=agency, role=Role.AGENCY_STAFF)
    assert list(assignments_for(reviewer)) == [assignment]
    assert not assignments_for(dave).exists() and not assignments_for(erin).exists()
