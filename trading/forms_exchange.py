"""Forms of the exchange's pages, and the reading of one row of its daily file of agreement
transfers (协议转让). A row is bound here with the row number the user sees (headings are row 1);
trading.services.exchange finds the accounts and instruments and records every row or none.
Headings are known in Chinese or English (carbon_portal.sheet_import)."""

import re
from dataclasses import dataclass
from datetime import date

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carbon_portal.sheet_import import Column, RowError

from .forms_market import MARKET_OPENED, parse_date, parse_number
from .forms_market import _Bad as BadCell

# A day's agreement transfers are a few dozen rows; each row is one ledger posting (some 20 queries).
MAX_ROWS = 500
# "SEEE:" + the reference must fit LedgerTransaction.reference (100 characters).
REFERENCE_MAX = 64
_REFERENCE = re.compile(r"^[A-Z0-9][A-Z0-9._/-]*$")
_ACCOUNT = re.compile(r"^[A-Z0-9-]{1,32}$")
_INSTRUMENT = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")

COLUMNS = (
    Column(
        "trade_reference",
        "成交编号",
        "trade reference",
        True,
        ("成交单号", "协议编号", "交易编号", "reference", "trade no", "trade number"),
    ),
    Column("trade_date", "成交日期", "trade date", True, ("交易日期", "日期", "date")),
    Column("from_account", "卖方账户", "seller account", True, ("卖方", "转出账户", "seller", "from account")),
    Column("to_account", "买方账户", "buyer account", True, ("买方", "转入账户", "buyer", "to account")),
    Column("instrument", "品种", "instrument", True, ("配额品种", "交易品种", "产品", "product")),
    Column("quantity_t", "数量(吨)", "quantity (t)", True, ("数量", "成交数量", "成交数量(吨)", "quantity")),
)
COLUMN_BY_FIELD = {c.field: c for c in COLUMNS}


def clean_reference(text: str) -> str:
    """The exchange's trade number, upper case: the same trade is never recorded under two spellings."""
    reference = (text or "").strip().upper()
    if not reference:
        raise BadCell(_("Enter the exchange's trade reference."))
    if len(reference) > REFERENCE_MAX:
        raise BadCell(_("A trade reference has at most %(n)s characters.") % {"n": REFERENCE_MAX})
    if not _REFERENCE.match(reference):
        raise BadCell(
            _("%(value)s is not a trade reference: use letters, digits, and . _ / - only, such as SEEE-2026-11-0001.")
            % {"value": text}
        )
    return reference


def check_trade_date(day: date, *, today: date) -> date:
    if day > today:
        raise BadCell(_("%(day)s is in the future: report a transfer once it is concluded.") % {"day": day.isoformat()})
    if day < MARKET_OPENED:
        raise BadCell(
            _("%(day)s is before Shanghai's carbon market opened on %(opened)s.")
            % {"day": day.isoformat(), "opened": MARKET_OPENED.isoformat()}
        )
    return day


def _code(text: str, pattern: re.Pattern, message: str) -> str:
    code = text.strip().upper()
    if not pattern.match(code):
        raise BadCell(message % {"value": text})
    return code


@dataclass
class BoundTransfer:
    """One row, parsed: the reference, the day, the account numbers, the instrument code, tonnes."""

    row: int
    values: dict


def heading(columns, name: str) -> str:
    """The column's heading as the file wrote it, or in the reader's language if it is absent."""
    return columns[name][1] if name in columns else COLUMN_BY_FIELD[name].heading


def bind_row(number: int, cells: list[str], columns, *, today: date) -> tuple[BoundTransfer | None, list[RowError]]:
    """Parses a row's cells; any error refuses the row, and so the file."""
    raw = {name: (cells[i] if i < len(cells) else "").strip() for name, (i, _title) in columns.items()}
    parsers = {
        "trade_reference": clean_reference,
        "trade_date": lambda t: check_trade_date(parse_date(t), today=today),
        "from_account": lambda t: _code(t, _ACCOUNT, _("%(value)s is not an account number.")),
        "to_account": lambda t: _code(t, _ACCOUNT, _("%(value)s is not an account number.")),
        "instrument": lambda t: _code(t, _INSTRUMENT, _("%(value)s is not an instrument code, such as SHEA-2026.")),
        "quantity_t": _quantity,
    }
    required = {
        "trade_reference": _("Enter the exchange's trade reference."),
        "trade_date": _("Enter the day the transfer was concluded."),
        "from_account": _("Enter the seller's holding account number."),
        "to_account": _("Enter the buyer's holding account number."),
        "instrument": _("Enter the instrument, such as SHEA-2026."),
        "quantity_t": _("Enter the quantity in whole tonnes."),
    }
    values, errors = {}, []
    for name, parse in parsers.items():
        text = raw.get(name, "")
        if not text:
            errors.append(RowError(number, heading(columns, name), required[name], "required"))
            continue
        try:
            values[name] = parse(text)
        except BadCell as exc:
            errors.append(RowError(number, heading(columns, name), str(exc), "invalid"))
    if errors:
        return None, errors
    if values["from_account"] == values["to_account"]:
        message = _("The seller and the buyer hold the same account.")
        return None, [RowError(number, heading(columns, "to_account"), message, "same_account")]
    return BoundTransfer(number, values), []


def _quantity(text: str):
    quantity = parse_number(text, "tonnes")
    if quantity <= 0:
        raise BadCell(_("%(value)s: a transfer moves at least 1 tonne.") % {"value": text})
    return quantity


# Forms -------------------------------------------------------------------------------------


class ExchangeImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Spreadsheet"), widget=forms.FileInput(attrs={"accept": ".xlsx,.csv"}))
    mode = forms.ChoiceField(
        label=gettext_lazy("What to do"),
        choices=[
            ("check", gettext_lazy("Check only (dry run): nothing is recorded")),
            ("import", gettext_lazy("Record the transfers, if every row can be recorded")),
        ],
        initial="check",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "An Excel workbook (.xlsx) or a CSV file (UTF-8 or GB18030), at most %(size)s and %(rows)s rows."
        ) % {"size": filesizeformat(settings.UPLOAD_MAX_BYTES), "rows": f"{MAX_ROWS:,}"}


class ConfirmExchangeImportForm(forms.Form):
    """After the dry run: record the file whose preview the user saw."""

    sha256 = forms.CharField(max_length=64, widget=forms.HiddenInput)
