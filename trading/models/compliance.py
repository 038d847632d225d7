"""Surrender against the determined emissions (Art. 21): what each unit handed in for a year."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import ExemptionReason
from .ledger import UNITS, LedgerTransaction


class Surrender(models.Model):
    """One surrender: the ledger transaction that moved the units to the cancellation account, and
    how much of it was allowances and how much offsets, for the obligation of `year`."""

    organisation = models.ForeignKey("registry.Organisation", verbose_name=_("unit"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("compliance year"))
    transaction = models.OneToOneField(LedgerTransaction, on_delete=models.PROTECT, related_name="surrender")
    allowances_t = models.DecimalField(_("allowances (t)"), default=0, **UNITS)
    offsets_t = models.DecimalField(_("offsets (t)"), default=0, **UNITS)
    surrendered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    surrendered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("surrender")
        verbose_name_plural = _("surrenders")
        ordering = ["-year", "-surrendered_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(allowances_t__gte=0) & Q(offsets_t__gte=0) & (Q(allowances_t__gt=0) | Q(offsets_t__gt=0)),
                name="surrender_quantities_positive",
            )
        ]

    def __str__(self):
        return f"{self.organisation} {self.year}: {self.allowances_t} + {self.offsets_t} t"


class ComplianceExemption(models.Model):
    """A unit's obligation for a year lifted by the bureau (e.g. it moved to the national market):
    its compliance status shows "exempt" instead of A/B/C."""

    organisation = models.ForeignKey("registry.Organisation", verbose_name=_("unit"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("compliance year"))
    reason = models.CharField(_("reason"), max_length=16, choices=ExemptionReason.choices)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("compliance exemption")
        verbose_name_plural = _("compliance exemptions")
        ordering = ["-year", "organisation"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="exemption_once_per_year"),
            models.CheckConstraint(
                condition=~Q(reason=ExemptionReason.OTHER) | ~Q(note=""), name="exemption_other_has_note"
            ),
        ]

    def __str__(self):
        return f"{self.organisation} {self.year}: {self.reason}"


class NationalMarketMove(models.Model):
    """A unit entering the national carbon market (Action Plan (5)): from `first_national_year` it
    has no Shanghai obligation; its surplus allowances are held in the rollover account and rolled
    back over to it in tranches within three years, to be used in the Shanghai market."""

    organisation = models.OneToOneField(
        "registry.Organisation", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="national_move"
    )
    first_national_year = models.PositiveSmallIntegerField(_("first year in the national market"))
    surplus_t = models.DecimalField(_("surplus held for rollover (t)"), default=0, **UNITS)
    lock = models.OneToOneField(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="national_move"
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("move to the national market")
        verbose_name_plural = _("moves to the national market")
        ordering = ["-recorded_at"]

    def __str__(self):
        return f"{self.organisation} → national {self.first_national_year}"


class RolloverTranche(models.Model):
    """One step of a rollover: on `due_date` this quantity (of one instrument) goes back to the unit."""

    move = models.ForeignKey(NationalMarketMove, on_delete=models.PROTECT, related_name="tranches")
    instrument = models.ForeignKey("trading.Instrument", on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField(_("rolled over on"))
    quantity_t = models.DecimalField(_("quantity (t)"), **UNITS)
    released = models.OneToOneField(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="rollover_tranche"
    )

    class Meta:
        verbose_name = _("rollover tranche")
        verbose_name_plural = _("rollover tranches")
        ordering = ["move", "due_date", "instrument"]
        constraints = [
            models.UniqueConstraint(fields=["move", "instrument", "due_date"], name="tranche_once"),
            models.CheckConstraint(condition=Q(quantity_t__gt=0), name="tranche_positive"),
        ]

    def __str__(self):
        return f"{self.move} {self.due_date}: {self.quantity_t}"


class HoldingsSuccession(models.Model):
    """Art. 14: a merger moves the absorbed unit's holdings to the survivor; a split divides the
    unit's holdings among the new owners of its facilities as the bureau records it. One ledger
    transaction per registry event."""

    event = models.OneToOneField(
        "registry.OrganisationEvent", on_delete=models.PROTECT, related_name="holdings_succession"
    )
    transaction = models.OneToOneField(
        LedgerTransaction, null=True, blank=True, on_delete=models.PROTECT, related_name="succession"
    )
    division = models.JSONField(_("division recorded"), default=dict)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("holdings succession")
        verbose_name_plural = _("holdings successions")
        ordering = ["-recorded_at"]

    def __str__(self):
        return f"{self.event}: {self.transaction_id}"
