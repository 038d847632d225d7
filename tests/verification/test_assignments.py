"""The bureau assigns the year's technical reviews, one by one or from a balanced proposal
(Art. 18-19): the conflict-of-interest rule, due dates, reassignment, and the pages."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from carbon_portal.models import AuditEntry
from registry.models import Organisation, YearSettings
from registry.services.organisations import year_settings_revise
from reporting.choices import ReportStatus
from reporting.models import AnnualReport
from reporting.services.access import compilation_grant
from tests.factories import AgencyFactory, OrganisationFactory, UserFactory
from tests.reporting.helpers import YEAR, add_electricity, draft, facility, submit
from verification.choices import AssignmentStatus, BusinessLine, LinkKind
from verification.models import AgencyUnitLink, AgencyYearLine, ReviewAssignment
from verification.selectors.assignments import year_reviews
from verification.services import assignment_create, assignment_reassign
from verification.services.bulk import assignment_proposal, assignments_apply

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def reviewing(agency, recorded_by, *, year=YEAR, line=BusinessLine.REVIEWING):
    AgencyYearLine.objects.create(agency=agency, year=year, line=line, recorded_by=recorded_by)
    return agency


def tie(agency, unit, recorded_by, *, from_year=YEAR - 1, to_year=None):
    return AgencyUnitLink.objects.create(
        agency=agency,
        organisation=unit,
        kind=LinkKind.CONSULTING,
        description="Energy audit",
        from_year=from_year,
        to_year=to_year,
        recorded_by=recorded_by,
    )


def submitted(org, *, year=YEAR):
    """A submitted report written straight to the database: for tests that need many of them."""
    now = timezone.now()
    return AnnualReport.objects.create(
        organisation=org,
        year=year,
        status=ReportStatus.SUBMITTED,
        declared_by_name="Zhang San",
        declared_at=now,
        submitted_at=now,
        created_by=UserFactory(),
    )


def units_with_reports(n: int, *, prefix: str = "单位") -> list[AnnualReport]:
    return [submitted(OrganisationFactory(name_zh=f"{prefix}{i:03d}")) for i in range(n)]


@pytest.fixture
def report(carol, unit):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    return submit(carol, report)


@pytest.fixture
def agency(alice):
    return reviewing(AgencyFactory(name_zh="甲审核机构"), alice)


@pytest.fixture
def compiler(alice, erin, dave, other_unit):
    """Dave's agency, with a review line for the year, compiled other_unit's report under a grant."""
    compiler = reviewing(Organisation.objects.get(memberships__user=dave), alice)
    other = draft(erin, other_unit)
    compilation_grant(actor=erin, organisation=other_unit, agency=compiler, year=YEAR)
    add_electricity(dave, other, facility(other_unit))
    return compiler


# -- the conflict-of-interest rule (Art. 19), each way an agency may be ineligible --


def test_an_agency_that_compiled_a_report_of_the_year_is_refused_with_the_art_19_message(alice, report, compiler):
    with pytest.raises(ValidationError) as refused:
        assignment_create(actor=alice, report=report, agency=compiler)
    message = " ".join(refused.value.message_dict["agency"])
    assert "compiled a Shanghai emission report for 2026" in message and "Art. 19" in message
    assert not ReviewAssignment.objects.exists()


def test_an_agency_tied_to_the_unit_is_refused(alice, report, agency, unit):
    tie(agency, unit, alice)
    with pytest.raises(ValidationError, match="tied to the unit"):
        assignment_create(actor=alice, report=report, agency=agency)
    assert not ReviewAssignment.objects.exists()


def test_a_tie_that_ended_before_the_year_does_not_refuse(alice, report, agency, unit):
    tie(agency, unit, alice, from_year=YEAR - 3, to_year=YEAR - 1)
    assert assignment_create(actor=alice, report=report, agency=agency).agency == agency


def test_an_agency_with_the_compiling_line_is_refused(alice, report):
    compiling = reviewing(AgencyFactory(), alice, line=BusinessLine.COMPILING)
    with pytest.raises(ValidationError, match="has not declared technical review"):
        assignment_create(actor=alice, report=report, agency=compiling)


def test_an_agency_with_no_line_for_the_year_is_refused(alice, report):
    last_year_only = reviewing(AgencyFactory(), alice, year=YEAR - 1)
    with pytest.raises(ValidationError, match="has not declared technical review"):
        assignment_create(actor=alice, report=report, agency=last_year_only)


# -- due dates, one review per unit and year, reassignment --


def test_the_due_date_comes_from_the_year_settings_in_force(alice, report, agency):
    year_settings_revise(actor=alice, year=YEAR, note="Extended by notice", review_due_date=date(YEAR + 1, 5, 15))
    assert assignment_create(actor=alice, report=report, agency=agency).due_date == date(YEAR + 1, 5, 15)


def test_without_year_settings_the_bureau_is_told_to_set_the_review_due_date(alice, report, agency):
    YearSettings.objects.filter(year=YEAR).delete()
    with pytest.raises(ValidationError, match="Set the technical review due date for 2026"):
        assignment_create(actor=alice, report=report, agency=agency)
    assert not ReviewAssignment.objects.exists()


def test_a_second_assignment_of_the_same_unit_and_year_is_refused(alice, report, agency):
    assignment_create(actor=alice, report=report, agency=agency)
    with pytest.raises(ValidationError, match="already assigned"):
        assignment_create(actor=alice, report=report, agency=reviewing(AgencyFactory(), alice))
    assert ReviewAssignment.objects.count() == 1


def test_reassigning_needs_a_reason(alice, report, agency):
    first = assignment_create(actor=alice, report=report, agency=agency)
    with pytest.raises(ValidationError, match="Say why"):
        assignment_reassign(actor=alice, assignment=first, agency=reviewing(AgencyFactory(), alice), reason=" ")
    first.refresh_from_db()
    assert first.status == AssignmentStatus.ASSIGNED


def test_reassigning_needs_another_eligible_agency(alice, report, agency, compiler):
    first = assignment_create(actor=alice, report=report, agency=agency)
    with pytest.raises(ValidationError, match="another agency"):
        assignment_reassign(actor=alice, assignment=first, agency=agency, reason="Reviewer ill")
    with pytest.raises(ValidationError, match="Art. 19"):
        assignment_reassign(actor=alice, assignment=first, agency=compiler, reason="Reviewer ill")
    assert ReviewAssignment.objects.get().status == AssignmentStatus.ASSIGNED


def test_reassigning_keeps_the_withdrawn_assignment_with_its_reason(alice, report, agency):
    first = assignment_create(actor=alice, report=report, agency=agency)
    other = reviewing(AgencyFactory(), alice)
    second = assignment_reassign(actor=alice, assignment=first, agency=other, reason="Reviewer fell ill")
    first.refresh_from_db()
    assert (first.status, first.withdrawal_reason, first.withdrawn_by) == (
        AssignmentStatus.WITHDRAWN,
        "Reviewer fell ill",
        alice,
    )
    assert (second.agency, second.replaces, second.status) == (other, first, AssignmentStatus.ASSIGNED)


# -- only the bureau --


def test_unit_and_agency_staff_may_not_assign(carol, dave, report, agency):
    for outsider in (carol, dave):
        with pytest.raises(PermissionDenied):
            assignment_create(actor=outsider, report=report, agency=agency)
        with pytest.raises(PermissionDenied):
            assignments_apply(actor=outsider, year=YEAR, pairs=[(report.pk, agency.pk)])
    assert not ReviewAssignment.objects.exists()


def _pages(year, report, assignment):
    return [
        reverse("verification:review_home"),
        reverse("verification:review_list", args=[year]),
        reverse("verification:review_assign", args=[year, report.pk]),
        reverse("verification:review_reassign", args=[year, assignment.pk]),
        reverse("verification:review_propose", args=[year]),
    ]


def test_unit_and_agency_staff_get_403_on_every_assignment_page(client_for, alice, carol, dave, report, agency):
    assignment = assignment_create(actor=alice, report=report, agency=agency)
    for outsider in (carol, dave):
        client = client_for(outsider)
        for url in _pages(YEAR, report, assignment):
            assert client.get(url).status_code == 403, url
            assert client.post(url, {"agency": agency.pk, "reason": "x", "pair": "1:1"}).status_code == 403, url
    assert ReviewAssignment.objects.count() == 1


def test_anonymous_visitors_are_sent_to_sign_in(client, alice, report, agency):
    assignment = assignment_create(actor=alice, report=report, agency=agency)
    for url in _pages(YEAR, report, assignment):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response.url, url


# -- the balanced proposal --


def _three_agencies(alice):
    return [reviewing(AgencyFactory(name_zh=f"{name}审核机构"), alice) for name in ("甲", "乙", "丙")]


def test_the_proposal_spreads_the_reports_evenly(alice):
    agencies = _three_agencies(alice)
    units_with_reports(7)
    proposal = assignment_proposal(year=YEAR)
    assert len(proposal.pairs) == 7 and not proposal.unassignable
    loads = {load.agency.pk: load.total for load in proposal.loads}
    assert sorted(loads.values(), reverse=True) == [3, 2, 2]
    assert set(loads) == {a.pk for a in agencies}


def test_the_proposal_counts_the_reviews_already_assigned(alice):
    busy, idle = (reviewing(AgencyFactory(name_zh=n), alice) for n in ("A机构", "B机构"))
    first, second, *rest = units_with_reports(6)
    assignments_apply(actor=alice, year=YEAR, pairs=[(first.pk, busy.pk), (second.pk, busy.pk)])
    proposal = assignment_proposal(year=YEAR)
    assert {(load.agency, load.current, load.proposed) for load in proposal.loads} == {(busy, 2, 1), (idle, 0, 3)}


def test_the_proposal_is_the_same_for_the_same_data(alice):
    _three_agencies(alice)
    units_with_reports(8)
    assert assignment_proposal(year=YEAR).pair_ids() == assignment_proposal(year=YEAR).pair_ids()


def test_ties_in_load_go_to_the_agency_first_by_name(alice):
    reviewing(AgencyFactory(name_zh="B机构"), alice)
    first = reviewing(AgencyFactory(name_zh="A机构"), alice)
    units_with_reports(1)
    assert [pair.agency for pair in assignment_proposal(year=YEAR).pairs] == [first]


def test_the_proposal_never_proposes_an_ineligible_agency(alice, report, unit, agency, compiler):
    compiling = reviewing(AgencyFactory(name_zh="编制机构"), alice, line=BusinessLine.COMPILING)
    tied = reviewing(AgencyFactory(name_zh="关联机构"), alice)
    tie(tied, unit, alice)
    units_with_reports(5)
    proposal = assignment_proposal(year=YEAR)
    assert len(proposal.pairs) == 6
    proposed = {pair.report.organisation_id: pair.agency for pair in proposal.pairs}
    assert compiler not in proposed.values() and compiling not in proposed.values()
    assert proposed[unit.pk] == agency
    assert all(pair.agency in pair.eligible for pair in proposal.pairs)


def test_reports_no_agency_may_review_are_listed_with_the_reasons(alice, report, unit, agency, compiler):
    tie(agency, unit, alice)
    proposal = assignment_proposal(year=YEAR)
    assert proposal.pairs == ()
    (item,) = proposal.unassignable
    reasons = {refusal.agency: " ".join(refusal.reasons) for refusal in item.refusals}
    assert item.report == report
    assert "tied to the unit" in reasons[agency] and "compiled" in reasons[compiler]


def test_with_no_reviewing_agency_every_report_is_unassignable(report):
    (item,) = assignment_proposal(year=YEAR).unassignable
    assert (item.report, item.refusals) == (report, ())


# -- applying the proposal --


def test_applying_the_proposal_assigns_every_pair_and_audits_the_batch_once(alice):
    _three_agencies(alice)
    units_with_reports(4)
    pairs = assignment_proposal(year=YEAR).pair_ids()
    created = assignments_apply(actor=alice, year=YEAR, pairs=pairs)
    assert sorted((a.report_id, a.agency_id) for a in created) == sorted(pairs)
    assert AuditEntry.objects.filter(verb="review.assign_batch").get().data["count"] == 4


def test_applying_is_all_or_nothing_when_a_pair_became_ineligible(alice):
    _three_agencies(alice)
    reports = units_with_reports(5)
    pairs = assignment_proposal(year=YEAR).pair_ids()
    last_report_id, last_agency_id = pairs[-1]
    tie(Organisation.objects.get(pk=last_agency_id), AnnualReport.objects.get(pk=last_report_id).organisation, alice)
    with pytest.raises(ValidationError, match="tied to the unit"):
        assignments_apply(actor=alice, year=YEAR, pairs=pairs)
    assert not ReviewAssignment.objects.exists()
    assert len(reports) == 5


def test_applying_refuses_a_report_of_another_year(alice, agency):
    old = submitted(OrganisationFactory(), year=YEAR - 1)
    with pytest.raises(ValidationError, match="not part of 2026"):
        assignments_apply(actor=alice, year=YEAR, pairs=[(old.pk, agency.pk)])


# -- the pages --


def test_the_year_page_lists_every_submitted_report_with_its_assignment(client_for, alice, report, agency):
    unassigned = submitted(OrganisationFactory(name_zh="未分配单位"))
    assignment_create(actor=alice, report=report, agency=agency)
    page = client_for(alice).get(reverse("verification:review_list", args=[YEAR])).content.decode()
    assert agency.name in page and report.reference in page and unassigned.reference in page
    assert reverse("verification:review_assign", args=[YEAR, unassigned.pk]) in page


def test_the_year_page_filters_assigned_unassigned_and_searches(client_for, alice, report, agency, unit):
    unassigned = submitted(OrganisationFactory(name_zh="未分配单位"))
    assignment_create(actor=alice, report=report, agency=agency)
    client, url = client_for(alice), reverse("verification:review_list", args=[YEAR])
    assert unassigned.reference not in client.get(url, {"state": "assigned"}).content.decode()
    assert report.reference not in client.get(url, {"state": "unassigned"}).content.decode()
    found = client.get(url, {"q": agency.name_zh}).content.decode()
    assert report.reference in found and unassigned.reference not in found


def test_an_assignment_past_its_due_date_is_overdue(alice, report, agency):
    assignment = assignment_create(actor=alice, report=report, agency=agency)
    on_time = year_reviews(YEAR, today=assignment.due_date)
    late = year_reviews(YEAR, state="overdue", today=assignment.due_date + timedelta(days=1))
    assert on_time.counts["overdue"] == 0 and not on_time.rows[0].is_overdue
    assert [row.report for row in late.rows] == [report] and late.counts["assigned"] == 1


def test_the_history_counts_withdrawn_assignments(alice, report, agency):
    first = assignment_create(actor=alice, report=report, agency=agency)
    assignment_reassign(actor=alice, assignment=first, agency=reviewing(AgencyFactory(), alice), reason="Load")
    (row,) = year_reviews(YEAR).rows
    assert (row.history, row.assignment.replaces) == (2, first)


def test_the_assign_page_shows_every_reviewing_agency_with_its_load_and_reasons(
    client_for, alice, report, agency, compiler
):
    page = client_for(alice).get(reverse("verification:review_assign", args=[YEAR, report.pk])).content.decode()
    assert agency.name in page and compiler.name in page
    assert f'value="{compiler.pk}" id="agency-{compiler.pk}" disabled' in page
    assert f'value="{agency.pk}" id="agency-{agency.pk}">' in page
    assert "compiled a Shanghai emission report for 2026" in page


def test_assigning_on_the_page_saves_and_returns_to_the_year(client_for, alice, report, agency):
    response = client_for(alice).post(
        reverse("verification:review_assign", args=[YEAR, report.pk]), {"agency": agency.pk}
    )
    assert response.status_code == 302
    assert ReviewAssignment.objects.get().agency == agency


def test_an_ineligible_agency_posted_on_the_page_is_refused_with_the_reason(client_for, alice, report, compiler):
    url = reverse("verification:review_assign", args=[YEAR, report.pk])
    response = client_for(alice).post(url, {"agency": compiler.pk})
    assert response.status_code == 200
    assert "Art. 19" in response.content.decode()
    assert not ReviewAssignment.objects.exists()


def test_a_report_of_another_year_is_not_found(client_for, alice, report):
    url = reverse("verification:review_assign", args=[YEAR + 1, report.pk])
    assert client_for(alice).get(url).status_code == 404


def test_reassigning_on_the_page_without_a_reason_is_refused(client_for, alice, report, agency):
    assignment = assignment_create(actor=alice, report=report, agency=agency)
    other = reviewing(AgencyFactory(), alice)
    url = reverse("verification:review_reassign", args=[YEAR, assignment.pk])
    response = client_for(alice).post(url, {"agency": other.pk, "reason": "  "})
    assert response.status_code == 200 and "Say why the review goes to another agency." in response.content.decode()
    assert ReviewAssignment.objects.get().status == AssignmentStatus.ASSIGNED


def test_reassigning_on_the_page_withdraws_and_assigns(client_for, alice, report, agency):
    assignment = assignment_create(actor=alice, report=report, agency=agency)
    other = reviewing(AgencyFactory(), alice)
    url = reverse("verification:review_reassign", args=[YEAR, assignment.pk])
    assert client_for(alice).post(url, {"agency": other.pk, "reason": "Conflict found"}).status_code == 302
    assert ReviewAssignment.objects.get(status=AssignmentStatus.ASSIGNED).agency == other


def test_the_proposal_page_applies_the_proposal(client_for, alice):
    _three_agencies(alice)
    units_with_reports(4)
    client, url = client_for(alice), reverse("verification:review_propose", args=[YEAR])
    page = client.get(url).content.decode()
    pairs = [f"{r}:{a}" for r, a in assignment_proposal(year=YEAR).pair_ids()]
    assert all(f'value="{pair}"' in page for pair in pairs)
    assert client.post(url, {"pair": pairs}).status_code == 302
    assert ReviewAssignment.objects.count() == 4


def test_the_proposal_page_saves_nothing_and_explains_when_a_pair_became_ineligible(client_for, alice):
    _three_agencies(alice)
    units_with_reports(3)
    pairs = assignment_proposal(year=YEAR).pair_ids()
    report_id, agency_id = pairs[0]
    tie(Organisation.objects.get(pk=agency_id), AnnualReport.objects.get(pk=report_id).organisation, alice)
    url = reverse("verification:review_propose", args=[YEAR])
    response = client_for(alice).post(url, {"pair": [f"{r}:{a}" for r, a in pairs]})
    page = response.content.decode()
    assert response.status_code == 200 and "Nothing was assigned" in page and "tied to the unit" in page
    assert not ReviewAssignment.objects.exists()


def test_a_malformed_proposal_saves_nothing(client_for, alice, report, agency):
    url = reverse("verification:review_propose", args=[YEAR])
    response = client_for(alice).post(url, {"pair": [f"{report.pk}:{agency.pk}", "x:1"]})
    assert response.status_code == 200 and "not readable" in response.content.decode()
    assert not ReviewAssignment.objects.exists()


# -- a fixed number of queries whatever the number of reports --


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _year_of(n: int, alice, prefix: str):
    """n reports, a third of them assigned and one reassigned, plus a compiler among the agencies."""
    reports = units_with_reports(n, prefix=prefix)
    agencies = [reviewing(AgencyFactory(name_zh=f"{prefix}机构{i}"), alice) for i in range(2)]
    reports[-1].compiled_by_agency = reviewing(AgencyFactory(name_zh=f"{prefix}编制机构"), alice)
    reports[-1].save()
    assigned = assignments_apply(actor=alice, year=YEAR, pairs=[(r.pk, agencies[0].pk) for r in reports[: n // 3]])
    assignment_reassign(actor=alice, assignment=assigned[0], agency=agencies[1], reason="Load")


def test_the_year_page_runs_the_same_queries_for_3_and_30_reports(client_for, alice):
    client, url = client_for(alice), reverse("verification:review_list", args=[YEAR])
    _year_of(3, alice, "小")
    few = _queries(client, url)
    _year_of(27, alice, "大")
    assert _queries(client, url) == few


def test_the_proposal_runs_the_same_queries_for_3_and_30_reports(client_for, alice):
    client, url = client_for(alice), reverse("verification:review_propose", args=[YEAR])
    _year_of(3, alice, "小")
    few = _queries(client, url)
    _year_of(27, alice, "大")
    assert _queries(client, url) == few
