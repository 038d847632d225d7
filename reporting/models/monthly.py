"""Monthly key parameters filed during the year (National (10)); they drive early warning."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import ActivityUnit, EmissionCategory, Gas
from .factors import NON_NEGATIVE, YEAR, EmissionFactor
from .reports import ACTIVITY, CONVERTED, EXACT_TONNES


class MonthlyActivity(models.Model):
    """One source's activity data for one month, calculated like a report line with the factor of
    the year (frozen on the row). Filing the same source and month again replaces the figure: the
    old row is kept and marked superseded, so the history stays on record."""

    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="monthly_activity",
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR)
    month = models.PositiveSmallIntegerField(_("month"), validators=[MinValueValidator(1), MaxValueValidator(12)])
    facility = models.ForeignKey(
        "registry.Facility", verbose_name=_("facility"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("category"), max_length=24, choices=EmissionCategory.choices)
    source_description = models.CharField(_("emission source"), max_length=200)
    activity_amount = models.DecimalField(_("activity data"), validators=NON_NEGATIVE, **ACTIVITY)
    activity_unit = models.CharField(_("unit"), max_length=10, choices=ActivityUnit.choices)
    activity_in_factor_unit = models.DecimalField(_("activity data in the factor's unit"), **CONVERTED)
    factor = models.ForeignKey(EmissionFactor, on_delete=models.PROTECT, related_name="+")
    factor_code = models.SlugField(_("factor code"), max_length=40)
    factor_version = models.PositiveIntegerField(_("factor version"))
    factor_snapshot = models.JSONField(_("factor as used"))
    gas = models.CharField(_("gas"), max_length=8, choices=Gas.choices)
    is_biomass = models.BooleanField(_("biomass"), default=False)
    emissions_tco2e = models.DecimalField(_("emissions (tCO2e, full precision)"), **EXACT_TONNES)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("monthly key parameter")
        verbose_name_plural = _("monthly key parameters")
        ordering = ["year", "month", "facility__code", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "month", "facility", "factor_code", "source_description"],
                condition=Q(superseded_at__isnull=True),
                name="monthly_one_current_figure",
            ),
            models.CheckConstraint(condition=Q(activity_amount__gte=0), name="monthly_activity_non_negative"),
            models.CheckConstraint(condition=Q(emissions_tco2e__gte=0), name="monthly_emissions_non_negative"),
            models.CheckConstraint(condition=Q(month__gte=1) & Q(month__lte=12), name="monthly_month_in_year"),
        ]

    def __str__(self):
        return f"{self.organisation} {self.year}-{self.month:02d} {self.source_description}"
