"""A unit lets a technical service agency compile its annual report for one year (DOMAIN.md
"Reporting": a report may be compiled by an agency on the unit's behalf)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .factors import YEAR


class CompilationGrant(models.Model):
    """While a grant is active, the agency's staff may read and fill in the unit's draft report of
    that year; the unit's responsible person still declares and submits it. A grant is revoked,
    never deleted: it is part of the record the conflict-of-interest rule (Art. 19) reads."""

    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("reporting unit"),
        on_delete=models.PROTECT,
        related_name="compilation_grants",
    )
    agency = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("technical service agency"),
        on_delete=models.PROTECT,
        related_name="compilation_grants_received",
    )
    year = models.PositiveSmallIntegerField(_("reporting year"), validators=YEAR)
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report compilation grant")
        verbose_name_plural = _("report compilation grants")
        ordering = ["-year", "-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year"],
                condition=Q(revoked_at__isnull=True),
                name="compilation_one_active_grant_per_year",
            ),
        ]

    def __str__(self):
        return f"{self.organisation} {self.year} -> {self.agency}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
