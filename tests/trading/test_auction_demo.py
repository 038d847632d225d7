"""The demo's auctions (trading/demo_auctions.py), on a small world: alice and bob of the bureau,
carol's and erin's units and three more that may trade. A second run adds nothing."""

import pytest
from django.utils import timezone

from carbon_portal.models import Notification
from carbon_portal.roles import Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.trading.test_auctions import place
from trading.choices import AccountKind, AuctionStatus, AwardPayment, TransactionKind
from trading.demo_auctions import CLOSED_NOTES, OPEN_NOTES, RESERVE_OPENING_T, seed_auctions
from trading.models import Auction, Bid, Holding, LedgerTransaction
from trading.selectors.chain import holdings_mismatches, verify_chain
from trading.services.accounts import account_open


@pytest.fixture
def world(alice, bob, carol, erin, unit_account, other_account):
    for n in range(3):
        organisation = OrganisationFactory()
        account_open(actor=alice, organisation=organisation)
        MembershipFactory(
            user=UserFactory(email=f"staff{n}@example.cn"), organisation=organisation, role=Role.UNIT_STAFF
        )


def counts() -> tuple[int, ...]:
    return (
        Auction.objects.count(),
        Bid.objects.count(),
        LedgerTransaction.objects.count(),
        Notification.objects.count(),
        tuple(Holding.objects.order_by("pk").values_list("quantity_t", flat=True)),
    )


def test_the_demo_holds_a_closed_and_an_open_auction_and_a_second_run_adds_nothing(world, carol, unit):
    lines = []
    seed_auctions(log=lines.append)
    assert "1 reserve opening balance issued, 1 closed reserve auction" in lines[0]
    opening = LedgerTransaction.objects.get(idempotency_key="demo-auction-reserve-opening-2026")
    assert opening.entries.get(account__kind=AccountKind.RESERVE).quantity_t == RESERVE_OPENING_T

    closed = Auction.objects.get(notes=CLOSED_NOTES)
    assert closed.status == AuctionStatus.CLEARED and closed.prepared_by.email.startswith("alice@")
    assert closed.approved_by.email.startswith("bob@") and closed.bidders == 5
    bids = closed.bids.filter(withdrawn_at__isnull=True)
    assert all(bid.submitted_at < closed.closes_at for bid in bids)
    paid = bids.get(payment=AwardPayment.PAID)
    assert paid.organisation == unit and paid.delivery.kind == TransactionKind.AUCTION
    assert bids.filter(payment=AwardPayment.DUE).exists()
    assert closed.clearing_price_yuan == 48 and closed.awarded_t == closed.quantity_t
    assert "Outbid" in bids.get(payment=AwardPayment.NONE).rejected_reason

    announced = Auction.objects.get(notes=OPEN_NOTES)
    assert announced.status == AuctionStatus.ANNOUNCED
    assert announced.opens_at <= timezone.now() < announced.closes_at
    assert place(carol, unit, announced, 1000, "45.00").pk  # carol can bid in the demo

    check = verify_chain()
    assert check.ok and holdings_mismatches() == []

    before = counts()
    seed_auctions(log=lines.append)
    assert counts() == before
    assert "0 reserve opening balance issued, 0 closed reserve auction with results, 0 auction open" in lines[1]


def test_without_bureau_users_the_demo_is_skipped(db):
    lines = []
    seed_auctions(log=lines.append)
    assert "skipped" in lines[0] and not Auction.objects.exists()
