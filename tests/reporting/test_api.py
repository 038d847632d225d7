"""The reporting REST API: a unit's own systems file reports and plans with a token, through the
same gate and services as the pages; errors as 400/403/404 in the caller's language; exact
decimals as strings, never floats."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from carbon_portal.roles import Role
from registry.models import Organisation
from reporting.choices import PlanStatus, ReportStatus
from reporting.models import AnnualReport, QualityPlan
from reporting.services.access import compilation_grant
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.reporting.helpers import (
    PLAN_YEAR,
    YEAR,
    add_electricity,
    complete_plan,
    draft,
    facility,
    listed,
    plan_draft,
    submit,
    submitted_plan,
)

pytestmark = pytest.mark.django_db

DENIED = (401, 403)  # anonymous: authenticate first


def url(name: str, *args) -> str:
    return reverse(f"reporting_api:{name}", args=args)


def no_floats(response) -> dict:
    """The body, parsed so that any JSON number with a fraction fails the test."""

    def refuse(text):
        raise AssertionError(f"a float in the output: {text}")

    return json.loads(response.content, parse_float=refuse)


@pytest.fixture
def token_for():
    """An API client for a unit's own system: `Authorization: Token <key>`, English answers."""

    def _client(user, language="en"):
        token, _ = Token.objects.get_or_create(user=user)
        return APIClient(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE=language)

    return _client


@pytest.fixture
def session_for():
    """The bureau signs in with its second factor; the API then rides on the session."""

    def _client(user):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client

    return _client


@pytest.fixture
def report(carol, unit):
    facility(unit)
    return draft(carol, unit)


@pytest.fixture
def submitted(carol, unit, report):
    add_electricity(carol, report, facility(unit))
    return submit(carol, report)


LINE = {
    "facility": "F1",
    "category": "purchased_electricity",
    "factor_code": "sh_grid_electricity",
    "activity_amount": "10000",
    "activity_unit": "mwh",
    "source_description": "Purchased electricity",
}


# Factors (public)


def test_factors_in_force_are_public_and_exact():
    response = APIClient().get(url("factors"), {"year": YEAR})
    assert response.status_code == 200
    body = no_floats(response)
    grid = next(f for f in body["factors"] if f["code"] == "sh_grid_electricity")
    assert body["year"] == YEAR and grid["ef_tco2_per_mwh"] == "0.420000" and grid["version"] == 1


def test_factors_of_a_year_before_2022_use_the_old_grid_factor():
    body = APIClient().get(url("factors"), {"year": 2021}).json()
    grid = next(f for f in body["factors"] if f["code"] == "sh_grid_electricity")
    assert grid["ef_tco2_per_mwh"] == "0.788000"


# A unit files its report end to end with a token


def test_a_unit_files_a_report_end_to_end_with_a_token(token_for, carol, unit):
    listed(unit)
    facility(unit, "F1")
    facility(unit, "F2")
    client = token_for(carol)
    created = client.post(url("reports"), {"organisation": unit.pk, "year": YEAR}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["lines"] == []
    production = {"product_name": "Ethylene", "product_output": "120000.5", "product_unit": "t"}
    assert client.put(url("report_production", pk), production, format="json").status_code == 200
    first = client.post(url("report_lines", pk), LINE, format="json")
    second = client.post(url("report_lines", pk), LINE | {"facility": "F2", "activity_amount": "1000"}, format="json")
    assert (first.status_code, second.status_code) == (201, 201), second.content
    assert first.json()["reported_tco2e"] == "4200.000" and first.json()["factor_version"] == 1
    declaration = {"declaration_confirmed": True, "declared_by_name": "Zhang San"}
    done = client.post(url("report_submit", pk), declaration, format="json")
    assert done.status_code == 200, done.content
    body = no_floats(done)
    assert body["status"] == "submitted" and body["reference"] == f"AER-{YEAR}-{unit.uscc}-v1"
    assert body["totals"]["total_tco2e"] == "4620.000"
    assert body["totals"]["by_facility"] == {"F1": "4200.000", "F2": "420.000"}
    assert body["product_output"] == "120000.500" and body["declared_by_name"] == "Zhang San"
    assert AnnualReport.objects.get(pk=pk).status == ReportStatus.SUBMITTED


def test_the_report_detail_carries_no_float(token_for, carol, unit, submitted):
    body = no_floats(token_for(carol).get(url("report", submitted.pk)))
    line = body["lines"][0]
    assert line["emissions_tco2e"] == "4200.000000000000" and line["activity_amount"] == "10000.000000"
    assert isinstance(body["totals"]["biomass_tco2"], str)


def test_a_line_can_be_removed_from_a_draft(token_for, carol, unit, report):
    line = add_electricity(carol, report, facility(unit))
    response = token_for(carol).delete(url("report_line", report.pk, line.pk))
    assert response.status_code == 204 and not report.lines.exists()


def test_a_correction_is_a_new_draft_version_with_the_reason(token_for, carol, submitted):
    response = token_for(carol).post(url("report_correct", submitted.pk), {"reason": "Meter misread."}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["version"] == 2 and body["corrects"] == submitted.pk and body["status"] == "draft"
    assert body["correction_reason"] == "Meter misread." and len(body["lines"]) == 1


def test_a_correction_needs_a_reason(token_for, carol, submitted):
    response = token_for(carol).post(url("report_correct", submitted.pk), {"reason": " "}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    assert AnnualReport.objects.count() == 1


def test_a_draft_can_be_abandoned(token_for, carol, report):
    response = token_for(carol).post(url("report_abandon", report.pk))
    assert response.status_code == 200 and response.json()["status"] == "abandoned"


# Errors


def test_a_negative_amount_is_a_400_on_the_amount_and_saves_nothing(token_for, carol, report):
    response = token_for(carol).post(url("report_lines", report.pk), LINE | {"activity_amount": "-5"}, format="json")
    assert response.status_code == 400
    assert response.json()["activity_amount"] == ["Activity data cannot be negative."]
    assert not report.lines.exists()


def test_errors_are_in_the_callers_language(token_for, carol, report):
    client = token_for(carol, language="zh-hans")
    response = client.post(url("report_lines", report.pk), LINE | {"activity_amount": "-5"}, format="json")
    assert response.json()["activity_amount"] == ["活动数据不能为负数。"]


def test_a_unit_that_does_not_fit_the_factor_is_a_400_on_the_unit(token_for, carol, report):
    response = token_for(carol).post(url("report_lines", report.pk), LINE | {"activity_unit": "t"}, format="json")
    assert response.status_code == 400 and "activity_unit" in response.json()
    assert not report.lines.exists()


def test_a_json_float_is_refused_as_inexact(token_for, carol, report):
    response = token_for(carol).post(url("report_lines", report.pk), LINE | {"activity_amount": 10.5}, format="json")
    assert response.status_code == 400 and "as strings" in response.json()["activity_amount"][0]
    assert not report.lines.exists()


def test_a_whole_json_number_is_exact_and_accepted(token_for, carol, report):
    response = token_for(carol).post(url("report_lines", report.pk), LINE | {"activity_amount": 10000}, format="json")
    assert response.status_code == 201 and response.json()["reported_tco2e"] == "4200.000"


def test_another_units_facility_is_a_400_on_the_facility(token_for, carol, report, other_unit):
    facility(other_unit, "OTHER-1")
    response = token_for(carol).post(url("report_lines", report.pk), LINE | {"facility": "OTHER-1"}, format="json")
    assert response.status_code == 400 and "facility" in response.json()


def test_another_units_report_is_a_404_and_nothing_changes(token_for, erin, report):
    client = token_for(erin)
    assert client.get(url("report", report.pk)).status_code == 404
    assert client.post(url("report_lines", report.pk), LINE, format="json").status_code == 404
    assert client.post(url("report_abandon", report.pk)).status_code == 404
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT and not report.lines.exists()


def test_an_unknown_line_of_a_report_is_a_404(token_for, carol, report, erin, other_unit):
    others = draft(erin, other_unit)
    line = add_electricity(erin, others, facility(other_unit))
    assert token_for(carol).delete(url("report_line", report.pk, line.pk)).status_code == 404
    assert others.lines.count() == 1


def test_editing_a_submitted_report_is_a_400(token_for, carol, submitted):
    client = token_for(carol)
    added = client.post(url("report_lines", submitted.pk), LINE, format="json")
    assert added.status_code == 400 and "start a correction" in added.json()["non_field_errors"][0]
    production = {"product_name": "X", "product_output": "1", "product_unit": "t"}
    assert client.put(url("report_production", submitted.pk), production, format="json").status_code == 400
    assert submitted.lines.count() == 1


def test_submitting_without_the_declaration_names_both_fields(token_for, carol, unit, report):
    add_electricity(carol, report, facility(unit))
    response = token_for(carol).post(url("report_submit", report.pk), {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"declaration_confirmed", "declared_by_name"}
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFT


def test_starting_a_report_for_another_unit_is_a_404(token_for, erin, unit):
    listed(unit)
    response = token_for(erin).post(url("reports"), {"organisation": unit.pk, "year": YEAR}, format="json")
    assert response.status_code == 404 and not AnnualReport.objects.exists()


def test_starting_a_report_for_an_unlisted_year_is_a_400(token_for, carol, unit):
    response = token_for(carol).post(url("reports"), {"organisation": unit.pk, "year": YEAR}, format="json")
    assert response.status_code == 400 and "published" in response.json()["non_field_errors"][0]


def test_the_list_shows_only_the_units_own_reports(token_for, carol, erin, unit, other_unit, report):
    draft(erin, other_unit)
    body = token_for(carol).get(url("reports")).json()
    assert [row["id"] for row in body["results"]] == [report.pk]


def test_the_list_filters_by_status(token_for, carol, submitted):
    client = token_for(carol)
    assert client.get(url("reports"), {"status": "submitted"}).json()["count"] == 1
    assert client.get(url("reports"), {"status": "draft"}).json()["count"] == 0


def test_report_list_runs_a_fixed_number_of_queries(session_for, alice):
    def add(n):
        for _ in range(n):
            org = OrganisationFactory()
            staff = UserFactory()
            MembershipFactory(user=staff, organisation=org, role=Role.UNIT_STAFF)
            draft(staff, org)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url("reports")).status_code == 200
        return len(ctx.captured_queries)

    client = session_for(alice)
    add(3)
    client.get(url("reports"))
    few = count()
    add(27)
    assert count() == few


# Agencies and the bureau


@pytest.fixture
def agency(dave):
    return Organisation.objects.get(memberships__user=dave, memberships__role=Role.AGENCY_STAFF)


def test_an_agency_with_a_grant_fills_in_the_report_but_cannot_submit(token_for, carol, dave, unit, agency, report):
    compilation_grant(actor=carol, organisation=unit, agency=agency, year=YEAR)
    client = token_for(dave)
    assert client.post(url("report_lines", report.pk), LINE, format="json").status_code == 201
    declaration = {"declaration_confirmed": True, "declared_by_name": "Dave"}
    refused = client.post(url("report_submit", report.pk), declaration, format="json")
    assert refused.status_code == 403 and "own staff" in refused.json()["detail"]


def test_an_agency_without_a_grant_does_not_find_the_report(token_for, dave, report):
    assert token_for(dave).get(url("report", report.pk)).status_code == 404


def test_bureau_accounts_cannot_use_a_token(token_for, alice, report):
    response = token_for(alice).get(url("reports"))
    assert response.status_code == 401 and "second factor" in response.json()["detail"]


def test_the_bureau_reads_with_its_session_but_cannot_file(session_for, alice, report):
    client = session_for(alice)
    assert client.get(url("report", report.pk)).status_code == 200
    assert client.post(url("report_lines", report.pk), LINE, format="json").status_code == 403
    assert not report.lines.exists()


@pytest.mark.parametrize("name", ["reports", "plans"])
def test_anonymous_callers_must_authenticate(name):
    assert APIClient().get(url(name)).status_code in DENIED


# Data quality control plans


PARAMETER = {
    "facility": "F1",
    "emission_source": "Boiler no. 2, natural gas",
    "parameter_name": "Gas consumed",
    "method": "measured",
    "frequency": "monthly",
    "responsible_person": "Li Si",
    "instrument_name": "Gas flow meter FM-1",
    "calibration_date": "2026-03-01",
}


def test_the_plan_path_end_to_end(token_for, session_for, carol, alice, unit):
    listed(unit, year=PLAN_YEAR - 1)
    facility(unit)
    client = token_for(carol)
    created = client.post(url("plans"), {"organisation": unit.pk, "year": PLAN_YEAR}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    client.put(url("plan_boundary", pk), {"boundary": "Site A: boilers 1-3."}, format="json")
    people = {"responsible_name": "Zhang San", "responsible_contact": "021-1234 5678"}
    client.put(url("plan_responsibilities", pk), people, format="json")
    assert client.post(url("plan_parameters", pk), PARAMETER, format="json").status_code == 201
    submitted = client.post(url("plan_submit", pk))
    assert submitted.status_code == 200 and submitted.json()["reference"] == f"DQP-{PLAN_YEAR}-{unit.uscc}-v1"

    bureau = session_for(alice)
    returned = bureau.post(url("plan_return", pk), {"boundary": "Add boiler 4."}, format="json")
    assert returned.status_code == 200 and returned.json()["status"] == "returned"

    revised = client.post(url("plan_revise", pk))
    assert revised.status_code == 201
    new = revised.json()
    assert new["version"] == 2 and new["revises"] == pk and len(new["parameters"]) == 1
    assert [(c["section"], c["comment"]) for c in new["comments"]] == [("boundary", "Add boiler 4.")]
    client.put(url("plan_boundary", new["id"]), {"boundary": "Site A: boilers 1-4."}, format="json")
    assert client.post(url("plan_submit", new["id"])).status_code == 200
    accepted = bureau.post(url("plan_accept", new["id"]))
    assert accepted.status_code == 200 and no_floats(accepted)["status"] == "accepted"
    assert QualityPlan.objects.get(pk=new["id"]).status == PlanStatus.ACCEPTED


def test_a_measured_parameter_without_a_calibration_date_is_a_400(token_for, carol, unit):
    plan = plan_draft(carol, unit)
    facility(unit)
    payload = PARAMETER | {"calibration_date": None}
    response = token_for(carol).post(url("plan_parameters", plan.pk), payload, format="json")
    assert response.status_code == 400 and "calibration_date" in response.json()
    assert not plan.parameters.exists()


def test_an_incomplete_plan_lists_what_is_missing(token_for, carol, unit):
    plan = plan_draft(carol, unit)
    response = token_for(carol).post(url("plan_submit", plan.pk))
    assert response.status_code == 400 and len(response.json()["non_field_errors"]) == 3


def test_a_plan_parameter_can_be_removed(token_for, carol, unit):
    plan = complete_plan(carol, plan_draft(carol, unit), facility(unit))
    row = plan.parameters.get()
    assert token_for(carol).delete(url("plan_parameter", plan.pk, row.pk)).status_code == 204
    assert not plan.parameters.exists()


def test_another_units_plan_is_a_404(token_for, erin, carol, unit):
    plan = plan_draft(carol, unit)
    client = token_for(erin)
    assert client.get(url("plan", plan.pk)).status_code == 404
    assert client.put(url("plan_boundary", plan.pk), {"boundary": "x"}, format="json").status_code == 404
    plan.refresh_from_db()
    assert plan.boundary == ""


def test_unit_staff_cannot_decide_on_a_plan(token_for, carol, unit):
    plan = submitted_plan(carol, unit)
    client = token_for(carol)
    assert client.post(url("plan_accept", plan.pk)).status_code == 403
    assert client.post(url("plan_return", plan.pk), {"boundary": "x"}, format="json").status_code == 403
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED


def test_returning_a_plan_needs_a_comment(session_for, alice, carol, unit):
    plan = submitted_plan(carol, unit)
    response = session_for(alice).post(url("plan_return", plan.pk), {}, format="json")
    assert response.status_code == 400 and response.json()["non_field_errors"]
    plan.refresh_from_db()
    assert plan.status == PlanStatus.SUBMITTED


def test_accepting_a_draft_plan_is_a_400(session_for, alice, carol, unit):
    plan = plan_draft(carol, unit)
    assert session_for(alice).post(url("plan_accept", plan.pk)).status_code == 400


def test_the_plan_list_is_scoped_and_filtered(token_for, carol, erin, unit, other_unit):
    plan = plan_draft(carol, unit)
    plan_draft(erin, other_unit)
    client = token_for(carol)
    assert [row["id"] for row in client.get(url("plans")).json()["results"]] == [plan.pk]
    assert client.get(url("plans"), {"year": PLAN_YEAR + 1}).json()["count"] == 0


def test_starting_a_plan_for_another_unit_is_a_404(token_for, erin, unit):
    listed(unit)
    response = token_for(erin).post(url("plans"), {"organisation": unit.pk, "year": PLAN_YEAR}, format="json")
    assert response.status_code == 404 and not QualityPlan.objects.exists()


# The OpenAPI document


def test_every_endpoint_is_documented_with_decimals_as_strings(client):
    from reporting import api_urls

    schema = client.get("/api/schema/", {"format": "json"}).json()
    prefix = url("factors").removesuffix("factors/")
    documented = {path for path in schema["paths"] if path.startswith(prefix)}
    # drf-spectacular names a `pk` path parameter `id`
    routes = [str(p.pattern).replace("<int:pk>", "{id}") for p in api_urls.urlpatterns]
    expected = {prefix + route.replace("<int:", "{").replace(">", "}") for route in routes}
    assert expected == documented
    total = schema["components"]["schemas"]["TotalsOutput"]["properties"]["total_tco2e"]
    assert total["type"] == "string" and total["format"] == "decimal"
