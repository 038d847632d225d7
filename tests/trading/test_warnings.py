"""Early warning (National (10)): a regulated unit whose usable holdings fall short of the emissions
projected from its monthly key parameters is flagged, once, to its staff and to the bureau; the
warning clears when the holdings cover the projection. Offsets count within the plan's limit only."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carbon_portal.models import AuditEntry, Notification
from reporting.selectors import monthly as monthly_selectors
from reporting.services.monthly import monthly_file
from tests.factories import OrganisationFactory
from tests.reporting.helpers import facility, revise_grid_factor
from tests.trading.test_runs import determination, publish_list
from tests.trading.test_surrender import give, offset, year_plan
from trading import tasks_market
from trading.choices import InstrumentKind, WarningStatus
from trading.models import EarlyWarning
from trading.selectors.warnings import current_warning, current_warnings_for
from trading.services.accounts import allowance
from trading.services.surrender import surrender
from trading.services.warnings import _set_status, early_warnings_compute

YEAR = 2026
KIND = "trading.early_warning"


@pytest.fixture(autouse=True)
def _pinned_today(monkeypatch):
    """Mid-June 2026: January to June may be filed."""
    monkeypatch.setattr(monthly_selectors, "today", lambda: date(YEAR, 6, 15))


def file_month(user, org, month, mwh):
    """At 0.5 tCO2/MWh, `mwh` / 2 tonnes for the month."""
    return monthly_file(
        actor=user,
        organisation=org,
        year=YEAR,
        month=month,
        facility=facility(org),
        category="purchased_electricity",
        factor_code="sh_grid_electricity",
        activity_amount=mwh,
        activity_unit="mwh",
        source_description="Purchased electricity",
    )


@pytest.fixture
def listed(alice, bob, unit, other_unit):
    revise_grid_factor(alice, "0.5")
    return publish_list(alice, bob, [unit, other_unit])


@pytest.fixture
def short(carol, unit, listed, funded):
    """January 100 t and February 140 t: 1,440 tCO2e projected; 1,000 SHEA-2026 held: 440 t short."""
    file_month(carol, unit, 1, "200")
    file_month(carol, unit, 2, "280")


def compute(actor=None):
    return early_warnings_compute(actor=actor, year=YEAR)


def the_warning() -> EarlyWarning:
    return EarlyWarning.objects.get()


def notified() -> list[str]:
    return sorted(Notification.objects.filter(kind=KIND).values_list("recipient__email", flat=True))


# -- raising --


def test_a_unit_short_of_its_projection_is_warned_with_the_inputs_used(alice, unit, short):
    result = compute(alice)
    warning = the_warning()
    assert [w.pk for w in result.opened] == [warning.pk]
    assert (warning.organisation, warning.year, warning.as_of_month) == (unit, YEAR, 2)
    assert (warning.projected_tco2e, warning.holdings_t, warning.shortfall_t) == (D(1440), D(1000), D(440))
    assert warning.status == WarningStatus.OPEN
    assert warning.inputs["projection"]["months_filed"] == [1, 2]
    assert warning.inputs["projection"]["year_to_date_tco2e"] == "240.000"
    assert warning.inputs["coverage"]["allowances_t"] == "1000"
    assert AuditEntry.objects.filter(verb="early_warning.opened").count() == 1


def test_the_units_staff_and_the_bureau_are_notified_once(alice, bob, carol, erin, short):
    compute(alice)
    compute(alice)
    compute()
    assert notified() == sorted([alice.email, bob.email, carol.email])
    body = Notification.objects.filter(kind=KIND, recipient=carol).get().body_en
    assert "1,440.000 tCO2e" in body and "440 t short" in body


def test_recomputing_with_the_same_figures_changes_nothing(alice, short):
    compute(alice)
    first = the_warning()
    result = compute(alice)
    assert result.opened == [] and result.refreshed == 1
    assert the_warning().shortfall_t == first.shortfall_t and EarlyWarning.objects.count() == 1


def test_holdings_that_cover_the_projection_raise_nothing(alice, unit_account, shea, short):
    give(alice, unit_account, shea, 440)
    result = compute(alice)
    assert result.covered == 1 and not EarlyWarning.objects.exists() and notified() == []


def test_a_new_month_still_short_is_a_new_warning_and_a_new_message(alice, carol, unit, short):
    compute(alice)
    file_month(carol, unit, 3, "300")  # 150 t: (100 + 140 + 150) / 3 x 12 = 1,560 t
    compute(alice)
    assert list(EarlyWarning.objects.order_by("as_of_month").values_list("as_of_month", "shortfall_t")) == [
        (2, D(440)),
        (3, D(560)),
    ]
    assert Notification.objects.filter(kind=KIND, recipient=carol).count() == 2


# -- clearing --


def test_a_warning_clears_once_the_holdings_cover_the_projection(alice, carol, unit_account, shea, short):
    compute(alice)
    give(alice, unit_account, shea, 440)
    result = compute(alice)
    warning = the_warning()
    assert result.cleared == 1 and warning.status == WarningStatus.CLEARED
    assert warning.shortfall_t == D(440)  # the figures that raised it stay
    assert warning.inputs["cleared"]["holdings_t"] == "1440"
    assert Notification.objects.filter(kind=KIND, recipient=carol).count() == 1
    assert current_warning(warning.organisation_id) is None


def test_a_cleared_warning_reopens_and_is_notified_when_short_again(alice, carol, unit, unit_account, shea, short):
    compute(alice)
    give(alice, unit_account, shea, 440)
    compute(alice)
    file_month(carol, unit, 2, "400")  # February refiled at 200 t: 1,800 t projected, 1,440 held
    compute(alice)
    warning = the_warning()
    assert warning.status == WarningStatus.OPEN and warning.shortfall_t == D(360)
    assert Notification.objects.filter(kind=KIND, recipient=carol).count() == 2
    assert AuditEntry.objects.filter(verb="early_warning.reopened").count() == 1


def test_a_cleared_warning_cannot_be_cleared_again(alice, unit_account, shea, short):
    compute(alice)
    give(alice, unit_account, shea, 440)
    compute(alice)
    with pytest.raises(ValidationError, match="cannot go from"):
        _set_status(the_warning(), WarningStatus.CLEARED)


# -- what counts as holdings --


def test_allowances_of_a_later_vintage_do_not_count_but_earlier_ones_do(alice, unit_account, short):
    give(alice, unit_account, allowance(YEAR + 1), 500)
    compute(alice)
    assert the_warning().shortfall_t == D(440)
    give(alice, unit_account, allowance(YEAR - 1), 440)
    compute(alice)
    assert the_warning().status == WarningStatus.CLEARED


def test_eligible_offsets_count_only_up_to_the_plans_limit(alice, bob, other_unit, unit_account, short):
    year_plan(alice, bob, pct=5)  # 5 % of the emissions: 72 t of 1,440
    give(alice, unit_account, offset("CCER-OTHER", origin=other_unit), 200)
    compute(alice)
    warning = the_warning()
    assert (warning.holdings_t, warning.shortfall_t) == (D(1072), D(368))
    coverage = warning.inputs["coverage"]
    assert (coverage["offsets_held_t"], coverage["offsets_counted_t"], coverage["offset_limit_t"]) == (
        "200",
        "72",
        "72",
    )
    assert warning.inputs["plan"]["offset_limit_pct"] == "5.00"


def test_offsets_from_inside_the_unit_or_of_a_type_the_plan_refuses_do_not_count(alice, bob, unit, unit_account, short):
    year_plan(alice, bob, pct=50, eligible=(InstrumentKind.CCER,))
    give(alice, unit_account, offset("CCER-OWN", origin=unit), 200)
    give(alice, unit_account, offset("PHCER-1", kind=InstrumentKind.INCLUSIVE), 200)
    compute(alice)
    assert the_warning().shortfall_t == D(440)


def test_without_a_published_plan_no_offset_counts(alice, other_unit, unit_account, short):
    give(alice, unit_account, offset("CCER-OTHER", origin=other_unit), 200)
    compute(alice)
    warning = the_warning()
    assert warning.shortfall_t == D(440) and warning.inputs["plan"] is None


def test_allowances_already_surrendered_for_the_year_still_count(alice, bob, carol, unit, unit_account, shea, short):
    year_plan(alice, bob)
    determination(unit, YEAR, "1000", alice=alice, bob=bob)
    surrender(actor=carol, account=unit_account, year=YEAR, items=[(shea, 600)], idempotency_key="s-600")
    compute(alice)
    warning = the_warning()
    assert warning.holdings_t == D(1000) and warning.inputs["coverage"]["surrendered_allowances_t"] == "600"


# -- who is assessed --


def test_what_is_still_owed_for_the_year_before_is_taken_off_the_holdings(alice, bob, unit, other_unit, short):
    publish_list(alice, bob, [unit, other_unit], year=YEAR - 1)
    determination(unit, YEAR - 1, "300", alice=alice, bob=bob)
    compute(alice)
    warning = the_warning()
    assert (warning.holdings_t, warning.shortfall_t) == (D(700), D(740))
    assert warning.inputs["coverage"]["owed_earlier_t"] == "300"


def test_the_year_before_counts_only_for_a_unit_regulated_that_year(alice, bob, unit, other_unit, short):
    publish_list(alice, bob, [other_unit], year=YEAR - 1)
    determination(unit, YEAR - 1, "300", alice=alice, bob=bob)
    compute(alice)
    assert the_warning().holdings_t == D(1000)


def test_a_unit_without_monthly_figures_is_neither_warned_nor_cleared(alice, other_unit, listed):
    result = compute(alice)
    assert (result.units, result.without_projection) == (2, 2) and not EarlyWarning.objects.exists()


def test_a_unit_not_on_the_years_list_is_not_warned(alice, bob, carol, unit, other_unit, funded):
    revise_grid_factor(alice, "0.5")
    publish_list(alice, bob, [unit], year=YEAR - 1)  # so it may file its 2026 figures
    publish_list(alice, bob, [other_unit])
    file_month(carol, unit, 1, "4000")
    result = compute(alice)
    assert result.units == 1 and not EarlyWarning.objects.exists()


def test_only_the_bureau_recomputes(carol, dave, short):
    for user in (carol, dave):
        with pytest.raises(PermissionDenied):
            compute(user)
    assert not EarlyWarning.objects.exists()


def test_the_monthly_task_computes_the_year_of_last_month(monkeypatch, short):
    monkeypatch.setattr(tasks_market.timezone, "localdate", lambda: date(YEAR + 1, 1, 10))
    found = tasks_market.compute_early_warnings.delay().get()
    assert found["year"] == YEAR and found["opened"] == 1
    assert the_warning().year == YEAR


# -- pages --

BUREAU_PAGES = [
    ("trading:warning_admin", {"year": YEAR}),
    ("trading:warning_admin_download", {"year": YEAR, "fmt": "csv"}),
    ("trading:warning_admin_download", {"year": YEAR, "fmt": "xlsx"}),
]


@pytest.mark.parametrize("name,kwargs", BUREAU_PAGES)
def test_the_bureau_pages_are_the_bureaus(client, client_for, alice, carol, erin, dave, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    assert client.get(url).status_code == 302
    for user in (carol, erin, dave):
        assert client_for(user).get(url).status_code == 403
    assert client_for(alice).get(url).status_code == 200


def test_recompute_now_is_the_bureaus(client, client_for, alice, carol, dave, short):
    url = reverse("trading:warning_recompute")
    assert client.post(url, {"year": YEAR}).status_code == 302 and not EarlyWarning.objects.exists()
    for user in (carol, dave):
        assert client_for(user).post(url, {"year": YEAR}).status_code == 403
    assert not EarlyWarning.objects.exists()
    response = client_for(alice).post(url, {"year": YEAR})
    assert response.url == reverse("trading:warning_admin", args=[YEAR]) and EarlyWarning.objects.count() == 1
    assert client_for(alice).get(url).status_code == 405


def test_the_bureau_list_shows_the_latest_warning_of_each_unit_and_filters(client_for, alice, carol, unit, short):
    compute(alice)
    file_month(carol, unit, 3, "300")
    compute(alice)
    client = client_for(alice)
    body = client.get(reverse("trading:warning_admin", args=[YEAR])).content.decode()
    assert unit.uscc in body and f"{YEAR}-03" in body and f"{YEAR}-02" not in body
    every = client.get(reverse("trading:warning_admin", args=[YEAR]), {"view": "all"}).content.decode()
    assert f"{YEAR}-02" in every
    cleared = client.get(reverse("trading:warning_admin", args=[YEAR]), {"status": "cleared"}).content.decode()
    assert unit.uscc not in cleared


def test_the_download_lists_the_warnings(client_for, alice, unit, short):
    compute(alice)
    response = client_for(alice).get(reverse("trading:warning_admin_download", args=[YEAR, "csv"]))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "Shortfall (t)" in body and unit.uscc in body and ",440," in body


def test_the_bureau_list_runs_the_same_queries_for_3_and_30_warnings(client_for, alice):
    def add(n):
        for _ in range(n):
            EarlyWarning.objects.create(
                organisation=OrganisationFactory(),
                year=YEAR,
                as_of_month=5,
                projected_tco2e=D(100),
                holdings_t=D(10),
                shortfall_t=D(90),
            )

    client = client_for(alice)
    url = reverse("trading:warning_admin", args=[YEAR])
    add(3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    add(27)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_unit_sees_its_own_warnings_and_no_other_units(client, client_for, alice, carol, erin, dave, unit, short):
    compute(alice)
    url = reverse("trading:warning_unit")
    assert client.get(url).status_code == 302
    assert "440" in client_for(carol).get(url).content.decode()
    assert unit.name_zh not in client_for(erin).get(url).content.decode()
    assert client_for(dave).get(url).status_code == 403
    assert client_for(alice).get(url).status_code == 302


def test_the_account_page_snippet_shows_the_open_warning(alice, unit, short):
    compute(alice)
    html = render_to_string("trading/_early_warning.html", {"early_warning": current_warning(unit.pk)})
    assert "Early warning for 2026" in html and "440 t short" in html
    assert render_to_string("trading/_early_warning.html", {"early_warning": None}).strip() == ""


def test_the_account_home_gets_the_open_latest_warning_of_each_of_the_users_units(alice, carol, erin, short):
    compute(alice)
    assert [w.shortfall_t for w in current_warnings_for(carol)] == [D(440)]
    assert current_warnings_for(erin) == []
