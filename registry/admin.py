"""The Django admin, for bureau superusers: reference data and a read-only look at the rest.

Business acts (lists, events, criteria) go through the portal's pages so that they run the
services, the four-eyes rule and the audit trail; the admin does not bypass them.
"""

from django.contrib import admin

from . import models


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.IndustryGroup)
class IndustryGroupAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en"]


@admin.register(models.Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "group"]
    list_filter = ["group"]


@admin.register(models.Organisation)
class OrganisationAdmin(ReadOnlyAdmin):
    list_display = ["uscc", "name_zh", "org_type", "industry", "district", "status"]
    list_filter = ["org_type", "district", "status"]
    search_fields = ["uscc", "name_zh", "name_en"]


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__email", "organisation__name_zh"]
    raw_id_fields = ["user", "organisation"]


for model in (
    models.InclusionCriterion,
    models.RegulatedList,
    models.ListEntry,
    models.OrganisationEvent,
    models.EmissionRecord,
    models.YearSettings,
    models.DeadlineReminder,
):
    admin.site.register(model, ReadOnlyAdmin)
