"""The live preview on the "Add an emission source" form: the same figure as the saved line, the
service's refusals, warnings, permissions, and the page without JavaScript."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carbon_portal.models import AuditEntry
from carbon_portal.roles import Role
from registry.models import Organisation
from reporting.models import ReportLine
from reporting.services.access import compilation_grant
from tests.reporting.helpers import YEAR, add_electricity, draft, facility, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(carol, unit):
    return draft(carol, unit)


def fields(unit, **overrides):
    return {
        "facility": facility(unit).pk,
        "category": "purchased_electricity",
        "source_description": "Grid supply",
        "factor_code": "sh_grid_electricity",
        "activity_amount": "10000",
        "activity_unit": "mwh",
    } | overrides


def preview(client, report, data, method="post"):
    url = reverse("reporting:report_line_preview", args=[report.pk])
    return getattr(client, method)(url, data, HTTP_HX_REQUEST="true")


# The figure


def test_the_preview_gives_the_figure_the_saved_line_gets(client_for, carol, unit, report):
    client = client_for(carol)
    shown = preview(client, report, fields(unit))
    assert shown.status_code == 200 and "4,200.000" in shown.text
    client.post(reverse("reporting:report_line_add", args=[report.pk]), fields(unit))
    saved = report.lines.get()
    assert shown.context["preview"].line.reported_tco2e == saved.reported_tco2e == Decimal("4200.000")


def test_the_preview_converts_kwh_into_the_factors_mwh(client_for, carol, unit, report):
    shown = preview(client_for(carol), report, fields(unit, activity_amount="12000", activity_unit="kwh"))
    assert "12,000 kWh = 12 MWh" in shown.text and "5.040" in shown.text


def test_the_preview_shows_the_factor_of_the_reports_year(client_for, carol, unit, report):
    shown = preview(client_for(carol), report, fields(unit)).text
    assert "sh_grid_electricity" in shown and "0.42" in shown and "Shanghai notice 沪环气〔2022〕34号" in shown


def test_the_preview_answers_a_get_as_well(client_for, carol, unit, report):
    shown = preview(client_for(carol), report, fields(unit), method="get")
    assert shown.status_code == 200 and "4,200.000" in shown.text


def test_the_preview_saves_nothing(client_for, carol, unit, report):
    audits = AuditEntry.objects.count()
    preview(client_for(carol), report, fields(unit))
    assert not ReportLine.objects.exists() and AuditEntry.objects.count() == audits


def test_an_unfinished_form_asks_for_the_figures(client_for, carol, unit, report):
    shown = preview(client_for(carol), report, fields(unit, activity_amount=""))
    assert shown.status_code == 200 and "Choose an emission factor" in shown.text


# Impossible values: the service's messages, status 200 so htmx swaps them in


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"activity_amount": "-1"}, "Activity data cannot be negative."),
        ({"activity_amount": "ten"}, "Activity data must be a number."),
        ({"activity_unit": "gj"}, "Activity data in GJ does not fit a factor expressed per MWh."),
        (
            {"factor_code": "national_grid_electricity"},
            "No emission factor for national_grid_electricity is valid in 2026.",
        ),
        ({"category": "purchased_heat"}, "is a factor for Purchased electricity, not for Purchased heat."),
        ({"is_biomass": "on"}, "Only a fuel can be biomass."),
    ],
)
def test_an_impossible_value_is_refused_with_the_services_message(client_for, carol, unit, report, overrides, message):
    shown = preview(client_for(carol), report, fields(unit, **overrides))
    assert shown.status_code == 200 and message in shown.text and "tCO2e" not in shown.text.split("</h2>", 1)[1]
    posted = client_for(carol).post(reverse("reporting:report_line_add", args=[report.pk]), fields(unit, **overrides))
    assert message in posted.text and not report.lines.exists()


def test_an_impossible_value_links_to_its_field(client_for, carol, unit, report):
    shown = preview(client_for(carol), report, fields(unit, activity_unit="gj"))
    assert 'href="#id_activity_unit"' in shown.text


# Warnings


def test_the_preview_warns_of_an_implausible_amount(client_for, carol, unit, report):
    shown = preview(client_for(carol), report, fields(unit, activity_amount="20000001"))
    assert 'data-warning="implausible_activity"' in shown.text and "8,400,000.420" in shown.text


def test_the_preview_warns_of_kwh_that_look_like_mwh(client_for, carol, unit, report):
    shown = preview(client_for(carol), report, fields(unit, activity_amount="850", activity_unit="kwh"))
    assert 'data-warning="kwh_looks_like_mwh"' in shown.text


def test_the_preview_warns_when_the_source_lifts_the_report_beyond_last_year(alice, client_for, carol, unit, report):
    from registry.services.organisations import year_settings_revise

    year_settings_revise(actor=alice, year=YEAR, note="test", reexam_year_on_year_pct=Decimal("10"))
    earlier = draft(carol, unit, year=YEAR - 1)
    add_electricity(carol, earlier, facility(unit), mwh="10000")
    submit(carol, earlier)
    add_electricity(carol, report, facility(unit), mwh="5000")
    client = client_for(carol)
    assert "yoy_total" not in preview(client, report, fields(unit, activity_amount="6000")).text  # +10% of 4,200 t
    assert 'data-warning="yoy_total"' in preview(client, report, fields(unit, activity_amount="6010")).text


# Permissions: only those who may fill in the draft; anyone else is not found


def test_anonymous_is_sent_to_login(client, unit, report):
    response = preview(client, report, fields(unit))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_units_staff_get_404(client_for, erin, unit, report):
    assert preview(client_for(erin), report, fields(unit)).status_code == 404


def test_an_agency_without_a_grant_gets_404(client_for, dave, unit, report):
    assert preview(client_for(dave), report, fields(unit)).status_code == 404


def test_an_agency_with_the_units_grant_sees_the_preview(client_for, carol, dave, unit, report):
    agency = Organisation.objects.get(memberships__user=dave, memberships__role=Role.AGENCY_STAFF)
    compilation_grant(actor=carol, organisation=unit, agency=agency, year=YEAR)
    assert preview(client_for(dave), report, fields(unit)).status_code == 200


def test_the_bureau_which_reads_but_does_not_fill_in_gets_404(client_for, alice, unit, report):
    assert preview(client_for(alice), report, fields(unit)).status_code == 404


def test_a_submitted_report_has_no_preview(client_for, carol, unit, report):
    add_electricity(carol, report, facility(unit))
    submit(carol, report)
    assert preview(client_for(carol), report, fields(unit)).status_code == 404


def test_the_preview_runs_the_same_queries_for_a_small_and_a_large_report(alice, client_for, carol, unit, report):
    from registry.services.organisations import year_settings_revise

    year_settings_revise(actor=alice, year=YEAR, note="test", reexam_year_on_year_pct=Decimal("10"))
    earlier = draft(carol, unit, year=YEAR - 1)
    for code in ("F1", "F2", "F3"):
        add_electricity(carol, earlier, facility(unit, code), mwh="100")
    submit(carol, earlier)
    client = client_for(carol)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert preview(client, report, fields(unit)).status_code == 200
        return len(ctx.captured_queries)

    add_electricity(carol, report, facility(unit), mwh="100")
    one = count()
    for code in ("F2", "F3", "F4", "F5") * 5:
        add_electricity(carol, report, facility(unit, code), mwh="100")
    assert count() == one


# The page: live help with htmx, and the same without JavaScript


def test_the_page_wires_each_input_to_the_preview(client_for, carol, report):
    page = client_for(carol).get(reverse("reporting:report_line_add", args=[report.pk])).text
    url = reverse("reporting:report_line_preview", args=[report.pk])
    assert page.count(f'hx-post="{url}"') == 6  # every input but the description
    assert 'hx-trigger="input changed delay:400ms, change"' in page and 'hx-target="#line-preview"' in page
    assert 'id="line-preview"' in page and 'hx-include="closest form"' in page


def test_each_factor_choice_shows_the_units_it_takes(client_for, carol, report):
    page = client_for(carol).get(reverse("reporting:report_line_add", args=[report.pk])).text
    assert "per MWh; enter MWh, kWh, 10⁴ kWh" in page and "per 10⁴ Nm³; enter 10⁴ Nm³, Nm³" in page


def test_without_javascript_adding_a_source_saves_it_and_goes_back_to_the_report(client_for, carol, unit, report):
    response = client_for(carol).post(reverse("reporting:report_line_add", args=[report.pk]), fields(unit))
    assert response.status_code == 302 and response["Location"] == reverse("reporting:report_detail", args=[report.pk])
    assert report.lines.get().reported_tco2e == Decimal("4200.000")


def test_without_javascript_a_refused_source_shows_the_errors_and_the_preview(client_for, carol, unit, report):
    response = client_for(carol).post(
        reverse("reporting:report_line_add", args=[report.pk]), fields(unit, activity_amount="-1")
    )
    assert response.status_code == 200 and "There is a problem" in response.text
    assert response.context["preview"].errors and not report.lines.exists()


def test_without_javascript_checking_shows_the_figure_and_saves_nothing(client_for, carol, unit, report):
    data = fields(unit, activity_amount="12000", activity_unit="kwh", source_description="", check="1")
    response = client_for(carol).post(reverse("reporting:report_line_add", args=[report.pk]), data)
    assert response.status_code == 200 and "12,000 kWh = 12 MWh" in response.text and "5.040" in response.text
    assert "There is a problem" not in response.text and not report.lines.exists()
    assert 'value="12000"' in response.text


def test_a_saved_source_with_a_warning_says_so_on_the_report(client_for, carol, unit, report):
    response = client_for(carol).post(
        reverse("reporting:report_line_add", args=[report.pk]),
        fields(unit, activity_amount="850", activity_unit="kwh"),
        follow=True,
    )
    assert report.lines.exists() and "Did you mean 850 MWh?" in response.text


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("1e30", "is too large to be one source"),
        ("0.0000001", "Give activity data with at most 6 decimal places."),
    ],
)
def test_an_amount_a_line_cannot_hold_is_refused(client_for, carol, unit, report, amount, message):
    shown = preview(client_for(carol), report, fields(unit, activity_amount=amount))
    assert shown.status_code == 200 and message in shown.text
