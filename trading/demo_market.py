"""Demo market figures and early warnings, written through the services as the bureau would:

- about 120 trading days of SHEA figures up to today, imported by alice from a CSV file in the
  exchange's Chinese layout. The prices follow one seeded random walk from a fixed first day, so a
  later run gives the same figures for the days already on record and only adds the new ones; a
  second run on the same day imports nothing. Weekends and Chinese public holidays have no
  trading (chinese_calendar; beyond the years it knows, weekends only);
- erin's unit sells 80% of its SHEA-2025 and SHEA-2026 to another regulated unit in
  transfers under its own contracts (keys "demo-erin-agreement-sale-<vintage>"), which leaves it
  short of the emissions its monthly figures project;
- the early warnings of the demo's year, from the monthly key parameters of the reporting demo
  and the holdings of the trading demo: erin's unit is warned, carol's is covered.
"""

import csv
import io
import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import chinese_calendar
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from carbon_portal.models import User

from .choices import AccountKind, AccountStatus
from .demo import LIST_YEAR, _Cast
from .forms_market import COLUMNS
from .models import Account, Holding, LedgerTransaction
from .services.accounts import allowance, holding_account_of
from .services.acts import transfer
from .services.market import market_import
from .services.warnings import early_warnings_compute

PRODUCT = "SHEA"
FIRST_DAY = date(2026, 1, 5)  # the walk starts here, whatever day the demo runs
DAYS = 120
SEED = 31  # Art. 31
START_PRICE, FLOOR, CEILING = 68.0, 60.0, 80.0
NO_TRADE_SHARE = 0.03
CENT = Decimal("0.01")


def seed_market(*, log: Callable[[str], None] = print) -> None:
    alice = User.objects.filter(email__startswith="alice@").first()
    if alice is None:
        log("  no bureau user to import the market figures: skipped")
        return
    rows = _walk(timezone.localdate())[-DAYS:]
    if not rows:
        log("  market figures: no trading day yet since the demo's first day: skipped")
        return
    result = market_import(actor=alice, uploaded_file=_csv(rows), dry_run=False)
    if result.ok:
        log(f"  market figures: {len(result.new)} {PRODUCT} trading days imported ({rows[0][0]} to {rows[-1][0]})")
    elif [e.code for e in result.errors] == ["nothing_to_import"]:
        log(f"  market figures: the {len(rows)} {PRODUCT} trading days are already on record")
    else:
        raise RuntimeError(f"demo market import refused: {[str(e) for e in result.errors[:5]]}")
    _erin_sells(log)
    found = early_warnings_compute(actor=alice, year=LIST_YEAR)
    log(
        f"  early warnings {LIST_YEAR}: {len(found.opened)} raised, {found.refreshed} still open, "
        f"{found.cleared} cleared, {found.covered} units covered, {found.without_projection} without monthly figures"
    )


def is_trading_day(day: date) -> bool:
    """Exchanges close at weekends (even on make-up working Saturdays) and on public holidays."""
    if day.weekday() >= 5:
        return False
    try:
        return not chinese_calendar.is_holiday(day)
    except NotImplementedError:  # a year the calendar does not know yet
        return True


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def _walk(today: date) -> list[tuple]:
    """(day, open, high, low, close, volume_t, turnover_yuan) for every trading day up to today."""
    rng = random.Random(SEED)
    close = START_PRICE
    rows = []
    day = FIRST_DAY
    while day <= today:
        if is_trading_day(day):
            # Pulled back towards 70 yuan/t, the level Shanghai's prices hovered around.
            move = rng.gauss(0, 0.7) + (70.0 - close) * 0.05
            if rng.random() < NO_TRADE_SHARE:
                rows.append((day, None, None, None, _money(close), 0, Decimal("0.00")))
            else:
                open_ = min(max(close + rng.gauss(0, 0.3), FLOOR), CEILING)
                close = min(max(open_ + move, FLOOR), CEILING)
                high = max(open_, close) + abs(rng.gauss(0, 0.4))
                low = min(open_, close) - abs(rng.gauss(0, 0.4))
                o, h, lo, c = (_money(p) for p in (open_, high, low, close))
                volume = rng.choice((rng.randint(1_000, 12_000), rng.randint(12_000, 60_000)))
                average = lo + (h - lo) * Decimal(str(rng.uniform(0.3, 0.7)))
                rows.append((day, o, h, lo, c, volume, (average * volume).quantize(CENT)))
                close = float(c)
        day += timedelta(days=1)
    return rows


def _csv(rows: list[tuple]) -> SimpleUploadedFile:
    """The exchange's layout: Chinese headings, thousands separators, "-" for a price not set."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.zh for c in COLUMNS])
    for day, o, h, lo, c, volume, turnover in rows:
        prices = ["-" if p is None else f"{p:.2f}" for p in (o, h, lo, c)]
        writer.writerow([day.isoformat(), PRODUCT, *prices, f"{volume:,}", f"{turnover:,.2f}"])
    return SimpleUploadedFile(f"{PRODUCT}-{rows[-1][0]:%Y%m%d}.csv", out.getvalue().encode("utf-8-sig"))


SALE_KEY = "demo-erin-agreement-sale"
SALE_SHARE = Decimal("0.8")  # of each vintage it holds: more than its projected emissions leave room for


def _erin_sells(log: Callable[[str], None]) -> None:
    """erin's unit sells 80% of its SHEA-2025 and SHEA-2026 to the first other regulated unit with an
    open account, one agreement transfer per vintage."""
    cast = _Cast.find()
    seller = holding_account_of(cast.erin_unit.pk) if cast.erin_unit else None
    buyer = (
        Account.objects.filter(kind=AccountKind.HOLDING, status=AccountStatus.OPEN, trading_prohibited=False)
        .exclude(holder_id__in=[u.pk for u in cast.units])
        .order_by("number")
        .first()
    )
    if seller is None or buyer is None:
        return
    for vintage in (LIST_YEAR - 1, LIST_YEAR):
        key = f"{SALE_KEY}-{vintage}"
        if LedgerTransaction.objects.filter(idempotency_key=key).exists():
            continue
        instrument = allowance(vintage)
        held = (
            Holding.objects.filter(account=seller, instrument=instrument).values_list("quantity_t", flat=True).first()
        )
        quantity = (Decimal(held or 0) * SALE_SHARE).to_integral_value()
        if not quantity:
            continue
        transfer(
            actor=cast.erin,
            from_account=seller,
            to_account=buyer,
            instrument=instrument,
            quantity_t=quantity,
            idempotency_key=key,
            memo=f"配额转让合同 SH-CT-{LIST_YEAR}-90{vintage % 100:02d} Allowance sale contract",
        )
        log(f"  {cast.erin_unit.name_zh} sold {quantity:,} t of {instrument.code} to {buyer.number}")
