"""Sealed-bid auctions (Art. 13, 34; Action Plan (5)): setting one up with four eyes, what may be
offered or bought back, and the rules a bid must keep. Clearing and payments: test_auction_clearing."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from carbon_portal.models import AuditEntry, Notification
from carbon_portal.roles import Role
from tests.factories import MembershipFactory, UserFactory
from tests.trading.conftest import assert_unchanged, snapshot
from tests.trading.test_runs import make_plan
from trading.choices import AccountKind, AuctionKind, AuctionStatus
from trading.models import Auction, Bid
from trading.services import auction_bids as bidding
from trading.services import auctions as services
from trading.services.accounts import account_set_prohibition, bureau_account
from trading.services.acts import issue
from trading.transitions import can_move

YEAR = 2026
S = AuctionStatus


# -- builders, shared with the other auction tests --


def terms(**over) -> dict:
    now = timezone.now()
    values = {
        "kind": AuctionKind.RESERVE,
        "vintage": YEAR,
        "quantity_t": 1000,
        "limit_price_yuan": D("40.00"),
        "max_bid_pct": D(100),
        "min_bid_t": 1,
        "opens_at": now - timedelta(hours=1),
        "closes_at": now + timedelta(hours=1),
        "payment_due": timezone.localdate() + timedelta(days=7),
    }
    values.update(over)
    return values


def fund(alice, kind, quantity_t, key, vintage=YEAR):
    from trading.services.accounts import allowance

    account = bureau_account(kind, actor=alice)
    issue(actor=alice, to_account=account, instrument=allowance(vintage), quantity_t=quantity_t, idempotency_key=key)
    return account


def announce(alice, bob, **over) -> Auction:
    auction = services.auction_create(actor=alice, **terms(**over))
    services.auction_submit(actor=alice, auction=auction)
    return services.auction_approve(actor=bob, auction=auction)


def close_bidding(auction: Auction) -> Auction:
    """Moves the window into the past, as if bidding had closed a moment ago."""
    now = timezone.now()
    Auction.objects.filter(pk=auction.pk).update(
        opens_at=now - timedelta(hours=2), closes_at=now - timedelta(seconds=1)
    )
    auction.refresh_from_db()
    return auction


def place(user, organisation, auction, quantity_t, price_yuan) -> Bid:
    return bidding.bid_place(
        actor=user, auction=auction, organisation=organisation, quantity_t=quantity_t, price_yuan=price_yuan
    )


@pytest.fixture
def reserve(alice, shea):
    """10,000 t of 2026 allowances in the reserve account (no 2026 plan: carried over)."""
    return fund(alice, AccountKind.RESERVE, 10_000, "fund-reserve")


@pytest.fixture
def auction(alice, bob, reserve):
    """A reserve auction of 1,000 t at a reserve price of 40 yuan/t, open for bids now."""
    return announce(alice, bob)


@pytest.fixture
def third_staff(third_account):
    user = UserFactory(email="frank@third.example.cn")
    MembershipFactory(user=user, organisation=third_account.holder, role=Role.UNIT_STAFF)
    return user


# -- setting up --


def test_a_paid_auction_needs_the_vintages_published_plan(alice, reserve):
    with pytest.raises(ValidationError, match="no published allocation plan for 2026"):
        services.auction_create(actor=alice, **terms(kind=AuctionKind.PAID))


def test_the_price_defaults_to_the_plans_auction_reserve_price(alice, bob, shea):
    plan = make_plan(alice, bob, reserve_t=5000)
    plan.auction_reserve_price_yuan = D("45.50")
    plan.save()
    fund(alice, AccountKind.AUCTION, 2000, "fund-auction")
    auction = services.auction_create(actor=alice, **terms(kind=AuctionKind.PAID, limit_price_yuan=None))
    assert auction.limit_price_yuan == D("45.50") and auction.plan == plan


def test_without_a_plan_price_the_bureau_must_enter_one(alice, reserve):
    with pytest.raises(ValidationError, match="sets no auction reserve price"):
        services.auction_create(actor=alice, **terms(limit_price_yuan=None))


def test_a_sale_offers_no_more_than_the_account_holds_less_other_open_auctions(alice, bob, reserve):
    announce(alice, bob, quantity_t=6000)
    services.auction_create(actor=alice, **terms(quantity_t=4000))  # exactly what is left
    with pytest.raises(ValidationError, match="Only 4,000 t of 2026 allowances are free"):
        services.auction_create(actor=alice, **terms(quantity_t=4001))


def test_awards_still_due_stay_committed_and_lapsed_ones_are_freed(alice, bob, carol, unit, unit_account, reserve):
    from trading.services.auction_clearing import auction_clear, awards_lapse_due

    first = announce(alice, bob, quantity_t=10_000)
    place(carol, unit, first, 3000, "41")
    auction_clear(actor=alice, auction=close_bidding(first))
    assert services.committed_t(kind=AuctionKind.RESERVE, vintage=YEAR) == 3000
    with pytest.raises(ValidationError, match="Only 7,000 t"):
        services.auction_create(actor=alice, **terms(quantity_t=7001))
    awards_lapse_due(today=first.payment_due + timedelta(days=1))
    assert services.committed_t(kind=AuctionKind.RESERVE, vintage=YEAR) == 0


def test_a_repurchase_stays_within_the_plans_reserve(alice, bob, shea):
    make_plan(alice, bob, reserve_t=5000)
    fund(alice, AccountKind.RESERVE, 3000, "fund-reserve")
    rules = terms(kind=AuctionKind.REPURCHASE)
    services.auction_create(actor=alice, **{**rules, "quantity_t": 2000})
    with pytest.raises(ValidationError, match="within the plan's reserve"):
        services.auction_create(actor=alice, **{**rules, "quantity_t": 2001})


def test_open_repurchases_count_against_the_reserves_room(alice, bob, shea):
    make_plan(alice, bob, reserve_t=5000)
    fund(alice, AccountKind.RESERVE, 3000, "fund-reserve")
    announce(alice, bob, kind=AuctionKind.REPURCHASE, quantity_t=1500)
    with pytest.raises(ValidationError, match="at most 500 t"):
        services.auction_create(actor=alice, **terms(kind=AuctionKind.REPURCHASE, quantity_t=501))


def test_the_smallest_bid_must_fit_the_bidder_limit(alice, reserve):
    with pytest.raises(ValidationError) as exc:
        services.auction_create(actor=alice, **terms(quantity_t=1000, max_bid_pct=D(10), min_bid_t=101))
    assert "min_bid_t" in exc.value.error_dict


def test_payment_falls_due_after_bidding_closes(alice, reserve):
    with pytest.raises(ValidationError) as exc:
        services.auction_create(actor=alice, **terms(payment_due=timezone.localdate() - timedelta(days=1)))
    assert "payment_due" in exc.value.error_dict


def test_only_the_bureau_prepares_an_auction(carol, reserve):
    with pytest.raises(PermissionDenied):
        services.auction_create(actor=carol, **terms())
    assert not Auction.objects.exists()


# -- four eyes and the transitions --


def test_the_preparer_cannot_announce_their_own_auction(alice, bob, reserve):
    mine = services.auction_create(actor=bob, **terms())
    services.auction_submit(actor=bob, auction=mine)
    with pytest.raises(PermissionDenied, match="cannot approve your own"):
        services.auction_approve(actor=bob, auction=mine)
    with pytest.raises(PermissionDenied, match="Only a bureau approver"):
        services.auction_approve(actor=alice, auction=mine)
    mine.refresh_from_db()
    assert mine.status == S.PENDING and mine.approved_by is None


def test_whoever_changes_a_draft_becomes_its_preparer(alice, bob, reserve):
    draft = services.auction_create(actor=alice, **terms())
    services.auction_update(actor=bob, auction=draft, **terms(quantity_t=900))
    services.auction_submit(actor=bob, auction=draft)
    with pytest.raises(PermissionDenied):
        services.auction_approve(actor=bob, auction=draft)


def test_a_returned_auction_goes_back_to_draft_with_the_reason(alice, bob, reserve):
    draft = services.auction_create(actor=alice, **terms())
    services.auction_submit(actor=alice, auction=draft)
    with pytest.raises(ValidationError):
        services.auction_return(actor=bob, auction=draft, reason=" ")
    returned = services.auction_return(actor=bob, auction=draft, reason="Quantity too large for May.")
    assert returned.status == S.DRAFT and returned.returned_reason == "Quantity too large for May."
    services.auction_update(actor=alice, auction=returned, **terms(quantity_t=500))
    assert services.auction_submit(actor=alice, auction=returned).returned_reason == ""


def test_an_auction_whose_window_has_passed_is_not_announced(alice, bob, reserve):
    draft = services.auction_create(actor=alice, **terms())
    services.auction_submit(actor=alice, auction=draft)
    close_bidding(draft)
    with pytest.raises(ValidationError, match="already have closed"):
        services.auction_approve(actor=bob, auction=draft)


def test_the_transition_table_allows_only_its_moves():
    table = services.AUCTION_TRANSITIONS
    assert set(table) == set(S.values)
    allowed = {(a, b) for a, targets in table.items() for b in targets}
    assert allowed == {
        (S.DRAFT, S.PENDING),
        (S.DRAFT, S.CANCELLED),
        (S.PENDING, S.ANNOUNCED),
        (S.PENDING, S.DRAFT),
        (S.PENDING, S.CANCELLED),
        (S.ANNOUNCED, S.CLEARED),
        (S.ANNOUNCED, S.CANCELLED),
        (S.CLEARED, S.CLOSED),
    }
    for status in services.AUCTION_TERMINAL:
        assert not any(can_move(table, status, other) for other in S.values)


def test_the_status_never_moves_outside_the_table(alice, auction):
    auction.status = S.CLOSED
    with pytest.raises(ValidationError, match="cannot go from"):
        services._move(auction, S.ANNOUNCED)


def test_cancelling_before_the_close_gives_every_bid_nothing_and_tells_the_bidder(
    alice, carol, unit, unit_account, auction
):
    bid = place(carol, unit, auction, 100, "45")
    services.auction_cancel(actor=alice, auction=auction, reason="Market conditions changed.")
    bid.refresh_from_db()
    auction.refresh_from_db()
    assert auction.status == S.CANCELLED and auction.cancelled_reason == "Market conditions changed."
    assert bid.awarded_t == 0 and "cancelled" in bid.rejected_reason
    assert Notification.objects.filter(recipient=carol, kind="auction.cancelled").exists()
    with pytest.raises(ValidationError, match="not open for bids"):
        place(carol, unit, auction, 100, "45")


def test_an_auction_is_not_cancelled_after_bidding_closes(alice, auction):
    close_bidding(auction)
    with pytest.raises(ValidationError, match="Bidding has closed"):
        services.auction_cancel(actor=alice, auction=auction, reason="Too late.")


# -- bids --


def test_a_bid_outside_the_window_is_refused(alice, bob, carol, unit, unit_account, reserve):
    later = announce(
        alice, bob, opens_at=timezone.now() + timedelta(hours=1), closes_at=timezone.now() + timedelta(hours=2)
    )
    with pytest.raises(ValidationError, match="not opened yet"):
        place(carol, unit, later, 100, "45")
    with pytest.raises(ValidationError, match="Bidding has closed"):
        place(carol, unit, close_bidding(later), 100, "45")


def test_a_bid_below_the_smallest_bid_is_refused(alice, bob, carol, unit, unit_account, reserve):
    auction = announce(alice, bob, min_bid_t=100)
    with pytest.raises(ValidationError, match="at least 100 t"):
        place(carol, unit, auction, 99, "45")


def test_a_bid_above_the_bidder_limit_is_refused(alice, bob, carol, unit, unit_account, reserve):
    auction = announce(alice, bob, quantity_t=1000, max_bid_pct=D("25"))
    assert place(carol, unit, auction, 250, "45").quantity_t == 250
    with pytest.raises(ValidationError, match=r"at most 250 t \(25% of the quantity\)"):
        place(carol, unit, auction, 251, "45")
    whole = announce(alice, bob, quantity_t=1000)
    with pytest.raises(ValidationError, match=r"at most 1,000 t \(100% of the quantity\)"):
        place(carol, unit, whole, 1001, "45")


@pytest.mark.parametrize(
    ("quantity", "price", "message"),
    [
        ("10.5", "45", "whole number"),
        ("10", "39.99", "at least the reserve price"),
        ("10", "45.001", "2 decimal places"),
        ("10", "0", "greater than zero"),
        ("10", "abc", "yuan per tonne"),
    ],
)
def test_bad_bids_are_refused_with_nothing_saved(carol, unit, unit_account, auction, quantity, price, message):
    before = snapshot()
    with pytest.raises(ValidationError, match=message):
        place(carol, unit, auction, quantity, price)
    assert not Bid.objects.exists()
    assert_unchanged(before)


def test_a_changed_bid_withdraws_the_old_one_which_stays_on_record(carol, unit, unit_account, auction):
    first = place(carol, unit, auction, 100, "45")
    second = place(carol, unit, auction, 200, "46.50")
    first.refresh_from_db()
    assert first.withdrawn_at is not None and second.withdrawn_at is None
    assert Bid.objects.filter(auction=auction, organisation=unit).count() == 2
    bidding.bid_withdraw(actor=carol, bid=second)
    assert not Bid.objects.filter(auction=auction, withdrawn_at__isnull=True).exists()
    with pytest.raises(ValidationError, match="already withdrawn"):
        bidding.bid_withdraw(actor=carol, bid=second)


def test_a_prohibited_account_is_refused(alice, carol, unit, unit_account, auction):
    account_set_prohibition(actor=alice, account=unit_account, prohibited=True, reason="Staff of the exchange.")
    with pytest.raises(ValidationError, match="may not trade"):
        place(carol, unit, auction, 100, "45")
    assert not Bid.objects.exists()


def test_a_unit_without_an_open_holding_account_cannot_bid(carol, unit, auction):
    with pytest.raises(ValidationError, match="open holding account"):
        place(carol, unit, auction, 100, "45")


def test_only_the_units_own_staff_bid_for_it(alice, erin, dave, unit, unit_account, auction):
    for user in (erin, dave, alice):
        with pytest.raises(PermissionDenied):
            place(user, unit, auction, 100, "45")
    assert not Bid.objects.exists()


def test_an_agency_is_refused_even_with_unit_staff(alice, agency_account, auction):
    user = UserFactory()
    MembershipFactory(user=user, organisation=agency_account.holder, role=Role.UNIT_STAFF)
    with pytest.raises(ValidationError, match="may not trade"):
        place(user, agency_account.holder, auction, 100, "45")


def test_a_repurchase_offer_must_be_at_most_the_limit_and_held(alice, bob, carol, unit, unit_account, funded):
    make_plan(alice, bob, reserve_t=5000)
    repurchase = announce(alice, bob, kind=AuctionKind.REPURCHASE, quantity_t=2000)
    with pytest.raises(ValidationError, match="at most the highest price"):
        place(carol, unit, repurchase, 100, "40.01")
    with pytest.raises(ValidationError, match="holds 1,000 t"):
        place(carol, unit, repurchase, 1001, "39")
    assert place(carol, unit, repurchase, 1000, "39").quantity_t == 1000


def test_bids_leave_no_audit_entry_and_send_no_message(carol, unit, unit_account, auction):
    audit_before, notes_before = AuditEntry.objects.count(), Notification.objects.count()
    bid = place(carol, unit, auction, 100, "45")
    place(carol, unit, auction, 120, "47")
    bidding.bid_withdraw(actor=carol, bid=Bid.objects.get(auction=auction, withdrawn_at__isnull=True))
    assert (AuditEntry.objects.count(), Notification.objects.count()) == (audit_before, notes_before)
    assert bid.pk
