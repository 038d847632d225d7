"""The Django admin shows the factor library read-only: new versions go through the portal's
page, which runs the service and the audit trail."""

from django.contrib import admin

from registry.admin import ReadOnlyAdmin

from .models import EmissionFactor


@admin.register(EmissionFactor)
class EmissionFactorAdmin(ReadOnlyAdmin):
    list_display = ["code", "name_zh", "kind", "valid_from_year", "valid_to_year", "version", "superseded_at"]
    list_filter = ["kind"]
    search_fields = ["code", "name_zh", "name_en", "source_zh"]
