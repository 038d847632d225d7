"""Reads of the published market figures (Art. 31): the products, each product's latest day, and a
product's days over a period. Each runs one query whatever the number of days."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import F, Max, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy as _

from ..models import MarketDay, MarketImport

# Periods end on the latest trading day on record, not today: a page read on a holiday, or before
# the day's file is in, still shows a full period.
PERIODS = {"30d": 30, "90d": 90, "1y": 365, "all": None}
PERIOD_LABELS = {"30d": _("30 days"), "90d": _("90 days"), "1y": _("1 year"), "all": _("All")}
DEFAULT_PERIOD = "90d"
DEFAULT_PRODUCT = "SHEA"


def products() -> list[str]:
    """Every product with figures on record; SHEA first, the others by code."""
    codes = list(MarketDay.objects.order_by().values_list("product", flat=True).distinct())
    return sorted(codes, key=lambda code: (code != DEFAULT_PRODUCT, code))


def clean_choice(raw, products_on_record: list[str]) -> tuple[str, str]:
    """(product, period) from a query string: unknown values fall back to the defaults."""
    product = (raw.get("product") or "").strip().upper()
    if product not in products_on_record:
        product = products_on_record[0] if products_on_record else ""
    period = raw.get("period") or DEFAULT_PERIOD
    if period not in PERIODS:
        period = DEFAULT_PERIOD
    return product, period


@dataclass
class Latest:
    """A product's latest day, with the close of the trading day before it."""

    day: MarketDay
    previous_close_yuan: Decimal | None

    @property
    def change_yuan(self) -> Decimal | None:
        if self.day.close_yuan is None or self.previous_close_yuan is None:
            return None
        return self.day.close_yuan - self.previous_close_yuan

    @property
    def change_percent(self) -> Decimal | None:
        if self.change_yuan is None or not self.previous_close_yuan:
            return None
        return (self.change_yuan / self.previous_close_yuan * 100).quantize(Decimal("0.01"))


def latest_figures() -> list[Latest]:
    """Each product's two latest days, ranked in the database (one query)."""
    ranked = MarketDay.objects.annotate(
        rank=Window(RowNumber(), partition_by=[F("product")], order_by=[F("trade_date").desc()])
    ).filter(rank__lte=2)
    by_product: dict[str, list[MarketDay]] = {}
    for day in ranked.order_by("product", "-trade_date"):
        by_product.setdefault(day.product, []).append(day)
    found = [Latest(days[0], days[1].close_yuan if len(days) > 1 else None) for days in by_product.values()]
    return sorted(found, key=lambda latest: (latest.day.product != DEFAULT_PRODUCT, latest.day.product))


@dataclass
class Series:
    product: str
    period: str
    start: date | None
    end: date | None
    days: list[MarketDay]  # oldest first


def period_start(end: date | None, period: str) -> date | None:
    length = PERIODS[period]
    if end is None or length is None:
        return None
    return end - timedelta(days=length - 1)


def series(product: str, period: str) -> Series:
    """The product's days in the period ending on its latest day on record, oldest first."""
    days = MarketDay.objects.filter(product=product)
    end = days.aggregate(end=Max("trade_date"))["end"]
    start = period_start(end, period)
    if start is not None:
        days = days.filter(trade_date__gte=start)
    found = list(days.order_by("trade_date"))
    return Series(product, period, start or (found[0].trade_date if found else None), end, found)


def imports() -> QuerySet[MarketImport]:
    return MarketImport.objects.select_related("uploaded_by").order_by("-uploaded_at", "-pk")
