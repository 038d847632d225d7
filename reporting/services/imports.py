"""Art. 16: a report's emission sources imported from a spreadsheet, every row or none."""

from django.core.exceptions import ValidationError
from django.db import transaction

from carbon_portal import audit
from carbon_portal.files import check_upload

from .. import selectors
from ..imports import ImportResult, ImportRow, bind_upload, line_errors
from ..models import AnnualReport, ReportLine
from ..permissions import require_compiler
from .reports import _line_for, _locked, _note_compiler, _require_editable

# The foreign keys point at rows this import has just read (the locked report, the unit's
# facilities, the factors in force), so checking that they exist would only add a query per row.
_CHECKED_BY_LOOKUP = ["report", "facility", "factor"]


@transaction.atomic
def report_lines_import(*, actor, report: AnnualReport, uploaded_file, dry_run: bool) -> ImportResult:
    """Art. 16; DOMAIN.md "Reporting": each row is calculated exactly as a source added on the form
    (activity x the factor valid in the report's year, frozen on the line). One bad row saves
    nothing, and lines already on the report stay as they are.

    File-level problems (type, size, zip bombs, headings, row count) raise ValidationError; row
    problems come back in ImportResult.errors with their row numbers.
    """
    report = _locked(report)
    require_compiler(actor, report.organisation_id, report.year)
    _require_editable(report)
    upload = check_upload(uploaded_file, allowed=("csv", "xlsx"))
    sheet = bind_upload(report, upload)
    result = ImportResult(file_name=upload.name, file_sha256=upload.sha256, dry_run=dry_run, errors=sheet.errors)
    for row in sheet.rows:
        try:
            line = _line_for(
                report,
                facility=row.facility,
                category=row.category,
                factor=row.factor,
                activity_amount=row.activity_amount,
                activity_unit=row.activity_unit,
                source_description=row.source_description,
                is_biomass=row.is_biomass,
            )
            line.full_clean(exclude=_CHECKED_BY_LOOKUP, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            result.errors.extend(line_errors(row.row, sheet.columns, exc))
        else:
            result.rows.append(ImportRow(row=row.row, line=line))
    result.errors.sort(key=lambda error: error.row or 0)
    result.totals = selectors.report_totals(report, [row.line for row in result.rows])
    if result.errors or dry_run:
        return result
    _note_compiler(report, actor)
    ReportLine.objects.bulk_create([row.line for row in result.rows])
    result.created = len(result.rows)
    audit.record(
        actor=actor,
        verb="report.import",
        target=report,
        data={
            "count": result.created,
            "file": upload.name,
            "format": upload.kind,
            "sha256": upload.sha256,
            "total_tco2e": str(result.totals.total_tco2e),
            "biomass_tco2": str(result.totals.biomass_tco2),
        },
    )
    return result
