"""Reading a spreadsheet for a bulk import, shared by every app that offers one (the netbox
pattern): columns known by Chinese or English headings, compared loosely; the first sheet or a
CSV read as text; errors that carry the row number the user sees (headings are row 1).

What a row means is the app's business: it binds the cells and saves all rows or none.
"""

import io
import re
from dataclasses import dataclass

import pandas as pd
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

from .files import CheckedUpload


@dataclass(frozen=True)
class Column:
    field: str
    zh: str
    en: str
    required: bool
    aliases: tuple[str, ...] = ()

    @property
    def heading(self) -> str:
        return self.zh if (translation.get_language() or "").startswith("zh") else self.en

    @property
    def names(self) -> tuple[str, ...]:
        # A template may head a column in both languages ("设施编码" above "facility code").
        return (self.field, self.zh, self.en, self.zh + self.en, *self.aliases)


@dataclass(frozen=True)
class RowError:
    row: int | None
    column: str
    message: str
    code: str | None = None

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.column:
            return _("Row %(row)s, %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


_FOLD = re.compile(r"[\s_\-*＊()（）'’:：]+")


def fold(text) -> str:
    """Headings and labels compare loosely: case, spaces, brackets and marks do not matter."""
    return _FOLD.sub("", str(text)).casefold()


def choice_aliases(choices, extra: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """A choice is found by its value, its English or Chinese label, or a known other name."""
    aliases = {}
    for value, label in choices.choices:
        names = {value, *extra.get(value, ())}
        for language in ("en", "zh-hans"):
            with translation.override(language):
                names.add(str(label))
        aliases.update({fold(n): value for n in names})
    return aliases


def read_grid(upload: CheckedUpload, *, max_rows: int) -> list[list[str]]:
    """Every row of the first sheet as stripped strings, headings first; at most max_rows + 1 data
    rows, so a longer file is refused by check_shape rather than cut short."""
    options = {"header": None, "dtype": str, "keep_default_na": False, "nrows": max_rows + 2}
    try:
        if upload.kind == "xlsx":
            frame = pd.read_excel(io.BytesIO(upload.content), sheet_name=0, engine="openpyxl", **options)
        else:
            # skip_blank_lines=False keeps row numbers equal to the spreadsheet's
            frame = pd.read_csv(io.StringIO(upload.text), skip_blank_lines=False, **options)
    except pd.errors.EmptyDataError:
        return []
    except pd.errors.ParserError as exc:
        found = re.search(r"line (\d+)", str(exc))
        if found:
            message = _("Row %(row)s has more cells than the heading row.") % {"row": found.group(1)}
        else:
            message = _("%(name)s could not be read as CSV.") % {"name": upload.name}
        raise ValidationError(message, code="csv_parse")
    except Exception:  # any parser failure on user input gets the same answer
        raise ValidationError(_("%(name)s could not be read.") % {"name": upload.name}, code="unreadable")
    return [[_cell(v) for v in values] for values in frame.itertuples(index=False, name=None)]


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and value != value):  # NaN from short rows
        return ""
    return str(value).strip()


def _col(index: int, title: str) -> dict:
    return {"letter": get_column_letter(index + 1), "title": title}


def map_columns(header: list[str], columns: tuple[Column, ...]) -> dict[str, tuple[int, str]]:
    """field -> (position, heading as written). Unknown or repeated headings are refused so a
    typo never drops a column silently."""
    by_alias = {fold(name): c for c in columns for name in c.names}
    mapped: dict[str, tuple[int, str]] = {}
    problems = []
    for index, title in enumerate(header):
        if not title:
            continue
        column = by_alias.get(fold(title))
        if column is None:
            problems.append(_("Column %(letter)s, %(title)s, is not a column this import knows.") % _col(index, title))
        elif column.field in mapped:
            problems.append(_("Column %(letter)s repeats the column %(title)s.") % _col(index, title))
        else:
            mapped[column.field] = (index, title)
    missing = [c for c in columns if c.required and c.field not in mapped]
    if missing:
        names = ", ".join(f"{c.zh} ({c.en})" for c in missing)
        problems.insert(
            0, _("Row 1 must name the columns. Missing required columns: %(columns)s.") % {"columns": names}
        )
    if problems:
        raise ValidationError([ValidationError(p, code="columns") for p in problems])
    return mapped


def check_shape(grid: list[list[str]], columns: dict[str, tuple[int, str]], name: str, *, max_rows: int) -> None:
    """Some data under the headings, no more rows than max_rows, no values under an empty heading."""
    data_rows = [cells for cells in grid[1:] if any(cells)]
    if not data_rows:
        raise ValidationError(_("%(name)s has no rows of data under the headings.") % {"name": name}, code="no_rows")
    if len(grid) - 1 > max_rows:
        raise ValidationError(
            _("%(name)s has more than %(max)s rows: split it into smaller files.") % {"name": name, "max": max_rows},
            code="too_many_rows",
        )
    used = {index for index, _title in columns.values()}
    for index in range(len(grid[0])):
        if index not in used and not grid[0][index] and any(len(r) > index and r[index] for r in data_rows):
            raise ValidationError(
                _("Column %(letter)s has values but no heading in row 1.") % {"letter": get_column_letter(index + 1)},
                code="unnamed_column",
            )
