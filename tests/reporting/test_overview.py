"""The bureau's overview of a year's reports and plans: who must file, status, overdue and late
flags, totals, filters, counts, pagination, the download, and a fixed number of queries."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from carbon_portal.roles import Role
from registry.choices import District, EntryCategory, ListStatus
from registry.models import Industry
from registry.services import year_settings_revise
from reporting import selectors, services
from reporting.models import AnnualReport, QualityPlan
from reporting.selectors.overview import plan_overview, report_overview
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

REPORTS = reverse("reporting:report_admin")
PLANS = reverse("reporting:plan_admin")
REPORT_DUE = date(YEAR + 1, 3, 31)  # the seeded default for 2026
PLAN_DUE = date(PLAN_YEAR - 1, 12, 31)
BEFORE_DUE, AFTER_DUE = date(YEAR + 1, 3, 31), date(YEAR + 1, 4, 1)


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 10, 0))


def submitted_on(report: AnnualReport, day: date) -> AnnualReport:
    AnnualReport.objects.filter(pk=report.pk).update(submitted_at=_aware(day))
    report.refresh_from_db()
    return report


def staff_of(org):
    user = UserFactory()
    MembershipFactory(user=user, organisation=org, role=Role.UNIT_STAFF)
    return user


def rows_by_org(overview) -> dict:
    return {row.organisation.pk: row for row in overview.rows}


# Permission matrix: anonymous / unit staff / agency staff / bureau


@pytest.mark.parametrize("url", [REPORTS, PLANS, f"{REPORTS}?download=csv", f"{PLANS}?download=xlsx"])
def test_anonymous_is_sent_to_login_from_the_overview(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("url", [REPORTS, PLANS, f"{REPORTS}?download=csv", f"{PLANS}?download=xlsx"])
def test_unit_and_agency_staff_cannot_see_the_overview(client_for, carol, dave, url):
    for user in (carol, dave):
        assert client_for(user).get(url).status_code == 403


@pytest.mark.parametrize("url", [REPORTS, PLANS])
def test_bureau_staff_see_the_overview(client_for, alice, url):
    assert client_for(alice).get(url).status_code == 200


# Who must report (Art. 16)


def test_a_listed_unit_without_a_report_is_not_started(unit):
    listed(unit)
    row = rows_by_org(report_overview(year=YEAR, today=BEFORE_DUE))[unit.pk]
    assert row.state == "not_started" and row.filing is None and row.due_date == REPORT_DUE


def test_reporting_units_must_report_too(unit):
    listed(unit, category=EntryCategory.REPORTING)
    assert rows_by_org(report_overview(year=YEAR))[unit.pk].category == "reporting"


def test_removed_and_unpublished_entries_are_not_required_to_report(unit, other_unit):
    listed(unit, removed=True)
    listed(other_unit, year=YEAR + 1, status=ListStatus.DRAFT)
    assert report_overview(year=YEAR).rows == []
    assert report_overview(year=YEAR + 1).rows == []


def test_a_unit_on_another_years_list_is_not_required_for_this_year(unit):
    listed(unit, year=YEAR - 1)
    assert report_overview(year=YEAR).rows == []


# Overdue and late


def test_a_unit_with_nothing_submitted_is_overdue_the_day_after_the_due_date(carol, unit):
    draft(carol, unit)
    assert not rows_by_org(report_overview(year=YEAR, today=BEFORE_DUE))[unit.pk].is_overdue
    row = rows_by_org(report_overview(year=YEAR, today=AFTER_DUE))[unit.pk]
    assert row.is_overdue and row.state == "draft"


def test_a_not_started_unit_is_overdue_after_the_due_date(unit):
    listed(unit)
    assert rows_by_org(report_overview(year=YEAR, today=AFTER_DUE))[unit.pk].is_overdue


def test_a_report_submitted_on_time_is_neither_overdue_nor_late(carol, unit):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    submitted_on(submit(carol, report), REPORT_DUE)
    row = rows_by_org(report_overview(year=YEAR, today=AFTER_DUE))[unit.pk]
    assert row.state == "submitted" and not row.is_overdue and not row.is_late


def test_a_report_submitted_after_the_due_date_is_late_not_overdue(carol, unit):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    submitted_on(submit(carol, report), AFTER_DUE)
    row = rows_by_org(report_overview(year=YEAR, today=date(YEAR + 1, 5, 1)))[unit.pk]
    assert row.is_late and not row.is_overdue and row.first_submitted_on == AFTER_DUE


def test_a_late_correction_does_not_make_an_on_time_report_late(carol, unit):
    first = draft(carol, unit)
    add_electricity(carol, first, facility(unit))
    submitted_on(submit(carol, first), REPORT_DUE)
    correction = services.report_correction_start(actor=carol, report=first, reason="Meter misread.")
    submitted_on(submit(carol, correction), AFTER_DUE)
    row = rows_by_org(report_overview(year=YEAR, today=AFTER_DUE))[unit.pk]
    assert row.filing == correction and not row.is_late


def test_the_due_date_comes_from_the_years_settings(alice, unit):
    listed(unit)
    year_settings_revise(actor=alice, year=YEAR, note="Extended by notice.", report_due_date=date(YEAR + 1, 4, 30))
    row = rows_by_org(report_overview(year=YEAR, today=AFTER_DUE))[unit.pk]
    assert row.due_date == date(YEAR + 1, 4, 30) and not row.is_overdue


def test_without_year_settings_nothing_is_overdue(unit):
    listed(unit, year=2099)
    row = rows_by_org(report_overview(year=2099, today=date(2101, 1, 1)))[unit.pk]
    assert row.due_date is None and not row.is_overdue


def test_the_page_takes_today_from_the_local_date(client_for, alice, unit, monkeypatch):
    listed(unit)
    real = timezone.localdate
    monkeypatch.setattr(timezone, "localdate", lambda value=None, **kw: AFTER_DUE if value is None else real(value))
    response = client_for(alice).get(REPORTS, {"year": YEAR})
    assert response.context["page"][0].is_overdue and "Overdue" in response.text


# Current version and totals


def test_a_correction_in_progress_leaves_the_submitted_version_current(carol, unit):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    submit(carol, report)
    correction = services.report_correction_start(actor=carol, report=report, reason="Meter misread.")
    row = rows_by_org(report_overview(year=YEAR))[unit.pk]
    assert row.filing == report and row.state == "submitted" and row.correction == correction


def test_a_unit_whose_drafts_were_all_abandoned_is_not_started(carol, unit):
    services.report_abandon(actor=carol, report=draft(carol, unit))
    assert rows_by_org(report_overview(year=YEAR))[unit.pk].state == "not_started"


def test_the_total_is_the_reports_total_by_the_report_pages_rule(carol, unit):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit), mwh="1000.5")
    add_electricity(carol, report, facility(unit, "F2"), mwh="2")
    row = rows_by_org(report_overview(year=YEAR))[unit.pk]
    assert row.total_tco2e == selectors.report_totals(report).total_tco2e == Decimal("421.050")
    assert isinstance(row.total_tco2e, Decimal)


def test_the_overall_total_counts_submitted_reports_only(carol, erin, unit, other_unit):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    submit(carol, report)
    add_electricity(erin, draft(erin, other_unit), facility(other_unit))
    assert report_overview(year=YEAR).submitted_total_tco2e == Decimal("4200.000")


# Plans (Art. 15)


def test_regulated_units_on_last_years_or_this_years_list_must_file_a_plan(unit, other_unit):
    listed(unit, year=PLAN_YEAR - 1)
    listed(other_unit, year=PLAN_YEAR)
    listed(unit, year=PLAN_YEAR)  # on both lists: once
    assert sorted(rows_by_org(plan_overview(year=PLAN_YEAR))) == sorted([unit.pk, other_unit.pk])


def test_reporting_units_file_no_plan(unit):
    listed(unit, year=PLAN_YEAR - 1, category=EntryCategory.REPORTING)
    assert plan_overview(year=PLAN_YEAR).rows == []


def test_a_plan_past_its_due_date_with_nothing_submitted_is_overdue(carol, unit):
    plan_draft(carol, unit)
    row = rows_by_org(plan_overview(year=PLAN_YEAR, today=date(PLAN_YEAR, 1, 1)))[unit.pk]
    assert row.due_date == PLAN_DUE and row.is_overdue and row.state == "draft"


def test_a_returned_plan_being_revised_shows_its_new_draft_and_is_not_overdue(alice, carol, unit):
    returned = services.plan_return(actor=alice, plan=submitted_plan(carol, unit), comments={"boundary": "x"})
    revision = services.plan_revise(actor=carol, plan=returned)
    row = rows_by_org(plan_overview(year=PLAN_YEAR, today=date(PLAN_YEAR, 1, 1)))[unit.pk]
    assert row.filing == revision and row.state == "draft" and not row.is_overdue


def test_plan_statuses_filter_and_count(alice, carol, erin, unit, other_unit):
    services.plan_accept(actor=alice, plan=submitted_plan(carol, unit))
    listed(other_unit, year=PLAN_YEAR - 1)
    overview = plan_overview(year=PLAN_YEAR, status="accepted")
    assert [row.organisation for row in overview.rows] == [unit]
    assert overview.counts["accepted"] == 1 and overview.counts["not_started"] == 1
    assert overview.unfiltered_count == 2


# Filters and counts


@pytest.fixture
def three_units(carol, erin, unit, other_unit):
    """unit: submitted; other_unit: draft; a third, in Pudong and another industry: not started."""
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    submit(carol, report)
    draft(erin, other_unit)
    third = OrganisationFactory(
        name_zh="上海浦东数据中心有限公司",
        name_en="Pudong Data Centre Co.",
        district=District.PUDONG,
        industry=Industry.objects.exclude(code="C26").first(),
    )
    listed(third, category=EntryCategory.REPORTING)
    return unit, other_unit, third


def _orgs(**filters):
    return [row.organisation for row in report_overview(year=YEAR, today=AFTER_DUE, **filters).rows]


def test_filter_by_name_or_credit_code(three_units):
    unit, other_unit, third = three_units
    assert _orgs(q="浦东数据") == [third]
    assert _orgs(q=other_unit.uscc.lower()) == [other_unit]


def test_filter_by_category_district_and_industry(three_units):
    unit, other_unit, third = three_units
    assert _orgs(category="reporting") == [third]
    assert _orgs(district="pudong") == [third]
    assert set(_orgs(industry="C26")) == {unit, other_unit}


def test_filter_by_status_including_not_started_and_overdue(three_units):
    unit, other_unit, third = three_units
    assert _orgs(status="submitted") == [unit]
    assert _orgs(status="not_started") == [third]
    assert set(_orgs(status="overdue")) == {other_unit, third}


def test_counts_per_status_ignore_the_status_filter(three_units):
    overview = report_overview(year=YEAR, today=AFTER_DUE, status="submitted")
    counted = {state: overview.counts[state] for state in ["submitted", "draft", "not_started", "overdue", "late"]}
    assert counted == {"submitted": 1, "draft": 1, "not_started": 1, "overdue": 2, "late": 0}
    assert overview.unfiltered_count == 3 and len(overview.rows) == 1


def test_the_page_shows_counts_linking_to_each_status(client_for, alice, three_units):
    response = client_for(alice).get(REPORTS, {"year": YEAR})
    assert "status=not_started" in response.text and "status=overdue" in response.text
    assert "Not started" in response.text and "Submitted late" in response.text


def test_a_bad_filter_value_is_shown_and_the_others_still_apply(client_for, alice, three_units):
    unit, other_unit, third = three_units
    response = client_for(alice).get(REPORTS, {"year": YEAR, "district": "atlantis", "category": "reporting"})
    assert response.status_code == 200 and "atlantis" in response.text
    assert [row.organisation for row in response.context["page"]] == [third]


def test_the_unit_name_links_to_its_current_filing(client_for, alice, unit, three_units):
    report = AnnualReport.objects.get(organisation=unit)
    response = client_for(alice).get(REPORTS, {"year": YEAR})
    assert reverse("reporting:report_detail", args=[report.pk]) in response.text
    assert report.reference in response.text


def test_the_plan_page_shows_the_plans_status_and_link(client_for, carol, alice, unit):
    plan = complete_plan(carol, plan_draft(carol, unit), facility(unit))
    response = client_for(alice).get(PLANS, {"year": PLAN_YEAR})
    assert reverse("reporting:plan_detail", args=[plan.pk]) in response.text and "Draft" in response.text


def test_the_overview_is_paginated(client_for, alice):
    for _ in range(55):
        listed(OrganisationFactory())
    client = client_for(alice)
    assert len(client.get(REPORTS, {"year": YEAR}).context["page"]) == 50
    assert len(client.get(REPORTS, {"year": YEAR, "page": 2}).context["page"]) == 5


# The download


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_xlsx_download_has_every_filtered_row_not_only_the_page(client_for, alice):
    for _ in range(55):
        listed(OrganisationFactory())
    listed(OrganisationFactory(), category=EntryCategory.REPORTING)
    response = client_for(alice).get(REPORTS, {"year": YEAR, "category": "regulated", "download": "xlsx"})
    assert response.status_code == 200 and response["Content-Disposition"].endswith('annual-reports-2026.xlsx"')
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 55 and rows[0][-1] == "Total emissions (tCO2e)"


def test_the_csv_download_carries_status_flags_and_exact_totals(client_for, alice, three_units):
    unit, other_unit, third = three_units
    response = client_for(alice).get(REPORTS, {"year": YEAR, "download": "csv", "q": unit.uscc})
    header, row = _csv(response)
    values = dict(zip(header, row, strict=True))
    assert values["Status"] == "Submitted" and values["Total emissions (tCO2e)"] == "4200.000"
    assert values["Reference"] == f"AER-{YEAR}-{unit.uscc}-v1" and values["Due"] == "2027-03-31"


def test_the_download_neutralises_formulas_in_names(client_for, alice):
    listed(OrganisationFactory(name_zh='=HYPERLINK("http://x")', name_en="+cmd"))
    header, row = _csv(client_for(alice).get(REPORTS, {"year": YEAR, "download": "csv"}))
    assert row[0] == '\'=HYPERLINK("http://x")' and row[1] == "'+cmd"


def test_the_plan_download_has_no_totals_column(client_for, alice, carol, unit):
    submitted_plan(carol, unit)
    header, row = _csv(client_for(alice).get(PLANS, {"year": PLAN_YEAR, "download": "csv"}))
    assert "Total emissions (tCO2e)" not in header and "Submitted" in row


def test_an_unknown_download_format_is_404(client_for, alice):
    assert client_for(alice).get(REPORTS, {"download": "pdf"}).status_code == 404


# A fixed number of queries, however many units


def _filing_units(n: int, *, year: int = YEAR):
    """n units on the list: a third submitted, a third draft, a third not started; plans likewise."""
    for i in range(n):
        org = OrganisationFactory()
        listed(org, year=year)
        if i % 3 == 2:
            continue
        staff = staff_of(org)
        report = services.report_create_draft(actor=staff, organisation=org, year=year)
        add_electricity(staff, report, facility(org))
        plan = services.plan_create_draft(actor=staff, organisation=org, year=year + 1)
        if i % 3 == 0:
            submit(staff, report)
            services.plan_submit(actor=staff, plan=complete_plan(staff, plan, facility(org)))


def _queries(client, url, params) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
        assert response.status_code == 200
        if response.streaming:
            b"".join(response.streaming_content)  # a download's rows are written as it is read
    return len(ctx.captured_queries)


PAGES = [
    (REPORTS, {"year": YEAR}),
    (REPORTS, {"year": YEAR, "download": "csv"}),
    (PLANS, {"year": YEAR + 1}),
    (PLANS, {"year": YEAR + 1, "download": "xlsx"}),
]


def test_query_count_does_not_grow_with_units(client_for, alice):
    """The page and both downloads, for reports and plans, at 3 and at 30 units."""
    client = client_for(alice)
    _filing_units(3)
    for url, params in PAGES:
        client.get(url, params)  # warm caches (content types, sessions)
    few = [_queries(client, url, params) for url, params in PAGES]
    _filing_units(27)
    assert AnnualReport.objects.count() == 20 and QualityPlan.objects.count() == 20
    assert [_queries(client, url, params) for url, params in PAGES] == few
