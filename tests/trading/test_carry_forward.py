"""The carry-forward report (Art. 21 para 3): per regulated unit and year, the obligation, what was
surrendered, the status, and the allowances of the year or earlier it holds once it has surrendered
in full, which carry forward into the next year. Status B or C has no surplus; exempt units none."""

from datetime import datetime, time, timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.choices import EntryCategory, EntryOrigin
from registry.models import ListEntry
from tests.factories import OrganisationFactory
from tests.trading.test_lifecycle import exempt, regulated_year, set_deadline
from tests.trading.test_runs import determination, publish_list
from tests.trading.test_surrender import YEAR, give, offset, year_plan
from trading.selectors.lifecycle import carry_forward, carry_forward_line
from trading.services.accounts import account_open, allowance
from trading.services.acts import transfer
from trading.services.surrender import surrender


def surrender_t(user, account, quantity, key, *, year=YEAR, vintage=YEAR):
    return surrender(
        actor=user, account=account, year=year, items=[(allowance(vintage), quantity)], idempotency_key=key
    )


def by_unit(report):
    return {line.compliance.organisation.pk: line for line in report.rows}


@pytest.fixture
def cast(alice, bob, carol, unit, other_unit):
    """2026, obligation 100 t each. `unit` (carol's): holds 500 SHEA-2026, 50 SHEA-2025, 70 SHEA-2027
    and 30 CCER, surrenders 100 -> A. `other_unit` (erin's): holds 500, surrenders 40 -> B. A third
    unit, exempt."""
    third = OrganisationFactory()
    accounts = regulated_year(alice, bob, [unit, other_unit, third])
    give(alice, accounts[unit.pk], allowance(YEAR - 1), 50)
    give(alice, accounts[unit.pk], allowance(YEAR + 1), 70)
    give(alice, accounts[unit.pk], offset("CCER-CF"), 30)
    surrender_t(carol, accounts[unit.pk], 100, "cf-a")
    return {"accounts": accounts, "third": third}


def test_the_surplus_is_what_a_unit_holds_of_the_year_or_earlier_after_surrendering_in_full(unit, cast):
    line = by_unit(carry_forward(YEAR))[unit.pk]
    assert line.compliance.status == "A"
    assert line.held_t == D(450)  # 400 SHEA-2026 + 50 SHEA-2025; not the 2027 vintage, not the CCER
    assert line.surplus_t == D(450)


def test_a_unit_with_status_b_has_no_surplus_until_it_surrenders_in_full(erin, other_unit, cast):
    account = cast["accounts"][other_unit.pk]
    surrender_t(erin, account, 40, "cf-b")
    line = by_unit(carry_forward(YEAR))[other_unit.pk]
    assert line.compliance.status == "B" and line.held_t == D(460) and line.surplus_t is None
    surrender_t(erin, account, 60, "cf-b2")
    assert by_unit(carry_forward(YEAR))[other_unit.pk].surplus_t == D(400)


def test_an_exempt_unit_has_no_surplus_and_no_obligation_in_the_totals(alice, unit, other_unit, cast):
    exempt(alice, cast["third"])
    report = carry_forward(YEAR)
    assert by_unit(report)[cast["third"].pk].surplus_t is None
    totals = report.totals
    assert totals["obligation_t"] == D(200) and totals["allowances_t"] == D(100)
    assert totals["surplus_t"] == D(450) and totals["with_surplus"] == 1


def test_after_the_deadline_the_position_is_the_one_at_the_close(
    alice, bob, carol, erin, unit, other_unit, monkeypatch
):
    """On-time units: their holdings when the deadline day ended, whatever they did afterwards; a late
    unit: right after its last surrender."""
    deadline = timezone.localdate() - timedelta(days=5)
    before_close = timezone.make_aware(datetime.combine(deadline - timedelta(days=10), time(10)))
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: before_close)
    accounts = regulated_year(alice, bob, [unit, other_unit])
    on_time = surrender_t(carol, accounts[unit.pk], 100, "cf-on-time")
    monkeypatch.setattr(timezone, "now", real_now)
    on_time.__class__.objects.filter(pk=on_time.pk).update(surrendered_at=before_close)
    set_deadline(YEAR, deadline)
    # after the close: carol's unit sells 200 t, erin's unit surrenders late
    transfer(
        actor=carol,
        from_account=accounts[unit.pk],
        to_account=accounts[other_unit.pk],
        instrument=allowance(YEAR),
        quantity_t=200,
        idempotency_key="cf-sale",
    )
    surrender_t(erin, accounts[other_unit.pk], 100, "cf-late")
    report = carry_forward(YEAR)
    assert report.closed
    lines = by_unit(report)
    assert lines[unit.pk].surplus_t == D(400)  # as the year closed, before the sale
    assert lines[other_unit.pk].compliance.late and lines[other_unit.pk].surplus_t == D(600)


def test_the_surplus_is_valid_for_the_next_years_surrender(alice, bob, carol, unit, cast):
    year_plan(alice, bob, year=YEAR + 1)
    publish_list(alice, bob, [unit], year=YEAR + 1)
    determination(unit, YEAR + 1, "80", alice=alice, bob=bob)
    record = surrender_t(carol, cast["accounts"][unit.pk], 80, "cf-next", year=YEAR + 1, vintage=YEAR)
    assert record.allowances_t == D(80)
    assert carry_forward_line(unit.pk, YEAR + 1).surplus_t == D(370 + 70)  # 2026 left over + the 2027 vintage


def test_the_units_line_is_its_row_of_the_report(unit, cast):
    line = carry_forward_line(unit.pk, YEAR)
    row = by_unit(carry_forward(YEAR))[unit.pk]
    assert (line.compliance.status, line.held_t, line.surplus_t) == (row.compliance.status, row.held_t, row.surplus_t)


# -- pages --

BUREAU_PAGES = [
    ("trading:carry_forward_index", {}),
    ("trading:carry_forward_admin", {"year": YEAR}),
    ("trading:carry_forward_download", {"year": YEAR, "fmt": "csv"}),
]


@pytest.mark.parametrize("name,kwargs", BUREAU_PAGES)
def test_the_report_is_the_bureaus(client, client_for, alice, carol, erin, dave, cast, name, kwargs):
    url = reverse(name, kwargs=kwargs)
    assert client.get(url).status_code == 302
    for outsider in (carol, erin, dave):
        assert client_for(outsider).get(url).status_code == 403
    assert client_for(alice).get(url).status_code in (200, 302)


def test_the_report_page_shows_each_unit_and_the_totals(alice, client_for, unit, other_unit, cast):
    body = client_for(alice).get(reverse("trading:carry_forward_admin", kwargs={"year": YEAR})).content.decode()
    assert unit.uscc in body and other_unit.uscc in body
    assert "Carried forward into 2027 (t)" in body and "450" in body and "Provisional" in body


def test_the_download_has_a_line_per_unit_and_a_total(alice, client_for, unit, cast):
    client = client_for(alice)
    response = client.get(reverse("trading:carry_forward_download", kwargs={"year": YEAR, "fmt": "csv"}))
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert "Surplus carried forward into 2027 (t)" in lines[0]
    assert next(li for li in lines if unit.uscc in li).endswith(",450,450")
    assert lines[-1].startswith("Total,") and lines[-1].endswith(",450")
    xlsx = client.get(reverse("trading:carry_forward_download", kwargs={"year": YEAR, "fmt": "xlsx"}))
    assert xlsx.status_code == 200


def test_the_unit_sees_its_own_line_only(client_for, carol, unit, other_unit, cast):
    url = reverse("trading:lifecycle_unit", kwargs={"number": cast["accounts"][unit.pk].number})
    body = client_for(carol).get(url).content.decode()
    assert "Surplus carried forward into 2027 (t)" in body and "450" in body
    assert other_unit.uscc not in body


def test_the_report_runs_the_same_queries_for_3_and_30_units(alice, bob, client_for, django_assert_max_num_queries):
    year_plan(alice, bob)
    orgs = [OrganisationFactory() for _ in range(30)]
    rl = publish_list(alice, bob, orgs[:3])
    for org in orgs:
        determination(org, YEAR, "10", alice=alice, bob=bob)
        give(alice, account_open(actor=alice, organisation=org), allowance(YEAR), 20)
    client = client_for(alice)
    url = reverse("trading:carry_forward_admin", kwargs={"year": YEAR})
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    ListEntry.objects.bulk_create(
        ListEntry(regulated_list=rl, organisation=o, category=EntryCategory.REGULATED, origin=EntryOrigin.CRITERIA)
        for o in orgs[3:]
    )
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).status_code == 200
