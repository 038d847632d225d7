"""The spreadsheet templates for the bulk import: its columns, one example row, and (in the
workbook) drop-down lists of the accepted types and districts plus a sheet of industry codes.

Every cell goes through `safe_text`, so a spreadsheet never runs one as a formula.
"""

import csv
import io

from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from carbon_portal.excel import safe_text

from .choices import District, OrganisationType
from .imports import COLUMNS, DISTRICT_ZH, MAX_ROWS, ORG_TYPE_ZH, TEMPLATE_EXAMPLE_USCC
from .models import Industry


def _chinese() -> bool:
    return (translation.get_language() or "").startswith("zh")


def template_rows() -> list[list[str]]:
    """Headings and one example row, in Chinese when the reader reads Chinese."""
    chinese = _chinese()
    example = {
        "uscc": TEMPLATE_EXAMPLE_USCC,
        "name_zh": "上海示例化工有限公司",
        "name_en": "Shanghai Example Chemical Co., Ltd.",
        "org_type": ORG_TYPE_ZH["enterprise"][0] if chinese else OrganisationType.ENTERPRISE.value,
        "industry": "C26",
        "district": DISTRICT_ZH["jinshan"] if chinese else District.JINSHAN.value,
        "address": "金山区示例路1号",
    }
    return [[c.heading for c in COLUMNS], [example[c.field] for c in COLUMNS]]


def template_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in template_rows():
        writer.writerow([safe_text(v) for v in row])
    return out.getvalue().encode("utf-8-sig")  # the BOM makes Excel read the Chinese correctly


def template_xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "organisations"
    for row in template_rows():
        ws.append([safe_text(v) for v in row])
    _format_columns(ws)
    _add_choice_lists(ws)
    _add_codes_sheet(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _format_columns(ws: Worksheet) -> None:
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = 24 if column.field != "address" else 36
        ws.column_dimensions[letter].number_format = "@"  # codes stay text, never 9.13E+17
        ws.cell(row=1, column=index).font = Font(bold=True)
    ws.freeze_panes = "A2"


def _add_choice_lists(ws: Worksheet) -> None:
    """Drop-downs for type and district; other accepted names still pass, with a warning."""
    chinese = _chinese()
    lists = {
        "org_type": [ORG_TYPE_ZH[v][0] for v in OrganisationType.values] if chinese else OrganisationType.values,
        "district": [DISTRICT_ZH[v] for v in District.values] if chinese else District.values,
    }
    for field_name, values in lists.items():
        index = [c.field for c in COLUMNS].index(field_name)
        validation = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
        validation.error = _("Choose a value from the list or type one of the accepted names.")
        validation.errorStyle = "warning"
        ws.add_data_validation(validation)
        letter = get_column_letter(index + 1)
        validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")


def _add_codes_sheet(wb: Workbook) -> None:
    codes = wb.create_sheet("codes")
    codes.append([safe_text(_("Industry code")), safe_text(_("Chinese name")), safe_text(_("English name"))])
    for industry in Industry.objects.order_by("code"):
        codes.append([safe_text(v) for v in (industry.code, industry.name_zh, industry.name_en)])
