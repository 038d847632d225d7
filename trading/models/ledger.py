"""The registration system of Art. 12: accounts, instruments and the append-only, double-entry,
hash-chained ledger of every acquisition, transfer, surrender and cancellation."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import AccountKind, AccountStatus, InstrumentKind, TransactionKind

# Allowances and credits are registered in whole tonnes of CO2e.
UNITS = {"max_digits": 18, "decimal_places": 0}


class Instrument(models.Model):
    """What an account holds: allowances of a vintage (SHEA-2026), CCER, carbon inclusive credits."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=InstrumentKind.choices)
    vintage = models.PositiveSmallIntegerField(_("vintage"), null=True, blank=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    # For an offset credit: the organisation whose boundary the reduction came from. A unit never
    # surrenders credits from inside its own boundary (DOMAIN.md "Allowances").
    origin_organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("reduction made at"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        ordering = ["kind", "vintage", "code"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=InstrumentKind.ALLOWANCE) | Q(vintage__isnull=False), name="allowance_has_vintage"
            )
        ]

    def __str__(self):
        return self.code


class Account(models.Model):
    """A registry account. A unit's holding account, or one of the bureau's own (one per kind)."""

    number = models.CharField(_("account number"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=AccountKind.choices)
    holder = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("holder"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accounts",
    )
    status = models.CharField(_("status"), max_length=16, choices=AccountStatus.choices, default=AccountStatus.OPEN)
    # Art. 32 para 2: the accounts of persons who may not trade receive no transfers.
    trading_prohibited = models.BooleanField(_("may not trade (Art. 32)"), default=False)
    prohibition_reason = models.CharField(_("why it may not trade"), max_length=300, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)

    class Meta:
        verbose_name = _("registry account")
        verbose_name_plural = _("registry accounts")
        ordering = ["kind", "number"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind=AccountKind.HOLDING) & Q(holder__isnull=False))
                | (~Q(kind=AccountKind.HOLDING) & Q(holder__isnull=True)),
                name="account_holder_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["kind"], condition=~Q(kind=AccountKind.HOLDING), name="one_bureau_account_per_kind"
            ),
            models.UniqueConstraint(
                fields=["holder"],
                condition=Q(kind=AccountKind.HOLDING) & ~Q(status=AccountStatus.CLOSED),
                name="one_open_holding_account_per_holder",
            ),
            models.CheckConstraint(
                condition=Q(trading_prohibited=False) | ~Q(prohibition_reason=""), name="account_prohibition_has_reason"
            ),
        ]

    def __str__(self):
        return self.number


class Holding(models.Model):
    """What an account holds of an instrument now. Kept in the same transaction as the entries it
    sums, and never negative: only the issuance account, whose balance is minus all that was
    ever issued, may go below zero."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="holdings")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="holdings")
    quantity_t = models.DecimalField(_("quantity (t)"), default=0, **UNITS)
    may_go_negative = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("holding")
        verbose_name_plural = _("holdings")
        ordering = ["account", "instrument"]
        constraints = [
            models.UniqueConstraint(fields=["account", "instrument"], name="holding_once_per_instrument"),
            models.CheckConstraint(
                condition=Q(quantity_t__gte=0) | Q(may_go_negative=True), name="holding_never_negative"
            ),
        ]

    def __str__(self):
        return f"{self.account} {self.instrument}: {self.quantity_t}"


class LedgerTransaction(models.Model):
    """One registered act: balanced entries, a place in the chain and the hash that seals it.
    Append-only (PostgreSQL triggers refuse UPDATE and DELETE); a correction is a reversal."""

    sequence = models.PositiveBigIntegerField(_("position in the chain"), unique=True)
    code = models.CharField(_("transaction code"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=TransactionKind.choices)
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    request_sha256 = models.CharField(max_length=64)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by", verbose_name=_("reverses")
    )
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))
    prev_sha256 = models.CharField(max_length=64)
    sha256 = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ["sequence"]
        constraints = [
            # A transfer the exchange reported is recorded once, whatever key it came with.
            models.UniqueConstraint(
                fields=["reference"], condition=Q(reference__startswith="SEEE:"), name="exchange_reference_once"
            )
        ]

    def __str__(self):
        return self.code


class LedgerEntry(models.Model):
    """One side of a transaction: a signed quantity of an instrument on an account."""

    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="entries")
    line = models.PositiveSmallIntegerField()
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="entries")
    quantity_t = models.DecimalField(_("quantity (t)"), **UNITS)

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["transaction", "line"]
        constraints = [
            models.UniqueConstraint(fields=["transaction", "line"], name="entry_line_once"),
            models.CheckConstraint(condition=~Q(quantity_t=0), name="entry_not_zero"),
        ]

    def __str__(self):
        return f"{self.transaction} #{self.line}"


class ChainState(models.Model):
    """The chain's tip: one row, locked by every posting, so the chain has one order and no gaps."""

    last_sequence = models.PositiveBigIntegerField(default=0)
    last_sha256 = models.CharField(max_length=64)

    def __str__(self):
        return f"#{self.last_sequence} {self.last_sha256[:12]}"


class ChainHead(models.Model):
    """The chain's head at the end of a day, published so anyone can check an entry against it."""

    day = models.DateField(_("day"), unique=True)
    last_sequence = models.PositiveBigIntegerField(_("last position"))
    sha256 = models.CharField(_("head hash"), max_length=64)
    transactions = models.PositiveIntegerField(_("transactions that day"))
    published_at = models.DateTimeField(_("published at"), default=timezone.now)

    class Meta:
        verbose_name = _("published chain head")
        verbose_name_plural = _("published chain heads")
        ordering = ["-day"]

    def __str__(self):
        return f"{self.day}: {self.sha256[:12]}"
