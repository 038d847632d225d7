"""The bureau's determination of a unit's emissions for a year, and what may overturn it
(Art. 18-20; DOMAIN.md "Verification")."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import DeterminationBasis, DeterminationStatus, ObjectionStatus, ReexamStatus, ReexamTrigger
from .agencies import YEAR
from .reviews import TONNES


class Determination(models.Model):
    """The year's emissions of a unit as the bureau determines them. Prepared by one bureau user
    and approved by another (four eyes); once approved it is in force, its notice goes to the unit
    and the objection window runs. A re-examination's determination supersedes it; both stay."""

    organisation = models.ForeignKey(
        "registry.Organisation", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="determinations"
    )
    year = models.PositiveSmallIntegerField(_("year"), validators=YEAR)
    basis = models.CharField(_("basis"), max_length=16, choices=DeterminationBasis.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=DeterminationStatus.choices, default=DeterminationStatus.DRAFT
    )
    report = models.ForeignKey(
        "reporting.AnnualReport",
        verbose_name=_("report"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="determinations",
    )
    review = models.ForeignKey(
        "verification.ReviewReport",
        verbose_name=_("technical review"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="determinations",
    )
    reexamination = models.OneToOneField(
        "verification.ReExamination",
        verbose_name=_("re-examination"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="result",
    )
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by", verbose_name=_("replaces")
    )
    emissions_tco2e = models.DecimalField(_("determined emissions (tCO2e)"), **TONNES)
    # Figures as they stood when prepared (reported, reviewed, per line and category), frozen for
    # the notice and for history: later corrections never change what was decided.
    figures = models.JSONField(_("figures at determination"), default=dict, blank=True)
    reasoning = models.TextField(_("reasoning"))
    # For an estimate (no report filed): the method and data used, and why it is conservative.
    estimate_method = models.TextField(_("estimate method"), blank=True)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(_("sent for approval at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # Set when an approver sends it back; cleared when it is sent for approval again.
    returned_reason = models.TextField(_("why the approver sent it back"), blank=True)
    objection_deadline = models.DateField(_("objections until"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("determination of emissions")
        verbose_name_plural = _("determinations of emissions")
        ordering = ["-year", "organisation__name_zh", "-prepared_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year"],
                condition=Q(status=DeterminationStatus.APPROVED),
                name="determination_one_in_force",
            ),
            models.UniqueConstraint(
                fields=["organisation", "year"],
                condition=Q(status__in=[DeterminationStatus.DRAFT, DeterminationStatus.PENDING]),
                name="determination_one_open",
            ),
            models.CheckConstraint(condition=Q(emissions_tco2e__gte=0), name="determination_non_negative"),
            models.CheckConstraint(
                condition=~Q(status__in=[DeterminationStatus.APPROVED, DeterminationStatus.SUPERSEDED])
                | (Q(approved_by__isnull=False, approved_at__isnull=False) & ~Q(approved_by=F("prepared_by"))),
                name="determination_four_eyes",
            ),
            models.CheckConstraint(
                condition=~Q(basis=DeterminationBasis.ESTIMATE) | ~Q(estimate_method=""),
                name="determination_estimate_documented",
            ),
            models.CheckConstraint(
                condition=~Q(basis=DeterminationBasis.REEXAMINATION) | Q(reexamination__isnull=False),
                name="determination_reexam_linked",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} {self.year}: {self.emissions_tco2e} t ({self.status})"

    @property
    def reference(self) -> str:
        return f"DET-{self.year}-{self.organisation.uscc}-{self.pk}"


class Objection(models.Model):
    """The unit's objection to a determination in force, within the window (Art. 20)."""

    determination = models.ForeignKey(
        Determination, verbose_name=_("determination"), on_delete=models.PROTECT, related_name="objections"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ObjectionStatus.choices, default=ObjectionStatus.FILED
    )
    reasons = models.TextField(_("reasons"))
    claimed_tco2e = models.DecimalField(
        _("emissions the unit considers correct (tCO2e)"), null=True, blank=True, **TONNES
    )
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    decision_due_date = models.DateField(_("decision due"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_text = models.TextField(_("decision"), blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["-filed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ObjectionStatus.FILED)
                | Q(status=ObjectionStatus.REEXAMINING)
                | ~Q(decision_text=""),
                name="objection_decision_has_text",
            ),
        ]

    def __str__(self):
        return f"{self.determination.organisation} {self.determination.year}: {self.status}"


class ObjectionFile(models.Model):
    objection = models.ForeignKey(Objection, on_delete=models.CASCADE, related_name="files")
    original_name = models.CharField(_("file name"), max_length=255)
    kind = models.CharField(_("file type"), max_length=10)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    stored_path = models.CharField(max_length=300)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.original_name


class ReExamination(models.Model):
    """A second review of a determined year by a different agency, on an objection or on the
    bureau's own motion when a trigger is flagged (DOMAIN.md "Verification")."""

    determination = models.ForeignKey(
        Determination,
        verbose_name=_("determination re-examined"),
        on_delete=models.PROTECT,
        related_name="reexaminations",
    )
    objection = models.OneToOneField(
        Objection, null=True, blank=True, on_delete=models.PROTECT, related_name="reexamination"
    )
    trigger = models.CharField(_("trigger"), max_length=20, choices=ReexamTrigger.choices)
    reason = models.TextField(_("why it is re-examined"))
    status = models.CharField(_("status"), max_length=16, choices=ReexamStatus.choices, default=ReexamStatus.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(_("why it was cancelled"), blank=True)

    class Meta:
        verbose_name = _("re-examination")
        verbose_name_plural = _("re-examinations")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["determination"],
                condition=Q(status__in=[ReexamStatus.OPEN, ReexamStatus.REVIEWED]),
                name="reexam_one_open_per_determination",
            ),
            models.CheckConstraint(
                condition=~Q(trigger=ReexamTrigger.OBJECTION) | Q(objection__isnull=False),
                name="reexam_objection_linked",
            ),
        ]

    def __str__(self):
        return f"{self.determination.organisation} {self.determination.year}: {self.trigger}"
