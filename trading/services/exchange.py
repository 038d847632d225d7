"""Agreement transfers (协议转让) concluded on the exchange's platform (Art. 31) and reported by it:
the registry records each as a transfer between the two holding accounts (Art. 12), refused for
the accounts of persons who may not trade (Art. 32 para 2), through the same path as a holder's
own transfer (trading.services.acts._holding_transfer).

The exchange's trade reference identifies the trade: it is recorded once, whatever idempotency key
a request carries, kept in LedgerTransaction.reference as "SEEE:<reference>" and checked under the
chain's lock, after the replay of a retry (ledger.post's replay-first rule).

A day's file is recorded all or nothing: every row is posted in one transaction, and one refused
row (too little held, an account that may not trade, a reference already used...) rolls back
every row, with each problem's row number. The dry run posts the same way and always rolls back,
so its answer is exactly what recording would do.
"""

from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carbon_portal.files import check_upload
from carbon_portal.formatting import format_tonnes
from carbon_portal.notifications import notify
from carbon_portal.sheet_import import RowError, check_shape, map_columns, read_grid
from reporting.notices import staff_of

from ..forms_exchange import (
    COLUMN_BY_FIELD,
    COLUMNS,
    MAX_ROWS,
    BadCell,
    BoundTransfer,
    bind_row,
    check_trade_date,
    clean_reference,
    heading,
)
from ..models import Account, Instrument, LedgerTransaction
from ..permissions import require_exchange
from .acts import EXCHANGE_REFERENCE_PREFIX, _holding_transfer
from .ledger import Posted, _locked_tip

VERB = "ledger.transfer_reported"
MEMO = gettext_lazy("Agreement transfer %(reference)s concluded on %(day)s, reported by the exchange")
SUBJECT = gettext_lazy("Agreement transfer %(reference)s recorded")
BODY = gettext_lazy(
    "The exchange reported agreement transfer %(reference)s concluded on %(day)s: %(quantity)s t of "
    "%(instrument)s from account %(seller)s (%(seller_name)s) to account %(buyer)s (%(buyer_name)s). "
    "The registry recorded it as transaction %(code)s."
)


def ledger_reference(trade_reference: str) -> str:
    return f"{EXCHANGE_REFERENCE_PREFIX}{trade_reference}"


def file_key(trade_reference: str) -> str:
    """A file's row is keyed by its reference: the same file sent again is replayed, not recorded twice."""
    return f"seee-file-{trade_reference}"


@transaction.atomic
def transfer_reported(
    *,
    actor,
    from_account: Account,
    to_account: Account,
    instrument: Instrument,
    quantity_t,
    trade_reference: str,
    trade_date: date,
    idempotency_key: str,
) -> Posted:
    """Records an agreement transfer the exchange concluded (Art. 31, Art. 12); refused for accounts
    that may not trade (Art. 32 para 2) and for a trade reference already recorded."""
    exchanges = require_exchange(actor)
    reference, day = _clean_reference(trade_reference), _clean_day(trade_date)
    ledger_ref = ledger_reference(reference)

    def reference_unused() -> None:
        _locked_tip()  # a twin request waits here and then sees the first one's transaction
        earlier = LedgerTransaction.objects.filter(reference=ledger_ref).values_list("code", flat=True).first()
        if earlier:
            message = _(
                "Trade reference %(reference)s is already recorded, as transaction %(code)s: an agreement "
                "transfer is recorded once."
            )
            error = ValidationError(message % {"reference": reference, "code": earlier}, code="reference_used")
            raise ValidationError({"trade_reference": error})

    posted = _holding_transfer(
        actor=actor,
        from_account=from_account,
        to_account=to_account,
        instrument=instrument,
        quantity_t=quantity_t,
        idempotency_key=idempotency_key,
        memo=_memo(reference, day),
        reference=ledger_ref,
        checks=(reference_unused,),
        verb=VERB,
        audit_data={"trade_reference": reference, "trade_date": day.isoformat(), "exchanges": sorted(exchanges)},
    )
    if not posted.replayed:
        _notify(posted.transaction, from_account, to_account, instrument, reference, day)
    return posted


def _clean_reference(value) -> str:
    try:
        return clean_reference(str(value or ""))
    except BadCell as exc:
        raise ValidationError({"trade_reference": str(exc)}) from None


def _clean_day(value) -> date:
    if not isinstance(value, date):
        raise ValidationError({"trade_date": _("Enter the day the transfer was concluded.")})
    try:
        return check_trade_date(value, today=timezone.localdate())
    except BadCell as exc:
        raise ValidationError({"trade_date": str(exc)}) from None


def _memo(reference: str, day: date) -> str:
    """In both languages, and never in the caller's: the memo is part of the request a retry must
    repeat exactly (ledger.request_sha256), whichever language the retry is sent in."""
    texts = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            texts.append(str(MEMO) % {"reference": reference, "day": day.isoformat()})
    return " / ".join(dict.fromkeys(texts))[:300]


def _notify(tx: LedgerTransaction, seller: Account, buyer: Account, instrument, reference: str, day: date) -> None:
    """Both units' staff hear of it; each finds it on its own account page."""
    quantity = next(e.quantity_t for e in tx.entries.all() if e.quantity_t > 0)
    notify(
        recipients=[*staff_of(seller.holder_id), *staff_of(buyer.holder_id)],
        kind="trading.exchange_transfer",
        subject=SUBJECT,
        body=BODY,
        params={
            "reference": reference,
            "day": day.isoformat(),
            "quantity": format_tonnes(quantity),
            "instrument": instrument.code,
            "seller": seller.number,
            "seller_name": seller.holder.name_zh,
            "buyer": buyer.number,
            "buyer_name": buyer.holder.name_zh,
            "code": tx.code,
        },
        url=reverse("trading:account_home"),
    )


# -- a day's file of agreement transfers --

NEW, ON_RECORD = "new", "on_record"


@dataclass
class ImportRow:
    bound: BoundTransfer
    from_account: Account
    to_account: Account
    instrument: Instrument
    status: str = NEW
    code: str = ""  # the transaction, once recorded (or recorded by an earlier file)

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
    recorded: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def new(self) -> list[ImportRow]:
        return [r for r in self.rows if r.status == NEW]

    @property
    def on_record(self) -> list[ImportRow]:
        return [r for r in self.rows if r.status == ON_RECORD]


@transaction.atomic
def reported_transfers_import(*, actor, uploaded_file, dry_run: bool) -> ImportResult:
    """Records every agreement transfer of the file, or none. File-level problems (type, size,
    headings) raise ValidationError; row problems come back in ImportResult.errors."""
    require_exchange(actor)
    upload = check_upload(uploaded_file, allowed=("csv", "xlsx"))
    grid = read_grid(upload, max_rows=MAX_ROWS)
    columns = map_columns(grid[0] if grid else [], COLUMNS)
    check_shape(grid, columns, upload.name, max_rows=MAX_ROWS)
    result = ImportResult(file_name=upload.name, file_sha256=upload.sha256, dry_run=dry_run)
    bound = _bind(grid, columns, result.errors)
    rows = _resolve(bound, columns, result.errors)
    if result.errors:
        return result
    result.rows = rows
    _post_all(actor, result, columns)
    return result


def _bind(grid, columns, errors: list[RowError]) -> list[BoundTransfer]:
    today = timezone.localdate()
    rows, first_seen = [], {}
    for number, cells in enumerate(grid[1:], start=2):
        if not any(cells):
            continue  # skipped, but counted, so row numbers stay the sheet's
        row, row_errors = bind_row(number, cells, columns, today=today)
        errors.extend(row_errors)
        if row is None:
            continue
        reference = row.values["trade_reference"]
        if reference in first_seen:
            message = _("Trade reference %(reference)s is already in row %(first)s of this file.")
            message %= {"reference": reference, "first": first_seen[reference]}
            errors.append(RowError(number, heading(columns, "trade_reference"), message, "duplicate_in_file"))
            continue
        first_seen[reference] = number
        rows.append(row)
    return rows


def _resolve(bound: list[BoundTransfer], columns, errors: list[RowError]) -> list[ImportRow]:
    """The accounts and instruments the rows name, in two queries. An instrument is found by its
    code with or without the dash (SHEA2026 is SHEA-2026), as the exchange writes product codes."""
    numbers = {r.values[name] for r in bound for name in ("from_account", "to_account")}
    accounts = {a.number: a for a in Account.objects.filter(number__in=numbers).select_related("holder")}
    instruments = {}
    for instrument in Instrument.objects.all():
        instruments[instrument.code] = instruments[instrument.code.replace("-", "")] = instrument
    rows = []
    for b in bound:
        found = {name: accounts.get(b.values[name]) for name in ("from_account", "to_account")}
        found["instrument"] = instruments.get(b.values["instrument"]) or instruments.get(
            b.values["instrument"].replace("-", "")
        )
        missing = [name for name, value in found.items() if value is None]
        for name in missing:
            message = _("No instrument has this code.") if name == "instrument" else _("No account has this number.")
            errors.append(RowError(b.row, heading(columns, name), f"{b.values[name]}: {message}", "unknown"))
        if not missing:
            rows.append(ImportRow(b, found["from_account"], found["to_account"], found["instrument"]))
    return rows


def _post_all(actor, result: ImportResult, columns) -> None:
    with transaction.atomic():  # rolled back after a dry run, or when any row is refused
        for row in result.rows:
            try:
                with transaction.atomic():
                    posted = transfer_reported(
                        actor=actor,
                        from_account=row.from_account,
                        to_account=row.to_account,
                        instrument=row.instrument,
                        quantity_t=row.values["quantity_t"],
                        trade_reference=row.values["trade_reference"],
                        trade_date=row.values["trade_date"],
                        idempotency_key=file_key(row.values["trade_reference"]),
                    )
            except ValidationError as exc:
                result.errors.extend(_row_errors(row, exc, columns))
                continue
            row.status = ON_RECORD if posted.replayed else NEW
            row.code = posted.transaction.code
        if not result.errors and not result.new:
            message = _("Nothing to record: every transfer in this file is already on record.")
            result.errors.append(RowError(None, "", message, "nothing_to_import"))
        if result.errors or result.dry_run:
            transaction.set_rollback(True)
            for row in result.new:
                row.code = ""  # rolled back: no such transaction
        else:
            result.recorded = True


def _row_errors(row: ImportRow, exc: ValidationError, columns) -> list[RowError]:
    if getattr(exc, "error_list", None) and any(e.code == "idempotency_conflict" for e in exc.error_list):
        earlier = LedgerTransaction.objects.filter(idempotency_key=file_key(row.values["trade_reference"])).first()
        message = _(
            "Trade reference %(reference)s is already recorded with other details, as transaction %(code)s."
        ) % {"reference": row.values["trade_reference"], "code": earlier.code if earlier else "-"}
        return [RowError(row.row, heading(columns, "trade_reference"), message, "reference_used")]
    by_field = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list}
    errors = []
    for name, field_errors in by_field.items():
        where = heading(columns, name) if name in COLUMN_BY_FIELD else ""
        for error in field_errors:
            errors.append(RowError(row.row, where, " ".join(error.messages), error.code))
    return errors


def exchange_template_headings() -> list[str]:
    """The template's headings in both languages, as map_columns reads them back."""
    return [f"{c.zh}\n{c.en}" for c in COLUMNS]
