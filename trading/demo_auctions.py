"""Demo auctions, written through the auction services as the bureau and the units would. Runs
after the trading demo (trading/demo.py), which carries balances over but publishes no plan and
leaves the reserve account empty:

- alice issues an opening balance of 2026 allowances into the reserve account, carried over from
  the previous registration system (no 2026 plan is published, so nothing caps it);
- a 2026 reserve auction held last week: alice prepared it, bob announced it, carol's and erin's
  units and a few other units bid (two of them tied at the margin, one outbid);
  it is cleared, carol's unit's payment is confirmed and its allowances delivered, the others'
  payments are still due;
- a second 2026 reserve auction, announced and open for bids now, so carol can bid.

The past auction is replayed as of the days it would have happened: its announcement and bids
are recorded with those times. Nothing touches the ledger meanwhile (a sale moves allowances
only when payment is confirmed, which happens today). The ledger opening uses a fixed idempotency
key ("demo-auction-..."), the deliveries the service's key per bid, and each auction is found
again by its announcement text, so a second run adds nothing.
"""

from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from unittest import mock

from django.db import transaction
from django.utils import timezone

from carbon_portal.models import User
from carbon_portal.roles import Role
from registry.models import Membership

from .choices import AccountKind, AccountStatus, AuctionKind
from .demo import _Cast, _no_query_log
from .models import Account, Auction, Bid
from .services.accounts import allowance, bureau_account
from .services.acts import issue
from .services.auction_bids import bid_place
from .services.auction_clearing import auction_clear, award_confirm_payment
from .services.auctions import auction_approve, auction_create, auction_submit

VINTAGE = 2026
KEY_PREFIX = "demo-auction-"
RESERVE_OPENING_T = 200_000
RESERVE_MEMO = "原登记系统结转储备配额期初余额"  # "reserve opening balance carried over"
CLOSED_NOTES = "2026年度第一次储备配额有偿竞价（演示）。First 2026 reserve allowance auction (demo)."
OPEN_NOTES = "2026年度第二次储备配额有偿竞价（演示）。Second 2026 reserve allowance auction (demo)."
PAYMENT_REFERENCE = "ICBC-20260512-0042"
# (who bids, tonnes, yuan/t) for 50,000 t: carol's unit and the first other win in full, erin's unit
# and the second other tie at the clearing price of 48.00 and share the 23,000 t left pro rata, the
# third other is outbid and gets nothing.
CLOSED_BIDS = (("carol", 15_000, "52.30"), ("other", 12_000, "49.50"), ("erin", 20_000, "48.00"))
CLOSED_BIDS += (("other", 10_000, "48.00"), ("other", 8_000, "42.00"))


def seed_auctions(*, log: Callable[[str], None] = print) -> None:
    alice = User.objects.filter(email__startswith="alice@").first()
    bob = User.objects.filter(email__startswith="bob@").first()
    if alice is None or bob is None:
        log("  no bureau users to hold auctions: skipped")
        return
    with _no_query_log(), transaction.atomic():
        opened = _reserve_opening(alice)
        closed = _closed_auction(alice, bob, _bidders(_Cast.find()))
        announced = _open_auction(alice, bob)
    log(
        f"  auctions: {opened} reserve opening balance issued, {closed} closed reserve auction with results, "
        f"{announced} auction open for bids"
    )


def _reserve_opening(alice: User) -> int:
    posted = issue(
        actor=alice,
        to_account=bureau_account(AccountKind.RESERVE, actor=alice),
        instrument=allowance(VINTAGE),
        quantity_t=RESERVE_OPENING_T,
        idempotency_key=f"{KEY_PREFIX}reserve-opening-{VINTAGE}",
        memo=RESERVE_MEMO,
    )
    return 0 if posted.replayed else 1


def _bidders(cast: _Cast) -> dict[str, list]:
    """(user, organisation) per role in CLOSED_BIDS: carol, erin, and other units that may trade."""
    found: dict[str, list] = {"carol": [], "erin": [], "other": []}
    if cast.carol and cast.carol_unit:
        found["carol"].append((cast.carol, cast.carol_unit))
    if cast.erin and cast.erin_unit:
        found["erin"].append((cast.erin, cast.erin_unit))
    tradeable = Account.objects.filter(
        kind=AccountKind.HOLDING, status=AccountStatus.OPEN, trading_prohibited=False
    ).values("holder_id")
    staff = (
        Membership.objects.filter(role=Role.UNIT_STAFF, is_active=True, organisation_id__in=tradeable)
        .exclude(organisation__in=cast.units)
        .select_related("user", "organisation")
        .order_by("organisation__uscc", "user__email")
    )
    seen = set()
    for membership in staff:
        if membership.organisation_id not in seen and len(seen) < 3:
            seen.add(membership.organisation_id)
            found["other"].append((membership.user, membership.organisation))
    return found


@contextmanager
def _as_of(moment):
    """The auction services read the time from django.utils.timezone.now: replay a past day."""
    with mock.patch.object(timezone, "now", return_value=moment):
        yield


def _terms(now, *, opens_days: float, closes_days: float, due_days: int, quantity: int, notes: str) -> dict:
    return {
        "kind": AuctionKind.RESERVE,
        "vintage": VINTAGE,
        "quantity_t": quantity,
        "limit_price_yuan": Decimal("40.00"),
        "max_bid_pct": Decimal(40),
        "min_bid_t": 1_000,
        "opens_at": now + timedelta(days=opens_days),
        "closes_at": now + timedelta(days=closes_days),
        "payment_due": timezone.localdate(now) + timedelta(days=due_days),
        "notes": notes,
    }


def _announce(alice: User, bob: User, terms: dict) -> Auction:
    auction = auction_create(actor=alice, **terms)
    auction_submit(actor=alice, auction=auction)
    return auction_approve(actor=bob, auction=auction)


def _closed_auction(alice: User, bob: User, bidders: dict[str, list]) -> int:
    if Auction.objects.filter(notes=CLOSED_NOTES).exists():
        return 0
    now = timezone.now()
    start = now - timedelta(days=10)
    with _as_of(start):
        terms = _terms(start, opens_days=1, closes_days=7, due_days=17, quantity=50_000, notes=CLOSED_NOTES)
        auction = _announce(alice, bob, terms)
    queues = {role: list(people) for role, people in bidders.items()}
    for n, (role, tonnes, price) in enumerate(CLOSED_BIDS):
        if not queues[role]:
            continue
        user, organisation = queues[role].pop(0)
        with _as_of(start + timedelta(days=2, hours=n)):
            bid_place(actor=user, auction=auction, organisation=organisation, quantity_t=tonnes, price_yuan=price)
    auction = auction_clear(actor=alice, auction=auction)
    first = Bid.objects.filter(auction=auction, awarded_t__gt=0).order_by("-price_yuan", "submitted_at").first()
    if first is not None:
        award_confirm_payment(actor=alice, bid=first, reference=PAYMENT_REFERENCE)
    return 1


def _open_auction(alice: User, bob: User) -> int:
    if Auction.objects.filter(notes=OPEN_NOTES).exists():
        return 0
    now = timezone.now()
    terms = _terms(now, opens_days=-1 / 24, closes_days=14, due_days=21, quantity=30_000, notes=OPEN_NOTES)
    _announce(alice, bob, terms)
    return 1
