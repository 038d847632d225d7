"""A unit grants an agency access to compile its report for one year (DOMAIN.md "Reporting")."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from carbon_portal.models import Notification
from carbon_portal.roles import Role
from registry.models import Organisation
from reporting import services
from reporting.models import AnnualReport, CompilationGrant
from reporting.permissions import may_compile, reports_for
from reporting.selectors.access import agencies_that_compiled
from reporting.services.access import compilation_grant, compilation_revoke
from tests.factories import AgencyFactory, MembershipFactory, UserFactory

from .helpers import YEAR, add_electricity, facility, listed, submit

pytestmark = pytest.mark.django_db


def _draft(actor, org):
    """The unit is already listed by the `granted` fixture."""
    return services.report_create_draft(actor=actor, organisation=org, year=YEAR)


@pytest.fixture
def agency(dave):
    return Organisation.objects.get(memberships__user=dave, memberships__role=Role.AGENCY_STAFF)


@pytest.fixture
def granted(carol, unit, agency):
    listed(unit, year=YEAR)
    return compilation_grant(actor=carol, organisation=unit, agency=agency, year=YEAR)


def test_an_agency_with_a_grant_sees_and_fills_in_the_units_report(carol, dave, unit, granted):
    report = _draft(carol, unit)
    assert list(reports_for(dave)) == [report]
    add_electricity(dave, report, facility(unit))
    assert report.lines.count() == 1


def test_an_agency_may_start_the_draft_itself(dave, unit, granted):
    report = services.report_create_draft(actor=dave, organisation=unit, year=YEAR)
    assert report.compiled_by_agency_id == granted.agency_id


def test_an_agency_that_writes_to_a_report_is_recorded_as_its_compiler(carol, dave, unit, granted, agency):
    report = _draft(carol, unit)
    add_electricity(dave, report, facility(unit))
    report.refresh_from_db()
    assert report.compiled_by_agency == agency
    assert agencies_that_compiled(YEAR) == {agency.pk}


def test_an_agency_that_only_holds_a_grant_has_not_compiled(carol, unit, granted):
    _draft(carol, unit)
    assert agencies_that_compiled(YEAR) == frozenset()


def test_the_units_own_edits_do_not_make_anyone_a_compiler(carol, unit, granted):
    report = _draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    report.refresh_from_db()
    assert report.compiled_by_agency is None


def test_the_compiler_record_survives_withdrawing_the_grant(carol, dave, unit, granted, agency):
    report = _draft(carol, unit)
    add_electricity(dave, report, facility(unit))
    compilation_revoke(actor=carol, grant=granted)
    assert agencies_that_compiled(YEAR) == {agency.pk}


def test_an_agency_cannot_declare_and_submit_the_report(carol, dave, unit, granted):
    report = _draft(carol, unit)
    add_electricity(dave, report, facility(unit))
    with pytest.raises(PermissionDenied):
        submit(dave, report)


def test_an_agency_without_a_grant_cannot_see_or_fill_in_the_report(carol, dave, unit):
    listed(unit, year=YEAR)
    report = _draft(carol, unit)
    assert not reports_for(dave).exists()
    with pytest.raises(PermissionDenied):
        add_electricity(dave, report, facility(unit))


def test_a_grant_covers_only_its_year(carol, dave, unit, granted):
    listed(unit, year=YEAR - 1)
    earlier = services.report_create_draft(actor=carol, organisation=unit, year=YEAR - 1)
    assert not reports_for(dave).filter(pk=earlier.pk).exists()
    assert not may_compile(dave, unit.pk, YEAR - 1)


def test_a_withdrawn_grant_ends_the_agencys_access(carol, dave, unit, granted):
    report = _draft(carol, unit)
    compilation_revoke(actor=carol, grant=granted)
    assert not reports_for(dave).exists()
    with pytest.raises(PermissionDenied):
        add_electricity(dave, report, facility(unit))


def test_granting_another_agency_withdraws_the_first(carol, unit, granted):
    other = AgencyFactory()
    compilation_grant(actor=carol, organisation=unit, agency=other, year=YEAR)
    granted.refresh_from_db()
    assert granted.revoked_at is not None
    assert CompilationGrant.objects.get(organisation=unit, year=YEAR, revoked_at__isnull=True).agency == other


def test_only_an_agency_can_be_granted_access(carol, unit, other_unit):
    listed(unit, year=YEAR)
    with pytest.raises(ValidationError, match="technical service agency"):
        compilation_grant(actor=carol, organisation=unit, agency=other_unit, year=YEAR)


def test_no_grant_for_a_year_the_unit_has_nothing_to_report(carol, unit, agency):
    with pytest.raises(ValidationError, match="no annual emission report"):
        compilation_grant(actor=carol, organisation=unit, agency=agency, year=YEAR)


def test_only_the_units_staff_grant_access(erin, dave, unit, agency):
    listed(unit, year=YEAR)
    for outsider in (erin, dave):
        with pytest.raises(PermissionDenied):
            compilation_grant(actor=outsider, organisation=unit, agency=agency, year=YEAR)


def test_the_agency_staff_are_told_of_a_grant(carol, dave, unit, agency):
    listed(unit, year=YEAR)
    compilation_grant(actor=carol, organisation=unit, agency=agency, year=YEAR)
    note = Notification.objects.get(recipient=dave, kind="reporting.grant")
    assert unit.name_zh in note.subject_zh


def test_access_page_grants_and_withdraws(carol, unit, agency, client_for):
    listed(unit, year=YEAR)
    client = client_for(carol)
    url = reverse("reporting:report_access", args=[unit.pk, YEAR])
    assert client.post(url, {"agency": agency.pk}).status_code == 302
    grant = CompilationGrant.objects.get(organisation=unit, year=YEAR)
    client.post(reverse("reporting:report_access_revoke", args=[unit.pk, YEAR, grant.pk]))
    grant.refresh_from_db()
    assert grant.revoked_at is not None


def test_access_page_of_another_unit_is_not_found(erin, unit, client_for):
    listed(unit, year=YEAR)
    assert client_for(erin).get(reverse("reporting:report_access", args=[unit.pk, YEAR])).status_code == 404


def test_agency_sees_granted_units_on_its_reports_page_and_can_start(dave, unit, granted, client_for):
    client = client_for(dave)
    page = client.get(reverse("reporting:report_list"))
    assert unit.name_en.encode() in page.content or unit.name_zh.encode() in page.content
    client.post(reverse("reporting:report_start", args=[unit.pk, YEAR]))
    assert AnnualReport.objects.filter(organisation=unit, year=YEAR).exists()


def test_agency_page_of_the_report_offers_editing_but_not_submitting(carol, dave, unit, granted, client_for):
    report = _draft(carol, unit)
    page = client_for(dave).get(reverse("reporting:report_detail", args=[report.pk]))
    assert reverse("reporting:report_line_add", args=[report.pk]).encode() in page.content
    assert reverse("reporting:report_submit", args=[report.pk]).encode() not in page.content


def test_a_second_agency_staff_member_shares_the_grant(carol, unit, granted, agency):
    colleague = UserFactory()
    MembershipFactory(user=colleague, organisation=agency, role=Role.AGENCY_STAFF)
    report = _draft(carol, unit)
    assert list(reports_for(colleague)) == [report]


def test_the_agency_dashboard_lists_the_reports_it_may_compile(dave, unit, granted, client_for):
    page = client_for(dave).get(reverse("dashboard"))
    assert f"Compile the {YEAR} annual emission report of" in page.text
