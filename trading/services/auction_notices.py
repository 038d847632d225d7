"""The messages auctions send (inbox and email): each bidder hears its result at clearing, why an
auction was cancelled, that its payment is confirmed and its allowances delivered (or, for a
repurchase, that the bureau paid), and that an unpaid award lapsed. Never a word at bid time:
the bids are sealed (see auction_bids)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy

from carbon_portal import notifications
from carbon_portal.formatting import format_tonnes, format_yuan
from carbon_portal.i18n_text import InLanguage
from reporting.notices import staff_of

from ..models import Auction, Bid


def _url(auction: Auction) -> str:
    return reverse("trading:auction_unit_detail", args=[auction.pk])


def _params(auction: Auction, bid: Bid | None = None) -> dict:
    params = {"pk": auction.pk, "year": auction.vintage, "due": auction.payment_due.isoformat()}
    if bid is not None:
        params.update(
            awarded=format_tonnes(bid.awarded_t),
            amount=format_yuan(bid.amount_yuan),
            price=format_yuan(auction.clearing_price_yuan),
            reason=InLanguage(bid.rejected_reason),
        )
    return params


def notify_results(auction: Auction, bids: list[Bid]) -> None:
    for bid in bids:
        if bid.awarded_t and auction.is_sale:
            body = gettext_lazy(
                "You were awarded %(awarded)s t of %(year)s allowances at the clearing price of %(price)s yuan/t in "
                "auction No. %(pk)s. Pay %(amount)s yuan by %(due)s: the allowances are delivered to your holding "
                "account once the bureau confirms your payment."
            )
        elif bid.awarded_t:
            body = gettext_lazy(
                "%(awarded)s t of your %(year)s allowances were bought back into the reserve at %(price)s yuan/t "
                "(repurchase No. %(pk)s). The bureau pays you %(amount)s yuan by %(due)s."
            )
        else:
            body = gettext_lazy("Your bid in auction No. %(pk)s was not successful: %(reason)s")
        notifications.notify(
            recipients=staff_of(bid.organisation_id),
            kind="auction.result",
            subject=gettext_lazy("Result of auction No. %(pk)s (%(year)s allowances)"),
            body=body,
            params=_params(auction, bid),
            url=_url(auction),
        )


def notify_cancelled(auction: Auction, organisation_ids: list[int]) -> None:
    for organisation_id in organisation_ids:
        notifications.notify(
            recipients=staff_of(organisation_id),
            kind="auction.cancelled",
            subject=gettext_lazy("Auction No. %(pk)s is cancelled"),
            body=gettext_lazy(
                "Auction No. %(pk)s (%(year)s allowances) was cancelled; your bid gets nothing: %(reason)s"
            ),
            params={**_params(auction), "reason": auction.cancelled_reason},
            url=_url(auction),
        )


def notify_paid(auction: Auction, bid: Bid) -> None:
    if auction.is_sale:
        subject = gettext_lazy("%(awarded)s t of %(year)s allowances delivered to your account")
        body = gettext_lazy(
            "Your payment for auction No. %(pk)s is confirmed (reference %(ref)s) and %(awarded)s t of %(year)s "
            "allowances were delivered to your holding account: transaction %(code)s."
        )
    else:
        subject = gettext_lazy("Repurchase No. %(pk)s: the bureau's payment is recorded")
        body = gettext_lazy(
            "The bureau recorded its payment of %(amount)s yuan to your unit for repurchase No. %(pk)s "
            "(reference %(ref)s)."
        )
    notifications.notify(
        recipients=staff_of(bid.organisation_id),
        kind="auction.paid",
        subject=subject,
        body=body,
        params={
            **_params(auction, bid),
            "ref": bid.payment_reference,
            "code": bid.delivery.code if bid.delivery else "",
        },
        url=_url(auction),
    )


def notify_lapsed(bid: Bid) -> None:
    notifications.notify(
        recipients=staff_of(bid.organisation_id),
        kind="auction.lapsed",
        subject=gettext_lazy("Your award in auction No. %(pk)s has lapsed"),
        body=gettext_lazy(
            "No payment for the %(awarded)s t awarded to your unit in auction No. %(pk)s was confirmed by %(due)s: "
            "the award has lapsed and no allowances will be delivered."
        ),
        params=_params(bid.auction, bid),
        url=_url(bid.auction),
    )
