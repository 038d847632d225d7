"""The agency's workspace (Art. 18): its current assignments, each report read-only with its lines,
totals, evidence and PDF; anything not assigned to the agency now is not found (404)."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carbon_portal import documents
from carbon_portal.roles import Role
from reporting import documents as pdfs
from tests.carbon_portal.test_files import pdf_bytes
from tests.factories import AgencyFactory, OrganisationFactory
from tests.reporting.helpers import add_electricity, draft, facility, submit
from verification.services import assignment_create, assignment_reassign

from .helpers import add_evidence, reviewing, staff_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def frank(alice):
    """Staff of another reviewing agency, with no assignment of `unit`'s report."""
    return staff_of(reviewing(AgencyFactory(), alice))


def page_url(assignment):
    return reverse("verification:workspace_report", args=[assignment.pk])


def evidence_url(assignment, evidence):
    return reverse("verification:workspace_evidence", args=[assignment.pk, evidence.pk])


def pdf_url(assignment):
    return reverse("verification:workspace_pdf", args=[assignment.pk])


def main_of(response) -> str:
    return re.search(r"<main.*?</main>", response.content.decode(), re.S).group(0)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def ready_pdf(actor, report, capture, monkeypatch):
    """The report's PDF, rendered the way a worker would (WeasyPrint replaced by a stub)."""
    pdfs.register_renderers()
    monkeypatch.setattr(documents, "html_to_pdf", lambda html, *, base_url=None: b"%PDF-test\n" + html.encode())
    with capture(execute=True):
        document = pdfs.report_pdf_request(actor=actor, report=report)
    document.refresh_from_db()
    assert document.status == document.Status.READY, document.message
    return document


def assigned_report(alice, agency, *, lines=1):
    """A new unit's submitted report with `lines` sources, assigned to `agency`."""
    org = OrganisationFactory()
    staff = staff_of(org, Role.UNIT_STAFF)
    report = draft(staff, org)
    for i in range(lines):
        add_electricity(staff, report, facility(org, code=f"F{i}"), mwh=str(1000 + i))
    return assignment_create(actor=alice, report=submit(staff, report), agency=agency)


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# The list


def test_the_assigned_agency_sees_its_assignment_with_the_due_date(client_for, dave, assignment):
    response = client_for(dave).get(reverse("verification:workspace_list"))
    assert response.status_code == 200
    content = response.content.decode()
    assert assignment.report.reference in content
    assert page_url(assignment) in content
    assert assignment.due_date.strftime("%Y-%m-%d") in content


def test_an_overdue_review_says_by_how_many_days(client_for, dave, assignment):
    assignment.due_date = timezone.localdate() - timedelta(days=3)
    assignment.save(update_fields=["due_date"])
    content = client_for(dave).get(reverse("verification:workspace_list")).content.decode()
    assert "Overdue by 3 days" in content


def test_an_agency_without_assignments_sees_the_empty_state(client_for, frank, assignment):
    content = client_for(frank).get(reverse("verification:workspace_list")).content.decode()
    assert "No report is assigned to your agency" in content
    assert assignment.report.reference not in content


def test_unit_staff_have_no_workspace(client_for, carol, assignment):
    assert client_for(carol).get(reverse("verification:workspace_list")).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client, assignment):
    for url in (reverse("verification:workspace_list"), page_url(assignment), pdf_url(assignment)):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_the_list_runs_the_same_queries_for_1_and_10_assignments(client_for, alice, dave, agency, assignment):
    client = client_for(dave)
    url = reverse("verification:workspace_list")
    client.get(url)
    one = count_queries(client, url)
    for _ in range(9):
        assigned_report(alice, agency)
    assert count_queries(client, url) == one
    assert client.get(url).content.decode().count("/reviews/") >= 10


# The read-only report page


def test_the_assigned_agency_sees_the_report_lines_totals_and_evidence(client_for, dave, unit, assignment, evidence):
    response = client_for(dave).get(page_url(assignment))
    assert response.status_code == 200
    content = response.content.decode()
    report = assignment.report
    for expected in (unit.uscc, report.reference, "Zhang San", "Purchased electricity", "sh_grid_electricity"):
        assert expected in content
    assert "4,200" in content  # 10,000 MWh x 0.42 tCO2/MWh, the frozen factor
    assert evidence.original_name in content and evidence_url(assignment, evidence) in content


def test_the_report_page_has_no_form_and_no_edit_link(client_for, dave, assignment):
    main = main_of(client_for(dave).get(page_url(assignment)))
    assert "<form" not in main
    assert "/reporting/" not in main


def test_the_assigned_agency_downloads_the_evidence(client_for, dave, assignment, evidence):
    response = client_for(dave).get(evidence_url(assignment, evidence))
    assert response.status_code == 200
    assert body(response) == pdf_bytes()
    assert "attachment" in response["Content-Disposition"]


def test_another_agency_gets_404_on_page_evidence_and_pdf(
    client_for, frank, carol, assignment, evidence, django_capture_on_commit_callbacks, monkeypatch
):
    ready_pdf(carol, assignment.report, django_capture_on_commit_callbacks, monkeypatch)
    client = client_for(frank)
    for url in (page_url(assignment), evidence_url(assignment, evidence), pdf_url(assignment)):
        assert client.get(url).status_code == 404


def test_unit_staff_get_404_on_the_assignment_page(client_for, carol, assignment):
    assert client_for(carol).get(page_url(assignment)).status_code == 404


def test_a_withdrawn_assignment_is_404_for_the_old_agency(client_for, alice, dave, assignment, evidence):
    new_agency = reviewing(AgencyFactory(), alice)
    new = assignment_reassign(actor=alice, assignment=assignment, agency=new_agency, reason="Reviewer fell ill")
    client = client_for(dave)
    for url in (page_url(assignment), evidence_url(assignment, evidence), pdf_url(assignment)):
        assert client.get(url).status_code == 404
    assert assignment.report.reference not in client.get(reverse("verification:workspace_list")).content.decode()
    assert client_for(staff_of(new_agency)).get(page_url(new)).status_code == 200


def test_evidence_of_another_report_is_404_through_this_assignment(client_for, dave, erin, other_unit, assignment):
    elsewhere = add_evidence(erin, draft(erin, other_unit), name="other.pdf")
    assert client_for(dave).get(evidence_url(assignment, elsewhere)).status_code == 404


def test_the_page_links_and_serves_the_ready_pdf(
    client_for, carol, dave, assignment, django_capture_on_commit_callbacks, monkeypatch
):
    client = client_for(dave)
    assert client.get(pdf_url(assignment)).status_code == 404
    assert pdf_url(assignment) not in client.get(page_url(assignment)).content.decode()
    document = ready_pdf(carol, assignment.report, django_capture_on_commit_callbacks, monkeypatch)
    assert pdf_url(assignment) in client.get(page_url(assignment)).content.decode()
    response = client.get(pdf_url(assignment))
    assert response.status_code == 200
    assert body(response).startswith(b"%PDF-test")
    assert response["Content-Disposition"].endswith(f'"{document.filename}"')


def test_the_page_runs_the_same_queries_for_1_and_10_lines(client_for, alice, dave, agency):
    client = client_for(dave)
    one, ten = assigned_report(alice, agency, lines=1), assigned_report(alice, agency, lines=10)
    client.get(page_url(one))
    assert count_queries(client, page_url(one)) == count_queries(client, page_url(ten))
    assert client.get(page_url(ten)).content.decode().count(">sh_grid_electricity<") == 10
