"""Warnings that help the filer (DOMAIN.md "Reporting"): each rule just inside and just outside its
bound, the year-on-year threshold of the year's settings, and where the report pages show them."""

from decimal import Decimal

import pytest
from django.urls import reverse

from registry.choices import EmissionSource, EntryCategory
from registry.services import emission_record_set
from registry.services.organisations import year_settings_revise
from reporting import warnings as rules
from reporting.calculation import Line, Totals
from reporting.choices import ActivityUnit, EmissionCategory
from reporting.selectors import report_lines, report_totals
from reporting.selectors.warnings import previous_year, report_warnings
from tests.reporting.helpers import YEAR, add_electricity, draft, facility, listed, submit

D = Decimal


def line(category=EmissionCategory.PURCHASED_ELECTRICITY, unit=ActivityUnit.MWH, activity="100", tonnes="42"):
    return Line("F1", category, "CO2", D(tonnes), activity=D(activity), activity_unit=unit)


def codes(found) -> list[str]:
    return [warning.code for warning in found]


def check(subject, *, entered=None, unit=ActivityUnit.MWH, regulated=True) -> list[str]:
    amount = subject.activity if entered is None else D(entered)
    return codes(rules.line_warnings(subject, entered_amount=amount, entered_unit=unit, is_regulated=regulated))


# One source on its own


def test_zero_activity_is_a_warning():
    assert check(line(activity="0", tonnes="0")) == ["zero_activity"]


def test_the_smallest_activity_is_not_zero():
    assert check(line(activity="0.001", tonnes="0.00042")) == []


@pytest.mark.parametrize(("category", "unit"), list(rules.PLAUSIBLE_ACTIVITY))
def test_activity_at_the_plausible_bound_passes(category, unit):
    bound = rules.PLAUSIBLE_ACTIVITY[(category, unit)]
    assert "implausible_activity" not in check(line(category, unit, activity=str(bound)))


@pytest.mark.parametrize(("category", "unit"), list(rules.PLAUSIBLE_ACTIVITY))
def test_activity_just_beyond_the_plausible_bound_is_a_warning(category, unit):
    bound = rules.PLAUSIBLE_ACTIVITY[(category, unit)]
    assert "implausible_activity" in check(line(category, unit, activity=str(bound + D("0.001"))))


def test_the_electricity_bound_is_twenty_million_mwh_and_the_fuel_bound_five_million_t():
    assert rules.MAX_ELECTRICITY_MWH == 20_000_000 and rules.MAX_FUEL_TONNES == 5_000_000


def test_an_implausible_amount_is_named_in_its_unit():
    found = rules.line_warnings(
        line(activity="20000001"), entered_amount=D("20000001"), entered_unit="mwh", is_regulated=True
    )
    assert "20,000,001 MWh" in found[0].message and "20,000,000 MWh" in found[0].message


def test_one_source_emitting_ten_million_t_passes():
    assert "implausible_emissions" not in check(line(tonnes="10000000"))


def test_one_source_emitting_more_than_ten_million_t_is_a_warning():
    assert "implausible_emissions" in check(line(tonnes="10000000.001"))


def test_under_1000_kwh_for_a_regulated_unit_looks_like_mwh():
    found = check(line(activity="0.999999"), entered="999.999", unit=ActivityUnit.KWH)
    assert found == ["kwh_looks_like_mwh"]


def test_1000_kwh_for_a_regulated_unit_passes():
    assert check(line(activity="1"), entered="1000", unit=ActivityUnit.KWH) == []


def test_a_few_kwh_for_a_unit_that_only_reports_pass():
    assert check(line(activity="0.5"), entered="500", unit=ActivityUnit.KWH, regulated=False) == []


def test_a_few_mwh_are_not_taken_for_kwh():
    assert check(line(activity="500"), entered="500", unit=ActivityUnit.MWH) == []


# Year on year: strictly beyond the threshold


def totals(total, by_category=None, by_facility=None) -> Totals:
    return Totals(D(total), D(0), by_facility or {}, {}, by_category or {})


def last_year(total="1000", by_category=None, by_facility=None, from_report=True) -> rules.PreviousYear:
    return rules.PreviousYear(YEAR - 1, from_report, D(total), by_category or {}, by_facility or {})


def yoy(current, previous, threshold="10", **kwargs) -> list[str]:
    return codes(rules.year_on_year_warnings(current, previous, D(threshold), **kwargs))


@pytest.mark.parametrize("total", ["1099", "901", "1100", "900"])
def test_a_change_within_the_threshold_passes(total):
    assert yoy(totals(total), last_year()) == []


@pytest.mark.parametrize("total", ["1101", "899"])
def test_a_change_beyond_the_threshold_is_a_warning(total):
    assert yoy(totals(total), last_year()) == ["yoy_total"]


def test_the_warning_gives_the_change_and_the_threshold():
    (warning,) = rules.year_on_year_warnings(totals("1101"), last_year(), D("10"))
    assert "10.1% more" in warning.message and "10%" in warning.message and "1,000" in warning.message


def test_no_previous_year_no_year_on_year_warning():
    assert yoy(totals("5000"), None) == []


def test_no_year_settings_no_year_on_year_warning():
    assert rules.year_on_year_warnings(totals("5000"), last_year(), None) == []


def test_a_draft_that_is_still_short_of_last_year_is_not_warned_while_rising_only():
    assert yoy(totals("100"), last_year(), rising_only=True) == []
    assert yoy(totals("2000"), last_year(), rising_only=True) == ["yoy_total"]


def test_each_category_is_compared():
    heat, power = EmissionCategory.PURCHASED_HEAT, EmissionCategory.PURCHASED_ELECTRICITY
    previous = last_year("1000", {heat: D(500), power: D(500)})
    assert yoy(totals("1000", {heat: D(600), power: D(400)}), previous) == ["yoy_category", "yoy_category"]
    assert yoy(totals("1000", {heat: D("549.5"), power: D("450.5")}), previous) == []


def test_each_facility_is_compared():
    previous = last_year("1000", by_facility={"F1": D(600), "F2": D(400)})
    assert yoy(totals("1000", by_facility={"F1": D(500), "F2": D(500)}), previous) == ["yoy_facility", "yoy_facility"]


def test_a_category_gone_since_last_year_is_a_warning():
    previous = last_year("1000", {EmissionCategory.PURCHASED_HEAT: D(1000)})
    assert "yoy_category" in yoy(totals("0"), previous)


def test_a_category_new_this_year_is_a_note():
    power = EmissionCategory.PURCHASED_ELECTRICITY
    found = rules.year_on_year_warnings(totals("1000", {power: D(1000)}), last_year("1000"), D("10"))
    assert [(w.code, w.severity) for w in found] == [("yoy_category_new", rules.NOTICE)]


def test_an_emissions_record_has_only_a_total_to_compare():
    previous = last_year("1000", from_report=False)
    current = totals("1000", {EmissionCategory.PURCHASED_HEAT: D(1000)}, {"F1": D(1000)})
    assert yoy(current, previous) == []


# Against the database: the previous year and the year's threshold


@pytest.fixture
def threshold_10(alice):
    return year_settings_revise(actor=alice, year=YEAR, note="test", reexam_year_on_year_pct=D("10"))


@pytest.fixture
def last_years_report(carol, unit):
    """4,200 t in YEAR - 1: 10,000 MWh of Shanghai grid electricity at 0.42."""
    report = draft(carol, unit, year=YEAR - 1)
    add_electricity(carol, report, facility(unit), mwh="10000")
    return submit(carol, report)


def warnings_of(report) -> list[str]:
    lines = list(report_lines(report))
    return codes(report_warnings(report, lines, report_totals(report, lines)))


@pytest.mark.django_db
@pytest.mark.parametrize(("mwh", "expected"), [("10990", []), ("11010", ["yoy_total", "yoy_category", "yoy_facility"])])
def test_the_report_is_compared_with_last_years_submitted_report(
    carol, unit, threshold_10, last_years_report, mwh, expected
):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit), mwh=mwh)  # 9.9% / 10.1% above 4,200 t
    assert warnings_of(report) == expected


@pytest.mark.django_db
def test_the_threshold_is_the_years_setting(alice, carol, unit, last_years_report):
    year_settings_revise(actor=alice, year=YEAR, note="test", reexam_year_on_year_pct=D("20"))
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit), mwh="11010")
    assert warnings_of(report) == []


@pytest.mark.django_db
def test_a_draft_of_last_year_is_not_compared(carol, unit, threshold_10):
    earlier = draft(carol, unit, year=YEAR - 1)
    add_electricity(carol, earlier, facility(unit), mwh="10000")
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit), mwh="20000")
    assert previous_year(report) is None and warnings_of(report) == []


@pytest.mark.django_db
def test_without_a_report_last_years_emissions_on_record_are_compared(alice, carol, unit, threshold_10):
    emission_record_set(
        actor=alice, organisation=unit, year=YEAR - 1, emissions_tco2e=D("4200"), source=EmissionSource.HISTORICAL
    )
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit), mwh="11010")
    assert previous_year(report).from_report is False
    assert warnings_of(report) == ["yoy_total"]


@pytest.mark.django_db
def test_another_units_figures_are_never_compared(carol, erin, unit, other_unit, threshold_10):
    other = draft(erin, other_unit, year=YEAR - 1)
    add_electricity(erin, other, facility(other_unit), mwh="10")
    submit(erin, other)
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit), mwh="10000")
    assert previous_year(report) is None


@pytest.mark.django_db
def test_a_saved_source_in_kwh_is_warned_about_for_a_regulated_unit(carol, unit):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit), mwh="850", activity_unit="kwh")
    assert warnings_of(report) == ["kwh_looks_like_mwh"]


@pytest.mark.django_db
def test_the_kwh_rule_spares_a_unit_that_only_reports(carol, unit):
    listed(unit, category=EntryCategory.REPORTING)
    from reporting import services

    report = services.report_create_draft(actor=carol, organisation=unit, year=YEAR)
    add_electricity(carol, report, facility(unit), mwh="850", activity_unit="kwh")
    assert warnings_of(report) == []


# The pages that show them


@pytest.mark.django_db
def test_the_report_page_shows_the_warnings(client_for, carol, unit, threshold_10, last_years_report):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit), mwh="20000")
    response = client_for(carol).get(reverse("reporting:report_detail", args=[report.pk]))
    assert 'data-warning="yoy_total"' in response.text and "things to check" in response.text


@pytest.mark.django_db
def test_check_your_answers_shows_the_warnings_and_still_submits(
    client_for, carol, unit, threshold_10, last_years_report
):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit), mwh="20000")
    client = client_for(carol)
    url = reverse("reporting:report_submit", args=[report.pk])
    assert 'data-warning="yoy_total"' in client.get(url).text
    client.post(url, {"declaration_confirmed": "on", "declared_by_name": "Zhang San"})
    report.refresh_from_db()
    assert report.status == "submitted"


@pytest.mark.django_db
def test_a_report_within_the_bounds_shows_no_warnings(client_for, carol, unit, threshold_10, last_years_report):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit), mwh="10000")
    response = client_for(carol).get(reverse("reporting:report_detail", args=[report.pk]))
    assert "things to check" not in response.text and "thing to check" not in response.text


@pytest.mark.django_db
def test_a_draft_being_filled_in_flags_no_fall_but_check_your_answers_does(
    client_for, carol, unit, threshold_10, last_years_report
):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit), mwh="1")
    client = client_for(carol)
    assert 'data-warning="yoy_total"' not in client.get(reverse("reporting:report_detail", args=[report.pk])).text
    assert 'data-warning="yoy_total"' in client.get(reverse("reporting:report_submit", args=[report.pk])).text
