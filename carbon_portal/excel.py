"""Tables people download: CSV that Excel opens in Chinese, and XLSX, both safe to open.

Every app that offers a download or a spreadsheet template writes it through here, so the
two rules below hold everywhere:
- CSV is UTF-8 with a byte-order mark: without it Excel on a Chinese Windows reads GBK and
  shows 上海 as mojibake.
- No cell is ever a formula. A text value beginning with = + - @ (or a tab or carriage
  return, which Excel strips before looking) is prefixed with a single quote (OWASP "CSV
  injection"), because a unit's name is typed by the public and opened by bureau staff.

Rows are consumed lazily: pass a generator over `queryset.iterator()` and 10,000 rows never sit
in memory as model instances. CSV streams to the client as it is written; XLSX is written by
openpyxl's write-only workbook to a spooled temporary file and then sent.
"""

import csv
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

FORMATS = ("csv", "xlsx")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SPOOL_BYTES = 4 * 1024 * 1024

Cell = str | int | Decimal | float | date | datetime | None


def safe_text(value: str) -> str:
    """'=1+1' -> "'=1+1": the spreadsheet shows the text instead of running it."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def plain(value) -> Cell:
    """Numbers and dates stay typed (they cannot hold a formula); everything else becomes safe text."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, int | Decimal | float | date):
        return value
    return safe_text(str(value))


class _Echo:
    """A file-like object whose write() hands the line back, so csv.writer can stream."""

    def write(self, value: str) -> str:
        return value


def csv_lines(headers: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow([safe_text(str(h)) for h in headers])
    for row in rows:
        yield writer.writerow([_csv_cell(plain(v)) for v in row])


def _csv_cell(value: Cell) -> str:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in csv_lines(headers, rows)), content_type=CSV_CONTENT_TYPE
    )
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def write_xlsx(file, headers: Sequence[str], rows: Iterable[Sequence], *, sheet_title: str = "Sheet1") -> None:
    """Write a one-sheet workbook to a binary file object (write-only mode: constant memory)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=_sheet_title(sheet_title))
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=safe_text(str(h)))
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    for row in rows:
        ws.append([_xlsx_cell(plain(v)) for v in row])
    wb.save(file)


def _xlsx_cell(value: Cell) -> Cell:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones; the portal's local time is shown
    return value


def _sheet_title(title: str) -> str:
    # Excel refuses these characters and titles over 31 characters.
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title).strip()
    return (cleaned or "Sheet1")[:31]


def xlsx_response(
    filename: str, headers: Sequence[str], rows: Iterable[Sequence], *, sheet_title: str = "Sheet1"
) -> FileResponse:
    spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # FileResponse closes it
    write_xlsx(spool, headers, rows, sheet_title=sheet_title)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def table_response(fmt: str, filename_stem: str, headers: Sequence[str], rows: Iterable[Sequence], **kwargs):
    """The download in `fmt` (one of FORMATS); callers answer 404 for any other format first."""
    if fmt == "csv":
        return csv_response(f"{filename_stem}.csv", headers, rows)
    if fmt == "xlsx":
        return xlsx_response(f"{filename_stem}.xlsx", headers, rows, **kwargs)
    raise ValueError(f"unknown table format {fmt!r}")
