"""The annual emission report (Measures Art. 16; DOMAIN.md "Reporting")."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..calculation import FactorSnapshot, reported_tonnes
from ..choices import ActivityUnit, EmissionCategory, Gas, ReportStatus
from .factors import NON_NEGATIVE, YEAR, EmissionFactor, plain_decimal

TONNES = {"max_digits": 16, "decimal_places": 3}
# "Full precision": 12 decimal places of a tonne (a nanogram); 44/12 never ends, so some cut is needed,
# and this one is nine orders of magnitude below the reported 0.001 t.
EXACT_TONNES = {"max_digits": 28, "decimal_places": 12}
ACTIVITY = {"max_digits": 20, "decimal_places": 6}
# Converting into the factor's unit multiplies by at most 0.0001 (Nm3 -> 10^4 Nm3): 4 more places.
CONVERTED = {"max_digits": 24, "decimal_places": 10}


class AnnualReport(models.Model):
    """Art. 16: a unit on the year's published list reports its emissions for the year by the due
    date, and its responsible person declares the report true.

    Each filing is a version. A submitted version is never edited: a correction is a new draft
    version, and submitting it marks the one it corrects superseded. One open draft per unit and year.
    """

    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="annual_reports",
    )
    year = models.PositiveSmallIntegerField(_("reporting year"), validators=YEAR)
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="corrections",
    )
    correction_reason = models.TextField(_("reason for correction"), blank=True)
    product_name = models.CharField(_("main product"), max_length=200, blank=True)
    product_output = models.DecimalField(
        _("output of the main product"), null=True, blank=True, validators=NON_NEGATIVE, **TONNES
    )
    product_unit = models.CharField(_("unit of output"), max_length=30, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    declared_by_name = models.CharField(_("responsible person"), max_length=100, blank=True)
    declared_at = models.DateTimeField(_("declared at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    abandoned_at = models.DateTimeField(_("abandoned at"), null=True, blank=True)
    # Set when an agency's staff first writes to the report under a compilation grant: that agency
    # compiled a Shanghai report this year and may not review any report of the year (Art. 19).
    compiled_by_agency = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("compiled by agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="compiled_reports",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("annual emission report")
        verbose_name_plural = _("annual emission reports")
        ordering = ["-year", "organisation__name_zh", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year"],
                condition=Q(status=ReportStatus.DRAFT),
                name="report_one_draft_per_org_year",
            ),
            models.UniqueConstraint(fields=["organisation", "year", "version"], name="report_unique_version"),
            models.CheckConstraint(
                condition=Q(status__in=[ReportStatus.DRAFT, ReportStatus.ABANDONED])
                | (Q(declared_at__isnull=False) & Q(submitted_at__isnull=False) & ~Q(declared_by_name="")),
                name="report_submitted_is_declared",
            ),
            models.CheckConstraint(
                condition=Q(product_output__isnull=True) | Q(product_output__gte=0),
                name="report_output_non_negative",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def reference(self) -> str:
        """The reference shown on the confirmation page and in notices: AER-<year>-<uscc>-v<version>."""
        return f"AER-{self.year}-{self.organisation.uscc}-v{self.version}"

    @property
    def is_editable(self) -> bool:
        return self.status == ReportStatus.DRAFT

    @property
    def has_production_data(self) -> bool:
        return bool(self.product_name and self.product_output is not None and self.product_unit)


class ReportLine(models.Model):
    """One emission source of one facility: activity data as entered, converted into the unit of the
    factor used, and a frozen copy of that factor, so a later revision of the library never changes
    a filed figure (DOMAIN.md "Reporting": a factor applies by the report's year)."""

    report = models.ForeignKey(AnnualReport, on_delete=models.CASCADE, related_name="lines")
    facility = models.ForeignKey(
        "registry.Facility", verbose_name=_("facility"), on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("category"), max_length=24, choices=EmissionCategory.choices)
    source_description = models.CharField(_("emission source"), max_length=200)
    activity_amount = models.DecimalField(_("activity data"), validators=NON_NEGATIVE, **ACTIVITY)
    activity_unit = models.CharField(_("unit"), max_length=10, choices=ActivityUnit.choices)
    activity_in_factor_unit = models.DecimalField(_("activity data in the factor's unit"), **CONVERTED)
    # The frozen factor: the library row it came from, and a copy of everything the figure used.
    factor = models.ForeignKey(EmissionFactor, on_delete=models.PROTECT, related_name="+")
    factor_code = models.SlugField(_("factor code"), max_length=40)
    factor_version = models.PositiveIntegerField(_("factor version"))
    factor_source = models.CharField(_("factor source"), max_length=300)
    factor_snapshot = models.JSONField(_("factor as used"))
    gas = models.CharField(_("gas"), max_length=8, choices=Gas.choices)
    is_biomass = models.BooleanField(_("biomass"), default=False)
    emissions_tco2e = models.DecimalField(_("emissions (tCO2e, full precision)"), **EXACT_TONNES)
    reported_tco2e = models.DecimalField(_("emissions (tCO2e)"), **TONNES)

    class Meta:
        verbose_name = _("emission source line")
        verbose_name_plural = _("emission source lines")
        ordering = ["facility__code", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(emissions_tco2e__gte=0), name="report_line_emissions_non_negative"),
            models.CheckConstraint(condition=Q(reported_tco2e__gte=0), name="report_line_reported_non_negative"),
            models.CheckConstraint(condition=Q(activity_amount__gte=0), name="report_line_activity_non_negative"),
        ]

    def __str__(self):
        return f"{self.source_description} ({self.factor_code} v{self.factor_version})"

    @property
    def snapshot(self) -> FactorSnapshot:
        return FactorSnapshot.from_json(self.factor_snapshot)

    def factor_values(self) -> list[tuple[str, str]]:
        """(label, value) of the frozen factor's figures, as the report page shows them."""
        labels = {
            "ncv_gj_per_unit": gettext("Net calorific value"),
            "carbon_content_tc_per_tj": gettext("Carbon content per heat unit"),
            "oxidation_rate": gettext("Oxidation rate"),
            "ef_tco2_per_mwh": gettext("Emission factor"),
            "ef_tco2_per_gj": gettext("Emission factor"),
            "gwp": gettext("GWP"),
            "ef_tco2_per_t": gettext("Emission factor"),
        }
        data = self.factor_snapshot
        return [(label, plain_decimal(Decimal(data[name]))) for name, label in labels.items() if data.get(name)]

    @property
    def is_biomass_co2(self) -> bool:
        return self.is_biomass and self.gas == Gas.CO2

    def clean(self):
        """One row: the facility belongs to the reporting unit; the reported figure is the exact one rounded."""
        errors = {}
        if self.facility_id and self.report_id and self.facility.organisation_id != self.report.organisation_id:
            errors["facility"] = gettext("This facility does not belong to the reporting unit.")
        if self.emissions_tco2e is not None and self.reported_tco2e != reported_tonnes(Decimal(self.emissions_tco2e)):
            errors["reported_tco2e"] = gettext("The reported figure must be the exact figure rounded to 0.001 t.")
        if errors:
            raise ValidationError(errors)
