"""The bureau's assignment of a report's technical review to an agency (Art. 18-19)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import AssignmentKind, AssignmentStatus
from .agencies import YEAR

# An assignment in force: the agency is working on it, or has submitted its review.
IN_FORCE = [AssignmentStatus.ASSIGNED, AssignmentStatus.DONE]


class ReviewAssignment(models.Model):
    """One agency reviews one unit's report for a year, by a due date. Reassigning withdraws the
    assignment with a reason and creates the next one; both stay on record."""

    organisation = models.ForeignKey(
        "registry.Organisation", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="review_assignments"
    )
    year = models.PositiveSmallIntegerField(_("reporting year"), validators=YEAR)
    kind = models.CharField(_("kind"), max_length=16, choices=AssignmentKind.choices, default=AssignmentKind.REVIEW)
    # Set for a re-examination: the agency reviews the report again for that procedure (Art. 20).
    reexamination = models.ForeignKey(
        "verification.ReExamination",
        verbose_name=_("re-examination"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    report = models.ForeignKey(
        "reporting.AnnualReport", verbose_name=_("report"), on_delete=models.PROTECT, related_name="assignments"
    )
    agency = models.ForeignKey(
        "registry.Organisation", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="reviews_assigned"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=AssignmentStatus.choices, default=AssignmentStatus.ASSIGNED
    )
    due_date = models.DateField(_("review due"))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by", verbose_name=_("replaces")
    )
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_reason = models.TextField(_("reason for reassigning"), blank=True)

    class Meta:
        verbose_name = _("review assignment")
        verbose_name_plural = _("review assignments")
        ordering = ["-year", "organisation__name_zh", "-assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year"],
                condition=Q(status__in=IN_FORCE, kind=AssignmentKind.REVIEW),
                name="review_one_assignment_in_force",
            ),
            models.UniqueConstraint(
                fields=["reexamination"],
                condition=Q(status__in=IN_FORCE, kind=AssignmentKind.REEXAMINATION),
                name="reexam_one_assignment_in_force",
            ),
            models.CheckConstraint(
                condition=Q(kind=AssignmentKind.REVIEW, reexamination__isnull=True)
                | Q(kind=AssignmentKind.REEXAMINATION, reexamination__isnull=False),
                name="review_reexam_kind_matches",
            ),
            models.CheckConstraint(
                condition=~Q(status=AssignmentStatus.WITHDRAWN)
                | (Q(withdrawn_at__isnull=False) & ~Q(withdrawal_reason="")),
                name="review_withdrawal_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} {self.year} -> {self.agency}"
