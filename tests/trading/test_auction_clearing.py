"""Clearing sealed-bid auctions and what follows (Art. 13, 34): the uniform-price maths, awards,
payment and delivery through the ledger, lapse, repurchases into the reserve, the beat jobs."""

from datetime import datetime, timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from carbon_portal.models import Notification
from tests.trading.conftest import assert_unchanged, held, snapshot
from tests.trading.test_auctions import announce, close_bidding, fund, place
from tests.trading.test_runs import make_plan
from trading.choices import AccountKind, AuctionKind, AuctionStatus, AwardPayment, TransactionKind
from trading.models import Auction, LedgerTransaction
from trading.selectors.chain import holdings_mismatches, verify_chain
from trading.services.accounts import bureau_account
from trading.services.acts import transfer
from trading.services.auction_clearing import (
    Offer,
    allocate,
    auction_clear,
    award_confirm_payment,
    awards_lapse_due,
)
from trading.tasks_auctions import clear_closed_auctions, lapse_unpaid_awards

S = AuctionStatus
T0 = datetime(2026, 5, 1, 9, 0)


def offer(key, quantity, price, minute=0) -> Offer:
    return Offer(key, quantity, D(price), T0 + timedelta(minutes=minute))


def ledger_ok():
    check = verify_chain()
    assert check.ok, check.problems
    assert holdings_mismatches() == []


# -- the maths --


def test_a_sale_awards_the_highest_bids_first_at_the_lowest_accepted_price():
    result = allocate(
        [offer(1, 400, "50"), offer(2, 500, "60"), offer(3, 300, "55"), offer(4, 200, "45")],
        quantity_t=1000,
        limit_price_yuan=D("40"),
        sale=True,
    )
    assert result.awards == {2: 500, 3: 300, 1: 200}
    assert result.price_yuan == D("50") and result.awarded_t == 1000


def test_ties_at_the_margin_share_pro_rata_in_whole_tonnes_the_odd_tonnes_to_the_earliest():
    # 100 t left for 3 bids of 100 t at 50: 33 each, the odd tonne to the earliest (key 7, minute 1).
    result = allocate(
        [offer(9, 900, "60"), offer(5, 100, "50", 3), offer(6, 100, "50", 2), offer(7, 100, "50", 1)],
        quantity_t=1000,
        limit_price_yuan=D("40"),
        sale=True,
    )
    assert result.awards == {9: 900, 7: 34, 6: 33, 5: 33}
    assert result.price_yuan == D("50") and result.rationed == {5, 6, 7}


def test_pro_rata_follows_the_size_of_the_tied_bids():
    result = allocate(
        [offer(1, 300, "50", 1), offer(2, 100, "50", 0)], quantity_t=200, limit_price_yuan=D(1), sale=True
    )
    assert result.awards == {1: 150, 2: 50}


def test_a_tied_bid_may_get_nothing_when_too_little_is_left():
    result = allocate(
        [offer(1, 10, "50", 0), offer(2, 10, "50", 1), offer(3, 10, "50", 2)],
        quantity_t=2,
        limit_price_yuan=D(1),
        sale=True,
    )
    assert result.awards == {1: 1, 2: 1} and 3 in result.rationed


def test_bids_below_the_reserve_price_never_win_even_when_undersubscribed():
    result = allocate(
        [offer(1, 100, "39.99"), offer(2, 100, "40")], quantity_t=1000, limit_price_yuan=D("40"), sale=True
    )
    assert result.awards == {2: 100} and result.beyond_limit == {1}
    assert result.price_yuan == D("40")


def test_an_undersubscribed_sale_awards_every_valid_bid_in_full_at_the_lowest_bid():
    result = allocate([offer(1, 300, "70"), offer(2, 200, "45")], quantity_t=1000, limit_price_yuan=D("40"), sale=True)
    assert result.awards == {1: 300, 2: 200} and result.price_yuan == D("45") and result.awarded_t == 500


def test_no_valid_bid_awards_nothing_and_sets_no_price():
    result = allocate([offer(1, 300, "10")], quantity_t=1000, limit_price_yuan=D("40"), sale=True)
    assert result.awards == {} and result.price_yuan is None


def test_a_repurchase_takes_the_lowest_offers_first_at_the_highest_accepted_price():
    result = allocate(
        [offer(1, 400, "38"), offer(2, 500, "30"), offer(3, 300, "41"), offer(4, 300, "35")],
        quantity_t=1000,
        limit_price_yuan=D("40"),
        sale=False,
    )
    assert result.awards == {2: 500, 4: 300, 1: 200} and result.beyond_limit == {3}
    assert result.price_yuan == D("38")


def test_huge_quantities_are_shared_exactly():
    big = 10**14
    result = allocate(
        [offer(1, big, "50", 0), offer(2, 2 * big, "50", 1)], quantity_t=big + 1, limit_price_yuan=D(1), sale=True
    )
    assert result.awarded_t == big + 1 and result.awards[2] == 2 * (big + 1) // 3


# -- clearing a sale --


@pytest.fixture
def reserve(alice, shea):
    return fund(alice, AccountKind.RESERVE, 10_000, "fund-reserve")


@pytest.fixture
def sale(alice, bob, reserve, unit_account, other_account):
    """1,000 t from the reserve at >= 40 yuan/t; carol's unit bids 600 t at 52, erin's 600 t at 45."""
    auction = announce(alice, bob, quantity_t=1000)
    return auction


@pytest.fixture
def cleared(alice, carol, erin, unit, other_unit, sale):
    place(carol, unit, sale, 600, "52")
    place(erin, other_unit, sale, 600, "45")
    return auction_clear(actor=alice, auction=close_bidding(sale))


def test_an_auction_is_not_cleared_before_bidding_closes(alice, carol, unit, sale):
    place(carol, unit, sale, 600, "52")
    with pytest.raises(ValidationError, match="cleared after that"):
        auction_clear(actor=alice, auction=sale)
    sale.refresh_from_db()
    assert sale.status == S.ANNOUNCED and sale.cleared_at is None


def test_only_the_bureau_clears(carol, sale):
    with pytest.raises(PermissionDenied):
        auction_clear(actor=carol, auction=close_bidding(sale))


def test_clearing_sets_the_awards_the_amounts_and_the_auctions_figures(cleared, unit, other_unit):
    mine, theirs = cleared.bids.get(organisation=unit), cleared.bids.get(organisation=other_unit)
    assert (mine.awarded_t, mine.amount_yuan, mine.payment) == (600, D("27000.00"), AwardPayment.DUE)
    assert (theirs.awarded_t, theirs.amount_yuan, theirs.payment) == (400, D("18000.00"), AwardPayment.DUE)
    assert cleared.status == S.CLEARED and cleared.clearing_price_yuan == D("45")
    assert (cleared.awarded_t, cleared.bidders, cleared.bid_t) == (1000, 2, 1200)
    assert cleared.cleared_at is not None and cleared.closed_at is None


def test_clearing_twice_is_refused(alice, cleared):
    with pytest.raises(ValidationError, match="Only an announced auction"):
        auction_clear(actor=alice, auction=cleared)


def test_clearing_moves_no_allowance_for_a_sale(alice, carol, unit, sale, reserve, shea):
    place(carol, unit, sale, 600, "52")
    before = snapshot()
    auction_clear(actor=alice, auction=close_bidding(sale))
    assert snapshot()["transactions"] == before["transactions"]
    assert held(reserve, shea) == 10_000


def test_a_losing_bid_is_told_why(alice, carol, erin, unit, other_unit, sale):
    place(carol, unit, sale, 1000, "52")
    place(erin, other_unit, sale, 500, "45")
    auction_clear(actor=alice, auction=close_bidding(sale))
    losing = sale.bids.get(organisation=other_unit)
    assert losing.awarded_t == 0 and losing.payment == AwardPayment.NONE and "Outbid" in losing.rejected_reason


def test_zero_valid_bids_clears_with_nothing_awarded_and_closes(alice, carol, unit, unit_account, sale):
    from trading.services.accounts import account_set_prohibition

    place(carol, unit, sale, 100, "41")
    account_set_prohibition(actor=alice, account=unit_account, prohibited=True, reason="Became exchange staff.")
    cleared = auction_clear(actor=alice, auction=close_bidding(sale))
    assert cleared.status == S.CLOSED and cleared.awarded_t == 0 and cleared.clearing_price_yuan is None
    assert cleared.cleared_at and cleared.closed_at and cleared.bidders == 1 and cleared.bid_t == 100
    assert "may not trade" in cleared.bids.get().rejected_reason


def test_an_auction_with_no_bid_is_cleared_and_closed(alice, sale):
    cleared = auction_clear(actor=alice, auction=close_bidding(sale))
    assert cleared.status == S.CLOSED and cleared.bidders == 0 and cleared.awarded_t == 0


def test_a_bidder_who_may_no_longer_trade_at_clearing_gets_nothing_and_the_next_moves_up(
    alice, carol, erin, unit, other_unit, sale, unit_account
):
    from trading.services.accounts import account_set_prohibition

    place(carol, unit, sale, 600, "52")
    place(erin, other_unit, sale, 600, "45")
    account_set_prohibition(actor=alice, account=unit_account, prohibited=True, reason="Became exchange staff.")
    auction_clear(actor=alice, auction=close_bidding(sale))
    assert sale.bids.get(organisation=unit).awarded_t == 0
    assert sale.bids.get(organisation=other_unit).awarded_t == 600


def test_bidders_hear_their_result(cleared, carol, erin):
    won = Notification.objects.get(recipient=carol, kind="auction.result")
    assert "27,000.00" in won.body_en and "45.00" in won.body_en
    assert Notification.objects.filter(recipient=erin, kind="auction.result").exists()


# -- payment and delivery --


def test_payment_confirmation_delivers_the_allowances_and_the_chain_verifies(
    alice, cleared, unit, unit_account, reserve, shea, carol
):
    bid = cleared.bids.get(organisation=unit)
    award_confirm_payment(actor=alice, bid=bid, reference="ICBC-0001")
    bid.refresh_from_db()
    assert (
        bid.payment == AwardPayment.PAID and bid.payment_confirmed_by == alice and bid.payment_reference == "ICBC-0001"
    )
    assert bid.delivery.kind == TransactionKind.AUCTION and bid.delivery.reference == "ICBC-0001"
    assert held(unit_account, shea) == 600 and held(reserve, shea) == 10_000 - 600
    assert Notification.objects.filter(recipient=carol, kind="auction.paid").exists()
    ledger_ok()


def test_a_second_confirmation_is_refused_and_moves_nothing(alice, bob, cleared, unit):
    bid = cleared.bids.get(organisation=unit)
    award_confirm_payment(actor=alice, bid=bid, reference="ICBC-0001")
    before = snapshot()
    with pytest.raises(ValidationError, match="already confirmed") as exc:
        award_confirm_payment(actor=bob, bid=bid, reference="ICBC-0002")
    assert exc.value.code == "already_paid"
    assert_unchanged(before)


def test_delivery_is_one_transaction_per_bid_whatever_happens(alice, cleared, unit):
    bid = cleared.bids.get(organisation=unit)
    award_confirm_payment(actor=alice, bid=bid, reference="R1")
    assert LedgerTransaction.objects.filter(idempotency_key=f"auction-{cleared.pk}-bid-{bid.pk}-delivery").count() == 1


def test_only_the_registrar_confirms_a_payment(carol, cleared, unit):
    with pytest.raises(PermissionDenied):
        award_confirm_payment(actor=carol, bid=cleared.bids.get(organisation=unit), reference="R1")


def test_a_payment_needs_its_reference(alice, cleared, unit):
    before = snapshot()
    with pytest.raises(ValidationError, match="reference"):
        award_confirm_payment(actor=alice, bid=cleared.bids.get(organisation=unit), reference="  ")
    assert_unchanged(before)


def test_the_auction_closes_when_no_award_is_due(alice, cleared, unit, other_unit):
    award_confirm_payment(actor=alice, bid=cleared.bids.get(organisation=unit), reference="R1")
    cleared.refresh_from_db()
    assert cleared.status == S.CLEARED
    award_confirm_payment(actor=alice, bid=cleared.bids.get(organisation=other_unit), reference="R2")
    cleared.refresh_from_db()
    assert cleared.status == S.CLOSED and cleared.closed_at is not None


def test_unpaid_awards_lapse_after_the_due_date_and_the_allowances_stay(
    alice, cleared, unit, other_unit, reserve, shea, erin
):
    award_confirm_payment(actor=alice, bid=cleared.bids.get(organisation=unit), reference="R1")
    assert awards_lapse_due(today=cleared.payment_due) == []  # due by the end of that day
    before = snapshot()["transactions"]
    lapsed = awards_lapse_due(today=cleared.payment_due + timedelta(days=1))
    theirs = cleared.bids.get(organisation=other_unit)
    assert lapsed == [theirs.pk] and theirs.payment == AwardPayment.LAPSED
    assert snapshot()["transactions"] == before and held(reserve, shea) == 10_000 - 600
    cleared.refresh_from_db()
    assert cleared.status == S.CLOSED
    assert Notification.objects.filter(recipient=erin, kind="auction.lapsed").exists()
    with pytest.raises(ValidationError, match="No payment is due"):
        award_confirm_payment(actor=alice, bid=theirs, reference="late")
    assert awards_lapse_due(today=cleared.payment_due + timedelta(days=2)) == []


# -- repurchases --


@pytest.fixture
def repurchase(alice, bob, shea, unit_account, other_account):
    """The 2026 plan reserved 5,000 t; the reserve holds 4,000 t; 800 t are sought at <= 40 yuan/t.
    carol's and erin's units each hold 1,000 t."""
    make_plan(alice, bob, reserve_t=5000)
    fund(alice, AccountKind.RESERVE, 4000, "fund-reserve")
    for account in (unit_account, other_account):
        fund_holding(alice, account, shea, 1000)
    return announce(alice, bob, kind=AuctionKind.REPURCHASE, quantity_t=800)


def fund_holding(alice, account, shea, quantity):
    from trading.services.acts import issue

    issue(actor=alice, to_account=account, instrument=shea, quantity_t=quantity, idempotency_key=f"f-{account.pk}")


def test_a_repurchase_moves_the_accepted_offers_into_the_reserve_at_clearing(
    alice, carol, erin, unit, other_unit, unit_account, other_account, repurchase, shea
):
    place(carol, unit, repurchase, 500, "35")
    place(erin, other_unit, repurchase, 500, "38")
    cleared = auction_clear(actor=alice, auction=close_bidding(repurchase))
    reserve = bureau_account(AccountKind.RESERVE, actor=alice)
    assert cleared.clearing_price_yuan == D("38") and cleared.awarded_t == 800
    assert held(unit_account, shea) == 500 and held(other_account, shea) == 700 and held(reserve, shea) == 4800
    mine = cleared.bids.get(organisation=unit)
    assert mine.delivery.kind == TransactionKind.REPURCHASE and mine.amount_yuan == D("19000.00")
    assert mine.payment == AwardPayment.DUE
    ledger_ok()


def test_a_unit_that_sold_its_allowances_meanwhile_gets_nothing_and_the_next_offer_moves_up(
    alice, carol, erin, unit, other_unit, unit_account, other_account, third_account, repurchase, shea
):
    place(carol, unit, repurchase, 800, "30")
    place(erin, other_unit, repurchase, 800, "39")
    transfer(
        actor=carol,
        from_account=unit_account,
        to_account=third_account,
        instrument=shea,
        quantity_t=300,
        idempotency_key="sold",
    )
    cleared = auction_clear(actor=alice, auction=close_bidding(repurchase))
    mine, theirs = cleared.bids.get(organisation=unit), cleared.bids.get(organisation=other_unit)
    assert mine.awarded_t == 0 and "no longer held" in mine.rejected_reason and mine.delivery is None
    assert theirs.awarded_t == 800 and cleared.clearing_price_yuan == D("39")
    assert held(unit_account, shea) == 700 and held(other_account, shea) == 200
    ledger_ok()


def test_a_repurchase_never_fills_the_reserve_beyond_the_plan(alice, bob, carol, unit, repurchase, shea):
    place(carol, unit, repurchase, 800, "30")
    fund(alice, AccountKind.RESERVE, 500, "top-up")  # the reserve now holds 4,500 of 5,000 t
    cleared = auction_clear(actor=alice, auction=close_bidding(repurchase))
    assert cleared.awarded_t == 500
    assert held(bureau_account(AccountKind.RESERVE, actor=alice), shea) == 5000


def test_the_bureaus_payment_for_a_repurchase_moves_nothing_more(alice, carol, unit, repurchase):
    place(carol, unit, repurchase, 500, "35")
    cleared = auction_clear(actor=alice, auction=close_bidding(repurchase))
    before = snapshot()["transactions"]
    bid = award_confirm_payment(actor=alice, bid=cleared.bids.get(organisation=unit), reference="PAY-1")
    assert bid.payment == AwardPayment.PAID and snapshot()["transactions"] == before
    cleared.refresh_from_db()
    assert cleared.status == S.CLOSED


def test_a_repurchase_award_does_not_lapse(alice, carol, unit, repurchase):
    place(carol, unit, repurchase, 500, "35")
    cleared = auction_clear(actor=alice, auction=close_bidding(repurchase))
    assert awards_lapse_due(today=cleared.payment_due + timedelta(days=30)) == []


# -- the beat --


def test_the_beat_clears_auctions_whose_bidding_closed_once(alice, bob, carol, unit, sale, reserve):
    still_open = announce(alice, bob, quantity_t=500)
    place(carol, unit, sale, 600, "52")
    close_bidding(sale)
    assert clear_closed_auctions() == [sale.pk]
    assert clear_closed_auctions() == []
    sale.refresh_from_db()
    still_open.refresh_from_db()
    assert sale.status == S.CLEARED and sale.bids.get().awarded_t == 600
    assert still_open.status == S.ANNOUNCED


def test_the_beat_records_a_repurchase_in_the_approvers_name(bob, carol, unit, repurchase):
    place(carol, unit, repurchase, 500, "35")
    close_bidding(repurchase)
    assert clear_closed_auctions() == [repurchase.pk]
    assert repurchase.bids.get().delivery.actor == bob


def test_the_beat_lapses_unpaid_awards(cleared):
    Auction.objects.filter(pk=cleared.pk).update(payment_due=cleared.cleared_at.date() - timedelta(days=1))
    assert len(lapse_unpaid_awards()) == 2
    assert lapse_unpaid_awards() == []
