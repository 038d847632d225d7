"""The Django admin shows reporting read-only: every act (a factor version, a filing, a decision,
a grant) goes through the portal's pages, which run the services, the permission checks and the
audit trail."""

from django.contrib import admin

from registry.admin import ReadOnlyAdmin

from . import models


@admin.register(models.EmissionFactor)
class EmissionFactorAdmin(ReadOnlyAdmin):
    list_display = ["code", "name_zh", "kind", "valid_from_year", "valid_to_year", "version", "superseded_at"]
    list_filter = ["kind"]
    search_fields = ["code", "name_zh", "name_en", "source_zh"]


class ReportLineInline(admin.TabularInline):
    model = models.ReportLine
    fields = [
        "facility",
        "category",
        "source_description",
        "activity_amount",
        "activity_unit",
        "factor_code",
        "factor_version",
        "gas",
        "is_biomass",
        "reported_tco2e",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class EvidenceInline(admin.TabularInline):
    model = models.ReportEvidence
    fields = ["original_name", "description", "kind", "size_bytes", "sha256", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(models.AnnualReport)
class AnnualReportAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "organisation", "year", "version", "status", "submitted_at", "compiled_by_agency"]
    list_filter = ["year", "status"]
    search_fields = ["organisation__uscc", "organisation__name_zh", "organisation__name_en"]
    list_select_related = ["organisation", "compiled_by_agency"]
    inlines = [ReportLineInline, EvidenceInline]


class PlanParameterInline(admin.TabularInline):
    model = models.PlanParameter
    exclude = []
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PlanCommentInline(PlanParameterInline):
    model = models.PlanSectionComment


@admin.register(models.QualityPlan)
class QualityPlanAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "organisation", "year", "version", "status", "submitted_at", "decided_at"]
    list_filter = ["year", "status"]
    search_fields = ["organisation__uscc", "organisation__name_zh", "organisation__name_en"]
    list_select_related = ["organisation"]
    inlines = [PlanParameterInline, PlanCommentInline]


@admin.register(models.CompilationGrant)
class CompilationGrantAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "agency", "year", "granted_at", "revoked_at"]
    list_filter = ["year"]
    search_fields = ["organisation__name_zh", "agency__name_zh"]
    list_select_related = ["organisation", "agency"]


@admin.register(models.MonthlyActivity)
class MonthlyActivityAdmin(ReadOnlyAdmin):
    list_display = [
        "organisation",
        "year",
        "month",
        "facility",
        "source_description",
        "emissions_tco2e",
        "superseded_at",
    ]
    list_filter = ["year", "month"]
    search_fields = ["organisation__name_zh", "organisation__uscc"]
    list_select_related = ["organisation", "facility"]
