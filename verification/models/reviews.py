"""The technical review report an agency submits for an assignment (Art. 18; DOMAIN.md "Verification")."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import FindingKind, ReviewConclusion, ReviewStatus

TONNES = {"max_digits": 16, "decimal_places": 3}
EXACT_TONNES = {"max_digits": 28, "decimal_places": 12}
ACTIVITY = {"max_digits": 20, "decimal_places": 6}


class ReviewReport(models.Model):
    """The agency's review of one report version: the signed PDF, the reviewed figure of every
    source line, its findings and its conclusion. Versioned: a review the bureau returns stays on
    record and the agency's next version replaces it."""

    assignment = models.ForeignKey(
        "verification.ReviewAssignment",
        verbose_name=_("assignment"),
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    report = models.ForeignKey(
        "reporting.AnnualReport", verbose_name=_("report reviewed"), on_delete=models.PROTECT, related_name="reviews"
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT)
    reviewer = models.ForeignKey(
        "verification.Reviewer",
        verbose_name=_("lead reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviews",
    )
    conclusion = models.CharField(_("conclusion"), max_length=16, choices=ReviewConclusion.choices, blank=True)
    conclusion_text = models.TextField(_("conclusion in words"), blank=True)
    # Emissions the report left out altogether (a source the agency found on site), with why.
    unreported_tco2e = models.DecimalField(_("emissions of unreported sources (tCO2e)"), default=0, **TONNES)
    unreported_note = models.TextField(_("unreported sources"), blank=True)
    # Frozen at submission: the sum of the reviewed lines (biomass CO2 excluded) plus unreported.
    reviewed_total_tco2e = models.DecimalField(_("reviewed emissions (tCO2e)"), null=True, blank=True, **TONNES)
    document_path = models.CharField(max_length=300, blank=True)
    document_name = models.CharField(_("review report (PDF)"), max_length=200, blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    document_size = models.PositiveIntegerField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_reason = models.TextField(_("why the bureau returned it"), blank=True)

    class Meta:
        verbose_name = _("technical review report")
        verbose_name_plural = _("technical review reports")
        ordering = ["assignment", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "version"], name="review_unique_version"),
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(status__in=[ReviewStatus.DRAFT, ReviewStatus.SUBMITTED]),
                name="review_one_open_version",
            ),
            models.CheckConstraint(
                condition=Q(status=ReviewStatus.DRAFT)
                | (
                    Q(submitted_at__isnull=False, reviewed_total_tco2e__isnull=False, reviewer__isnull=False)
                    & ~Q(document_sha256="")
                    & ~Q(conclusion="")
                ),
                name="review_submitted_is_complete",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReviewStatus.RETURNED) | (Q(returned_at__isnull=False) & ~Q(return_reason="")),
                name="review_returned_has_reason",
            ),
            models.CheckConstraint(condition=Q(unreported_tco2e__gte=0), name="review_unreported_non_negative"),
        ]

    def __str__(self):
        return f"{self.report} review v{self.version}"

    @property
    def reference(self) -> str:
        return f"TRR-{self.report.year}-{self.report.organisation.uscc}-v{self.version}"


class ReviewedLine(models.Model):
    """The agency's figure for one source line of the report it reviewed: the activity data it
    found, recalculated on the server with the line's frozen factor."""

    review = models.ForeignKey(ReviewReport, on_delete=models.CASCADE, related_name="lines")
    report_line = models.ForeignKey(
        "reporting.ReportLine", verbose_name=_("source line"), on_delete=models.PROTECT, related_name="+"
    )
    activity_amount = models.DecimalField(_("reviewed activity data"), **ACTIVITY)
    emissions_tco2e = models.DecimalField(_("reviewed emissions (tCO2e, full precision)"), **EXACT_TONNES)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("reviewed line")
        verbose_name_plural = _("reviewed lines")
        ordering = ["report_line__facility__code", "report_line_id"]
        constraints = [
            models.UniqueConstraint(fields=["review", "report_line"], name="reviewed_line_once"),
            models.CheckConstraint(condition=Q(activity_amount__gte=0), name="reviewed_activity_non_negative"),
        ]

    def __str__(self):
        return f"{self.review} line {self.report_line_id}"


class Finding(models.Model):
    """A non-conformity, misstatement or observation of the review, with its effect if known."""

    review = models.ForeignKey(ReviewReport, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(_("kind"), max_length=16, choices=FindingKind.choices)
    report_line = models.ForeignKey(
        "reporting.ReportLine",
        verbose_name=_("source line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.TextField(_("finding"))
    effect_tco2e = models.DecimalField(_("effect on emissions (tCO2e)"), null=True, blank=True, **TONNES)
    is_resolved = models.BooleanField(_("corrected by the unit"), default=False)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["review", "id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.description[:40]}"
