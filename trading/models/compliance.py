"""Surrender against the determined emissions (Art. 21): what each unit handed in for a year."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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
