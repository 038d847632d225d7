"""Sealed-bid auctions (Art. 13, 34; Action Plan (5)): the paid share of the allocation, reserve
allowance auctions, and repurchases into the reserve. Bids stay sealed until the auction closes;
everyone awarded pays one uniform clearing price; allowances move only when payment is confirmed
(for a repurchase: the unit's allowances move at clearing and the bureau's payment is confirmed)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import AuctionKind, AuctionStatus, AwardPayment
from .ledger import UNITS, LedgerTransaction

PRICE = {"max_digits": 12, "decimal_places": 2}
MONEY = {"max_digits": 18, "decimal_places": 2}


class Auction(models.Model):
    """One auction: what is offered (or, for a repurchase, sought), the price limit, the bid
    limits and the window. Prepared by one bureau user, approved (announced) by a second."""

    kind = models.CharField(_("kind"), max_length=16, choices=AuctionKind.choices)
    vintage = models.PositiveSmallIntegerField(_("allowance vintage"))
    plan = models.ForeignKey(
        "trading.AllocationPlan",
        verbose_name=_("allocation plan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="auctions",
    )
    quantity_t = models.DecimalField(_("quantity offered (t)"), **UNITS)
    # For a sale: the reserve (lowest) price. For a repurchase: the highest price the bureau pays.
    limit_price_yuan = models.DecimalField(_("reserve price (yuan/t)"), **PRICE)
    max_bid_pct = models.DecimalField(
        _("most one bidder may win (percentage of the quantity)"),
        max_digits=5,
        decimal_places=2,
        default=100,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    min_bid_t = models.DecimalField(_("smallest bid (t)"), default=1, **UNITS)
    opens_at = models.DateTimeField(_("bidding opens"))
    closes_at = models.DateTimeField(_("bidding closes"))
    payment_due = models.DateField(_("payment due by"))
    notes = models.TextField(_("announcement"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=AuctionStatus.choices, default=AuctionStatus.DRAFT)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("announced at"), null=True, blank=True)
    returned_reason = models.TextField(_("why the approver sent it back"), blank=True)
    cancelled_reason = models.TextField(_("why it was cancelled"), blank=True)
    clearing_price_yuan = models.DecimalField(_("clearing price (yuan/t)"), null=True, blank=True, **PRICE)
    awarded_t = models.DecimalField(_("quantity awarded (t)"), default=0, **UNITS)
    bidders = models.PositiveIntegerField(_("bidders"), default=0)
    bid_t = models.DecimalField(_("quantity bid (t)"), default=0, **UNITS)
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("auction")
        verbose_name_plural = _("auctions")
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity_t__gt=0), name="auction_quantity_positive"),
            models.CheckConstraint(condition=Q(limit_price_yuan__gt=0), name="auction_limit_price_positive"),
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="auction_window_ordered"),
            models.CheckConstraint(
                condition=Q(max_bid_pct__gt=0) & Q(max_bid_pct__lte=100), name="auction_bid_limit_in_range"
            ),
            models.CheckConstraint(condition=Q(min_bid_t__gt=0), name="auction_min_bid_positive"),
            models.CheckConstraint(
                condition=Q(awarded_t__gte=0) & Q(awarded_t__lte=F("quantity_t")), name="auction_award_within_quantity"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[AuctionStatus.DRAFT, AuctionStatus.PENDING])
                | Q(status=AuctionStatus.CANCELLED, approved_by__isnull=True)
                | (Q(approved_by__isnull=False, approved_at__isnull=False) & ~Q(approved_by=F("prepared_by"))),
                name="auction_four_eyes",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.vintage} #{self.pk}"

    @property
    def is_sale(self) -> bool:
        return self.kind != AuctionKind.REPURCHASE


class Bid(models.Model):
    """A sealed bid (for a repurchase: an offer to sell). One live bid per bidder; it may be
    changed or withdrawn until bidding closes, and nobody, bureau included, sees it before then."""

    auction = models.ForeignKey(Auction, on_delete=models.PROTECT, related_name="bids")
    organisation = models.ForeignKey("registry.Organisation", verbose_name=_("bidder"), on_delete=models.PROTECT)
    quantity_t = models.DecimalField(_("quantity (t)"), **UNITS)
    price_yuan = models.DecimalField(_("price (yuan/t)"), **PRICE)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    awarded_t = models.DecimalField(_("awarded (t)"), default=0, **UNITS)
    amount_yuan = models.DecimalField(_("amount (yuan)"), default=0, **MONEY)
    rejected_reason = models.CharField(_("why nothing was awarded"), max_length=300, blank=True)
    payment = models.CharField(_("payment"), max_length=16, choices=AwardPayment.choices, default=AwardPayment.NONE)
    payment_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payment_confirmed_at = models.DateTimeField(_("payment confirmed at"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    delivery = models.OneToOneField(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="auction_bid"
    )

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["auction", "-price_yuan", "submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["auction", "organisation"],
                condition=Q(withdrawn_at__isnull=True),
                name="bid_one_live_per_bidder",
            ),
            models.CheckConstraint(condition=Q(quantity_t__gt=0) & Q(price_yuan__gt=0), name="bid_positive"),
            models.CheckConstraint(
                condition=Q(awarded_t__gte=0) & Q(awarded_t__lte=F("quantity_t")), name="bid_award_within_bid"
            ),
            models.CheckConstraint(
                condition=~Q(payment=AwardPayment.PAID) | Q(payment_confirmed_by__isnull=False),
                name="bid_paid_has_confirmer",
            ),
        ]

    def __str__(self):
        return f"{self.auction} · {self.organisation_id}: {self.quantity_t} t @ {self.price_yuan}"
