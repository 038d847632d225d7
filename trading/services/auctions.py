"""Sealed-bid auctions (Art. 13, 34; Action Plan (5); DOMAIN.md "Allowances"): setting one up with
four eyes, and what may be offered. The bids are in auction_bids; clearing, payment and delivery in
auction_clearing.

A paid-allocation auction sells the paid share held in the bureau's auction account, a reserve
auction sells from the reserve account, and a repurchase buys allowances back into the reserve
account. One bureau user prepares the auction, a bureau approver other than the preparer announces
it; the approver may send it back with a reason. Any bureau user may cancel it, with a reason,
until bidding closes.

    draft --submit--> pending --approve--> announced --clear--> cleared --all awards settled--> closed
    pending --return--> draft          announced --clear, nothing due--> cleared --> closed
    draft, pending, announced (before bidding closes) --cancel--> cancelled

What may be offered is checked when an auction is prepared, sent and announced: a sale offers no
more than its account holds of the vintage less what other auctions awaiting approval or announced
offer and cleared sales still await payment for. A repurchase stays "within the total" (Art. 34):
what the reserve account holds of the vintage plus what open repurchases seek never exceeds the
reserve of the vintage's published plan; clearing cuts the quantity bought to the room then left.
"""

from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carbon_portal import audit
from carbon_portal.formatting import format_tonnes
from carbon_portal.i18n_text import both, fitting
from carbon_portal.permissions import require_bureau, require_second_bureau_user

from ..choices import AccountKind, AuctionKind, AuctionStatus, AwardPayment, PlanStatus
from ..models import Account, AllocationPlan, Auction, Bid, Holding
from ..transitions import Table, move
from .accounts import bureau_account
from .auction_notices import notify_cancelled

A = AuctionStatus
AUCTION_TRANSITIONS: Table = {
    A.DRAFT: {A.PENDING, A.CANCELLED},
    A.PENDING: {A.ANNOUNCED, A.DRAFT, A.CANCELLED},
    A.ANNOUNCED: {A.CLEARED, A.CANCELLED},
    A.CLEARED: {A.CLOSED},
    A.CLOSED: set(),
    A.CANCELLED: set(),
}
# Statuses whose whole quantity is spoken for when another auction of the same account is set up.
AUCTION_COMMITTED = frozenset({A.PENDING, A.ANNOUNCED})
AUCTION_EDITABLE = frozenset({A.DRAFT})
AUCTION_CANCELLABLE = frozenset({A.DRAFT, A.PENDING, A.ANNOUNCED})
AUCTION_TERMINAL = frozenset({A.CLOSED, A.CANCELLED})

FIRST_YEAR, LAST_YEAR = 2013, 2100
TONNES_MAX = Decimal(10) ** 15
PRICE_MAX = Decimal(10) ** 10
REASON_MAX = 1000


def source_kind(kind: str) -> str:
    """The bureau account an auction sells from (or, for a repurchase, buys into)."""
    return AccountKind.AUCTION if kind == AuctionKind.PAID else AccountKind.RESERVE


def _move(auction: Auction, status: str) -> None:
    move(auction, status, AUCTION_TRANSITIONS, message=_("An auction cannot go from %(from)s to %(to)s."))


def _lock(auction: Auction) -> Auction:
    return Auction.objects.select_for_update(of=("self",)).select_related("plan", "prepared_by").get(pk=auction.pk)


def _reason(value, field: str = "reason", message: str | None = None) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: message or _("Give the reason.")})
    if len(text) > REASON_MAX:
        raise ValidationError({field: _("Use at most %(max)s characters.") % {"max": REASON_MAX}})
    return text


# -- figures --------------------------------------------------------------------------------------


def _number(value, field: str, message: str) -> Decimal:
    try:
        number = Decimal(str(value)) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite():
        raise ValidationError({field: message})
    return number


def whole_tonnes(value, field: str) -> Decimal:
    number = _number(value, field, _("Enter a whole number of tonnes."))
    if number <= 0 or number != number.to_integral_value():
        raise ValidationError({field: _("Enter a whole number of tonnes greater than zero.")})
    if number >= TONNES_MAX:
        raise ValidationError({field: _("Enter a smaller number of tonnes.")})
    return number.quantize(Decimal(1))


def price(value, field: str) -> Decimal:
    number = _number(value, field, _("Enter the price in yuan per tonne."))
    if number <= 0:
        raise ValidationError({field: _("Enter a price greater than zero.")})
    if number.as_tuple().exponent < -2:
        raise ValidationError({field: _("Give the price to at most 2 decimal places (fen).")})
    if number >= PRICE_MAX:
        raise ValidationError({field: _("Enter a smaller price.")})
    return number.quantize(Decimal("0.01"))


def bidder_cap_t(auction: Auction) -> Decimal:
    """The most one bidder may bid for (and so win): max_bid_pct of the quantity, in whole tonnes."""
    return (auction.quantity_t * auction.max_bid_pct / 100).to_integral_value(ROUND_FLOOR)


def _terms(*, kind, vintage, quantity_t, max_bid_pct, min_bid_t, opens_at, closes_at, payment_due) -> dict:
    if kind not in AuctionKind.values:
        raise ValidationError({"kind": _("Choose what the auction does.")})
    if not isinstance(vintage, int) or not FIRST_YEAR <= vintage <= LAST_YEAR:
        raise ValidationError(
            {"vintage": _("Enter a year from %(first)s to %(last)s.") % {"first": FIRST_YEAR, "last": LAST_YEAR}}
        )
    quantity = whole_tonnes(quantity_t, "quantity_t")
    pct = _number(max_bid_pct, "max_bid_pct", _("Enter a percentage above 0 and at most 100."))
    if not 0 < pct <= 100 or pct.as_tuple().exponent < -2:
        raise ValidationError({"max_bid_pct": _("Enter a percentage above 0 and at most 100, to 2 decimal places.")})
    smallest = whole_tonnes(min_bid_t, "min_bid_t")
    if not isinstance(opens_at, datetime) or not isinstance(closes_at, datetime):
        raise ValidationError(_("Enter when bidding opens and when it closes."))
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": _("Bidding closes after it opens.")})
    if not isinstance(payment_due, date) or payment_due < timezone.localtime(closes_at).date():
        raise ValidationError({"payment_due": _("Payment falls due on or after the day bidding closes.")})
    if smallest > (quantity * pct / 100).to_integral_value(ROUND_FLOOR):
        raise ValidationError(
            {"min_bid_t": _("The smallest bid is more than one bidder may bid for: nobody could bid.")}
        )
    return {
        "kind": kind,
        "vintage": vintage,
        "quantity_t": quantity,
        "max_bid_pct": pct,
        "min_bid_t": smallest,
        "opens_at": opens_at,
        "closes_at": closes_at,
        "payment_due": payment_due,
    }


def _plan_for(kind: str, vintage: int) -> AllocationPlan | None:
    """A paid-allocation auction sells the paid share of a published plan, and a repurchase is kept
    within the plan's reserve, so both need the vintage's published plan; a reserve auction may also
    sell allowances carried over from before any plan of their vintage."""
    plan = AllocationPlan.objects.filter(year=vintage, status=PlanStatus.PUBLISHED).first()
    if plan is None and kind != AuctionKind.RESERVE:
        raise ValidationError({"vintage": _("There is no published allocation plan for %(year)s.") % {"year": vintage}})
    return plan


def _limit(value, plan: AllocationPlan | None) -> Decimal:
    """The bureau's price, else the year's auction reserve price set in the plan."""
    if value in (None, ""):
        if plan is None or plan.auction_reserve_price_yuan is None:
            raise ValidationError(
                {"limit_price_yuan": _("Enter the price: the year's allocation plan sets no auction reserve price.")}
            )
        value = plan.auction_reserve_price_yuan
    return price(value, "limit_price_yuan")


# -- what may be offered --------------------------------------------------------------------------


def held_t(account: Account, vintage: int) -> Decimal:
    row = Holding.objects.filter(account=account, instrument__code=f"SHEA-{vintage}").first()
    return row.quantity_t if row else Decimal(0)


def committed_t(*, kind: str, vintage: int, exclude_pk: int | None = None) -> Decimal:
    """What other auctions already take from the same bureau account and vintage: the quantity of
    those awaiting approval or announced, and the awards still awaiting payment of cleared sales.
    (A repurchase's allowances are in the reserve account from clearing on.)"""
    if kind == AuctionKind.REPURCHASE:
        kinds = [AuctionKind.REPURCHASE]
    else:
        kinds = [k for k in (AuctionKind.PAID, AuctionKind.RESERVE) if source_kind(k) == source_kind(kind)]
    same = Auction.objects.filter(vintage=vintage, kind__in=kinds).exclude(pk=exclude_pk)
    offered = same.filter(status__in=AUCTION_COMMITTED).aggregate(t=Sum("quantity_t"))["t"] or Decimal(0)
    due = Bid.objects.filter(
        auction__in=same.filter(status=A.CLEARED), payment=AwardPayment.DUE, withdrawn_at__isnull=True
    ).exclude(auction__kind=AuctionKind.REPURCHASE)
    return offered + (due.aggregate(t=Sum("awarded_t"))["t"] or Decimal(0))


def room_t(auction: Auction, *, exclude_self: bool = True) -> Decimal:
    """For a sale: what the account holds of the vintage less what other auctions take. For a
    repurchase (Art. 34, "within the total"): what the plan reserved less what the reserve account
    holds and other repurchases seek, so buying back never makes the reserve larger than planned."""
    account = bureau_account(source_kind(auction.kind), actor=auction.prepared_by)
    # Locking the bureau account row serialises two auctions being set up against it at once.
    account = Account.objects.select_for_update().get(pk=account.pk)
    others = committed_t(kind=auction.kind, vintage=auction.vintage, exclude_pk=auction.pk if exclude_self else None)
    if auction.kind == AuctionKind.REPURCHASE:
        # The version of the plan in force now: a newer version may have changed the reserve.
        plan = AllocationPlan.objects.filter(year=auction.vintage, status=PlanStatus.PUBLISHED).first() or auction.plan
        return plan.reserve_t - held_t(account, auction.vintage) - others
    return held_t(account, auction.vintage) - others


def _require_room(auction: Auction) -> None:
    room = max(room_t(auction), Decimal(0))
    if auction.quantity_t <= room:
        return
    if auction.kind == AuctionKind.REPURCHASE:
        message = _(
            "A repurchase stays within the plan's reserve (Art. 34): at most %(room)s t of %(year)s allowances "
            "can be bought back into the reserve account now."
        )
    else:
        message = _(
            "Only %(room)s t of %(year)s allowances are free to offer from the %(account)s: it holds less, or other "
            "auctions already offer the rest."
        )
    account = AccountKind(source_kind(auction.kind)).label
    raise ValidationError(
        {"quantity_t": message % {"room": format_tonnes(room), "year": auction.vintage, "account": account}}
    )


# -- the workflow ---------------------------------------------------------------------------------


def _fill(auction: Auction, *, actor, limit_price_yuan, notes: str, **figures) -> Auction:
    terms = _terms(**figures)
    for field, value in terms.items():
        setattr(auction, field, value)
    auction.plan = _plan_for(auction.kind, auction.vintage)
    auction.limit_price_yuan = _limit(limit_price_yuan, auction.plan)
    auction.notes = (notes or "").strip()
    auction.prepared_by, auction.prepared_at = actor, timezone.now()
    auction.full_clean()
    _require_room(auction)
    return auction


def _audit_terms(auction: Auction) -> dict:
    return {
        "kind": auction.kind,
        "vintage": auction.vintage,
        "quantity_t": str(auction.quantity_t),
        "limit_price_yuan": str(auction.limit_price_yuan),
        "max_bid_pct": str(auction.max_bid_pct),
        "min_bid_t": str(auction.min_bid_t),
        "opens_at": auction.opens_at.isoformat(),
        "closes_at": auction.closes_at.isoformat(),
        "payment_due": auction.payment_due.isoformat(),
    }


@transaction.atomic
def auction_create(*, actor, limit_price_yuan=None, notes: str = "", **figures) -> Auction:
    """A draft auction. figures: kind, vintage, quantity_t, max_bid_pct, min_bid_t, opens_at,
    closes_at, payment_due. The price defaults to the plan's auction reserve price."""
    require_bureau(actor)
    auction = _fill(Auction(), actor=actor, limit_price_yuan=limit_price_yuan, notes=notes, **figures)
    auction.save()
    audit.record(actor=actor, verb="auction.create", target=auction, data=_audit_terms(auction))
    return auction


@transaction.atomic
def auction_update(*, actor, auction: Auction, limit_price_yuan=None, notes: str = "", **figures) -> Auction:
    """Changes a draft; whoever changes it becomes its preparer, so they cannot approve it."""
    require_bureau(actor)
    auction = _lock(auction)
    if auction.status not in AUCTION_EDITABLE:
        raise ValidationError(_("Only a draft auction can be changed."))
    auction = _fill(auction, actor=actor, limit_price_yuan=limit_price_yuan, notes=notes, **figures)
    auction.save()
    audit.record(actor=actor, verb="auction.update", target=auction, data=_audit_terms(auction))
    return auction


def _require_future_close(auction: Auction) -> None:
    if auction.closes_at <= timezone.now():
        raise ValidationError({"closes_at": _("Bidding would already have closed: change the dates first.")})


@transaction.atomic
def auction_submit(*, actor, auction: Auction) -> Auction:
    """Sends the draft to a second bureau user; the sender answers for it as its preparer."""
    require_bureau(actor)
    auction = _lock(auction)
    if auction.status != A.DRAFT:
        raise ValidationError(_("Only a draft auction can be sent for approval."))
    _require_future_close(auction)
    auction.prepared_by, auction.prepared_at = actor, timezone.now()
    _require_room(auction)
    _move(auction, A.PENDING)
    auction.returned_reason = ""
    auction.save()
    audit.record(actor=actor, verb="auction.submit", target=auction, data={})
    return auction


def _require_pending(auction: Auction) -> None:
    if auction.status != A.PENDING:
        raise ValidationError(_("Only an auction awaiting approval can be approved or returned."))


@transaction.atomic
def auction_approve(*, actor, auction: Auction) -> Auction:
    """Four eyes: a bureau approver other than the preparer announces the auction. The quantity is
    checked again, now that it binds."""
    require_bureau(actor)
    auction = _lock(auction)
    _require_pending(auction)
    require_second_bureau_user(actor=actor, first_actor=auction.prepared_by)
    _require_future_close(auction)
    _require_room(auction)
    _move(auction, A.ANNOUNCED)
    auction.approved_by, auction.approved_at = actor, timezone.now()
    auction.full_clean()
    auction.save()
    audit.record(actor=actor, verb="auction.approve", target=auction, data=_audit_terms(auction))
    return auction


@transaction.atomic
def auction_return(*, actor, auction: Auction, reason: str) -> Auction:
    """The approver sends the auction back to draft, saying why."""
    require_bureau(actor)
    auction = _lock(auction)
    _require_pending(auction)
    require_second_bureau_user(actor=actor, first_actor=auction.prepared_by)
    reason = _reason(reason, message=_("Say why the auction goes back."))
    _move(auction, A.DRAFT)
    auction.returned_reason = reason
    auction.save()
    audit.record(actor=actor, verb="auction.return", target=auction, data={"reason": reason})
    return auction


@transaction.atomic
def auction_cancel(*, actor, auction: Auction, reason: str) -> Auction:
    """Cancels the auction before bidding closes; its bids get nothing and their bidders hear why."""
    require_bureau(actor)
    auction = _lock(auction)
    if auction.status not in AUCTION_CANCELLABLE:
        raise ValidationError(
            _("This auction is %(status)s: it can no longer be cancelled.") % {"status": auction.get_status_display()}
        )
    if auction.status == A.ANNOUNCED and timezone.now() >= auction.closes_at:
        raise ValidationError(_("Bidding has closed: the auction is cleared, no longer cancelled."))
    reason = _reason(reason, message=_("Say why the auction is cancelled."))
    _move(auction, A.CANCELLED)
    auction.cancelled_reason = reason
    auction.save()
    live = list(auction.bids.select_for_update().filter(withdrawn_at__isnull=True))
    for bid in live:
        bid.rejected_reason = fitting(
            both(gettext_lazy("The auction was cancelled: %(reason)s"), {"reason": reason}), 300
        )
    Bid.objects.bulk_update(live, ["rejected_reason"])
    audit.record(actor=actor, verb="auction.cancel", target=auction, data={"reason": reason})
    notify_cancelled(auction, [bid.organisation_id for bid in live])
    return auction
