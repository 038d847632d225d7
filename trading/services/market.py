"""Art. 31: the exchange's daily figures, imported from its CSV or XLSX file and then published.

Every row is checked first (trading.forms_market.bind_row); one bad row saves nothing. A dry run
shows what the file would add and what it would correct (old -> new). A day already on record is
changed only when the user confirms the corrections; it then names the import that last set it,
and the old figures stay in the audit entry. A file already imported (same SHA-256) is recognised,
and a file that adds or changes nothing is refused as having nothing to import.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carbon_portal import audit
from carbon_portal.files import check_upload
from carbon_portal.sheet_import import RowError, check_shape, map_columns, read_grid

from ..forms_market import COLUMN_BY_FIELD, COLUMNS, MAX_ROWS, BoundRow, bind_row, heading
from ..models import MarketDay, MarketImport
from ..permissions import require_market_importer

FIGURES = ("open_yuan", "high_yuan", "low_yuan", "close_yuan", "volume_t", "turnover_yuan")
NEW, CORRECTION, SAME = "new", "correction", "same"


@dataclass
class Change:
    field: str
    old: object
    new: object

    @property
    def label(self) -> str:
        return COLUMN_BY_FIELD[self.field].heading


@dataclass
class ImportRow:
    """A row of the file and what importing it would do to the figures on record."""

    bound: BoundRow
    status: str = NEW
    changes: list[Change] = field(default_factory=list)
    current_source: MarketImport | None = None  # the import that set the day on record

    @property
    def row(self) -> int:
        return self.bound.row

    @property
    def values(self) -> dict:
        return self.bound.values


@dataclass
class ImportResult:
    file_name: str
    file_sha256: str
    dry_run: bool
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    previous: MarketImport | None = None  # this very file, imported before
    record: MarketImport | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def _count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def new(self) -> list[ImportRow]:
        return [r for r in self.rows if r.status == NEW]

    @property
    def corrections(self) -> list[ImportRow]:
        return [r for r in self.rows if r.status == CORRECTION]

    @property
    def unchanged_count(self) -> int:
        return self._count(SAME)

    @property
    def flagged(self) -> list[ImportRow]:
        return [r for r in self.rows if r.bound.warnings]


@transaction.atomic
def market_import(*, actor, uploaded_file, dry_run: bool, apply_corrections: bool = False) -> ImportResult:
    """Adds every new day of the file, and corrects the days on record only if `apply_corrections`;
    all or nothing. File-level problems (type, size, headings) raise ValidationError; row problems
    come back in ImportResult.errors with their row numbers."""
    require_market_importer(actor)
    upload = check_upload(uploaded_file, allowed=("csv", "xlsx"))
    grid = read_grid(upload, max_rows=MAX_ROWS)
    columns = map_columns(grid[0] if grid else [], COLUMNS)
    check_shape(grid, columns, upload.name, max_rows=MAX_ROWS)
    result = ImportResult(file_name=upload.name, file_sha256=upload.sha256, dry_run=dry_run)
    result.previous = MarketImport.objects.filter(sha256=upload.sha256).select_related("uploaded_by").first()
    bound = _bind(grid, columns, result.errors)
    if result.errors:
        return result
    result.rows = _compare(bound)
    _check_something_to_do(result, apply_corrections)
    if result.errors or dry_run:
        return result
    _save(actor, result, upload)
    return result


def _bind(grid, columns, errors: list[RowError]) -> list[BoundRow]:
    today = timezone.localdate()
    rows, first_seen = [], {}
    for number, cells in enumerate(grid[1:], start=2):
        if not any(cells):
            continue  # blank lines are skipped, but still counted so row numbers match the sheet
        row, row_errors = bind_row(number, cells, columns, today=today)
        errors.extend(row_errors)
        if row is None:
            continue
        if row.key in first_seen:
            message = _("%(product)s on %(day)s is already in row %(first)s of this file.") % {
                "product": row.key[1],
                "day": row.key[0].isoformat(),
                "first": first_seen[row.key],
            }
            errors.append(RowError(number, heading(columns, "trade_date"), message, "duplicate_in_file"))
            continue
        first_seen[row.key] = number
        rows.append(row)
    return rows


def _compare(bound: list[BoundRow]) -> list[ImportRow]:
    """One query for the days on record that the file names."""
    days = {d for d, _p in (r.key for r in bound)}
    products = {p for _d, p in (r.key for r in bound)}
    on_record = {
        (day.trade_date, day.product): day
        for day in MarketDay.objects.filter(trade_date__in=days, product__in=products).select_related("source")
    }
    rows = []
    for b in bound:
        current = on_record.get(b.key)
        if current is None:
            rows.append(ImportRow(b))
            continue
        changes = [
            Change(name, getattr(current, name), b.values[name])
            for name in FIGURES
            if getattr(current, name) != b.values[name]
        ]
        rows.append(ImportRow(b, CORRECTION if changes else SAME, changes, current.source))
    return rows


def _check_something_to_do(result: ImportResult, apply_corrections: bool) -> None:
    new, corrections = result.new, result.corrections
    if not new and not corrections:
        if result.previous:
            message = _("This file was already imported on %(at)s by %(who)s: every day in it is on record as it says.")
            message %= {
                "at": timezone.localtime(result.previous.uploaded_at).strftime("%Y-%m-%d %H:%M"),
                "who": result.previous.uploaded_by,
            }
        else:
            message = _("Nothing to import: every day in this file is already on record with the same figures.")
        result.errors.append(RowError(None, "", message, "nothing_to_import"))
    elif corrections and not apply_corrections and not result.dry_run:
        message = ngettext(
            "This file would correct %(n)s day already on record (row %(rows)s). Check the correction and confirm it to import the file.",
            "This file would correct %(n)s days already on record (rows %(rows)s). Check the corrections and confirm them to import the file.",
            len(corrections),
        ) % {"n": len(corrections), "rows": ", ".join(str(r.row) for r in corrections[:20])}
        result.errors.append(RowError(None, "", message, "corrections_not_confirmed"))


def _save(actor, result: ImportResult, upload) -> None:
    new, corrections = result.new, result.corrections
    record = MarketImport.objects.create(
        file_name=upload.name,
        sha256=upload.sha256,
        rows=len(result.rows),
        created_days=len(new),
        updated_days=len(corrections),
        uploaded_by=actor,
    )
    try:
        with transaction.atomic():  # a savepoint: a day added meanwhile by another import
            MarketDay.objects.bulk_create([MarketDay(source=record, **r.values) for r in new], batch_size=2000)
    except IntegrityError:
        result.errors.append(
            RowError(None, "", _("Another import added some of these days meanwhile. Check the file again."), "race")
        )
        transaction.set_rollback(True)
        return
    _apply_corrections(record, corrections)
    result.record = record
    audit.record(
        actor=actor,
        verb="market.import",
        target=record,
        data={
            "file": upload.name,
            "format": upload.kind,
            "sha256": upload.sha256,
            "rows": len(result.rows),
            "created_days": len(new),
            "updated_days": len(corrections),
            "flagged_rows": [r.row for r in result.flagged],
            # The figures replaced: the day itself keeps only the newest.
            "corrections": [
                {
                    "day": r.values["trade_date"].isoformat(),
                    "product": r.values["product"],
                    "previous_import": r.current_source.pk if r.current_source else None,
                    "changes": {c.field: [_plain(c.old), _plain(c.new)] for c in r.changes},
                }
                for r in corrections
            ],
        },
    )


def _apply_corrections(record: MarketImport, corrections: list[ImportRow]) -> None:
    if not corrections:
        return
    keys = [(r.values["trade_date"], r.values["product"]) for r in corrections]
    by_key = {
        (d.trade_date, d.product): d
        for d in MarketDay.objects.select_for_update().filter(
            trade_date__in={k[0] for k in keys}, product__in={k[1] for k in keys}
        )
    }
    changed = []
    for r in corrections:
        day = by_key[(r.values["trade_date"], r.values["product"])]
        for name in FIGURES:
            setattr(day, name, r.values[name])
        day.source = record
        changed.append(day)
    MarketDay.objects.bulk_update(changed, [*FIGURES, "source"], batch_size=2000)


def _plain(value):
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def market_template_headings() -> list[str]:
    """The template's headings, in both languages, as map_columns reads them back."""
    return [f"{c.zh}\n{c.en}" for c in COLUMNS]
