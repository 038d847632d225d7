"""Market information (Art. 31): the exchange's daily figures, imported from its CSV/XLSX files and
published; early warning of units whose holdings fall short of their projected emissions."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import WarningStatus
from .auction import MONEY, PRICE
from .ledger import UNITS


class MarketImport(models.Model):
    """One file of daily figures from the exchange, as uploaded."""

    file_name = models.CharField(_("file"), max_length=200)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    created_days = models.PositiveIntegerField(_("days added"), default=0)
    updated_days = models.PositiveIntegerField(_("days corrected"), default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("market data import")
        verbose_name_plural = _("market data imports")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return f"{self.file_name} ({self.rows})"


class MarketDay(models.Model):
    """One product's figures for one trading day, as published by the exchange."""

    trade_date = models.DateField(_("trading day"))
    product = models.CharField(_("product"), max_length=32)
    open_yuan = models.DecimalField(_("open (yuan/t)"), null=True, blank=True, **PRICE)
    high_yuan = models.DecimalField(_("high (yuan/t)"), null=True, blank=True, **PRICE)
    low_yuan = models.DecimalField(_("low (yuan/t)"), null=True, blank=True, **PRICE)
    close_yuan = models.DecimalField(_("close (yuan/t)"), null=True, blank=True, **PRICE)
    volume_t = models.DecimalField(_("volume (t)"), default=0, **UNITS)
    turnover_yuan = models.DecimalField(_("turnover (yuan)"), default=0, **MONEY)
    source = models.ForeignKey(MarketImport, on_delete=models.PROTECT, related_name="days")

    class Meta:
        verbose_name = _("market day")
        verbose_name_plural = _("market days")
        ordering = ["-trade_date", "product"]
        constraints = [
            models.UniqueConstraint(fields=["trade_date", "product"], name="market_day_once_per_product"),
            models.CheckConstraint(
                condition=Q(volume_t__gte=0) & Q(turnover_yuan__gte=0), name="market_day_non_negative"
            ),
            models.CheckConstraint(
                condition=Q(low_yuan__isnull=True) | Q(high_yuan__isnull=True) | Q(low_yuan__lte=models.F("high_yuan")),
                name="market_day_low_not_above_high",
            ),
        ]

    def __str__(self):
        return f"{self.trade_date} {self.product}"


class EarlyWarning(models.Model):
    """A unit whose holdings fall short of the emissions projected from its monthly parameters,
    as of one month of the year. Flagged to the bureau and to the unit; never a violation."""

    organisation = models.ForeignKey("registry.Organisation", verbose_name=_("unit"), on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField(_("compliance year"))
    as_of_month = models.PositiveSmallIntegerField(_("as of month"))
    projected_tco2e = models.DecimalField(_("projected emissions (tCO2e)"), max_digits=18, decimal_places=3)
    holdings_t = models.DecimalField(_("usable holdings (t)"), **UNITS)
    shortfall_t = models.DecimalField(_("shortfall (t)"), **UNITS)
    inputs = models.JSONField(_("inputs used"), default=dict)
    status = models.CharField(_("status"), max_length=16, choices=WarningStatus.choices, default=WarningStatus.OPEN)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("early warning")
        verbose_name_plural = _("early warnings")
        ordering = ["-year", "-as_of_month", "-shortfall_t"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "as_of_month"], name="early_warning_once_per_month"
            ),
            models.CheckConstraint(
                condition=Q(as_of_month__gte=1) & Q(as_of_month__lte=12), name="early_warning_month_valid"
            ),
        ]

    def __str__(self):
        return f"{self.organisation} {self.year}-{self.as_of_month:02d}: -{self.shortfall_t} t"
