"""The spreadsheet template made for one annual report: a "Sources" sheet to fill in, with
headings in Chinese and English and drop-down lists, and a "Reference" sheet with what the
cells may name: the unit's facilities in operation, the factors valid in the report's year with
the units their activity data may be entered in, the units and the kinds of source.

The report's existing lines are not copied in: an import adds lines. Every text cell goes
through `safe_text`, so a spreadsheet never runs one as a formula.
"""

import io

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from carbon_portal.excel import safe_text

from . import selectors
from .calculation import _CATEGORY
from .choices import ActivityUnit, EmissionCategory
from .imports import COLUMNS, MAX_ROWS, UNIT_ALIASES, factors_for_year
from .models import AnnualReport
from .units import units_accepted

SOURCES, REFERENCE = "Sources", "Reference"
FIRST_DATA_ROW = 3  # on the Reference sheet: row 1 names each table, row 2 its columns


def _chinese() -> bool:
    return (translation.get_language() or "").startswith("zh")


def _in(language: str, label) -> str:
    with translation.override(language):
        return str(label)


def template_xlsx(report: AnnualReport) -> bytes:
    wb = Workbook()
    sources = wb.active
    sources.title = SOURCES
    sources.append([safe_text(f"{c.zh}\n{c.en}") for c in COLUMNS])
    _format_sources(sources)
    reference = wb.create_sheet(REFERENCE)
    lists = _fill_reference(reference, report)
    _add_drop_downs(sources, lists)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _format_sources(ws: Worksheet) -> None:
    widths = {"facility": 16, "category": 22, "source_description": 36, "factor_code": 28, "is_biomass": 14}
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = widths.get(column.field, 16)
        if column.field in ("facility", "factor_code"):
            ws.column_dimensions[letter].number_format = "@"  # codes stay text: 001 is not 1
        cell = ws.cell(row=1, column=index)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "A2"


def _table(ws: Worksheet, first_column: int, title: str, headings: list[str], rows: list[list]) -> str:
    """Writes one table of the Reference sheet; returns the range of its first column's values."""
    ws.cell(row=1, column=first_column, value=safe_text(title)).font = Font(bold=True)
    for offset, text in enumerate(headings):
        ws.cell(row=2, column=first_column + offset, value=safe_text(text)).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(first_column + offset)].width = 18
    for number, values in enumerate(rows, start=FIRST_DATA_ROW):
        for offset, value in enumerate(values):
            ws.cell(row=number, column=first_column + offset, value=safe_text(str(value)))
    letter = get_column_letter(first_column)
    last = FIRST_DATA_ROW + len(rows) - 1
    return f"'{REFERENCE}'!${letter}${FIRST_DATA_ROW}:${letter}${last}" if rows else ""


def _fill_reference(ws: Worksheet, report: AnnualReport) -> dict[str, str]:
    """The tables side by side; returns the drop-down source range per Sources column."""
    facilities = report.organisation.facilities.filter(is_active=True).order_by("code")
    factors = sorted(factors_for_year(selectors.current_factors(), report.year).values(), key=lambda f: f.code)
    units = {value: label for value, label in ActivityUnit.choices}
    lists = {}
    lists["facility"] = _table(
        ws,
        1,
        _("Facilities of %(unit)s in operation") % {"unit": report.organisation.name},
        [_("Facility code"), _("Chinese name"), _("English name")],
        [[f.code, f.name_zh, f.name_en] for f in facilities],
    )
    lists["factor_code"] = _table(
        ws,
        5,
        _("Emission factors valid in %(year)s") % {"year": report.year},
        [_("Factor code"), _("Chinese name"), _("English name"), _("Kind of source"), _("Factor per"),
         _("Units accepted for the activity data"), _("Valid"), _("Version"), _("Source")],
        [
            [f.code, f.name_zh, f.name_en, EmissionCategory(_CATEGORY[f.kind]).label, units[f.activity_unit],
             ", ".join(str(units[u]) for u in units_accepted(f.activity_unit)), f.validity, f.version, f.source]
            for f in factors
        ],
    )  # fmt: skip
    lists["activity_unit"] = _table(
        ws,
        15,
        _("Units of activity data"),
        [_("Unit"), _("Code"), _("English"), _("Chinese"), _("Also accepted")],
        [
            [str(label), value, _in("en", label), _in("zh-hans", label),
             ", ".join(UNIT_ALIASES.get(value, ()))]
            for value, label in units.items()
        ],
    )  # fmt: skip
    lists["category"] = _table(
        ws,
        21,
        _("Kinds of source"),
        [_("Kind of source"), _("Code"), _("English"), _("Chinese")],
        [[str(label), value, _in("en", label), _in("zh-hans", label)] for value, label in EmissionCategory.choices],
    )
    _table(ws, 26, _("Biomass"), [_("Yes"), _("No")], [["是", "否"], ["yes", "no"]])
    ws.freeze_panes = "A3"
    return lists


def _add_drop_downs(ws: Worksheet, lists: dict[str, str]) -> None:
    """Lists from the Reference sheet; any other accepted spelling still passes, with a warning."""
    biomass = '"是,否"' if _chinese() else '"yes,no"'
    sources = {**lists, "is_biomass": biomass}
    for index, column in enumerate(COLUMNS, start=1):
        formula = sources.get(column.field)
        if not formula:
            continue
        validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True)
        validation.error = _("Choose a value from the list or type one of the accepted names.")
        validation.errorStyle = "warning"
        ws.add_data_validation(validation)
        letter = get_column_letter(index)
        validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
