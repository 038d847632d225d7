"""Evidence attached to an annual report: invoices, meter readings, lab reports (Art. 16)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportEvidence(models.Model):
    """One uploaded file, checked by content (carbon_portal.files) and stored under the private
    media root, outside the web root; it is streamed only after a permission check. Files are
    addressed by their SHA-256, so a correction that carries evidence over shares the stored file."""

    report = models.ForeignKey(
        "reporting.AnnualReport", verbose_name=_("report"), on_delete=models.CASCADE, related_name="evidence"
    )
    description = models.CharField(_("what the file shows"), max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    kind = models.CharField(_("file type"), max_length=10)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    stored_path = models.CharField(max_length=300)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name
