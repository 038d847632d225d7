"""The demo's market figures (trading/demo_market.py): about 120 plausible SHEA trading days up to
today, imported as alice through the import service, no trading at weekends or on Chinese public
holidays, and a second run that adds nothing."""

from datetime import date

import pytest
from django.utils import timezone

from carbon_portal.models import AuditEntry
from trading import demo_market
from trading.models import MarketDay, MarketImport


@pytest.fixture
def seeded(alice):
    lines = []
    demo_market.seed_market(log=lines.append)
    return lines


def test_about_120_shea_days_up_to_today_are_imported_by_alice(alice, seeded):
    days = list(MarketDay.objects.order_by("trade_date"))
    assert len(days) == demo_market.DAYS
    assert {d.product for d in days} == {"SHEA"}
    assert days[-1].trade_date <= timezone.localdate()
    assert MarketImport.objects.get().uploaded_by == alice
    assert AuditEntry.objects.get(verb="market.import").data["flagged_rows"] == []
    assert "120 SHEA trading days imported" in seeded[0] and "early warnings 2026" in seeded[1]


def test_no_trading_at_weekends_or_on_public_holidays(seeded):
    traded = set(MarketDay.objects.values_list("trade_date", flat=True))
    assert all(day.weekday() < 5 for day in traded)
    assert date(2026, 10, 1) not in traded and date(2026, 10, 2) not in traded  # National Day


def test_prices_are_plausible_and_consistent(seeded):
    for day in MarketDay.objects.all():
        assert 55 <= day.close_yuan <= 85
        if day.volume_t:
            assert (
                day.low_yuan
                <= min(day.open_yuan, day.close_yuan)
                <= max(day.open_yuan, day.close_yuan)
                <= day.high_yuan
            )
            assert day.volume_t * day.low_yuan <= day.turnover_yuan <= day.volume_t * day.high_yuan
        else:
            assert day.turnover_yuan == 0 and day.high_yuan is None


def test_a_second_run_adds_nothing(seeded):
    before = list(MarketDay.objects.order_by("trade_date", "product").values_list("trade_date", "close_yuan", "source"))
    lines = []
    demo_market.seed_market(log=lines.append)
    assert "already on record" in lines[0]
    assert MarketImport.objects.count() == 1
    assert (
        list(MarketDay.objects.order_by("trade_date", "product").values_list("trade_date", "close_yuan", "source"))
        == before
    )


def test_the_walk_is_the_same_whatever_day_it_runs():
    earlier = demo_market._walk(date(2026, 6, 30))
    later = demo_market._walk(date(2026, 9, 30))
    assert later[: len(earlier)] == earlier
