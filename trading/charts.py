"""The geometry of the public market charts, drawn server-side as inline SVG (no script, no CDN).

Pure functions from a product's days to pixel positions; the template only draws them. Trading
days are spaced evenly (weekends and holidays leave no gaps, as on the exchange's own charts), and
each axis starts and ends on round figures so its labels read well. A day without a close breaks
the close line rather than being drawn as 0.
"""

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

WIDTH = 760
PRICE_HEIGHT = 300
VOLUME_HEIGHT = 180
LEFT, RIGHT, TOP, BOTTOM = 72, 40, 14, 34  # room for the last date label
X_LABELS = 6
Y_TICKS = 5


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True)
class Frame:
    width: int
    height: int

    @property
    def left(self) -> int:
        return LEFT

    @property
    def right(self) -> int:
        return self.width - RIGHT

    @property
    def top(self) -> int:
        return TOP

    @property
    def bottom(self) -> int:
        return self.height - BOTTOM


@dataclass(frozen=True)
class Range:
    """One day's high-low line."""

    x: float
    y_high: float
    y_low: float
    day: date


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    day: date
    volume_t: Decimal


@dataclass
class Chart:
    frame: Frame
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    # The close line, broken where a day has no close: each segment a list of (x, y, day, close).
    segments: list[list[tuple[float, float, date, Decimal]]] = field(default_factory=list)
    ranges: list[Range] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)

    @property
    def polylines(self) -> list[str]:
        return [" ".join(f"{x:.2f},{y:.2f}" for x, y, _d, _c in segment) for segment in self.segments]


def nice_step(span: float, ticks: int = Y_TICKS) -> float:
    """1, 2 or 5 times a power of ten, so that about `ticks` steps cover `span`."""
    raw = span / max(ticks - 1, 1)
    if raw <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * power:
            return multiple * power
    return 10 * power


def nice_domain(low: float, high: float, *, from_zero: bool = False) -> tuple[float, float, float]:
    """(start, end, step): round figures around [low, high]; a flat series gets some room."""
    if from_zero:
        low = 0.0
    if high <= low:
        high = low + (1.0 if low == 0 else abs(low) * 0.1)
        low = 0.0 if from_zero else low - (high - low)
    step = nice_step(high - low)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


def _x_positions(frame: Frame, n: int) -> tuple[list[float], float]:
    step = (frame.right - frame.left) / max(n, 1)
    return [frame.left + step * (i + 0.5) for i in range(n)], step


def _scale(frame: Frame, start: float, end: float):
    height = frame.bottom - frame.top

    def y(value) -> float:
        return round(frame.bottom - (float(value) - start) / (end - start) * height, 2)

    return y


def _y_ticks(y, start: float, end: float, step: float, places: int) -> list[Tick]:
    count = round((end - start) / step)
    return [Tick(y(start + i * step), f"{start + i * step:,.{places}f}") for i in range(count + 1)]


def _x_ticks(xs: list[float], days: list) -> list[Tick]:
    if not days:
        return []
    picks = sorted({round(k * (len(days) - 1) / (X_LABELS - 1)) for k in range(X_LABELS)}) if len(days) > 1 else [0]
    return [Tick(round(xs[i], 2), days[i].trade_date.isoformat()) for i in picks]


def _places(step: float) -> int:
    return 0 if step >= 1 else min(2, -math.floor(math.log10(step)))


def price_chart(days: list) -> Chart | None:
    """Close line with each day's high-low range; None when no day in the list has a price."""
    frame = Frame(WIDTH, PRICE_HEIGHT)
    prices = [p for d in days for p in (d.low_yuan, d.high_yuan, d.close_yuan) if p is not None]
    if not prices:
        return None
    start, end, step = nice_domain(float(min(prices)), float(max(prices)))
    y = _scale(frame, start, end)
    xs, _width = _x_positions(frame, len(days))
    chart = Chart(frame, _y_ticks(y, start, end, step, _places(step)), _x_ticks(xs, days))
    segment: list = []
    for x, d in zip(xs, days, strict=True):
        x = round(x, 2)
        if d.high_yuan is not None and d.low_yuan is not None:
            chart.ranges.append(Range(x, y(d.high_yuan), y(d.low_yuan), d.trade_date))
        if d.close_yuan is None:
            if segment:
                chart.segments.append(segment)
            segment = []
            continue
        segment.append((x, y(d.close_yuan), d.trade_date, d.close_yuan))
    if segment:
        chart.segments.append(segment)
    return chart


def volume_chart(days: list) -> Chart | None:
    """One bar per trading day, from 0; None without days."""
    if not days:
        return None
    frame = Frame(WIDTH, VOLUME_HEIGHT)
    start, end, step = nice_domain(0.0, float(max(d.volume_t for d in days)), from_zero=True)
    y = _scale(frame, start, end)
    xs, slot = _x_positions(frame, len(days))
    width = round(max(slot * 0.7, 0.5), 2)
    chart = Chart(frame, _y_ticks(y, start, end, step, 0), _x_ticks(xs, days))
    for x, d in zip(xs, days, strict=True):
        top = y(d.volume_t)
        chart.bars.append(
            Bar(round(x - width / 2, 2), top, width, round(frame.bottom - top, 2), d.trade_date, d.volume_t)
        )
    return chart


@dataclass
class Summary:
    """What the charts show, in figures, for their <desc> and the page."""

    first: date | None = None
    last: date | None = None
    trading_days: int = 0
    lowest_close: tuple[Decimal, date] | None = None
    highest_close: tuple[Decimal, date] | None = None
    last_close: tuple[Decimal, date] | None = None
    total_volume_t: Decimal = Decimal(0)
    largest_volume: tuple[Decimal, date] | None = None


def summarise(days: list) -> Summary:
    found = Summary()
    if not days:
        return found
    found.first, found.last, found.trading_days = days[0].trade_date, days[-1].trade_date, len(days)
    closes = [(d.close_yuan, d.trade_date) for d in days if d.close_yuan is not None]
    if closes:
        # Ties go to the earliest day, as a reader scanning the table would find it.
        found.lowest_close = min(closes, key=lambda c: (c[0], c[1]))
        found.highest_close = max(closes, key=lambda c: (c[0], -c[1].toordinal()))
        found.last_close = closes[-1]
    found.total_volume_t = sum((d.volume_t for d in days), Decimal(0))
    found.largest_volume = max(((d.volume_t, d.trade_date) for d in days), key=lambda v: (v[0], -v[1].toordinal()))
    return found
