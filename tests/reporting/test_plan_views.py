"""Data quality control plan pages: the permission matrix, the task list, decisions, comparison."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reporting import services
from reporting.choices import PlanStatus
from reporting.models import QualityPlan
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

DRAFT_PAGES = [
    "reporting:plan_boundary",
    "reporting:plan_responsibilities",
    "reporting:plan_parameter_add",
    "reporting:plan_submit",
]


@pytest.fixture
def plan(carol, unit):
    return plan_draft(carol, unit)


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


# Permission matrix: anonymous / another unit (erin) / the unit (carol) / bureau (alice)


@pytest.mark.parametrize("name", ["reporting:plan_detail", *DRAFT_PAGES])
def test_anonymous_is_sent_to_login_from_a_plan(client, plan, name):
    assert is_login_redirect(client.get(reverse(name, args=[plan.pk])))


@pytest.mark.parametrize("name", ["reporting:plan_list", "reporting:plan_admin"])
def test_anonymous_is_sent_to_login_from_plan_lists(client, name):
    assert is_login_redirect(client.get(reverse(name)))


@pytest.mark.parametrize("name", ["reporting:plan_detail", *DRAFT_PAGES])
def test_another_units_staff_get_404_for_a_plan(client_for, erin, plan, name):
    assert client_for(erin).get(reverse(name, args=[plan.pk])).status_code == 404


@pytest.mark.parametrize("name", ["reporting:plan_detail", *DRAFT_PAGES])
def test_the_units_staff_reach_its_draft_plan_pages(client_for, carol, plan, name):
    assert client_for(carol).get(reverse(name, args=[plan.pk])).status_code == 200


def test_bureau_staff_read_a_plan(client_for, alice, plan):
    assert client_for(alice).get(reverse("reporting:plan_detail", args=[plan.pk])).status_code == 200


@pytest.mark.parametrize("name", DRAFT_PAGES)
def test_bureau_staff_cannot_file_a_units_plan(client_for, alice, plan, name):
    assert client_for(alice).get(reverse(name, args=[plan.pk])).status_code == 403


def test_decision_page_matrix(client, client_for, alice, carol, erin, unit):
    url = reverse("reporting:plan_decide", args=[submitted_plan(carol, unit).pk])
    assert is_login_redirect(client.get(url))
    assert client_for(erin).get(url).status_code == 403
    assert client_for(carol).get(url).status_code == 403
    assert client_for(alice).get(url).status_code == 200


def test_the_bureau_list_is_for_the_bureau_only(client_for, alice, carol, erin):
    url = reverse("reporting:plan_admin")
    assert client_for(carol).get(url).status_code == 403
    assert client_for(erin).get(url).status_code == 403
    assert client_for(alice).get(url).status_code == 200


def test_another_units_staff_cannot_remove_a_parameter(client_for, carol, erin, unit, plan):
    row = add_parameter(carol, plan, facility(unit))
    url = reverse("reporting:plan_parameter_remove", args=[plan.pk, row.pk])
    assert client_for(erin).post(url).status_code == 404
    assert plan.parameters.count() == 1


def test_another_units_staff_cannot_start_a_units_plan(client_for, erin, unit):
    listed(unit)
    response = client_for(erin).post(reverse("reporting:plan_start", args=[unit.pk, PLAN_YEAR]))
    assert response.status_code == 404 and not QualityPlan.objects.exists()


# The unit's pages


def test_the_unit_sees_next_years_plan_with_its_due_date(client_for, carol, erin, unit):
    listed(unit)
    response = client_for(carol).get(reverse("reporting:plan_list"))
    assert str(PLAN_YEAR) in response.text and "2026-12-31" in response.text and "Not started" in response.text
    assert unit.name not in client_for(erin).get(reverse("reporting:plan_list")).text


def test_the_reports_list_links_to_the_plans(client_for, carol):
    assert reverse("reporting:plan_list") in client_for(carol).get(reverse("reporting:report_list")).text


def test_starting_a_plan_opens_its_task_list(client_for, carol, unit):
    listed(unit)
    response = client_for(carol).post(reverse("reporting:plan_start", args=[unit.pk, PLAN_YEAR]))
    assert response["Location"] == reverse("reporting:plan_detail", args=[QualityPlan.objects.get().pk])


def test_a_measured_parameter_without_calibration_date_shows_the_error(client_for, carol, unit, plan):
    data = {
        "facility": facility(unit).pk,
        "emission_source": "Boiler 2",
        "parameter_name": "Gas consumed",
        "method": "measured",
        "frequency": "monthly",
        "responsible_person": "Li Si",
        "instrument_name": "Flow meter",
        "calibration_date": "",
    }
    response = client_for(carol).post(reverse("reporting:plan_parameter_add", args=[plan.pk]), data)
    assert response.status_code == 200 and "calibration date" in response.text
    assert not plan.parameters.exists()


def test_submitting_shows_the_confirmation_with_the_reference(client_for, carol, unit, plan):
    complete_plan(carol, plan, facility(unit))
    response = client_for(carol).post(reverse("reporting:plan_submit", args=[plan.pk]))
    assert f"DQP-{PLAN_YEAR}-{unit.uscc}-v1" in response.text
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED


def test_submitting_an_incomplete_plan_lists_what_is_missing(client_for, carol, plan):
    response = client_for(carol).post(reverse("reporting:plan_submit", args=[plan.pk]))
    assert response.status_code == 200 and "Add at least one parameter" in response.text


# The bureau's decision


def test_returning_without_comments_shows_the_error(client_for, alice, carol, unit):
    plan = submitted_plan(carol, unit)
    response = client_for(alice).post(reverse("reporting:plan_decide", args=[plan.pk]), {"decision": "return"})
    assert response.status_code == 200 and "at least one section" in response.text
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED


def test_the_returned_plan_shows_the_comment_in_its_section(client_for, alice, carol, unit):
    plan = submitted_plan(carol, unit)
    url = reverse("reporting:plan_decide", args=[plan.pk])
    client_for(alice).post(url, {"decision": "return", "parameters": "Name the meter's accuracy class."})
    response = client_for(carol).get(reverse("reporting:plan_detail", args=[plan.pk]))
    assert "Name the meter&#x27;s accuracy class." in response.text and "Returned" in response.text


def test_the_bureau_accepts_from_the_decision_page(client_for, alice, carol, unit):
    plan = submitted_plan(carol, unit)
    client_for(alice).post(reverse("reporting:plan_decide", args=[plan.pk]), {"decision": "accept"})
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACCEPTED


def test_the_bureau_list_filters_by_status(client_for, alice, carol, unit):
    plan = submitted_plan(carol, unit)
    url = reverse("reporting:plan_admin")
    assert plan.reference in client_for(alice).get(url, {"year": PLAN_YEAR, "status": "submitted"}).text
    assert plan.reference not in client_for(alice).get(url, {"year": PLAN_YEAR, "status": "accepted"}).text


# Comparison


def test_the_comparison_marks_a_changed_parameter(client_for, alice, carol, unit):
    old = submitted_plan(carol, unit)
    services.plan_return(actor=alice, plan=old, comments={"parameters": "Monthly is not enough."})
    new = services.plan_revise(actor=carol, plan=old)
    row = new.parameters.get()
    services.plan_parameter_remove(actor=carol, parameter=row)
    add_parameter(carol, new, facility(unit), frequency="daily")
    response = client_for(carol).get(reverse("reporting:plan_compare", args=[new.pk]), {"with": 1})
    assert response.status_code == 200
    assert "Changed" in response.text and "Monthly" in response.text and "Daily" in response.text


def test_another_units_staff_cannot_compare(client_for, alice, carol, erin, unit):
    old = submitted_plan(carol, unit)
    services.plan_return(actor=alice, plan=old, comments={"boundary": "x"})
    new = services.plan_revise(actor=carol, plan=old)
    assert client_for(erin).get(reverse("reporting:plan_compare", args=[new.pk])).status_code == 404


# Query counts


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_plan_page_runs_a_fixed_number_of_queries(client_for, carol, unit, plan):
    client = client_for(carol)
    url = reverse("reporting:plan_detail", args=[plan.pk])
    add_parameter(carol, plan, facility(unit, "F1"))
    few = _queries(client, url)
    for n in range(2, 8):
        add_parameter(carol, plan, facility(unit, f"F{n}"), parameter_name=f"Parameter {n}")
    assert _queries(client, url) == few
