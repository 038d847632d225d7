"""Bulk registration of organisations from a spreadsheet (Art. 9; GB 32100-2015 codes).

The netbox pattern: every row is bound to the same OrganisationForm the single-record page
uses, so a rule is written once; errors carry the row number the user sees (headings are
row 1); and the rows are saved all together or not at all.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from carbon_portal import audit
from carbon_portal.files import CheckedUpload, check_upload
from carbon_portal.permissions import require_bureau
from carbon_portal.sheet_import import Column, RowError, check_shape, choice_aliases, fold, map_columns, read_grid

from .choices import District, OrganisationType
from .forms import OrganisationForm
from .models import Industry
from .services import organisation_create
from .validators import normalise_uscc

# Measured on the dev box (SQLite): 20,000 rows took ~30 s to check and ~45 s more to save,
# too long for one web request; 5,000 stays well inside a request timeout. Bigger loads are
# split into several files (or, later, run as a background job).
MAX_ROWS = 5_000
# The template's example row carries a real-looking code; importing it unchanged is refused.
TEMPLATE_EXAMPLE_USCC = "91310116MA1EX00018"

COLUMNS = (
    Column("uscc", "统一社会信用代码", "uscc", True, ("unified social credit code", "credit code", "信用代码")),
    Column("name_zh", "单位名称", "name_zh", True, ("name (Chinese)", "Chinese name", "中文名称", "名称")),
    Column("name_en", "英文名称", "name_en", False, ("name (English)", "English name")),
    Column("org_type", "单位类型", "org_type", True, ("type", "organisation type", "organization type", "类型")),
    Column("industry", "行业代码", "industry", False, ("industry code", "行业")),
    Column("district", "所在区", "district", True, ("所在区县", "区", "区县")),
    Column("address", "地址", "address", False, ("详细地址", "注册地址")),
)
COLUMN_BY_FIELD = {c.field: c for c in COLUMNS}

# Chinese names accepted in cells whatever the translation catalogue says.
DISTRICT_ZH = {
    "huangpu": "黄浦区",
    "xuhui": "徐汇区",
    "changning": "长宁区",
    "jingan": "静安区",
    "putuo": "普陀区",
    "hongkou": "虹口区",
    "yangpu": "杨浦区",
    "minhang": "闵行区",
    "baoshan": "宝山区",
    "jiading": "嘉定区",
    "pudong": "浦东新区",
    "jinshan": "金山区",
    "songjiang": "松江区",
    "qingpu": "青浦区",
    "fengxian": "奉贤区",
    "chongming": "崇明区",
}
ORG_TYPE_ZH = {
    "enterprise": ("企业",),
    "public_institution": ("公共机构", "事业单位"),
    "agency": ("技术服务机构", "第三方机构"),
    "bureau": ("政府部门",),
    "exchange": ("交易或登记机构", "交易机构", "登记机构"),
    "other": ("其他组织", "其他"),
}


@dataclass
class ImportRow:
    row: int
    data: dict  # the form's cleaned_data: what organisation_create receives

    @property
    def org_type_label(self) -> str:
        return OrganisationType(self.data["org_type"]).label

    @property
    def district_label(self) -> str:
        return District(self.data["district"]).label


@dataclass
class ImportResult:
    file_name: str
    file_sha256: str
    dry_run: bool
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    reference: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors


@transaction.atomic
def organisation_import(*, actor, uploaded_file, dry_run: bool) -> ImportResult:
    """Registers every row of a spreadsheet, or none: one bad row saves nothing (Art. 9).

    File-level problems (type, size, headings, row count) raise ValidationError; row problems
    come back in ImportResult.errors with their row numbers.
    """
    require_bureau(actor)
    upload = check_upload(uploaded_file, allowed=("csv", "xlsx"))
    grid = read_grid(upload, max_rows=MAX_ROWS)
    columns = map_columns(grid[0] if grid else [], COLUMNS)
    check_shape(grid, columns, upload.name, max_rows=MAX_ROWS)
    result = ImportResult(file_name=upload.name, file_sha256=upload.sha256, dry_run=dry_run)
    lookups = _Lookups.load()
    first_seen: dict[str, int] = {}
    for number, cells in enumerate(grid[1:], start=2):
        if not any(cells):
            continue  # blank lines are skipped, but still counted so row numbers match the sheet
        row, errors = _bind_row(number, cells, columns, lookups, first_seen)
        result.errors.extend(errors)
        if row is not None:
            result.rows.append(row)
    if result.errors or dry_run:
        return result
    _commit(actor, result, columns, upload)
    return result


def _commit(actor, result: ImportResult, columns, upload: CheckedUpload) -> None:
    for row in result.rows:
        try:
            organisation_create(actor=actor, **row.data)
        except (ValidationError, IntegrityError) as exc:
            # Only a concurrent change gets here (the form checked every row): undo them all.
            result.errors.extend(_save_errors(row.row, columns, exc))
            transaction.set_rollback(True)
            return
    result.created = len(result.rows)
    entry = audit.record(
        actor=actor,
        verb="organisation.import",
        target=actor,
        data={"count": result.created, "file": upload.name, "format": upload.kind, "sha256": upload.sha256},
    )
    result.reference = f"IMP-{entry.pk:06d}"


def _save_errors(number: int, columns, exc) -> list[RowError]:
    if isinstance(exc, IntegrityError):
        return [RowError(number, _heading(columns, "uscc"), _("This code was registered meanwhile."))]
    if not hasattr(exc, "error_dict"):
        return [RowError(number, "", m) for m in exc.messages]
    return [
        RowError(number, _heading(columns, name) if name in COLUMN_BY_FIELD else "", m)
        for name, messages in exc.message_dict.items()
        for m in messages
    ]


# Binding ----------------------------------------------------------------------------------


@dataclass
class _Lookups:
    industries: dict[str, int]
    org_types: dict[str, str]
    districts: dict[str, str]

    @classmethod
    def load(cls) -> "_Lookups":
        return cls(
            industries={code.upper(): pk for pk, code in Industry.objects.values_list("pk", "code")},
            org_types=choice_aliases(OrganisationType, ORG_TYPE_ZH),
            districts=choice_aliases(
                District,
                {k: (zh, zh.removesuffix("区").removesuffix("新"), f"{k} district") for k, zh in DISTRICT_ZH.items()},
            ),
        )


def _bind_row(number: int, cells: list[str], columns, lookups: _Lookups, first_seen: dict[str, int]):
    raw = {f: (cells[i] if i < len(cells) else "") for f, (i, _title) in columns.items()}
    data = {c.field: raw.get(c.field, "") for c in COLUMNS}
    own: dict[str, tuple[str, str]] = {}  # our clearer message replaces the form's for that field
    for name, table, message in (
        ("org_type", lookups.org_types, _("%(value)s is not a type of organisation this register knows.")),
        ("district", lookups.districts, _("%(value)s is not a district of Shanghai.")),
    ):
        if data[name]:
            value = table.get(fold(data[name]))
            if value is None:
                own[name] = (message % {"value": data[name]}, f"unknown_{name}")
            else:
                data[name] = value
    if data["industry"]:
        pk = lookups.industries.get(data["industry"].upper())
        if pk is None:
            own["industry"] = (
                _("%(value)s is not an industry code in the register.") % {"value": data["industry"]},
                "unknown_industry",
            )
        data["industry"] = pk or ""
    code = normalise_uscc(data["uscc"])
    if code == TEMPLATE_EXAMPLE_USCC:
        own["uscc"] = (_("This is the template's example row: replace it or delete it."), "example_row")
    form = OrganisationForm(data=data)
    form.is_valid()
    if "uscc" not in own and "uscc" not in form.errors and code in first_seen:
        own["uscc"] = (
            _("%(code)s is already in row %(first)s of this file.") % {"code": code, "first": first_seen[code]},
            "duplicate_in_file",
        )
    first_seen.setdefault(code, number)
    errors = _row_errors(number, columns, own, form)
    return (None if errors else ImportRow(row=number, data=form.cleaned_data)), errors


def _row_errors(number: int, columns, own, form) -> list[RowError]:
    errors = []
    form_errors = form.errors.as_data()
    for column in COLUMNS:
        heading = _heading(columns, column.field)
        if column.field in own:
            message, code = own[column.field]
            errors.append(RowError(number, heading, message, code))
            continue
        for error in form_errors.get(column.field, []):
            errors.extend(RowError(number, heading, m, error.code) for m in error.messages)
    for error in form_errors.get("__all__", []):
        errors.extend(RowError(number, "", m, error.code) for m in error.messages)
    return errors


def _heading(columns, name: str) -> str:
    return columns[name][1] if name in columns else COLUMN_BY_FIELD[name].heading
