"""Forms of the market pages, and the reading of one row of the exchange's daily figures (Art. 31).

A row is bound the netbox way: its cells are parsed and checked here, with the row number the user
sees (headings are row 1); trading.services.market compares the rows with the figures on record and
saves them all or none. Headings are known in Chinese or English (carbon_portal.sheet_import).
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carbon_portal.sheet_import import Column, RowError

# Ten years of five products is about 12,500 rows; a row is checked without touching the database.
MAX_ROWS = 20_000
# Shanghai's carbon market opened on 26 November 2013: no figure can be older.
MARKET_OPENED = date(2013, 11, 26)
# Turnover outside volume x the day's price range by more than this share is flagged (see bind_row).
TURNOVER_TOLERANCE = Decimal("0.01")

PRICE_FIELDS = ("open_yuan", "high_yuan", "low_yuan", "close_yuan")
COLUMNS = (
    Column("trade_date", "日期", "date", True, ("交易日", "交易日期", "trading day", "trade date", "day")),
    Column("product", "品种", "product", True, ("产品", "交易品种", "品种代码", "产品代码", "instrument")),
    Column("open_yuan", "开盘价", "open", False, ("开盘价(元/吨)", "open (yuan/t)", "opening price", "开盘")),
    Column("high_yuan", "最高价", "high", False, ("最高价(元/吨)", "high (yuan/t)", "highest price", "最高")),
    Column("low_yuan", "最低价", "low", False, ("最低价(元/吨)", "low (yuan/t)", "lowest price", "最低")),
    Column("close_yuan", "收盘价", "close", True, ("收盘价(元/吨)", "close (yuan/t)", "closing price", "收盘")),
    Column("volume_t", "成交量(吨)", "volume (t)", True, ("成交量", "volume", "成交数量", "成交数量(吨)")),
    Column("turnover_yuan", "成交额(元)", "turnover (yuan)", True, ("成交额", "成交金额", "成交金额(元)", "turnover")),
)
COLUMN_BY_FIELD = {c.field: c for c in COLUMNS}

_PRODUCT = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,31}$")
_EMPTY_PRICE = frozenset({"", "-", "--", "—", "——", "/"})
# Thousands separators (comma, full-width comma, spaces, apostrophe) go; full-width digits become ASCII.
_NUMBER_CLEAN = str.maketrans({",": None, "，": None, " ": None, "\u00a0": None, "'": None, "．": "."}) | {
    0xFF10 + i: str(i) for i in range(10)
}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d", "%Y年%m月%d日")
# Limits of the model's decimal fields: (digits before the point, decimal places).
_SHAPES = {"price": (10, 2), "money": (16, 2), "tonnes": (18, 0)}
_FLOAT_NOISE = Decimal("0.000001")  # 72.35000000000001 from a spreadsheet's float is 72.35


@dataclass
class BoundRow:
    """One row, parsed and consistent: what a MarketDay would hold."""

    row: int
    values: dict
    warnings: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[date, str]:
        return self.values["trade_date"], self.values["product"]


class _Bad(Exception):
    """A cell's problem, in words for the user."""


def parse_date(text: str) -> date:
    text = text.strip()
    # A date cell of a workbook reads as "2026-05-06 00:00:00".
    for sep in (" ", "T"):
        if sep in text:
            text, time_part = text.split(sep, 1)
            if time_part.strip() not in ("00:00:00", "00:00"):
                raise _Bad(_("%(value)s is not a date: write it as 2026-05-06.") % {"value": f"{text}{sep}{time_part}"})
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise _Bad(_("%(value)s is not a date: write it as 2026-05-06.") % {"value": text})


def parse_number(text: str, shape: str) -> Decimal:
    """A figure >= 0 with thousands separators allowed; at most the field's decimal places."""
    cleaned = text.translate(_NUMBER_CLEAN)
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise _Bad(_("%(value)s is not a number.") % {"value": text}) from None
    if not value.is_finite():
        raise _Bad(_("%(value)s is not a number.") % {"value": text})
    if value < 0:
        raise _Bad(_("%(value)s is negative: figures are 0 or more.") % {"value": text})
    digits, places = _SHAPES[shape]
    if value >= Decimal(10) ** digits:  # checked first: quantize cannot hold 1e400
        raise _Bad(_("%(value)s is too large.") % {"value": text})
    rounded = value.quantize(Decimal(1).scaleb(-places))
    if abs(rounded - value) > _FLOAT_NOISE:
        if places == 0:
            raise _Bad(_("%(value)s is not a whole number of tonnes.") % {"value": text})
        raise _Bad(_("%(value)s has more than %(places)s decimal places.") % {"value": text, "places": places})
    return rounded


def parse_product(text: str) -> str:
    code = text.strip().upper()
    if not _PRODUCT.match(code):
        raise _Bad(
            _("%(value)s is not a product code: use the exchange's code, such as SHEA, SHEA2026, CCER or SHCER.")
            % {"value": text}
        )
    return code


def heading(columns, name: str) -> str:
    """The column's heading as the file wrote it, or in the reader's language if it is absent."""
    return columns[name][1] if name in columns else COLUMN_BY_FIELD[name].heading


def bind_row(number: int, cells: list[str], columns, *, today: date) -> tuple[BoundRow | None, list[RowError]]:
    """Parses a row's cells and checks them together. Errors refuse the row (and so the file);
    warnings are shown in the preview and do not refuse it."""
    raw = {name: (cells[i] if i < len(cells) else "").strip() for name, (i, _title) in columns.items()}
    values: dict = {}
    errors: list[RowError] = []

    def cell(name, parse, *, required: str | None = None, empty=None):
        text = raw.get(name, "")
        blank = text in _EMPTY_PRICE if name in PRICE_FIELDS else not text  # "-" is an empty price
        if blank:
            if required:
                errors.append(RowError(number, heading(columns, name), required, "required"))
            values[name] = empty
            return
        try:
            values[name] = parse(text)
        except _Bad as exc:
            errors.append(RowError(number, heading(columns, name), str(exc), "invalid"))
            values[name] = None

    cell("trade_date", parse_date, required=_("Enter the trading day."))
    cell("product", parse_product, required=_("Enter the product code, such as SHEA."))
    for name in PRICE_FIELDS:
        cell(name, lambda t: parse_number(t, "price"))
    cell(
        "volume_t",
        lambda t: parse_number(t, "tonnes"),
        required=_("Enter the volume in tonnes; 0 on a day without trades."),
    )
    cell(
        "turnover_yuan",
        lambda t: parse_number(t, "money"),
        required=_("Enter the turnover in yuan; 0 on a day without trades."),
    )
    if errors:
        return None, errors
    errors = _check_date(number, columns, values["trade_date"], today) + _check_prices(number, columns, values)
    if errors:
        return None, errors
    return BoundRow(number, values, _turnover_warnings(values)), []


def _check_date(number, columns, day: date, today: date) -> list[RowError]:
    where = heading(columns, "trade_date")
    if day > today:
        return [RowError(number, where, _("%(day)s is in the future.") % {"day": day.isoformat()}, "future")]
    if day < MARKET_OPENED:
        message = _("%(day)s is before Shanghai's carbon market opened on %(opened)s.")
        return [
            RowError(
                number, where, message % {"day": day.isoformat(), "opened": MARKET_OPENED.isoformat()}, "too_early"
            )
        ]
    return []


def _check_prices(number, columns, v: dict) -> list[RowError]:
    """A day with trades has all four prices; open, high and low come together or not at all;
    low <= open, close <= high; no turnover without volume and none missing with it."""
    errors = []
    ohl = [v[name] for name in ("open_yuan", "high_yuan", "low_yuan")]
    row_error = lambda message, code: errors.append(RowError(number, "", message, code))  # noqa: E731
    if any(p is not None for p in ohl) and any(p is None for p in ohl):
        row_error(_("Give the open, high and low prices together, or leave all three empty."), "partial_prices")
    if v["volume_t"] > 0:
        if v["close_yuan"] is None or any(p is None for p in ohl):
            row_error(_("A day with a volume needs its open, high, low and close prices."), "prices_missing")
        if v["turnover_yuan"] == 0:
            row_error(_("A day with a volume needs its turnover."), "turnover_missing")
    elif v["turnover_yuan"] > 0:
        row_error(_("Turnover without volume: a day without trades has a turnover of 0."), "turnover_without_volume")
    low, high = v["low_yuan"], v["high_yuan"]
    if errors or low is None or high is None:
        return errors
    if low > high:
        row_error(_("The low (%(low)s) is above the high (%(high)s).") % {"low": low, "high": high}, "low_above_high")
        return errors
    for name, label in (("open_yuan", _("open")), ("close_yuan", _("close"))):
        price = v[name]
        if price is not None and not low <= price <= high:
            message = _("The %(label)s (%(price)s) is outside the day's low and high (%(low)s to %(high)s).")
            row_error(message % {"label": label, "price": price, "low": low, "high": high}, "outside_range")
    return errors


def turnover_range(v: dict) -> tuple[Decimal, Decimal] | None:
    """What volume x price gives at the day's lowest and highest price (the close if that is all)."""
    low = v["low_yuan"] if v["low_yuan"] is not None else v["close_yuan"]
    high = v["high_yuan"] if v["high_yuan"] is not None else v["close_yuan"]
    if not v["volume_t"] or low is None or high is None:
        return None
    return v["volume_t"] * low, v["volume_t"] * high


def _turnover_warnings(v: dict) -> list[str]:
    """Flagged, not refused: the exchange's daily volume includes block trades (协议转让), which
    settle at prices agreed outside the listed range, so a turnover beyond volume x price range is
    possible and the file stays the exchange's word. The preview shows it for a human to check."""
    bounds = turnover_range(v)
    if bounds is None:
        return []
    lowest, highest = bounds
    if lowest * (1 - TURNOVER_TOLERANCE) <= v["turnover_yuan"] <= highest * (1 + TURNOVER_TOLERANCE):
        return []
    message = _(
        "The turnover (%(turnover)s yuan) is not what the volume at the day's prices gives (%(low)s to "
        "%(high)s yuan). Check it: block trades can explain it."
    )
    return [message % {"turnover": f"{v['turnover_yuan']:,}", "low": f"{lowest:,.2f}", "high": f"{highest:,.2f}"}]


# Forms -------------------------------------------------------------------------------------


class MarketImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Spreadsheet"), widget=forms.FileInput(attrs={"accept": ".xlsx,.csv"}))
    mode = forms.ChoiceField(
        label=gettext_lazy("What to do"),
        choices=[
            ("check", gettext_lazy("Check only (dry run): nothing is saved")),
            ("import", gettext_lazy("Import: add the new days, if every row is valid and nothing would be corrected")),
        ],
        initial="check",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "An Excel workbook (.xlsx) or a CSV file (UTF-8 or GB18030), at most %(size)s and %(rows)s rows."
        ) % {"size": filesizeformat(settings.UPLOAD_MAX_BYTES), "rows": f"{MAX_ROWS:,}"}


class ConfirmImportForm(forms.Form):
    """After the dry run: import the file whose preview the user saw, corrections only if ticked."""

    sha256 = forms.CharField(max_length=64, widget=forms.HiddenInput)
    apply_corrections = forms.BooleanField(
        label=gettext_lazy("Correct the days already on record as shown above"), required=False
    )


class RecomputeForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Compliance year"), min_value=2013, max_value=2100)
