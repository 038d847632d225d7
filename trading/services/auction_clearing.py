"""Clearing a sealed-bid auction, and the payments that follow (Art. 13, 34; Action Plan (5)).

A sale takes the highest bids first; everyone awarded pays one uniform price, the lowest accepted
bid. Bids tied at the margin share what is left pro rata in whole tonnes, the odd tonnes going one
each by earliest submission. A bid below the reserve price never wins. The allowances stay in the
bureau's account until the bureau confirms the winner's payment, which delivers them; an award not
paid by the due date lapses and the allowances stay where they are.

A repurchase takes the lowest offers first at the highest accepted offer's price, never more than
the plan's reserve has room for (Art. 34). At clearing each accepted offer moves the unit's
allowances into the reserve account; an offer whose unit no longer holds them gets nothing, with
the reason, and the next offer moves up. The bureau then confirms its payment to each unit.

An auction with no award left awaiting payment is closed.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import groupby

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carbon_portal import audit
from carbon_portal.formatting import format_tonnes, format_yuan
from carbon_portal.i18n_text import both, fitting

from ..choices import AuctionKind, AuctionStatus, AwardPayment, TransactionKind
from ..models import Auction, Bid
from ..permissions import require_registrar
from .accounts import allowance, bureau_account, holding_account_of
from .auction_bids import bidder_account
from .auction_notices import notify_lapsed, notify_paid, notify_results
from .auctions import _move, held_t, room_t, source_kind
from .ledger import Leg, _locked_tip, post

A = AuctionStatus
CENT = Decimal("0.01")


# -- the maths ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Offer:
    """A bid as the clearing sees it: whole tonnes, a price, when it came in."""

    key: int
    quantity_t: int
    price_yuan: Decimal
    submitted_at: datetime


@dataclass(frozen=True)
class Allocation:
    awards: dict[int, int]  # key -> tonnes awarded, only those above zero
    price_yuan: Decimal | None  # the uniform price; None when nothing was awarded
    beyond_limit: frozenset[int]  # priced below the reserve price (sale) or above the bureau's (repurchase)
    rationed: frozenset[int]  # tied at the clearing price when the quantity ran out

    @property
    def awarded_t(self) -> int:
        return sum(self.awards.values())


def allocate(offers: Iterable[Offer], *, quantity_t: int, limit_price_yuan: Decimal, sale: bool) -> Allocation:
    """The uniform-price allocation. Integers throughout: tonnes are whole and pro-rata shares of
    large quantities must not round in a Decimal context."""
    offers = list(offers)
    within = [o for o in offers if (o.price_yuan >= limit_price_yuan if sale else o.price_yuan <= limit_price_yuan)]
    beyond = frozenset(o.key for o in offers) - {o.key for o in within}
    best_first = sorted(within, key=lambda o: (-o.price_yuan if sale else o.price_yuan, o.submitted_at, o.key))
    remaining, awards, clearing, rationed = quantity_t, {}, None, frozenset()
    for level, group in groupby(best_first, key=lambda o: o.price_yuan):
        if remaining <= 0:
            break
        group = list(group)
        wanted = sum(o.quantity_t for o in group)
        if wanted <= remaining:
            shares = {o.key: o.quantity_t for o in group}
        else:
            shares = {o.key: o.quantity_t * remaining // wanted for o in group}
            left = remaining - sum(shares.values())
            # Each floor is below its bid and fewer tonnes are left than bids tied: one pass suffices.
            for o in group:  # already in order of submission
                if left == 0:
                    break
                shares[o.key] += 1
                left -= 1
            rationed = frozenset(shares)
        remaining -= sum(shares.values())
        awards.update({key: t for key, t in shares.items() if t > 0})
        clearing = level
    return Allocation(awards, clearing if awards else None, beyond, rationed)


# -- clearing -------------------------------------------------------------------------------------


def _unavailable(auction: Auction, bid: Bid) -> str:
    """Why a bid cannot take part any more, checked again at clearing ("" if it can)."""
    try:
        account = bidder_account(bid.organisation)
    except ValidationError as exc:
        return exc.messages[0][:300]
    if not auction.is_sale and held_t(account, auction.vintage) < bid.quantity_t:
        return both(
            gettext_lazy("The unit no longer held the %(t)s t it offered when the auction was cleared."),
            {"t": format_tonnes(bid.quantity_t)},
        )
    return ""


def _why_not(auction: Auction, bid: Bid, result: Allocation, refused: dict[int, str], quantity: Decimal) -> str:
    limit = format_yuan(auction.limit_price_yuan)
    if bid.pk in refused:
        return refused[bid.pk]
    if bid.pk in result.beyond_limit:
        if auction.is_sale:
            return both(gettext_lazy("Below the reserve price of %(p)s yuan/t."), {"p": limit})
        return both(gettext_lazy("Above the highest price the bureau pays, %(p)s yuan/t."), {"p": limit})
    if quantity <= 0:
        return both(gettext_lazy("The reserve is full (Art. 34): nothing was bought back."))
    if bid.pk in result.rationed:
        return both(
            gettext_lazy(
                "Tied at the clearing price: the quantity left was shared pro rata and none remained for this bid."
            )
        )
    if auction.is_sale:
        return both(gettext_lazy("Outbid: the quantity offered went to higher bids."))
    return both(gettext_lazy("Not needed: the quantity sought was filled by lower offers."))


def _memo(auction: Auction) -> str:
    if auction.is_sale:
        return f"Auction #{auction.pk} ({auction.vintage}) / 配额拍卖 第{auction.pk}号"
    return f"Repurchase #{auction.pk} ({auction.vintage}) / 配额回购 第{auction.pk}号"


def _repurchase(actor, auction: Auction, bid: Bid):
    """The accepted offer's allowances into the reserve account, one transaction per offer."""
    instrument = allowance(auction.vintage)
    legs = [
        Leg(holding_account_of(bid.organisation_id), instrument, -bid.awarded_t),
        Leg(bureau_account(source_kind(auction.kind), actor=actor), instrument, bid.awarded_t),
    ]
    key = f"auction-{auction.pk}-bid-{bid.pk}-repurchase"
    return post(actor=actor, kind=TransactionKind.REPURCHASE, legs=legs, idempotency_key=key, memo=_memo(auction))


def _settle_status(auction: Auction, now) -> None:
    """Closed once no award awaits payment."""
    if auction.status == A.CLEARED and not auction.bids.filter(payment=AwardPayment.DUE).exists():
        _move(auction, A.CLOSED)
        auction.closed_at = now


@transaction.atomic
def auction_clear(*, actor=None, auction: Auction) -> Auction:
    """Clears an announced auction once bidding has closed: by a bureau user, or by the beat (no
    actor; the repurchase postings are then recorded in the name of the approver who announced it)."""
    if actor is not None:
        require_registrar(actor)
    auction = (
        Auction.objects.select_for_update(of=("self",))
        .select_related("plan", "prepared_by", "approved_by")
        .get(pk=auction.pk)
    )
    if auction.status != A.ANNOUNCED:
        raise ValidationError(
            _("Only an announced auction is cleared; this one is %(status)s.")
            % {"status": auction.get_status_display()}
        )
    now = timezone.now()
    if now < auction.closes_at:
        raise ValidationError(
            _("Bidding closes at %(at)s: the auction is cleared after that.")
            % {"at": timezone.localtime(auction.closes_at).strftime("%Y-%m-%d %H:%M")}
        )
    poster = actor or auction.approved_by
    if not auction.is_sale:
        _locked_tip()  # no posting slips in between the holdings checked and the repurchases recorded
    bids = list(
        auction.bids.select_for_update()
        .filter(withdrawn_at__isnull=True)
        .select_related("organisation")
        .order_by("submitted_at", "pk")
    )
    refused = {bid.pk: reason for bid in bids if (reason := _unavailable(auction, bid))}
    quantity = auction.quantity_t if auction.is_sale else min(auction.quantity_t, max(room_t(auction), Decimal(0)))
    offers = [Offer(b.pk, int(b.quantity_t), b.price_yuan, b.submitted_at) for b in bids if b.pk not in refused]
    result = allocate(offers, quantity_t=int(quantity), limit_price_yuan=auction.limit_price_yuan, sale=auction.is_sale)
    for bid in bids:
        bid.awarded_t = Decimal(result.awards.get(bid.pk, 0))
        bid.amount_yuan = (bid.awarded_t * result.price_yuan).quantize(CENT) if bid.awarded_t else Decimal(0)
        bid.payment = AwardPayment.DUE if bid.awarded_t else AwardPayment.NONE
        bid.rejected_reason = "" if bid.awarded_t else fitting(_why_not(auction, bid, result, refused, quantity), 300)
        if bid.awarded_t and not auction.is_sale:
            bid.delivery = _repurchase(poster, auction, bid).transaction
    Bid.objects.bulk_update(bids, ["awarded_t", "amount_yuan", "payment", "rejected_reason", "delivery"])
    auction.clearing_price_yuan = result.price_yuan
    auction.awarded_t = Decimal(result.awarded_t)
    auction.bidders = len(bids)
    auction.bid_t = sum((b.quantity_t for b in bids), Decimal(0))
    auction.cleared_at = now
    _move(auction, A.CLEARED)
    _settle_status(auction, now)
    auction.save()
    audit.record(
        actor=actor,
        verb="auction.clear",
        target=auction,
        data={
            "clearing_price_yuan": str(result.price_yuan) if result.price_yuan is not None else None,
            "awarded_t": str(auction.awarded_t),
            "bidders": auction.bidders,
            "bid_t": str(auction.bid_t),
            "winners": len(result.awards),
        },
    )
    notify_results(auction, bids)
    return auction


# -- payments -------------------------------------------------------------------------------------


@transaction.atomic
def award_confirm_payment(*, actor, bid: Bid, reference: str) -> Bid:
    """The registrar records a payment with its reference. For a sale the winner paid, and the
    allowances are delivered from the bureau's account in the same transaction (idempotent per
    bid); for a repurchase the bureau paid the unit. A second confirmation is refused."""
    require_registrar(actor)
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"reference": _("Enter the payment's reference.")})
    if len(reference) > 100:
        raise ValidationError({"reference": _("Use at most 100 characters.")})
    auction = Auction.objects.select_for_update().get(pk=bid.auction_id)  # auction, then bid, as clearing does
    bid = (
        Bid.objects.select_for_update(of=("self",))
        .select_related("organisation", "payment_confirmed_by")
        .get(pk=bid.pk, auction=auction)
    )
    if bid.payment == AwardPayment.PAID:
        raise ValidationError(
            _("This payment was already confirmed on %(at)s by %(who)s (reference %(ref)s): nothing was done twice.")
            % {
                "at": timezone.localtime(bid.payment_confirmed_at).strftime("%Y-%m-%d %H:%M"),
                "who": bid.payment_confirmed_by,
                "ref": bid.payment_reference,
            },
            code="already_paid",
        )
    if bid.payment != AwardPayment.DUE or auction.status != A.CLEARED:
        raise ValidationError(_("No payment is due on this bid (%(state)s).") % {"state": bid.get_payment_display()})
    now = timezone.now()
    if auction.is_sale:
        bid.delivery = _deliver(actor, auction, bid, reference).transaction
    bid.payment, bid.payment_confirmed_by, bid.payment_confirmed_at, bid.payment_reference = (
        AwardPayment.PAID,
        actor,
        now,
        reference,
    )
    bid.save(update_fields=["payment", "payment_confirmed_by", "payment_confirmed_at", "payment_reference", "delivery"])
    _settle_status(auction, now)
    auction.save(update_fields=["status", "closed_at"])
    audit.record(
        actor=actor,
        verb="auction.payment",
        target=auction,
        data={"bid": bid.pk, "reference": reference, "delivery": bid.delivery.code if bid.delivery else None},
    )
    notify_paid(auction, bid)
    return bid


def _deliver(actor, auction: Auction, bid: Bid, reference: str):
    account = bidder_account(bid.organisation)  # refused if it may no longer trade (Art. 32 para 2)
    instrument = allowance(auction.vintage)
    source = bureau_account(source_kind(auction.kind), actor=actor)
    legs = [Leg(source, instrument, -bid.awarded_t), Leg(account, instrument, bid.awarded_t)]
    key = f"auction-{auction.pk}-bid-{bid.pk}-delivery"
    return post(
        actor=actor,
        kind=TransactionKind.AUCTION,
        legs=legs,
        idempotency_key=key,
        memo=_memo(auction),
        reference=reference,
    )


@transaction.atomic
def awards_lapse_due(*, today: date | None = None) -> list[int]:
    """Awards of sales not paid by the due date lapse; the allowances stay in the bureau's account
    and may be offered again. Idempotent: the beat may run it any number of times a day."""
    today = today or timezone.localdate()
    now = timezone.now()
    due = Auction.objects.filter(status=A.CLEARED, payment_due__lt=today).exclude(kind=AuctionKind.REPURCHASE)
    auctions = {a.pk: a for a in due.select_for_update().order_by("pk")}
    bids = list(
        Bid.objects.select_for_update(of=("self",))
        .filter(payment=AwardPayment.DUE, auction_id__in=auctions)
        .order_by("pk")
    )
    for bid in bids:
        bid.auction = auctions[bid.auction_id]
        bid.payment = AwardPayment.LAPSED
        bid.save(update_fields=["payment"])
        audit.record(actor=None, verb="auction.lapse", target=bid.auction, data={"bid": bid.pk})
        notify_lapsed(bid)
    for auction in auctions.values():
        _settle_status(auction, now)
        auction.save(update_fields=["status", "closed_at"])
    return [bid.pk for bid in bids]


def auctions_due_for_clearing(now=None) -> list[int]:
    return list(
        Auction.objects.filter(status=A.ANNOUNCED, closes_at__lte=now or timezone.now())
        .order_by("closes_at", "pk")
        .values_list("pk", flat=True)
    )
