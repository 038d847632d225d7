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
    ROLLOVER = "rollover", _("Rollover account (units moved to the national market)")


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
    REPURCHASE = "repurchase", _("Repurchase into the reserve")
    ROLLOVER = "rollover", _("Rollover (national market)")
    SUCCESSION = "succession", _("Merger or split")


class PlanStatus(models.TextChoices):
    """An allocation plan: drafted by the bureau, shown publicly for comment, sent for approval,
    approved by a second bureau user and thereby published (DOMAIN.md "Allowances")."""

    DRAFT = "draft", _("Draft")
    CONSULTATION = "consultation", _("Open for public comment")
    PENDING = "pending", _("Awaiting approval")
    PUBLISHED = "published", _("Approved and published")
    SUPERSEDED = "superseded", _("Replaced by a newer version")


class AllocationMethod(models.TextChoices):
    BENCHMARK = "benchmark", _("Benchmark (output x benchmark)")
    INTENSITY = "intensity", _("Historical intensity (output x base intensity x factor)")
    HISTORICAL = "historical", _("Historical emissions (base-year average x factor)")


class OffsetBasis(models.TextChoices):
    ALLOCATION = "allocation", _("Share of the unit's allocation")
    EMISSIONS = "emissions", _("Share of the unit's determined emissions")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    ADOPTED = "adopted", _("Adopted as the plan's allocation")


class IssuanceStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    ISSUED = "issued", _("Issued")
    RETURNED = "returned", _("Returned")


class ComplianceStatus(models.TextChoices):
    """Per unit and year, after the UK/EU registries (DOMAIN.md)."""

    A = "A", _("A: surrendered in full")
    B = "B", _("B: emissions determined, surrender outstanding")
    C = "C", _("C: emissions not yet determined")
    EXEMPT = "exempt", _("Exempt")
    NOT_APPLICABLE = "n/a", _("Not applicable (not regulated that year)")


class AuctionKind(models.TextChoices):
    """What a sealed-bid auction does (Art. 13, 34; Action Plan (5))."""

    PAID = "paid", _("Paid allocation auction")
    RESERVE = "reserve", _("Reserve allowance auction (Art. 34)")
    REPURCHASE = "repurchase", _("Allowance repurchase (Art. 34)")


class AuctionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Awaiting approval")
    ANNOUNCED = "announced", _("Announced")
    CLEARED = "cleared", _("Cleared, awaiting payment")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class AwardPayment(models.TextChoices):
    NONE = "none", _("Nothing awarded")
    DUE = "due", _("Payment due")
    PAID = "paid", _("Paid, delivered")
    LAPSED = "lapsed", _("Not paid in time, lapsed")


class ExemptionReason(models.TextChoices):
    NATIONAL_MARKET = "national", _("Moved to the national carbon market")
    SHUTDOWN = "shutdown", _("Shut down or relocated, obligation settled")
    OTHER = "other", _("Other, by bureau decision")


class WarningStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLEARED = "cleared", _("Cleared (holdings now cover the projection)")
