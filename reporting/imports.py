"""Activity data from a spreadsheet (Art. 16): the columns, reading the file, and binding each row
to a facility of the unit, a kind of source, the factor valid in the report's year, an amount and
a unit. Nothing here writes; services/imports.py calculates every row and saves them all or none.

The organisation import's pattern (registry/imports.py): headings and names in Chinese or
English, compared loosely; errors carry the row number the user sees (headings are row 1).
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carbon_portal.files import CheckedUpload
from carbon_portal.sheet_import import Column, RowError, check_shape, choice_aliases, fold, map_columns, read_grid
from registry.models import Facility

from . import selectors
from .calculation import Totals
from .choices import ActivityUnit, EmissionCategory
from .models import AnnualReport, EmissionFactor, ReportLine
from .units import parse_activity

# A year's activity data is tens to a few hundred sources; 2,000 rows check and save well inside
# one web request.
MAX_ROWS = 2_000

COLUMNS = (
    Column("facility", "设施编码", "facility code", True, ("facility", "设施", "设施代码")),
    Column("category", "排放源类别", "kind of source", True, ("category", "kind", "source kind", "类别", "排放类别")),
    Column(
        "source_description",
        "排放源描述",
        "emission source description",
        True,
        ("emission source", "source", "description", "排放源", "描述"),
    ),
    Column("factor_code", "排放因子代码", "factor code", True, ("factor", "emission factor", "因子代码", "排放因子")),
    Column(
        "activity_amount", "活动数据", "activity amount", True, ("activity data", "amount", "活动水平", "活动数据量")
    ),
    Column("activity_unit", "单位", "unit", True, ("activity unit", "计量单位", "活动数据单位")),
    Column("is_biomass", "是否生物质", "biomass (yes/no)", False, ("biomass", "生物质", "生物质燃料")),
)
COLUMN_BY_FIELD = {c.field: c for c in COLUMNS}

# Chinese names accepted in cells whatever the translation catalogue says.
CATEGORY_ZH = {
    EmissionCategory.FUEL_COMBUSTION: ("燃料燃烧", "化石燃料燃烧"),
    EmissionCategory.PROCESS: ("过程排放", "工业生产过程排放", "工业生产过程"),
    EmissionCategory.PURCHASED_ELECTRICITY: ("外购电力", "净购入电力", "购入电力"),
    EmissionCategory.PURCHASED_HEAT: ("外购热力", "净购入热力", "购入热力"),
    EmissionCategory.NON_CO2: ("非二氧化碳温室气体", "其他温室气体"),
}
UNIT_ALIASES = {
    ActivityUnit.TONNE: ("吨", "tonne", "tonnes", "ton", "tons"),
    ActivityUnit.NM3_10K: ("万Nm3", "万Nm³", "万标立方米", "万立方米", "10^4 Nm3", "10⁴ Nm3", "10000 Nm3"),
    ActivityUnit.NM3: ("Nm3", "Nm³", "标立方米", "标准立方米"),
    ActivityUnit.MWH: ("兆瓦时",),
    ActivityUnit.KWH: ("千瓦时", "度"),
    ActivityUnit.KWH_10K: ("万kWh", "万千瓦时", "万度", "10^4 kWh", "10000 kWh"),
    ActivityUnit.GJ: ("吉焦",),
    ActivityUnit.MJ: ("兆焦",),
}
YES = frozenset({"yes", "y", "true", "1", "是", "√"})
NO = frozenset({"no", "n", "false", "0", "否", ""})


@dataclass
class BoundRow:
    """A row whose cells name things that exist; the service calculates it."""

    row: int
    facility: Facility
    category: str
    source_description: str
    factor: EmissionFactor
    activity_amount: str
    activity_unit: str
    is_biomass: bool


@dataclass
class ImportRow:
    row: int
    line: ReportLine  # calculated, not saved


@dataclass
class ImportResult:
    file_name: str
    file_sha256: str
    dry_run: bool
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    totals: Totals | None = None  # of the rows, as the report page would add them up
    created: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class SheetRows:
    """The file read and bound: rows ready to calculate, and the problems of the others."""

    columns: dict[str, tuple[int, str]]
    rows: list[BoundRow]
    errors: list[RowError]


def bind_upload(report: AnnualReport, upload: CheckedUpload) -> SheetRows:
    """File-level problems (headings, size) raise ValidationError; row problems are returned."""
    grid = read_grid(upload, max_rows=MAX_ROWS)
    columns = map_columns(grid[0] if grid else [], COLUMNS)
    check_shape(grid, columns, upload.name, max_rows=MAX_ROWS)
    lookups = Lookups.load(report)
    found = SheetRows(columns=columns, rows=[], errors=[])
    for number, cells in enumerate(grid[1:], start=2):
        if not any(cells):
            continue  # blank lines are skipped, but still counted so row numbers match the sheet
        row, errors = _bind_row(number, cells, columns, lookups)
        found.errors.extend(errors)
        if row is not None:
            found.rows.append(row)
    return found


def heading(columns, name: str) -> str:
    """The column's heading as the file wrote it, or in the reader's language if it is missing."""
    return columns[name][1] if name in columns else COLUMN_BY_FIELD[name].heading


def line_errors(number: int, columns, exc: ValidationError) -> list[RowError]:
    """A service's ValidationError on one row, each message under the column it concerns."""
    if not hasattr(exc, "error_dict"):
        return [RowError(number, "", m) for m in exc.messages]
    errors = []
    for name, messages in exc.message_dict.items():
        # Figures derived from the amount (converted activity, tonnes) overflow because of it.
        column = name if name in COLUMN_BY_FIELD else ("activity_amount" if name != "__all__" else "")
        errors.extend(RowError(number, heading(columns, column) if column else "", m) for m in messages)
    return errors


# Binding ----------------------------------------------------------------------------------


def factors_for_year(factors, year: int) -> dict[str, EmissionFactor]:
    """Per code, the version selectors.factor_for picks: current, valid in `year`, and of the
    latest period (an open start counts as the earliest). Done over one list, not per row."""
    chosen: dict[str, EmissionFactor] = {}
    for factor in factors:
        if factor.superseded_at is None and factor.covers(year):
            best = chosen.get(factor.code)
            if best is None or (factor.valid_from_year or 0) > (best.valid_from_year or 0):
                chosen[factor.code] = factor
    return chosen


@dataclass
class Lookups:
    """Everything a row may name, loaded once per file: rows add no queries."""

    report: AnnualReport
    facilities: dict[str, Facility]
    factors: dict[str, EmissionFactor]  # by folded code and by folded name when unambiguous
    other_years: dict[str, list[EmissionFactor]]  # folded code -> versions valid in other years
    categories: dict[str, str]
    units: dict[str, str]

    @classmethod
    def load(cls, report: AnnualReport) -> "Lookups":
        everything = list(selectors.current_factors())
        valid = factors_for_year(everything, report.year)
        factors = {fold(code): f for code, f in valid.items()}
        names: dict[str, set[str]] = {}
        for f in valid.values():
            for name in (f.name_zh, f.name_en):
                if name:
                    names.setdefault(fold(name), set()).add(f.code)
        for name, codes in names.items():
            if len(codes) == 1:
                factors.setdefault(name, valid[codes.pop()])
        other_years: dict[str, list[EmissionFactor]] = {}
        for f in everything:
            if f.code not in valid:
                other_years.setdefault(fold(f.code), []).append(f)
        return cls(
            report=report,
            facilities={f.code: f for f in Facility.objects.filter(organisation_id=report.organisation_id)},
            factors=factors,
            other_years=other_years,
            categories=choice_aliases(EmissionCategory, CATEGORY_ZH),
            units=choice_aliases(ActivityUnit, UNIT_ALIASES),
        )

    def facility(self, value: str) -> Facility | str:
        """The facility, or why not. Codes match exactly, else ignoring case when that is unambiguous."""
        found = self.facilities.get(value)
        if found is None:
            same = [f for code, f in self.facilities.items() if code.casefold() == value.casefold()]
            found = same[0] if len(same) == 1 else None
        if found is None:
            return _("%(value)s is not a facility of %(unit)s. The Reference sheet of the template lists them.") % {
                "value": value,
                "unit": self.report.organisation.name,
            }
        if not found.is_active:
            return _("Facility %(value)s is not in operation.") % {"value": value}
        return found

    def factor(self, value: str) -> EmissionFactor | str:
        found = self.factors.get(fold(value))
        if found is not None:
            return found
        # The words of selectors.factor_for, so the form and the import say the same.
        message = _("No emission factor for %(code)s is valid in %(year)s.") % {
            "code": value,
            "year": self.report.year,
        }
        elsewhere = self.other_years.get(fold(value))
        if elsewhere:
            years = ", ".join(f.validity for f in sorted(elsewhere, key=lambda f: f.valid_from_year or 0))
            message += " " + _("That factor applies to %(years)s.") % {"years": years}
        return message


_BLANK = {
    "facility": gettext_lazy("Enter the code of the facility."),
    "category": gettext_lazy("Enter the kind of emission source."),
    "source_description": gettext_lazy("Describe the emission source, e.g. boiler no. 2."),
    "factor_code": gettext_lazy("Enter the code of the emission factor."),
    "activity_amount": gettext_lazy("Enter the activity data."),
    "activity_unit": gettext_lazy("Enter the unit of the activity data."),
}


def _bind_row(number: int, cells: list[str], columns, lookups: Lookups) -> tuple[BoundRow | None, list[RowError]]:
    raw = {name: (cells[index] if index < len(cells) else "") for name, (index, _title) in columns.items()}
    raw = {c.field: raw.get(c.field, "") for c in COLUMNS}
    values: dict = {"source_description": raw["source_description"]}
    problems: dict[str, str] = {}
    for name, message in _BLANK.items():
        if not raw[name]:
            problems[name] = str(message)
    if "facility" not in problems:
        _take(values, problems, "facility", lookups.facility(raw["facility"]), Facility)
    if "factor_code" not in problems:
        _take(values, problems, "factor", lookups.factor(raw["factor_code"]), EmissionFactor, column="factor_code")
    for name, table, message in (
        ("category", lookups.categories, _("%(value)s is not a kind of emission source. Use one of those listed.")),
        ("activity_unit", lookups.units, _("%(value)s is not a unit of activity data. Use one of those listed.")),
    ):
        if name not in problems:
            found = table.get(fold(raw[name]))
            if found is None:
                problems[name] = message % {"value": raw[name]}
            values[name] = found
    if "activity_amount" not in problems:
        try:
            parse_activity(raw["activity_amount"])
        except ValidationError as exc:
            problems["activity_amount"] = exc.messages[0]
        values["activity_amount"] = raw["activity_amount"]
    biomass = fold(raw["is_biomass"])
    if biomass not in YES | NO:
        problems["is_biomass"] = _("Enter yes or no.")
    values["is_biomass"] = biomass in YES
    errors = [RowError(number, heading(columns, c.field), problems[c.field]) for c in COLUMNS if c.field in problems]
    return (None if errors else BoundRow(row=number, **values)), errors


def _take(values: dict, problems: dict, name: str, found, kind, *, column: str = "") -> None:
    if isinstance(found, kind):
        values[name] = found
    else:
        problems[column or name] = found
