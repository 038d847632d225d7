"""Small input and output serializers, one per operation's payload (CONVENTIONS.md). Inputs only
validate shapes; the rules are the services'. Outputs carry every decimal as a string."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..choices import (
    ActivityUnit,
    DeterminationMethod,
    EmissionCategory,
    FactorKind,
    Gas,
    MeasurementFrequency,
    PlanSection,
    PlanStatus,
    ReportStatus,
)
from .common import ACTIVITY, CONVERTED, EXACT_TONNES, FACTOR, TONNES, EnumField, ExactDecimalField

YEAR = {"min_value": 1990, "max_value": 2100}


# Emission factors


class FactorFilterSerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, help_text="Defaults to the current year.", **YEAR)


class FactorOutputSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="What a report line names as its `factor_code`.")
    version = serializers.IntegerField()
    kind = EnumField(FactorKind)
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    activity_unit = EnumField(ActivityUnit, help_text="The unit the factor is per.")
    gas = EnumField(Gas)
    is_biomass = serializers.BooleanField()
    ncv_gj_per_unit = serializers.DecimalField(allow_null=True, **FACTOR)
    carbon_content_tc_per_tj = serializers.DecimalField(allow_null=True, **FACTOR)
    oxidation_rate = serializers.DecimalField(allow_null=True, **FACTOR)
    ef_tco2_per_mwh = serializers.DecimalField(allow_null=True, **FACTOR)
    ef_tco2_per_gj = serializers.DecimalField(allow_null=True, **FACTOR)
    ef_tco2_per_t = serializers.DecimalField(allow_null=True, **FACTOR)
    gwp = serializers.DecimalField(allow_null=True, **FACTOR)
    valid_from_year = serializers.IntegerField(allow_null=True)
    valid_to_year = serializers.IntegerField(allow_null=True)
    source_zh = serializers.CharField()
    source_en = serializers.CharField()


class FactorsOutputSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    factors = FactorOutputSerializer(many=True)


# Filings in common


class FilingFilterSerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, **YEAR)
    organisation = serializers.IntegerField(required=False, help_text="An organisation's id.")


class FilingCreateInputSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(help_text="The id of the unit filing (see /api/me/).")
    year = serializers.IntegerField(**YEAR)


class FilingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(help_text="Shown on the confirmation and in notices.")
    organisation = serializers.IntegerField(source="organisation_id")
    organisation_uscc = serializers.CharField(source="organisation.uscc")
    organisation_name_zh = serializers.CharField(source="organisation.name_zh")
    year = serializers.IntegerField()
    version = serializers.IntegerField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


# Annual emission reports (Art. 16)


class ReportFilterSerializer(FilingFilterSerializer):
    status = serializers.ChoiceField(choices=ReportStatus.choices, required=False)


class ReportSummaryOutputSerializer(FilingOutputSerializer):
    status = EnumField(ReportStatus)
    corrects = serializers.IntegerField(source="corrects_id", allow_null=True, help_text="The version it corrects.")


class ReportLineOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    facility = serializers.CharField(source="facility.code", help_text="The facility's code.")
    category = EnumField(EmissionCategory)
    source_description = serializers.CharField()
    activity_amount = serializers.DecimalField(**ACTIVITY)
    activity_unit = EnumField(ActivityUnit)
    activity_in_factor_unit = serializers.DecimalField(**CONVERTED)
    factor_code = serializers.CharField()
    factor_version = serializers.IntegerField()
    factor_source = serializers.CharField()
    gas = EnumField(Gas)
    is_biomass = serializers.BooleanField()
    emissions_tco2e = serializers.DecimalField(help_text="Full precision.", **EXACT_TONNES)
    reported_tco2e = serializers.DecimalField(help_text="Rounded half up to 0.001 t.", **TONNES)


class TotalsOutputSerializer(serializers.Serializer):
    total_tco2e = serializers.DecimalField(help_text="Biomass CO2 excluded.", **TONNES)
    biomass_tco2 = serializers.DecimalField(help_text="Reported, not counted in any other figure.", **TONNES)
    by_facility = serializers.DictField(child=serializers.DecimalField(**TONNES), help_text="By facility code.")
    by_gas = serializers.DictField(child=serializers.DecimalField(**TONNES))
    by_category = serializers.DictField(child=serializers.DecimalField(**TONNES))


class ReportOutputSerializer(ReportSummaryOutputSerializer):
    correction_reason = serializers.CharField()
    product_name = serializers.CharField()
    product_output = serializers.DecimalField(allow_null=True, **TONNES)
    product_unit = serializers.CharField()
    declared_by_name = serializers.CharField()
    declared_at = serializers.DateTimeField(allow_null=True)
    compiled_by_agency = serializers.IntegerField(source="compiled_by_agency_id", allow_null=True)
    lines = ReportLineOutputSerializer(many=True, source="line_list")
    totals = TotalsOutputSerializer()


class ProductionInputSerializer(serializers.Serializer):
    product_name = serializers.CharField(max_length=200)
    product_output = ExactDecimalField(help_text='A decimal string, e.g. "12000.5".', **TONNES)
    product_unit = serializers.CharField(max_length=30, help_text="For example t, 10⁴ m², MWh.")


class ReportLineInputSerializer(serializers.Serializer):
    facility = serializers.CharField(max_length=40, help_text="The code of one of the unit's active facilities.")
    category = EnumField(EmissionCategory)
    factor_code = serializers.CharField(
        max_length=40, help_text="The version valid in the report's year is used (see /factors/)."
    )
    activity_amount = ExactDecimalField(help_text='A decimal string, e.g. "12000.5".', **ACTIVITY)
    activity_unit = EnumField(ActivityUnit, help_text="Converted exactly into the factor's unit.")
    source_description = serializers.CharField(max_length=200, help_text="For example: boiler no. 2, natural gas.")
    is_biomass = serializers.BooleanField(default=False)


class DeclarationInputSerializer(serializers.Serializer):
    declaration_confirmed = serializers.BooleanField(
        default=False, help_text="The responsible person declares the report true, accurate and complete (Art. 16)."
    )
    declared_by_name = serializers.CharField(max_length=100, default="", allow_blank=True)


class CorrectionInputSerializer(serializers.Serializer):
    reason = serializers.CharField(default="", allow_blank=True, help_text="What the correction changes and why.")


# Data quality control plans (Art. 15)


class PlanFilterSerializer(FilingFilterSerializer):
    status = serializers.ChoiceField(choices=PlanStatus.choices, required=False)


class PlanSummaryOutputSerializer(FilingOutputSerializer):
    status = EnumField(PlanStatus)
    revises = serializers.IntegerField(source="revises_id", allow_null=True, help_text="The version it revises.")
    decided_at = serializers.DateTimeField(allow_null=True)


class PlanParameterOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    facility = serializers.CharField(source="facility.code", help_text="The facility's code.")
    emission_source = serializers.CharField()
    parameter_name = serializers.CharField()
    method = EnumField(DeterminationMethod)
    frequency = EnumField(MeasurementFrequency)
    responsible_person = serializers.CharField()
    instrument_name = serializers.CharField()
    calibration_date = serializers.DateField(allow_null=True)


class PlanCommentOutputSerializer(serializers.Serializer):
    section = EnumField(PlanSection)
    comment = serializers.CharField()
    created_at = serializers.DateTimeField()


class PlanOutputSerializer(PlanSummaryOutputSerializer):
    boundary = serializers.CharField()
    responsible_name = serializers.CharField()
    responsible_contact = serializers.CharField()
    parameters = PlanParameterOutputSerializer(many=True, source="parameter_list")
    comments = PlanCommentOutputSerializer(
        many=True,
        source="comment_list",
        help_text="The bureau's comments on this version if it was returned; on a revision, those on the "
        "returned version it answers.",
    )


class BoundaryInputSerializer(serializers.Serializer):
    boundary = serializers.CharField(help_text="The sites, facilities and sources covered, and any left out.")


class ResponsibilitiesInputSerializer(serializers.Serializer):
    responsible_name = serializers.CharField(max_length=100)
    responsible_contact = serializers.CharField(max_length=200)


class PlanParameterInputSerializer(serializers.Serializer):
    facility = serializers.CharField(max_length=40, help_text="The code of one of the unit's active facilities.")
    emission_source = serializers.CharField(max_length=200)
    parameter_name = serializers.CharField(max_length=200)
    method = EnumField(DeterminationMethod)
    frequency = EnumField(MeasurementFrequency)
    responsible_person = serializers.CharField(max_length=100)
    instrument_name = serializers.CharField(
        max_length=200, default="", allow_blank=True, help_text="Required when measured."
    )
    calibration_date = serializers.DateField(default=None, allow_null=True, help_text="Required when measured.")


class PlanReturnInputSerializer(serializers.Serializer):
    """A comment on at least one section."""

    boundary = serializers.CharField(default="", allow_blank=True)
    parameters = serializers.CharField(default="", allow_blank=True)
    responsibilities = serializers.CharField(default="", allow_blank=True)


# Uploads (multipart/form-data)


@extend_schema_field(OpenApiTypes.BINARY)
class UploadField(serializers.FileField):
    """A file sent in a multipart form; documented as binary, not as the URL a FileField shows."""


# Evidence files (Art. 16)


class EvidenceOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    original_name = serializers.CharField(help_text="The name it was uploaded with, and downloads with.")
    kind = serializers.CharField(help_text="pdf, xlsx, png or jpg: checked by content, not by name.")
    size_bytes = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_by_name = serializers.CharField(source="uploaded_by.full_name")
    uploaded_at = serializers.DateTimeField()


class EvidenceInputSerializer(serializers.Serializer):
    file = UploadField(help_text="A PDF, Excel workbook (.xlsx), PNG or JPEG, within the upload limit.")
    description = serializers.CharField(
        max_length=200,
        default="",
        allow_blank=True,
        help_text="What the file shows, e.g. electricity invoices, January to December 2026.",
    )


# Emission sources from a spreadsheet (Art. 16)


class ImportInputSerializer(serializers.Serializer):
    file = UploadField(help_text="The report's template filled in (.xlsx), or a CSV with its headings.")
    dry_run = serializers.BooleanField(
        default=True, help_text="True (the default): check and calculate only. False: add every row, if all are valid."
    )


class ImportRowOutputSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row number in the sheet (the headings are row 1).")
    facility = serializers.CharField(source="line.facility.code", help_text="The facility's code.")
    category = EnumField(EmissionCategory, source="line.category")
    source_description = serializers.CharField(source="line.source_description")
    factor_code = serializers.CharField(source="line.factor_code")
    factor_version = serializers.IntegerField(source="line.factor_version")
    activity_amount = serializers.DecimalField(source="line.activity_amount", **ACTIVITY)
    activity_unit = EnumField(ActivityUnit, source="line.activity_unit")
    gas = EnumField(Gas, source="line.gas")
    is_biomass = serializers.BooleanField(source="line.is_biomass")
    emissions_tco2e = serializers.DecimalField(
        source="line.emissions_tco2e", help_text="Full precision.", **EXACT_TONNES
    )
    reported_tco2e = serializers.DecimalField(
        source="line.reported_tco2e", help_text="Rounded half up to 0.001 t.", **TONNES
    )


class ImportErrorOutputSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text="The row number in the sheet; null for the whole file.")
    column = serializers.CharField(help_text="The column's heading as the file wrote it; empty for the whole row.")
    message = serializers.CharField()


class ImportResultOutputSerializer(serializers.Serializer):
    file_name = serializers.CharField()
    file_sha256 = serializers.CharField()
    dry_run = serializers.BooleanField()
    saved = serializers.BooleanField(help_text="True only when every row was valid and the rows were added.")
    created = serializers.IntegerField(help_text="Lines added to the report.")
    rows = ImportRowOutputSerializer(many=True, help_text="The valid rows, calculated as the report form would.")
    totals = TotalsOutputSerializer(allow_null=True, help_text="Of the valid rows.")
    errors = ImportErrorOutputSerializer(many=True)


# Monthly key parameters (National (10))


class MonthlyFigureInputSerializer(ReportLineInputSerializer):
    month = serializers.IntegerField(min_value=1, max_value=12, help_text="A month that has begun.")


class MonthlyFigureOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    month = serializers.IntegerField()
    facility = serializers.CharField(source="facility.code", help_text="The facility's code.")
    category = EnumField(EmissionCategory)
    source_description = serializers.CharField()
    activity_amount = serializers.DecimalField(**ACTIVITY)
    activity_unit = EnumField(ActivityUnit)
    activity_in_factor_unit = serializers.DecimalField(**CONVERTED)
    factor_code = serializers.CharField()
    factor_version = serializers.IntegerField()
    gas = EnumField(Gas)
    is_biomass = serializers.BooleanField()
    emissions_tco2e = serializers.DecimalField(help_text="Full precision.", **EXACT_TONNES)
    filed_by_name = serializers.CharField(source="filed_by.full_name")
    filed_at = serializers.DateTimeField()
    superseded_at = serializers.DateTimeField(allow_null=True, help_text="Set when replaced or withdrawn.")


class MonthOutputSerializer(serializers.Serializer):
    month = serializers.IntegerField()
    total_tco2e = serializers.DecimalField(allow_null=True, help_text="Null when nothing is filed.", **TONNES)
    biomass_tco2 = serializers.DecimalField(**TONNES)
    sources = serializers.IntegerField(help_text="Figures in force for the month.")
    is_open = serializers.BooleanField(help_text="False for a month that has not begun.")


class YearToDateOutputSerializer(serializers.Serializer):
    total_tco2e = serializers.DecimalField(help_text="Biomass CO2 excluded.", **TONNES)
    biomass_tco2 = serializers.DecimalField(**TONNES)
    months_filed = serializers.ListField(child=serializers.IntegerField())
    last_filed_at = serializers.DateTimeField(allow_null=True)


class ProjectionOutputSerializer(serializers.Serializer):
    projected_tco2e = serializers.DecimalField(
        allow_null=True, help_text="The mean of the months filed x 12; null until a month is filed.", **TONNES
    )
    months_covered = serializers.IntegerField()
    previous_tco2e = serializers.DecimalField(allow_null=True, help_text="Last year's emissions on record.", **TONNES)
    previous_source = serializers.CharField(help_text="How last year's figure was established.")
    change_percent = serializers.DecimalField(
        max_digits=24, decimal_places=1, allow_null=True, help_text="The projection against last year, in per cent."
    )


class MonthlyYearOutputSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(source="organisation.pk")
    organisation_uscc = serializers.CharField(source="organisation.uscc")
    organisation_name_zh = serializers.CharField(source="organisation.name_zh")
    year = serializers.IntegerField()
    may_file = serializers.BooleanField(help_text="Whether you may file and withdraw figures (the bureau reads).")
    is_listed = serializers.BooleanField(help_text="On the published list of the year or the year before.")
    open_months = serializers.ListField(child=serializers.IntegerField(), help_text="Months a figure may be filed for.")
    year_to_date = YearToDateOutputSerializer(source="projection.year_to_date")
    projection = ProjectionOutputSerializer()
    months = MonthOutputSerializer(many=True, source="projection.year_to_date.months")
    figures = MonthlyFigureOutputSerializer(many=True, help_text="The figures in force, one per source and month.")
    history = MonthlyFigureOutputSerializer(many=True, help_text="Figures replaced or withdrawn, newest first.")


# Compilation grants to agencies


class AgencyInputSerializer(serializers.Serializer):
    agency = serializers.CharField(
        max_length=40, help_text="The agency's unified social credit code, or its id (an active agency)."
    )


class GrantOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    agency = serializers.IntegerField(source="agency_id")
    agency_uscc = serializers.CharField(source="agency.uscc")
    agency_name_zh = serializers.CharField(source="agency.name_zh")
    agency_name_en = serializers.CharField(source="agency.name_en")
    year = serializers.IntegerField()
    is_active = serializers.BooleanField()
    granted_at = serializers.DateTimeField()
    granted_by_name = serializers.CharField(source="granted_by.full_name")
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoked_by_name = serializers.CharField(source="revoked_by.full_name", allow_null=True, default=None)


class AccessOutputSerializer(serializers.Serializer):
    organisation = serializers.IntegerField()
    year = serializers.IntegerField()
    current = GrantOutputSerializer(allow_null=True, help_text="The agency that may compile the report now, if any.")
    history = GrantOutputSerializer(many=True, help_text="Withdrawn grants, newest first.")
