"""Trading's dashboard tasks: what waits for a unit (payments due, auctions open, early warnings)
and for the bureau (second approvals, auctions to clear, payments to confirm). Nothing here may
reveal a sealed bid."""

import pytest

from carbon_portal.dashboard import tasks_for
from tests.trading.test_auctions import announce, close_bidding, fund, place, terms
from trading.choices import AccountKind, WarningStatus
from trading.models import EarlyWarning
from trading.services import auctions as auction_services
from trading.services.auction_clearing import auction_clear

pytestmark = pytest.mark.django_db


def titles(user) -> list[str]:
    return [task.title for task in tasks_for(user)]


@pytest.fixture
def reserve(alice, shea):
    return fund(alice, AccountKind.RESERVE, 10_000, "fund-reserve")


@pytest.fixture
def sale(alice, bob, reserve, unit_account, other_account):
    return announce(alice, bob, quantity_t=1000)


def test_an_open_auction_is_on_a_units_dashboard(carol, sale):
    assert any(f"no. {sale.pk} is open for sealed bids" in t for t in titles(carol))


def test_a_bureau_user_sees_no_count_of_bids_before_the_close(alice, carol, unit, sale):
    place(carol, unit, sale, 600, "52")
    assert not any(str(sale.pk) in t for t in titles(alice))


def test_a_closed_uncleared_auction_asks_the_bureau_to_clear_it(alice, carol, unit, sale):
    place(carol, unit, sale, 600, "52")
    close_bidding(sale)
    assert f"Clear auction no. {sale.pk}: bidding has closed" in titles(alice)


def test_a_won_award_is_a_payment_due_for_the_unit_and_a_payment_to_confirm_for_the_bureau(
    alice, carol, erin, unit, other_unit, sale
):
    place(carol, unit, sale, 600, "52")
    place(erin, other_unit, sale, 600, "45")
    auction_clear(actor=alice, auction=close_bidding(sale))
    mine = [t for t in tasks_for(carol) if t.tag == "Payment due"]
    assert len(mine) == 1 and "600 t" in mine[0].title and mine[0].due == sale.payment_due
    assert f"Confirm 2 payments for auction no. {sale.pk}" in titles(alice)


def test_an_auction_awaiting_approval_is_a_task_for_another_approver_only(alice, bob, reserve):
    auction = auction_services.auction_create(actor=alice, **terms())
    auction_services.auction_submit(actor=alice, auction=auction)
    wanted = f"no. {auction.pk}"
    assert any(wanted in t and t.startswith("Approve") for t in titles(bob))
    assert not any(wanted in t and t.startswith("Approve") for t in titles(alice))


def test_an_open_early_warning_is_on_the_units_and_the_bureaus_dashboard(alice, carol, unit):
    EarlyWarning.objects.create(
        organisation=unit, year=2026, as_of_month=9, projected_tco2e=1500, holdings_t=1000, shortfall_t=500
    )
    assert "Your holdings are 500 t short of the emissions projected for 2026" in titles(carol)
    assert "1 unit is short of its projected 2026 emissions" in titles(alice)


def test_a_cleared_early_warning_is_not_a_task(carol, unit):
    EarlyWarning.objects.create(
        organisation=unit,
        year=2026,
        as_of_month=9,
        projected_tco2e=1500,
        holdings_t=1600,
        shortfall_t=0,
        status=WarningStatus.CLEARED,
    )
    assert not any("short" in t for t in titles(carol))


def test_trading_tasks_take_a_fixed_number_of_queries_whatever_the_rows(
    django_assert_num_queries, alice, bob, carol, erin, unit, other_unit, reserve, sale
):
    from trading import dashboard

    place(carol, unit, sale, 600, "52")
    place(erin, other_unit, sale, 600, "45")
    auction_clear(actor=alice, auction=close_bidding(sale))
    for _ in range(3):
        announce(alice, bob, quantity_t=10)
    # One query per kind of task, never one per row.
    with django_assert_num_queries(6):
        dashboard.tasks_for(carol)
    with django_assert_num_queries(7):
        dashboard.tasks_for(bob)
