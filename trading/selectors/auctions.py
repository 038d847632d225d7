"""Reads of the auctions (Art. 13, 34). Bids are sealed: until bidding closes no read here returns
another unit's bid, nor how many bids there are, to anyone, the bureau included. A unit reads
only its own bids. The public reads announced auctions and, once cleared, their results: the
clearing price, the quantities, how many bid and won, and the winners' names and quantities,
never a losing bid's price."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from carbon_portal.permissions import organisation_ids_of
from carbon_portal.roles import Role

from ..choices import AuctionKind, AuctionStatus, AwardPayment
from ..models import Auction, Bid

A = AuctionStatus
RESULTS = frozenset({A.CLEARED, A.CLOSED})
# Announced at some point: the public sees it, and units may read its page.
ANNOUNCED_ONCE = Q(status__in=[A.ANNOUNCED, A.CLEARED, A.CLOSED]) | Q(status=A.CANCELLED, approved_by__isnull=False)


def is_sealed(auction: Auction, now=None) -> bool:
    """Until bidding closes the bids are sealed."""
    return (now or timezone.now()) < auction.closes_at


def is_open_for_bids(auction: Auction, now=None) -> bool:
    now = now or timezone.now()
    return auction.status == A.ANNOUNCED and auction.opens_at <= now < auction.closes_at


# -- the bureau -----------------------------------------------------------------------------------


def bureau_auctions() -> QuerySet[Auction]:
    """Every auction, newest first, with what the list shows: nothing about bids but the figures
    written at clearing."""
    return Auction.objects.select_related("plan", "prepared_by", "approved_by").order_by("-opens_at", "-pk")


def bureau_auction(pk: int) -> Auction:
    return get_object_or_404(Auction.objects.select_related("plan", "prepared_by", "approved_by"), pk=pk)


def _bid_order(auction: Auction) -> list[str]:
    return ["-price_yuan" if auction.is_sale else "price_yuan", "submitted_at", "pk"]


def opened_bids(auction: Auction, now=None) -> list[Bid]:
    """The live bids, best first, once bidding has closed; before that, none."""
    if is_sealed(auction, now):
        return []
    return list(
        auction.bids.filter(withdrawn_at__isnull=True)
        .select_related("organisation", "submitted_by", "payment_confirmed_by", "delivery")
        .order_by(*_bid_order(auction))
    )


def replaced_bids(auction: Auction, now=None) -> list[Bid]:
    """Bids changed or withdrawn before the close, kept for the record; shown only after it."""
    if is_sealed(auction, now):
        return []
    return list(
        auction.bids.filter(withdrawn_at__isnull=False)
        .select_related("organisation", "submitted_by")
        .order_by("organisation__name_zh", "submitted_at")
    )


def results_bid(auction: Auction, bid_pk: int) -> Bid:
    """One award, for the payment page: only once cleared."""
    if auction.status not in RESULTS:
        raise Bid.DoesNotExist
    return Bid.objects.select_related("organisation", "payment_confirmed_by", "delivery").get(
        pk=bid_pk, auction=auction, withdrawn_at__isnull=True
    )


# -- a unit's staff -------------------------------------------------------------------------------


def _own_bids(organisation_ids, *, live_only: bool) -> Prefetch:
    bids = Bid.objects.filter(organisation_id__in=organisation_ids).select_related("organisation", "delivery")
    if live_only:
        bids = bids.filter(withdrawn_at__isnull=True)
    return Prefetch("bids", queryset=bids.order_by("-submitted_at", "-pk"), to_attr="own_bids")


@dataclass(frozen=True)
class UnitAuctions:
    open_now: list[Auction]  # announced, bidding open or about to open
    past: list[Auction]  # cleared, closed or cancelled auctions the user's units bid in
    due: list[Bid]  # the user's units' awards awaiting payment


def unit_auctions(user, now=None) -> UnitAuctions:
    """What a unit's staff see: announced auctions, and only their own units' bids and results."""
    now = now or timezone.now()
    ids = organisation_ids_of(user, Role.UNIT_STAFF)
    announced = Auction.objects.filter(status=A.ANNOUNCED, closes_at__gt=now).order_by("closes_at", "pk")
    past = (
        Auction.objects.filter(ANNOUNCED_ONCE, bids__organisation_id__in=ids, bids__withdrawn_at__isnull=True)
        .exclude(status=A.ANNOUNCED, closes_at__gt=now)
        .distinct()
        .order_by("-closes_at", "-pk")
    )
    due = (
        Bid.objects.filter(organisation_id__in=ids, payment=AwardPayment.DUE, withdrawn_at__isnull=True)
        .exclude(auction__kind=AuctionKind.REPURCHASE)
        .select_related("auction", "organisation")
        .order_by("auction__payment_due", "pk")
    )
    return UnitAuctions(
        open_now=list(announced.prefetch_related(_own_bids(ids, live_only=True))),
        past=list(past.prefetch_related(_own_bids(ids, live_only=True))),
        due=list(due),
    )


def unit_auction(user, pk: int) -> Auction:
    """An announced (or once announced) auction with the user's units' bids, live and replaced, in
    `own_bids`; any other is not found."""
    ids = organisation_ids_of(user, Role.UNIT_STAFF)
    return get_object_or_404(
        Auction.objects.filter(ANNOUNCED_ONCE).select_related("plan").prefetch_related(_own_bids(ids, live_only=False)),
        pk=pk,
    )


# -- the public -----------------------------------------------------------------------------------


def public_auctions() -> QuerySet[Auction]:
    return Auction.objects.filter(ANNOUNCED_ONCE).select_related("plan").order_by("-opens_at", "-pk")


def public_auction(pk: int) -> Auction:
    return get_object_or_404(public_auctions(), pk=pk)


@dataclass(frozen=True)
class Winner:
    name: str
    uscc: str
    awarded_t: Decimal


def public_winners(auction: Auction) -> list[Winner]:
    """The winners' names and quantities, once cleared; never any bid's price."""
    if auction.status not in RESULTS:
        return []
    rows = (
        auction.bids.filter(withdrawn_at__isnull=True, awarded_t__gt=0)
        .select_related("organisation")
        .order_by("-awarded_t", "organisation__name_zh")
    )
    return [Winner(bid.organisation.name, bid.organisation.uscc, bid.awarded_t) for bid in rows]
