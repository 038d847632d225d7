"""A report's emission sources from a spreadsheet: a template per report; every row calculated as
on the form; a dry run first; errors with row numbers; all rows saved or none (Art. 16)."""

import csv
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from carbon_portal.models import AuditEntry
from carbon_portal.sheet_import import fold
from registry.models import Organisation
from reporting import services
from reporting.import_templates import template_xlsx
from reporting.imports import MAX_ROWS, Lookups
from reporting.services.access import compilation_grant
from reporting.services.imports import report_lines_import
from tests.factories import FacilityFactory

from .helpers import add_electricity, draft, facility, submit

pytestmark = pytest.mark.django_db

HEAD = [
    "facility code",
    "kind of source",
    "emission source description",
    "factor code",
    "activity amount",
    "unit",
    "biomass (yes/no)",
]
HEAD_ZH = ["设施编码", "排放源类别", "排放源描述", "排放因子代码", "活动数据", "单位", "是否生物质"]
PAGE = "reporting:report_import"
TEMPLATE = "reporting:report_import_template"
SNAPSHOT_FIELDS = [
    "facility_id",
    "category",
    "source_description",
    "activity_amount",
    "activity_unit",
    "activity_in_factor_unit",
    "factor_id",
    "factor_code",
    "factor_version",
    "factor_source",
    "factor_snapshot",
    "gas",
    "is_biomass",
    "emissions_tco2e",
    "reported_tco2e",
]


@pytest.fixture
def report(carol, unit):
    facility(unit)
    return draft(carol, unit)


def row(**over) -> list[str]:
    values = {
        "facility": "F1",
        "category": "purchased_electricity",
        "source": "Purchased electricity",
        "factor": "sh_grid_electricity",
        "amount": "10000",
        "unit": "MWh",
        "biomass": "no",
    } | over
    return [values[k] for k in ("facility", "category", "source", "factor", "amount", "unit", "biomass")]


def xlsx(rows, head=HEAD, name="sources.xlsx") -> SimpleUploadedFile:
    wb = Workbook()
    wb.active.append(head)
    for r in rows:
        wb.active.append(r)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def csv_file(rows, head=HEAD, name="sources.csv", encoding="utf-8") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(head)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(encoding))


def run(actor, report, upload, dry_run=False):
    return report_lines_import(actor=actor, report=report, uploaded_file=upload, dry_run=dry_run)


def lines_of(report) -> list[tuple]:
    return list(report.lines.order_by("pk").values_list("pk", *SNAPSHOT_FIELDS))


# The template


def test_the_template_downloads_for_the_filer_named_for_the_report(client_for, carol, report):
    response = client_for(carol).get(reverse(TEMPLATE, args=[report.pk]))
    assert response.status_code == 200
    assert report.reference in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["Sources", "Reference"]
    assert wb["Sources"]["A1"].value == "设施编码\nfacility code"


def test_the_template_is_404_for_another_units_user(client_for, erin, report):
    assert client_for(erin).get(reverse(TEMPLATE, args=[report.pk])).status_code == 404


def test_the_template_does_not_copy_the_reports_lines(client_for, carol, unit, report):
    add_electricity(carol, report, facility(unit))
    wb = load_workbook(io.BytesIO(client_for(carol).get(reverse(TEMPLATE, args=[report.pk])).content))
    assert wb["Sources"].max_row == 1


def test_the_reference_sheet_lists_active_facilities_and_the_factors_of_the_year(client_for, carol, unit, report):
    FacilityFactory(organisation=unit, code="OLD", is_active=False)
    wb = load_workbook(io.BytesIO(client_for(carol).get(reverse(TEMPLATE, args=[report.pk])).content))
    values = {cell.value for r in wb["Reference"].iter_rows() for cell in r}
    assert "F1" in values and "OLD" not in values
    assert "sh_grid_electricity" in values
    assert "national_grid_electricity" not in values  # valid only in 2021 and 2022
    assert "MWh, kWh, 10⁴ kWh" in values


def test_a_filled_in_template_imports(client_for, carol, report):
    wb = load_workbook(io.BytesIO(client_for(carol).get(reverse(TEMPLATE, args=[report.pk])).content))
    wb["Sources"].append(["F1", "Purchased electricity", "Grid supply", "sh_grid_electricity", 10000, "MWh", "no"])
    wb["Sources"].append(["F1", "Purchased heat", "Steam", "sh_purchased_heat", 500, "GJ", ""])
    out = io.BytesIO()
    wb.save(out)
    result = run(carol, report, SimpleUploadedFile("filled.xlsx", out.getvalue()))
    assert result.ok, [str(e) for e in result.errors]
    assert sorted(report.lines.values_list("reported_tco2e", flat=True)) == [Decimal("30.000"), Decimal("4200.000")]


# Dry run and import


def test_a_dry_run_calculates_but_saves_nothing(carol, report):
    result = run(carol, report, xlsx([row()]), dry_run=True)
    assert result.ok and result.rows[0].line.reported_tco2e == Decimal("4200.000")
    assert result.totals.total_tco2e == Decimal("4200.000")
    assert not report.lines.exists()
    assert not AuditEntry.objects.filter(verb="report.import").exists()


def test_10000_mwh_of_grid_electricity_in_2026_imports_as_4200_tonnes(carol, report):
    run(carol, report, xlsx([row()]))
    assert report.lines.get().reported_tco2e == Decimal("4200.000")


@pytest.mark.parametrize(
    "fields",
    [
        {"category": "purchased_electricity", "factor_code": "sh_grid_electricity", "amount": "1234567", "unit": "kwh"},
        {"category": "fuel_combustion", "factor_code": "natural_gas", "amount": "250000", "unit": "nm3"},
        {"category": "fuel_combustion", "factor_code": "raw_coal", "amount": "12.5", "unit": "t", "biomass": True},
        {"category": "purchased_heat", "factor_code": "sh_purchased_heat", "amount": "98765", "unit": "mj"},
        {"category": "non_co2", "factor_code": "gwp_ch4_sar", "amount": "3.2", "unit": "t"},
    ],
)
def test_an_imported_line_is_the_line_the_form_would_save(carol, unit, report, fields):
    biomass = fields.get("biomass", False)
    kwargs = {"category": fields["category"], "factor_code": fields["factor_code"], "activity_unit": fields["unit"]}
    services.report_line_add(
        actor=carol,
        report=report,
        facility=facility(unit),
        activity_amount=fields["amount"],
        source_description="Source",
        is_biomass=biomass,
        **kwargs,
    )
    cells = {"category": fields["category"], "source": "Source", "factor": fields["factor_code"]}
    cells |= {"amount": fields["amount"], "unit": fields["unit"], "biomass": "yes" if biomass else "no"}
    assert run(carol, report, xlsx([row(**cells)])).ok
    form_line, imported = report.lines.order_by("pk")
    assert [getattr(imported, f) for f in SNAPSHOT_FIELDS] == [getattr(form_line, f) for f in SNAPSHOT_FIELDS]


def test_an_import_adds_to_the_lines_already_on_the_report(carol, unit, report):
    add_electricity(carol, report, facility(unit))
    run(carol, report, xlsx([row(), row(amount="5000")]))
    assert report.lines.count() == 3


def test_an_import_writes_one_audit_record_with_the_count_and_digest(carol, report):
    result = run(carol, report, xlsx([row(), row(amount="1")]))
    entry = AuditEntry.objects.get(verb="report.import")
    assert entry.data["count"] == 2 and entry.data["sha256"] == result.file_sha256
    assert not AuditEntry.objects.filter(verb="report.line_add").exists()


def test_chinese_headings_and_values_in_a_gb18030_csv_import(carol, report):
    upload = csv_file(
        [row(category="外购电力", source="外购电力（总表）", amount="1000", unit="万kWh", biomass="否")],
        head=HEAD_ZH,
        encoding="gb18030",
    )
    assert run(carol, report, upload).ok
    line = report.lines.get()
    assert line.reported_tco2e == Decimal("4200.000") and line.source_description == "外购电力（总表）"


@pytest.mark.parametrize("unit_cell", ["MWh", "mwh", "兆瓦时", "10⁴ kWh", "万kWh", "kWh"])
def test_units_are_accepted_by_code_or_label(carol, report, unit_cell):
    assert run(carol, report, xlsx([row(unit=unit_cell)]), dry_run=True).ok


@pytest.mark.parametrize("cell", ["是", "yes", "Y", "TRUE"])
def test_biomass_is_yes_in_either_language(carol, report, cell):
    result = run(carol, report, xlsx([row(category="燃料燃烧", factor="raw_coal", unit="吨", biomass=cell)]), True)
    assert result.rows[0].line.is_biomass
    assert result.totals.total_tco2e == 0 and result.totals.biomass_tco2 > 0


# Bad rows: a row-numbered error, nothing saved, the report's lines unchanged


@pytest.mark.parametrize(
    ("cells", "heading", "message"),
    [
        ({"amount": "-5"}, "activity amount", "Activity data cannot be negative."),
        ({"amount": "lots"}, "activity amount", "Activity data must be a number."),
        ({"unit": "GJ"}, "unit", "Activity data in GJ does not fit a factor expressed per MWh."),
        ({"unit": "furlongs"}, "unit", "furlongs is not a unit of activity data."),
        ({"facility": "F9"}, "facility code", "F9 is not a facility of"),
        ({"factor": "national_grid_electricity"}, "factor code", "No emission factor for national_grid_electricity"),
        ({"category": "purchased_heat"}, "factor code", "is a factor for Purchased electricity, not for"),
        ({"biomass": "是"}, "biomass (yes/no)", "Only a fuel can be biomass."),
        ({"amount": ""}, "activity amount", "Enter the activity data."),
    ],
)
def test_a_bad_row_is_refused_with_its_row_number_and_nothing_is_saved(carol, unit, report, cells, heading, message):
    add_electricity(carol, report, facility(unit))
    before = lines_of(report)
    result = run(carol, report, xlsx([row(), row(**cells), row()]))
    assert not result.ok and len(result.errors) == 1
    error = result.errors[0]
    assert (error.row, error.column) == (3, heading) and message in error.message
    assert str(error).startswith(f"Row 3, {heading}: ")
    assert lines_of(report) == before
    assert not AuditEntry.objects.filter(verb="report.import").exists()


def test_a_factor_of_another_year_says_which_years_it_applies_to(carol, report):
    result = run(carol, report, xlsx([row(factor="national_grid_electricity")]), dry_run=True)
    assert result.errors[0].message == (
        "No emission factor for national_grid_electricity is valid in 2026. That factor applies to 2021, 2022."
    )


def test_a_facility_not_in_operation_is_refused(carol, unit, report):
    FacilityFactory(organisation=unit, code="OLD", is_active=False)
    result = run(carol, report, xlsx([row(facility="OLD")]), dry_run=True)
    assert result.errors[0].message == "Facility OLD is not in operation."


def test_errors_name_the_column_as_the_file_heads_it(carol, report):
    result = run(carol, report, csv_file([row(amount="-1")], head=HEAD_ZH), dry_run=True)
    assert result.errors[0].column == "活动数据"


def test_every_bad_row_is_listed(carol, report):
    result = run(carol, report, xlsx([row(amount="-1"), row(), row(unit="kg"), row(facility="X", amount="x")]))
    assert [e.row for e in result.errors] == [2, 4, 5, 5]


# Bad files


def test_a_renamed_executable_is_refused(carol, report):
    exe = SimpleUploadedFile("sources.xlsx", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200)
    with pytest.raises(ValidationError) as exc:
        run(carol, report, exe)
    assert exc.value.code == "content_mismatch"


def test_a_zip_bomb_is_refused(carol, report):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (60 * 1024 * 1024))
    with pytest.raises(ValidationError) as exc:
        run(carol, report, SimpleUploadedFile("sources.xlsx", out.getvalue()))
    assert exc.value.code == "zip_size"
    assert not report.lines.exists()


def test_a_file_over_the_row_limit_is_refused(carol, report):
    with pytest.raises(ValidationError) as exc:
        run(carol, report, csv_file([row()] * (MAX_ROWS + 1)), dry_run=True)
    assert exc.value.code == "too_many_rows"


def test_a_file_without_a_required_column_is_refused(carol, report):
    with pytest.raises(ValidationError) as exc:
        run(carol, report, xlsx([row()[:5]], head=HEAD[:5]))
    assert "Missing required columns: 单位 (unit)." in exc.value.messages[0]


# Who may import, and when


def test_a_submitted_report_is_refused(carol, unit, report):
    add_electricity(carol, report, facility(unit))
    submit(carol, report)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        run(carol, report, xlsx([row()]))
    assert report.lines.count() == 1


def test_an_agency_without_a_grant_is_refused(dave, report):
    with pytest.raises(PermissionDenied):
        run(dave, report, xlsx([row()]), dry_run=True)


def test_an_agency_with_a_grant_imports_and_is_recorded_as_the_compiler(carol, dave, unit, report):
    agency = Organisation.objects.get(memberships__user=dave)
    compilation_grant(actor=carol, organisation=unit, agency=agency, year=report.year)
    assert run(dave, report, xlsx([row()])).ok
    report.refresh_from_db()
    assert report.lines.count() == 1 and report.compiled_by_agency == agency


def test_another_units_staff_are_refused(erin, report):
    with pytest.raises(PermissionDenied):
        run(erin, report, xlsx([row()]), dry_run=True)


# Queries do not grow with rows


def selects(actor, report, rows) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert run(actor, report, xlsx([row(amount=str(n + 1)) for n in range(rows)])).ok
    return sum(1 for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT"))


def test_ten_and_fifty_rows_take_the_same_number_of_selects(carol, report):
    run(carol, report, xlsx([row()]))  # warms the content-type cache the audit record uses
    assert selects(carol, report, 10) == selects(carol, report, 50)


# Pages


def test_the_import_page_is_404_for_another_units_user(client_for, erin, report):
    assert client_for(erin).get(reverse(PAGE, args=[report.pk])).status_code == 404


def test_the_bureau_cannot_import_into_a_units_report(client_for, alice, report):
    assert client_for(alice).get(reverse(PAGE, args=[report.pk])).status_code == 403


def test_the_report_page_links_to_the_import_and_the_template(client_for, carol, report):
    page = client_for(carol).get(reverse("reporting:report_detail", args=[report.pk])).content.decode()
    assert reverse(PAGE, args=[report.pk]) in page and reverse(TEMPLATE, args=[report.pk]) in page


def test_a_dry_run_on_the_page_previews_then_import_saves_the_checked_file(client_for, carol, report):
    client = client_for(carol)
    url = reverse(PAGE, args=[report.pk])
    response = client.post(url, {"file": xlsx([row(), row(amount="1000")]), "mode": "check"})
    assert response.status_code == 200 and not report.lines.exists()
    assert "<strong>4,620.000</strong>" in response.content.decode()
    response = client.post(url, {"action": "confirm", "sha256": response.context["pending_sha256"]})
    assert response.status_code == 302 and report.lines.count() == 2


def test_errors_on_the_page_carry_row_numbers_and_save_nothing(client_for, carol, report):
    response = client_for(carol).post(
        reverse(PAGE, args=[report.pk]), {"file": xlsx([row(), row(amount="-3")]), "mode": "import"}
    )
    assert "Row 3, activity amount: Activity data cannot be negative." in response.content.decode()
    assert not report.lines.exists()


def test_a_submitted_report_has_no_import_page(client_for, carol, unit, report):
    add_electricity(carol, report, facility(unit))
    submit(carol, report)
    response = client_for(carol).get(reverse(PAGE, args=[report.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("reporting:report_detail", args=[report.pk])


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_drop_down_value_of_the_template_is_accepted(carol, report, language):
    with translation.override(language):
        wb = load_workbook(io.BytesIO(template_xlsx(report)))
    reference, lookups = wb["Reference"], Lookups.load(report)
    for validation in wb["Sources"].data_validations.dataValidation:
        if not validation.formula1.startswith("'Reference'!"):
            continue
        cells = reference[validation.formula1.split("!")[1].replace("$", "")]
        values = [c.value for (c,) in cells]
        assert values
        for value in values:
            assert (
                fold(value) in lookups.units
                or fold(value) in lookups.categories
                or fold(value) in lookups.factors
                or value in lookups.facilities
            ), value
