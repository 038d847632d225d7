"""Sealed bids (Art. 13, 34): a regulated unit's staff bid for their own unit, between the
auction's opening and closing, within its limits; for a repurchase the unit offers allowances it
holds. A unit whose account is not open, or may not trade (Art. 32 para 2), is refused.

Bids are sealed: these services write no audit entry and send no message, because the audit trail
and the inbox are readable by bureau staff and administrators before bidding closes. The bid rows
are their own record instead: a change withdraws the live bid and adds a new row, a withdrawal
stamps the row, and nothing is ever deleted.
"""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carbon_portal.formatting import format_tonnes, format_yuan
from carbon_portal.permissions import organisation_ids_of
from carbon_portal.roles import Role
from registry.models import Organisation

from ..choices import AccountStatus, AuctionStatus
from ..models import Account, Auction, Bid
from .accounts import PROHIBITED_TYPES, holding_account_of
from .auctions import _lock, bidder_cap_t, held_t, price, whole_tonnes


def _require_bidder(actor, organisation: Organisation) -> None:
    if organisation.pk not in organisation_ids_of(actor, Role.UNIT_STAFF):
        raise PermissionDenied(_("Only the unit's own staff bid for it."))


def _require_bidding_open(auction: Auction) -> None:
    now = timezone.now()
    if auction.status != AuctionStatus.ANNOUNCED:
        raise ValidationError(_("This auction is not open for bids."))
    if now < auction.opens_at:
        raise ValidationError(_("Bidding has not opened yet."))
    if now >= auction.closes_at:
        raise ValidationError(_("Bidding has closed."))


def bidder_account(organisation: Organisation) -> Account:
    """The unit's open holding account, if it may trade (Art. 32 para 2); refused otherwise."""
    account = holding_account_of(organisation.pk)
    if account is None or account.status != AccountStatus.OPEN:
        raise ValidationError(_("The unit needs an open holding account to take part."), code="no_account")
    if account.trading_prohibited or organisation.org_type in PROHIBITED_TYPES:
        raise ValidationError(
            _("Account %(account)s may not trade (Art. 32 para 2): %(reason)s")
            % {"account": account.number, "reason": account.prohibition_reason or _("prohibited person")},
            code="prohibited",
        )
    return account


def _check_bid(auction: Auction, account: Account, quantity: Decimal, price_yuan: Decimal) -> None:
    if quantity < auction.min_bid_t:
        raise ValidationError({"quantity_t": _("Bid for at least %(t)s t.") % {"t": format_tonnes(auction.min_bid_t)}})
    cap = bidder_cap_t(auction)
    if quantity > cap:
        raise ValidationError(
            {
                "quantity_t": _("One bidder may bid for at most %(t)s t (%(pct)s%% of the quantity).")
                % {"t": format_tonnes(cap), "pct": format(auction.max_bid_pct.normalize(), "f")}
            }
        )
    limit = format_yuan(auction.limit_price_yuan)
    if auction.is_sale and price_yuan < auction.limit_price_yuan:
        raise ValidationError({"price_yuan": _("Bid at least the reserve price of %(p)s yuan/t.") % {"p": limit}})
    if not auction.is_sale:
        if price_yuan > auction.limit_price_yuan:
            raise ValidationError(
                {"price_yuan": _("Offer at most the highest price the bureau pays, %(p)s yuan/t.") % {"p": limit}}
            )
        held = held_t(account, auction.vintage)
        if held < quantity:
            raise ValidationError(
                {
                    "quantity_t": _("Your account holds %(held)s t of %(year)s allowances: offer no more.")
                    % {"held": format_tonnes(held), "year": auction.vintage}
                }
            )


@transaction.atomic
def bid_place(*, actor, auction: Auction, organisation: Organisation, quantity_t, price_yuan) -> Bid:
    """A unit's sealed bid (for a repurchase: its offer to sell). One live bid per unit: a new bid
    withdraws the one before, which stays on record. Not audited or announced: see the module."""
    _require_bidder(actor, organisation)
    auction = _lock(auction)
    _require_bidding_open(auction)
    account = bidder_account(organisation)
    quantity = whole_tonnes(quantity_t, "quantity_t")
    offered = price(price_yuan, "price_yuan")
    _check_bid(auction, account, quantity, offered)
    now = timezone.now()
    Bid.objects.filter(auction=auction, organisation=organisation, withdrawn_at__isnull=True).update(withdrawn_at=now)
    bid = Bid(
        auction=auction,
        organisation=organisation,
        quantity_t=quantity,
        price_yuan=offered,
        submitted_by=actor,
        submitted_at=now,
    )
    bid.full_clean(validate_constraints=False)  # the live-bid constraint is kept by the database
    bid.save()
    return bid


@transaction.atomic
def bid_withdraw(*, actor, bid: Bid) -> Bid:
    """Withdraws the unit's live bid while bidding is open; the row stays, stamped."""
    auction = _lock(bid.auction)  # the auction first, then the bid: the order every bid service locks in
    bid = Bid.objects.select_for_update().select_related("organisation").get(pk=bid.pk)
    _require_bidder(actor, bid.organisation)
    _require_bidding_open(auction)
    if bid.withdrawn_at is not None:
        raise ValidationError(_("This bid was already withdrawn or replaced."))
    bid.withdrawn_at = timezone.now()
    bid.save(update_fields=["withdrawn_at"])
    return bid
