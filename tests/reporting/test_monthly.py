"""Monthly key parameters (National (10)): filing, superseding, the year to date and projection,
who may file which months, and the unit's and bureau's pages."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carbon_portal.models import AuditEntry
from carbon_portal.roles import Role
from registry.choices import EmissionSource
from registry.models import Organisation
from reporting.models import MonthlyActivity
from reporting.selectors import monthly as monthly_selectors
from reporting.services import report_create_draft
from reporting.services.access import compilation_grant
from reporting.services.monthly import monthly_file, monthly_withdraw
from tests.factories import EmissionRecordFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.reporting.helpers import YEAR, add_electricity, draft, facility, listed, revise_grid_factor, submit

pytestmark = pytest.mark.django_db

TODAY = date(YEAR, 6, 15)


@pytest.fixture(autouse=True)
def _pinned_today(monkeypatch):
    """Mid-June 2026: January to June are open, July onwards is the future."""
    monkeypatch.setattr(monthly_selectors, "today", lambda: TODAY)


@pytest.fixture
def on_list(unit):
    return listed(unit)


def electricity(actor, org, month, mwh="1000", *, year=YEAR, **kwargs):
    fields = {
        "category": "purchased_electricity",
        "factor_code": "sh_grid_electricity",
        "activity_amount": mwh,
        "activity_unit": "mwh",
        "source_description": "Purchased electricity",
        "facility": facility(org),
    } | kwargs
    return monthly_file(actor=actor, organisation=org, year=year, month=month, **fields)


def biomass_gas(actor, org, month):
    return monthly_file(
        actor=actor,
        organisation=org,
        year=YEAR,
        month=month,
        facility=facility(org),
        category="fuel_combustion",
        factor_code="natural_gas",
        activity_amount="10",
        activity_unit="10k_nm3",
        source_description="Biogas boiler",
        is_biomass=True,
    )


def current(org):
    return MonthlyActivity.objects.filter(organisation=org, superseded_at__isnull=True)


# Calculation: the report form's path, the factor of the year frozen on the row


def test_a_month_of_grid_electricity_is_calculated_like_the_report_form(carol, unit, on_list):
    row = electricity(carol, unit, 1, "1000")
    report = report_create_draft(actor=carol, organisation=unit, year=YEAR)
    line = add_electricity(carol, report, facility(unit), mwh="1000")
    assert row.emissions_tco2e == Decimal("420.000") == line.emissions_tco2e
    assert monthly_selectors.year_to_date(unit.pk, YEAR).months[0].total_tco2e == Decimal("420.000")


def test_the_factor_of_the_year_is_frozen_on_the_row(alice, carol, unit, on_list):
    row = electricity(carol, unit, 1, "1000")
    revise_grid_factor(alice, "0.5")
    row.refresh_from_db()
    assert (row.factor_version, Decimal(row.factor_snapshot["ef_tco2_per_mwh"])) == (1, Decimal("0.42"))
    assert row.emissions_tco2e == Decimal("420.000")


def test_a_factor_for_another_category_is_refused(carol, unit, on_list):
    with pytest.raises(ValidationError) as exc:
        electricity(carol, unit, 1, category="purchased_heat")
    assert "factor_code" in exc.value.error_dict


def test_activity_in_a_unit_that_does_not_fit_the_factor_is_refused(carol, unit, on_list):
    with pytest.raises(ValidationError) as exc:
        electricity(carol, unit, 1, activity_unit="gj")
    assert "activity_unit" in exc.value.error_dict


def test_biomass_on_a_source_that_is_not_a_fuel_is_refused(carol, unit, on_list):
    with pytest.raises(ValidationError) as exc:
        electricity(carol, unit, 1, is_biomass=True)
    assert "is_biomass" in exc.value.error_dict


@pytest.mark.parametrize("amount", ["-5", "a lot", "NaN"])
def test_bad_activity_data_is_refused_and_the_saved_figure_kept(carol, unit, on_list, amount):
    saved = electricity(carol, unit, 1, "1000")
    with pytest.raises(ValidationError) as exc:
        electricity(carol, unit, 1, amount)
    assert "activity_amount" in exc.value.error_dict
    assert list(MonthlyActivity.objects.all()) == [saved]
    saved.refresh_from_db()
    assert saved.superseded_at is None and saved.emissions_tco2e == Decimal("420.000")


# Filing again and withdrawing


def test_filing_a_source_and_month_again_supersedes_and_keeps_the_old_figure(carol, unit, on_list):
    first = electricity(carol, unit, 1, "1000")
    second = electricity(carol, unit, 1, "2000")
    first.refresh_from_db()
    assert first.superseded_at == second.filed_at
    assert list(current(unit)) == [second]
    assert list(monthly_selectors.superseded_rows(unit.pk, YEAR)) == [first]
    assert monthly_selectors.year_to_date(unit.pk, YEAR).total_tco2e == Decimal("840.000")


def test_another_source_in_the_same_month_adds_to_it(carol, unit, on_list):
    electricity(carol, unit, 1, "1000")
    electricity(carol, unit, 1, "1000", source_description="Office building")
    assert current(unit).count() == 2
    assert monthly_selectors.year_to_date(unit.pk, YEAR).months[0].total_tco2e == Decimal("840.000")


def test_filing_and_withdrawing_are_audited(carol, unit, on_list):
    first = electricity(carol, unit, 1, "1000")
    second = electricity(carol, unit, 1, "2000")
    monthly_withdraw(actor=carol, row=second)
    verbs = list(AuditEntry.objects.order_by("id").values_list("verb", "data__supersedes"))
    assert verbs[-3:] == [("monthly.file", None), ("monthly.file", first.pk), ("monthly.withdraw", None)]


def test_a_withdrawn_figure_leaves_the_year_to_date_and_stays_in_the_history(carol, unit, on_list):
    row = electricity(carol, unit, 1, "1000")
    monthly_withdraw(actor=carol, row=row)
    assert monthly_selectors.year_to_date(unit.pk, YEAR).months_filed == []
    assert list(monthly_selectors.superseded_rows(unit.pk, YEAR)) == [row]


def test_a_figure_cannot_be_withdrawn_twice(carol, unit, on_list):
    row = electricity(carol, unit, 1, "1000")
    monthly_withdraw(actor=carol, row=row)
    with pytest.raises(ValidationError):
        monthly_withdraw(actor=carol, row=row)


# Year to date and projection


@pytest.fixture
def jan_100_feb_140(alice, carol, unit, on_list):
    """At 0.5 tCO2/MWh: January 200 MWh = 100 t, February 280 MWh = 140 t."""
    revise_grid_factor(alice, "0.5")
    electricity(carol, unit, 1, "200")
    electricity(carol, unit, 2, "280")


def test_year_to_date_is_the_sum_of_the_months_filed(unit, jan_100_feb_140):
    ytd = monthly_selectors.year_to_date(unit.pk, YEAR)
    assert ytd.months_filed == [1, 2]
    assert [m.total_tco2e for m in ytd.months[:3]] == [Decimal("100.000"), Decimal("140.000"), None]
    assert ytd.total_tco2e == Decimal("240.000")


def test_projection_is_the_mean_of_the_months_filed_times_12(unit, jan_100_feb_140):
    assert monthly_selectors.projection(unit.pk, YEAR).projected_tco2e == Decimal("1440.000")


def test_a_month_without_figures_is_left_out_of_the_projection(carol, unit, jan_100_feb_140):
    electricity(carol, unit, 5, "360")  # 180 t in May; March and April not filed
    found = monthly_selectors.projection(unit.pk, YEAR)
    assert found.months_covered == 3
    assert found.projected_tco2e == Decimal("1680.000")  # (100 + 140 + 180) / 3 x 12


def test_no_projection_before_any_month_is_filed(unit, on_list):
    found = monthly_selectors.projection(unit.pk, YEAR)
    assert found.projected_tco2e is None and found.year_to_date.total_tco2e == 0


def test_biomass_co2_is_left_out_of_the_month_and_year_to_date(carol, unit, on_list):
    electricity(carol, unit, 1, "1000")
    gas = biomass_gas(carol, unit, 1)
    ytd = monthly_selectors.year_to_date(unit.pk, YEAR)
    assert gas.is_biomass and gas.emissions_tco2e > 0
    assert ytd.months[0].total_tco2e == ytd.total_tco2e == Decimal("420.000")
    assert ytd.biomass_tco2 == gas.emissions_tco2e.quantize(Decimal("0.001"))
    assert monthly_selectors.projection(unit.pk, YEAR).projected_tco2e == Decimal("5040.000")


def test_last_years_determined_figure_is_shown_for_comparison(unit, jan_100_feb_140):
    EmissionRecordFactory(
        organisation=unit, year=YEAR - 1, emissions_tco2e=Decimal("1200"), source=EmissionSource.DETERMINED
    )
    found = monthly_selectors.projection(unit.pk, YEAR)
    assert found.previous_tco2e == Decimal("1200")
    assert found.previous_source == "Determined by the bureau"
    assert found.change_percent == Decimal("20.0")


def test_last_years_submitted_report_is_the_comparison_when_nothing_is_on_record(carol, unit, on_list):
    report = draft(carol, unit, year=YEAR - 1)
    add_electricity(carol, report, facility(unit), mwh="1000")
    submit(carol, report)
    unit.emission_records.all().delete()  # figures from before the registry kept them
    found = monthly_selectors.projection(unit.pk, YEAR)
    assert (found.previous_tco2e, found.previous_source) == (Decimal("420.000"), "Submitted report")


# Which months, which units, who


def test_a_month_in_the_future_is_refused(carol, unit, on_list):
    with pytest.raises(ValidationError) as exc:
        electricity(carol, unit, 7)
    assert "month" in exc.value.error_dict
    assert not MonthlyActivity.objects.exists()


def test_the_current_month_may_be_filed(carol, unit, on_list):
    assert electricity(carol, unit, 6).month == 6


def test_a_future_year_is_refused(carol, unit, on_list):
    listed(unit, year=YEAR + 1)
    with pytest.raises(ValidationError):
        electricity(carol, unit, 1, year=YEAR + 1)


def test_a_year_before_2013_is_refused(carol, unit):
    listed(unit, year=2012)
    with pytest.raises(ValidationError):
        electricity(carol, unit, 1, year=2012)


def test_a_unit_not_on_the_list_is_refused(carol, unit):
    with pytest.raises(ValidationError) as exc:
        electricity(carol, unit, 1)
    assert "not on the published 2026 or 2025 list" in exc.value.messages[0]
    assert not MonthlyActivity.objects.exists()


def test_a_unit_removed_from_the_list_is_refused(carol, unit):
    listed(unit, removed=True)
    with pytest.raises(ValidationError):
        electricity(carol, unit, 1)


def test_a_unit_on_last_years_list_files_this_year(carol, unit):
    listed(unit, year=YEAR - 1)
    assert electricity(carol, unit, 1).year == YEAR


def test_another_units_staff_cannot_file(erin, unit, on_list):
    with pytest.raises(PermissionDenied):
        electricity(erin, unit, 1)


def test_another_units_staff_cannot_withdraw(carol, erin, unit, on_list):
    row = electricity(carol, unit, 1)
    with pytest.raises(PermissionDenied):
        monthly_withdraw(actor=erin, row=row)
    row.refresh_from_db()
    assert row.superseded_at is None


def test_bureau_staff_cannot_file_for_a_unit(alice, unit, on_list):
    with pytest.raises(PermissionDenied):
        electricity(alice, unit, 1)


@pytest.fixture
def agency(dave):
    return Organisation.objects.get(memberships__user=dave, memberships__role=Role.AGENCY_STAFF)


def test_an_agency_with_the_years_grant_files_for_the_unit(carol, dave, unit, on_list, agency):
    compilation_grant(actor=carol, organisation=unit, agency=agency, year=YEAR)
    assert electricity(dave, unit, 1).filed_by == dave


def test_an_agency_without_a_grant_cannot_file(dave, unit, on_list):
    with pytest.raises(PermissionDenied):
        electricity(dave, unit, 1)


# Pages


def unit_url(org, year=YEAR):
    return reverse("reporting:monthly_unit", args=[org.pk, year])


def file_url(org, year=YEAR):
    return reverse("reporting:monthly_file", args=[org.pk, year])


def form_data(org, month=1, amount="1000"):
    return {
        "month": month,
        "facility": facility(org).pk,
        "category": "purchased_electricity",
        "source_description": "Purchased electricity",
        "factor_code": "sh_grid_electricity",
        "activity_amount": amount,
        "activity_unit": "mwh",
    }


@pytest.mark.parametrize("name", ["reporting:monthly_list", "reporting:monthly_admin"])
def test_anonymous_is_sent_to_login_from_monthly_lists(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_anonymous_is_sent_to_login_from_a_units_monthly_page(client, unit):
    response = client.get(unit_url(unit))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_units_staff_get_404_on_the_monthly_page(client_for, erin, unit, on_list):
    assert client_for(erin).get(unit_url(unit)).status_code == 404


def test_another_units_staff_get_404_when_filing(client_for, erin, unit, on_list):
    assert client_for(erin).post(file_url(unit), form_data(unit)).status_code == 404
    assert not MonthlyActivity.objects.exists()


def test_another_units_staff_get_404_when_withdrawing(client_for, carol, erin, unit, on_list):
    row = electricity(carol, unit, 1)
    url = reverse("reporting:monthly_withdraw", args=[unit.pk, YEAR, row.pk])
    assert client_for(erin).post(url).status_code == 404


def test_the_unit_page_shows_the_grid_year_to_date_and_projection(client_for, carol, unit, jan_100_feb_140):
    response = client_for(carol).get(unit_url(unit))
    body = response.content.decode()
    assert response.status_code == 200
    assert "December" in body and "Not begun" in body
    assert "1,440" in body and "240" in body
    assert "mean of the months that have figures filed, times 12" in body


def test_the_unit_files_a_month_from_the_page(client_for, carol, unit, on_list):
    response = client_for(carol).post(file_url(unit), form_data(unit, month=3))
    assert response.status_code == 302
    assert current(unit).get().emissions_tco2e == Decimal("420.000")


def test_a_negative_amount_on_the_page_shows_the_error_and_keeps_the_saved_figure(client_for, carol, unit, on_list):
    saved = electricity(carol, unit, 1, "1000")
    response = client_for(carol).post(file_url(unit), form_data(unit, amount="-1"))
    assert response.status_code == 200
    assert "Activity data cannot be negative." in response.content.decode()
    assert list(current(unit)) == [saved]


def test_the_form_offers_no_month_in_the_future(client_for, carol, unit, on_list):
    response = client_for(carol).post(file_url(unit), form_data(unit, month=7))
    assert response.status_code == 200 and not MonthlyActivity.objects.exists()


def test_the_unit_withdraws_a_figure_from_the_page(client_for, carol, unit, on_list):
    row = electricity(carol, unit, 1)
    url = reverse("reporting:monthly_withdraw", args=[unit.pk, YEAR, row.pk])
    assert client_for(carol).post(url).status_code == 302
    row.refresh_from_db()
    assert row.superseded_at is not None


def test_the_unit_sees_its_years_on_the_list_page(client_for, carol, unit, on_list):
    response = client_for(carol).get(reverse("reporting:monthly_list"))
    assert unit_url(unit) in response.content.decode()


def test_an_agency_with_the_years_grant_reaches_the_units_page(client_for, carol, dave, unit, on_list, agency):
    compilation_grant(actor=carol, organisation=unit, agency=agency, year=YEAR)
    client = client_for(dave)
    assert client.get(unit_url(unit)).status_code == 200
    assert unit_url(unit) in client.get(reverse("reporting:monthly_list")).content.decode()


def test_bureau_reads_a_units_page_but_cannot_file(client_for, alice, unit, on_list):
    client = client_for(alice)
    assert client.get(unit_url(unit)).status_code == 200
    assert client.post(file_url(unit), form_data(unit)).status_code == 403


def test_the_bureau_overview_is_for_the_bureau_only(client_for, carol):
    assert client_for(carol).get(reverse("reporting:monthly_admin")).status_code == 403


def test_bureau_sees_every_units_year_to_date_and_projection(client_for, alice, carol, erin, unit, other_unit):
    listed(unit)
    listed(other_unit, year=YEAR - 1)
    electricity(carol, unit, 1, "1000")
    electricity(erin, other_unit, 2, "2000")
    body = client_for(alice).get(reverse("reporting:monthly_admin")).content.decode()
    assert unit.name in body and other_unit.name in body
    assert "5,040" in body and "10,080" in body


def test_the_bureau_overview_searches_by_name(alice, unit, other_unit):
    listed(unit)
    listed(other_unit)
    rows = monthly_selectors.bureau_monthly_overview(YEAR, q="金山")
    assert [row.organisation for row in rows] == [unit]


def test_the_bureau_overview_leaves_out_units_not_listed(alice, unit, other_unit):
    listed(unit)
    assert [row.organisation for row in monthly_selectors.bureau_monthly_overview(YEAR)] == [unit]


def _add_units(count):
    """`count` listed units, each with two months filed; half with last year's figure on record."""
    filer = UserFactory()
    for n in range(count):
        org = OrganisationFactory()
        listed(org)
        MembershipFactory(user=filer, organisation=org, role=Role.UNIT_STAFF)
        if n % 2:
            EmissionRecordFactory(organisation=org, year=YEAR - 1)
        electricity(filer, org, 1)
        electricity(filer, org, 2)


def _overview_queries(client, expected_rows):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("reporting:monthly_admin"))
    assert response.status_code == 200 and len(response.context["page"]) == expected_rows
    return len(ctx)


def test_the_bureau_overview_runs_the_same_queries_for_2_and_20_units(client_for, alice):
    client = client_for(alice)
    _add_units(2)
    few = _overview_queries(client, 2)
    _add_units(18)
    assert _overview_queries(client, 20) == few


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_bureau_downloads_the_overview(client_for, alice, carol, unit, on_list, fmt):
    electricity(carol, unit, 1, "1000")
    response = client_for(alice).get(reverse("reporting:monthly_admin_download", args=[fmt]), {"year": YEAR})
    assert response.status_code == 200
    assert f"monthly-key-parameters-{YEAR}.{fmt}" in response["Content-Disposition"]


def test_the_csv_download_holds_the_year_to_date_and_projection(client_for, alice, carol, unit, on_list):
    electricity(carol, unit, 1, "1000")
    response = client_for(alice).get(reverse("reporting:monthly_admin_download", args=["csv"]), {"year": YEAR})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert f"{unit.name},{unit.uscc},1,420.000,5040.000" in body


def test_another_format_is_not_found(client_for, alice):
    assert client_for(alice).get(reverse("reporting:monthly_admin_download", args=["pdf"])).status_code == 404


def test_units_cannot_download_the_overview(client_for, carol):
    assert client_for(carol).get(reverse("reporting:monthly_admin_download", args=["csv"])).status_code == 403
