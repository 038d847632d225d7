"""The Django admin shows verification read-only: profiles, business lines, reviewers, ties and
assignments change only through the portal's pages, which run the services, the permission checks
and the audit trail."""

from django.contrib import admin

from registry.admin import ReadOnlyAdmin

from . import models


@admin.register(models.AgencyProfile)
class AgencyProfileAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "registration_number", "registered_on", "is_listed", "updated_at"]
    list_filter = ["is_listed"]
    search_fields = ["organisation__name_zh", "organisation__name_en", "organisation__uscc", "registration_number"]
    list_select_related = ["organisation"]


@admin.register(models.AgencyYearLine)
class AgencyYearLineAdmin(ReadOnlyAdmin):
    list_display = ["agency", "year", "line", "recorded_by", "recorded_at"]
    list_filter = ["year", "line"]
    search_fields = ["agency__name_zh", "agency__uscc"]
    list_select_related = ["agency", "recorded_by"]


@admin.register(models.Reviewer)
class ReviewerAdmin(ReadOnlyAdmin):
    list_display = ["name", "agency", "certificate_number", "user", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "certificate_number", "agency__name_zh"]
    list_select_related = ["agency", "user"]


@admin.register(models.AgencyUnitLink)
class AgencyUnitLinkAdmin(ReadOnlyAdmin):
    list_display = ["agency", "organisation", "kind", "from_year", "to_year", "recorded_at"]
    list_filter = ["kind"]
    search_fields = ["agency__name_zh", "organisation__name_zh", "organisation__uscc"]
    list_select_related = ["agency", "organisation"]


@admin.register(models.ReviewAssignment)
class ReviewAssignmentAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "year", "agency", "status", "due_date", "assigned_at", "withdrawn_at"]
    list_filter = ["year", "status"]
    search_fields = ["organisation__name_zh", "organisation__uscc", "agency__name_zh"]
    list_select_related = ["organisation", "agency"]
