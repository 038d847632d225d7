"""Annual emission report pages: the permission matrix, the task list, forms and their errors."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reporting.choices import ReportStatus
from reporting.models import AnnualReport
from tests.reporting.helpers import YEAR, add_electricity, draft, facility, listed, submit

pytestmark = pytest.mark.django_db

DRAFT_PAGES = ["reporting:report_production", "reporting:report_line_add", "reporting:report_submit"]


@pytest.fixture
def report(carol, unit):
    return draft(carol, unit)


@pytest.fixture
def submitted(carol, unit, report):
    add_electricity(carol, report, facility(unit))
    return submit(carol, report)


def is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


# Permission matrix: anonymous / another unit (erin) / the unit (carol) / bureau (alice)


@pytest.mark.parametrize("name", ["reporting:report_detail", *DRAFT_PAGES])
def test_anonymous_is_sent_to_login_from_a_report(client, report, name):
    assert is_login_redirect(client.get(reverse(name, args=[report.pk])))


@pytest.mark.parametrize("name", ["reporting:report_list", "reporting:report_admin"])
def test_anonymous_is_sent_to_login_from_report_lists(client, name):
    assert is_login_redirect(client.get(reverse(name)))


@pytest.mark.parametrize("name", ["reporting:report_detail", *DRAFT_PAGES])
def test_another_units_staff_get_404_for_a_report(client_for, erin, report, name):
    assert client_for(erin).get(reverse(name, args=[report.pk])).status_code == 404


@pytest.mark.parametrize("name", ["reporting:report_detail", *DRAFT_PAGES])
def test_the_units_staff_reach_its_draft_report_pages(client_for, carol, report, name):
    assert client_for(carol).get(reverse(name, args=[report.pk])).status_code == 200


def test_bureau_staff_read_a_report(client_for, alice, report):
    assert client_for(alice).get(reverse("reporting:report_detail", args=[report.pk])).status_code == 200


@pytest.mark.parametrize("name", DRAFT_PAGES)
def test_bureau_staff_cannot_file_a_units_report(client_for, alice, report, name):
    assert client_for(alice).get(reverse(name, args=[report.pk])).status_code == 403


def test_correction_page_matrix(client, client_for, alice, carol, erin, submitted):
    url = reverse("reporting:report_correct", args=[submitted.pk])
    assert is_login_redirect(client.get(url))
    assert client_for(erin).get(url).status_code == 404
    assert client_for(alice).get(url).status_code == 403
    assert client_for(carol).get(url).status_code == 200


def test_another_units_staff_cannot_remove_a_line(client_for, carol, erin, unit, report):
    line = add_electricity(carol, report, facility(unit))
    url = reverse("reporting:report_line_remove", args=[report.pk, line.pk])
    assert client_for(erin).post(url).status_code == 404
    assert report.lines.count() == 1


def test_the_bureau_list_is_for_the_bureau_only(client_for, alice, carol, erin):
    url = reverse("reporting:report_admin")
    assert client_for(carol).get(url).status_code == 403
    assert client_for(erin).get(url).status_code == 403
    assert client_for(alice).get(url).status_code == 200


def test_another_units_staff_cannot_start_a_units_report(client_for, erin, unit):
    listed(unit)
    response = client_for(erin).post(reverse("reporting:report_start", args=[unit.pk, YEAR]))
    assert response.status_code == 404 and not AnnualReport.objects.exists()


# The unit's list of reports


def test_the_unit_sees_each_listed_year_with_its_due_date_and_status(client_for, carol, erin, unit):
    listed(unit)
    response = client_for(carol).get(reverse("reporting:report_list"))
    assert response.status_code == 200
    assert "2027-03-31" in response.text and "Not started" in response.text
    assert unit.name not in client_for(erin).get(reverse("reporting:report_list")).text


def test_starting_a_report_opens_its_task_list(client_for, carol, unit):
    listed(unit)
    response = client_for(carol).post(reverse("reporting:report_start", args=[unit.pk, YEAR]))
    report = AnnualReport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("reporting:report_detail", args=[report.pk])


def test_the_list_shows_the_status_of_a_started_report(client_for, carol, report):
    response = client_for(carol).get(reverse("reporting:report_list"))
    assert "Draft" in response.text and "Version 1" in response.text


# The report page


def test_the_report_page_shows_the_factor_used_and_the_totals(client_for, carol, unit, report):
    add_electricity(carol, report, facility(unit))
    response = client_for(carol).get(reverse("reporting:report_detail", args=[report.pk]))
    assert "sh_grid_electricity" in response.text and "沪环气〔2022〕34号" in response.text
    assert "0.42" in response.text and "4,200" in response.text
    assert response.context["totals"].total_tco2e == 4200


def test_the_report_page_runs_the_same_queries_for_5_and_30_lines(client_for, carol, unit, report):
    fac = facility(unit)
    client = client_for(carol)
    url = reverse("reporting:report_detail", args=[report.pk])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    for _ in range(5):
        add_electricity(carol, report, fac, mwh="100")
    five = count()
    for _ in range(25):
        add_electricity(carol, report, fac, mwh="100")
    assert count() == five


# Adding a source: errors in the error summary and beside the field


def line_data(unit, **overrides):
    return {
        "facility": facility(unit).pk,
        "category": "purchased_electricity",
        "source_description": "Grid supply",
        "factor_code": "sh_grid_electricity",
        "activity_amount": "10000",
        "activity_unit": "mwh",
    } | overrides


def test_adding_a_source_calculates_it(client_for, carol, unit, report):
    response = client_for(carol).post(reverse("reporting:report_line_add", args=[report.pk]), line_data(unit))
    assert response.status_code == 302
    assert report.lines.get().reported_tco2e == 4200


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"activity_amount": "-1"}, "Activity data cannot be negative."),
        ({"activity_amount": "ten"}, "Activity data must be a number."),
        ({"activity_unit": "gj"}, "does not fit a factor expressed per MWh"),
        ({"factor_code": "national_grid_electricity"}, "is valid in 2026"),
    ],
)
def test_a_wrong_source_is_explained_in_the_error_summary(client_for, carol, unit, report, overrides, message):
    response = client_for(carol).post(
        reverse("reporting:report_line_add", args=[report.pk]), line_data(unit, **overrides)
    )
    assert response.status_code == 200 and "There is a problem" in response.text
    assert message in response.text and not report.lines.exists()


def test_removing_a_source(client_for, carol, unit, report):
    line = add_electricity(carol, report, facility(unit))
    client_for(carol).post(reverse("reporting:report_line_remove", args=[report.pk, line.pk]))
    assert not report.lines.exists()


def test_production_data_is_saved(client_for, carol, report):
    data = {"product_name": "Ethylene", "product_output": "1200.5", "product_unit": "t"}
    client_for(carol).post(reverse("reporting:report_production", args=[report.pk]), data)
    report.refresh_from_db()
    assert report.has_production_data and report.product_output == 1200.5


# Check your answers, declaration, confirmation, correction


def test_submitting_without_the_declaration_shows_an_error(client_for, carol, unit, report):
    add_electricity(carol, report, facility(unit))
    response = client_for(carol).post(
        reverse("reporting:report_submit", args=[report.pk]), {"declared_by_name": "Zhang San"}
    )
    assert "Confirm the declaration" in response.text
    assert AnnualReport.objects.get(pk=report.pk).status == ReportStatus.DRAFT


def test_submitting_shows_the_confirmation_with_the_reference(client_for, carol, unit, report):
    add_electricity(carol, report, facility(unit))
    response = client_for(carol).post(
        reverse("reporting:report_submit", args=[report.pk]),
        {"declaration_confirmed": "on", "declared_by_name": "Zhang San"},
    )
    assert f"AER-2026-{unit.uscc}-v1" in response.text
    assert AnnualReport.objects.get(pk=report.pk).status == ReportStatus.SUBMITTED


@pytest.mark.parametrize("name", DRAFT_PAGES)
def test_a_submitted_reports_draft_pages_lead_back_to_the_report(client_for, carol, submitted, name):
    response = client_for(carol).post(
        reverse(name, args=[submitted.pk]), line_data(submitted.organisation), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("reporting:report_detail", args=[submitted.pk])
    assert "can no longer be changed" in response.text and submitted.lines.count() == 1


def test_starting_a_correction_opens_the_new_version(client_for, carol, submitted):
    response = client_for(carol).post(
        reverse("reporting:report_correct", args=[submitted.pk]), {"reason": "Meter misread"}
    )
    new = AnnualReport.objects.get(version=2)
    assert response["Location"] == reverse("reporting:report_detail", args=[new.pk])


def test_a_correction_without_a_reason_is_explained(client_for, carol, submitted):
    response = client_for(carol).post(reverse("reporting:report_correct", args=[submitted.pk]), {"reason": ""})
    assert "Say what the correction changes and why." in response.text


# The bureau's list


def test_the_bureau_list_filters_by_unit_and_status(client_for, alice, carol, unit, submitted, other_unit):
    url = reverse("reporting:report_admin")
    client = client_for(alice)

    def filings(**params):
        return [row.filing for row in client.get(url, {"year": YEAR, **params}).context["page"]]

    assert filings() == [submitted]
    assert filings(q=unit.uscc) == [submitted]
    assert not filings(q=other_unit.name_zh)
    assert not filings(status="draft")


def test_the_nav_links_to_emission_reports_for_unit_staff(client_for, carol):
    assert reverse("reporting:report_list") in client_for(carol).get(reverse("dashboard")).text


def test_factor_choices_are_labelled_with_the_version_for_the_reports_year():
    from types import SimpleNamespace

    from reporting.forms import ReportLineForm
    from reporting.models import EmissionFactor
    from tests.factories import OrganisationFactory

    report = SimpleNamespace(year=2026, organisation=OrganisationFactory())
    form = ReportLineForm(report=report, factors=EmissionFactor.objects.filter(superseded_at__isnull=True))
    label = dict(form.fields["factor_code"].choices)["sh_grid_electricity"]
    assert "2022" in label and "2021" not in label
