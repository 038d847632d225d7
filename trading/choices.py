from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class InstrumentKind(models.TextChoices):
    ALLOWANCE = "allowance", _("Shanghai emission allowance (SHEA)")
    CCER = "ccer", _("China certified emission reduction (CCER)")
    INCLUSIVE = "inclusive", _("Carbon inclusive credit")


class AccountKind(models.TextChoices):
    """Holding accounts belong to units; the others are the bureau's registry accounts (Art. 12)."""

    HOLDING = "holding", _("Holding account")
    ISSUANCE = "issuance", _("Issuance account")
    RESERVE = "reserve", _("Reserve account")
    AUCTION = "auction", _("Auction account")
    CANCELLATION = "cancellation", _("Cancellation account")


class AccountStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("account status", "Open")
    FROZEN = "frozen", _("Frozen")
    CLOSED = "closed", _("Closed")


class TransactionKind(models.TextChoices):
    """Every registered act of Art. 12: acquisition, transfer, surrender, cancellation."""

    ISSUANCE = "issuance", _("Issuance")
    TRANSFER = "transfer", _("Transfer")
    SURRENDER = "surrender", _("Surrender")
    CANCELLATION = "cancellation", _("Voluntary cancellation")
    RESERVE = "reserve", _("Move to or from the reserve")
    AUCTION = "auction", _("Auction delivery")
    REVERSAL = "reversal", _("Reversal (correction)")
