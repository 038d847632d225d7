"""Technical service agencies as the public directory shows them (Art. 19; DOMAIN.md "Verification")."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import BusinessLine, LinkKind

YEAR = [MinValueValidator(2013), MaxValueValidator(2100)]


class AgencyProfile(models.Model):
    """What the public directory says of an agency: its qualifications and registration."""

    organisation = models.OneToOneField(
        "registry.Organisation",
        verbose_name=_("technical service agency"),
        on_delete=models.PROTECT,
        related_name="agency_profile",
    )
    registration_number = models.CharField(_("registration number"), max_length=60)
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    qualifications_zh = models.TextField(_("qualifications (Chinese)"))
    qualifications_en = models.TextField(_("qualifications (English)"), blank=True)
    is_listed = models.BooleanField(_("shown in the public directory"), default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("agency profile")
        verbose_name_plural = _("agency profiles")
        ordering = ["organisation__name_zh"]

    def __str__(self):
        return str(self.organisation)


class AgencyYearLine(models.Model):
    """The agency's business line for one year: compiling or reviewing (DOMAIN.md, Art. 19)."""

    agency = models.ForeignKey(
        "registry.Organisation", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="year_lines"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR)
    line = models.CharField(_("business line"), max_length=16, choices=BusinessLine.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("agency business line")
        verbose_name_plural = _("agency business lines")
        ordering = ["-year", "agency__name_zh"]
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="agency_one_line_per_year")]

    def __str__(self):
        return f"{self.agency} {self.year}: {self.line}"


class Reviewer(models.Model):
    """A reviewer of an agency: the person who signs technical review reports."""

    agency = models.ForeignKey(
        "registry.Organisation", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="reviewers"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("portal account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviewer_roles",
    )
    name = models.CharField(_("name"), max_length=100)
    certificate_number = models.CharField(_("certificate number"), max_length=60, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reviewer")
        verbose_name_plural = _("reviewers")
        ordering = ["agency__name_zh", "name"]

    def __str__(self):
        return self.name


class AgencyUnitLink(models.Model):
    """A tie between an agency and a unit (shares, same group, paid services...): while it lasts the
    agency may not review the unit's report (Art. 19). Recorded by the bureau; ended, not deleted."""

    agency = models.ForeignKey(
        "registry.Organisation", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="unit_links"
    )
    organisation = models.ForeignKey(
        "registry.Organisation", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="agency_links"
    )
    kind = models.CharField(_("kind of tie"), max_length=16, choices=LinkKind.choices)
    description = models.CharField(_("description"), max_length=300)
    from_year = models.PositiveSmallIntegerField(_("from year"), validators=YEAR)
    to_year = models.PositiveSmallIntegerField(_("to year"), null=True, blank=True, validators=YEAR)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("agency-unit tie")
        verbose_name_plural = _("agency-unit ties")
        ordering = ["agency__name_zh", "-from_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_year__isnull=True) | Q(to_year__gte=F("from_year")), name="agency_link_years_ordered"
            ),
            models.CheckConstraint(condition=~Q(agency=F("organisation")), name="agency_link_not_to_itself"),
        ]

    def __str__(self):
        return f"{self.agency} ~ {self.organisation} ({self.kind})"

    def covers(self, year: int) -> bool:
        return self.from_year <= year <= (self.to_year or 9999)
