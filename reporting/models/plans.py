"""The data quality control plan (Measures Art. 15; DOMAIN.md "Reporting")."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ..choices import DeterminationMethod, MeasurementFrequency, PlanSection, PlanStatus
from .factors import YEAR


class QualityPlan(models.Model):
    """Art. 15: a regulated unit files, by 31 Dec of year Y, how it will monitor its emissions in Y+1.

    Each filing is a version. The bureau accepts a submitted plan or returns it with comments per
    section; a returned plan is revised as a new draft version, which supersedes it. At most one
    version per unit and year is not superseded.
    """

    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="quality_plans",
    )
    year = models.PositiveSmallIntegerField(_("year covered"), validators=YEAR)
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    revises = models.ForeignKey(
        "self",
        verbose_name=_("revises version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="revisions",
    )
    boundary = models.TextField(_("emission boundary"), blank=True)
    responsible_name = models.CharField(_("responsible person"), max_length=100, blank=True)
    responsible_contact = models.CharField(_("contact of the responsible person"), max_length=200, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("data quality control plan")
        verbose_name_plural = _("data quality control plans")
        ordering = ["-year", "organisation__name_zh", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year"],
                condition=~Q(status=PlanStatus.SUPERSEDED),
                name="plan_one_current_per_org_year",
            ),
            models.UniqueConstraint(fields=["organisation", "year", "version"], name="plan_unique_version"),
            models.CheckConstraint(
                condition=Q(status=PlanStatus.DRAFT) | Q(submitted_at__isnull=False),
                name="plan_filed_has_submission_time",
            ),
        ]

    def __str__(self):
        return self.reference

    @property
    def reference(self) -> str:
        """The reference on the confirmation page: DQP-<year>-<uscc>-v<version>."""
        return f"DQP-{self.year}-{self.organisation.uscc}-v{self.version}"

    @property
    def is_editable(self) -> bool:
        return self.status == PlanStatus.DRAFT

    @property
    def has_responsibilities(self) -> bool:
        return bool(self.responsible_name and self.responsible_contact)


class PlanParameter(models.Model):
    """One monitored parameter of one emission source: how it is determined, how often, by whom,
    and, when measured, with which instrument, calibrated when (Art. 15)."""

    plan = models.ForeignKey(QualityPlan, on_delete=models.CASCADE, related_name="parameters")
    facility = models.ForeignKey(
        "registry.Facility", verbose_name=_("facility"), on_delete=models.PROTECT, related_name="+"
    )
    emission_source = models.CharField(_("emission source"), max_length=200)
    parameter_name = models.CharField(_("parameter"), max_length=200)
    method = models.CharField(_("determination method"), max_length=16, choices=DeterminationMethod.choices)
    frequency = models.CharField(_("measurement frequency"), max_length=16, choices=MeasurementFrequency.choices)
    responsible_person = models.CharField(_("responsible person"), max_length=100)
    instrument_name = models.CharField(_("measuring instrument"), max_length=200, blank=True)
    calibration_date = models.DateField(_("calibration date"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan parameter")
        verbose_name_plural = _("plan parameters")
        ordering = ["facility__code", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(method=DeterminationMethod.MEASURED) | Q(calibration_date__isnull=False),
                name="plan_parameter_measured_is_calibrated",
            ),
        ]

    def __str__(self):
        return f"{self.emission_source}: {self.parameter_name}"

    @property
    def key(self) -> tuple[str, str, str]:
        """What identifies a row across versions when two versions are compared."""
        return (self.facility.code, self.emission_source.strip().lower(), self.parameter_name.strip().lower())

    def compared_values(self) -> tuple:
        return (self.method, self.frequency, self.responsible_person, self.instrument_name, self.calibration_date)

    def clean(self):
        """One row: the facility is the unit's; a measured value names a calibrated instrument."""
        errors = {}
        if self.facility_id and self.plan_id and self.facility.organisation_id != self.plan.organisation_id:
            errors["facility"] = gettext("This facility does not belong to the reporting unit.")
        if self.method == DeterminationMethod.MEASURED:
            if not self.instrument_name.strip():
                errors["instrument_name"] = gettext("Name the measuring instrument of a measured parameter.")
            if self.calibration_date is None:
                errors["calibration_date"] = gettext(
                    "Enter the calibration date of the instrument of a measured parameter."
                )
        if errors:
            raise ValidationError(errors)


class PlanSectionComment(models.Model):
    """The bureau's comment on one section of a plan it returns (Art. 15)."""

    plan = models.ForeignKey(QualityPlan, on_delete=models.CASCADE, related_name="comments")
    section = models.CharField(_("section"), max_length=20, choices=PlanSection.choices)
    comment = models.TextField(_("comment"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("plan section comment")
        verbose_name_plural = _("plan section comments")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.plan_id} {self.section}"
