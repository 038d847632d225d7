"""The public market page (Art. 31): no login, Chinese by default, each product's latest day, and the
server-drawn charts, whose every point must sit where its figure says; with the data table and the
downloads of the figures shown."""

import io
import re
from datetime import date, timedelta
from decimal import Decimal as D

import openpyxl
import pytest
from defusedxml import ElementTree as ET
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from trading import charts
from trading.models import MarketDay, MarketImport

SVG = "{http://www.w3.org/2000/svg}"
URL = "/trading/market/"
FIRST = date(2026, 3, 2)


@pytest.fixture
def source(alice):
    return MarketImport.objects.create(file_name="seed.csv", sha256="0" * 64, uploaded_by=alice)


def add_days(source, closes, *, product="SHEA", first=FIRST, volumes=None):
    """One day per close (None: no trade that day), a day apart; high/low 1 yuan either side."""
    days = []
    for i, close in enumerate(closes):
        volume = volumes[i] if volumes else (0 if close is None else 1000 + 100 * i)
        price = None if close is None else D(close)
        days.append(
            MarketDay(
                trade_date=first + timedelta(days=i),
                product=product,
                open_yuan=price,
                high_yuan=None if price is None else price + 1,
                low_yuan=None if price is None else price - 1,
                close_yuan=price,
                volume_t=volume,
                turnover_yuan=(price or 0) * volume,
                source=source,
            )
        )
    return MarketDay.objects.bulk_create(days)


def svg(body: str, chart_id: str):
    found = re.search(rf'<svg id="{chart_id}".*?</svg>', body, re.S)
    assert found, f"no {chart_id} in the page"
    return ET.fromstring(found.group(0))


def close_points(body: str) -> list[tuple[float, float]]:
    root = svg(body, "price-chart")
    points = []
    for line in root.iter(f"{SVG}polyline"):
        points += [tuple(map(float, pair.split(","))) for pair in line.get("points").split()]
    return points


def page(client, **params) -> str:
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


# -- who may read it --


def test_the_page_needs_no_login_and_speaks_chinese_by_default(client, source):
    add_days(source, ["70", "71"])
    body = client.get(URL, HTTP_ACCEPT_LANGUAGE="").content.decode()
    assert '<html lang="zh-hans">' in body


def test_the_downloads_need_no_login(client, source):
    add_days(source, ["70", "71"])
    for fmt in ("csv", "xlsx"):
        assert client.get(reverse("trading:market_download", args=[fmt])).status_code == 200
    assert client.get(reverse("trading:market_download", args=["pdf"])).status_code == 404


def test_an_empty_market_says_so(client, db):
    assert "No market figures have been published yet." in page(client)


# -- latest figures --


def test_each_products_latest_day_with_its_change_from_the_day_before(client, source):
    add_days(source, ["70", "72.50"])
    add_days(source, ["60", "57"], product="CCER")
    body = page(client)
    latest = body[body.index('id="latest"') : body.index("</table>", body.index('id="latest"'))]
    assert latest.index("SHEA") < latest.index("CCER")  # SHEA first
    assert "+2.50 (+3.57%)" in latest and "-3.00 (-5.00%)" in latest


# -- the price chart --


def test_the_highest_close_is_the_highest_point_and_the_lowest_the_lowest(client, source):
    closes = ["70", "74.5", "66", "71", "68.2"]
    add_days(source, closes)
    points = close_points(page(client))
    ys = [y for _x, y in points]
    assert ys.index(min(ys)) == closes.index("74.5")  # SVG y grows downwards
    assert ys.index(max(ys)) == closes.index("66")


def test_every_point_sits_on_one_linear_scale_of_its_close(client, source):
    closes = [D(c) for c in ("70", "74.5", "66", "71", "68.2")]
    add_days(source, [str(c) for c in closes])
    points = close_points(page(client))
    slope = (points[1][1] - points[0][1]) / float(closes[1] - closes[0])
    assert slope < 0
    for (_x, y), close in zip(points, closes, strict=True):
        assert y == pytest.approx(points[0][1] + slope * float(close - closes[0]), abs=0.02)


def test_points_run_left_to_right_in_date_order_evenly_spaced(client, source):
    add_days(source, ["70", "71", "72", "73"])
    xs = [x for x, _y in close_points(page(client))]
    steps = {round(b - a, 1) for a, b in zip(xs, xs[1:], strict=False)}
    assert xs == sorted(xs) and len(steps) == 1


def test_each_days_range_line_spans_its_low_to_high(client, source):
    add_days(source, ["70", "74"])
    body = page(client)
    root = svg(body, "price-chart")
    lines = [line for line in root.iter(f"{SVG}line") if line.get("data-date")]
    points = close_points(body)
    for line, (x, y) in zip(lines, points, strict=True):
        high, low = float(line.get("y1")), float(line.get("y2"))
        assert float(line.get("x1")) == x
        assert high < y < low and y - high == pytest.approx(low - y, abs=0.02)  # close is mid-range


def test_a_day_without_a_close_breaks_the_line(client, source):
    add_days(source, ["70", "71", None, "72", "73"])
    root = svg(page(client), "price-chart")
    assert [len(p.get("points").split()) for p in root.iter(f"{SVG}polyline")] == [2, 2]


def test_the_chart_is_described_for_screen_readers(client, source):
    add_days(source, ["70", "74.5", "66"])
    root = svg(page(client), "price-chart")
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text.startswith("Closing price of SHEA")
    desc = "".join(root.find(f"{SVG}desc").itertext())
    assert "highest close 74.50 yuan/t on 2026-03-03" in desc and "Lowest close 66.00 yuan/t on 2026-03-04" in desc


def test_the_y_axis_labels_are_round_figures_covering_every_price(client, source):
    add_days(source, ["61.3", "78.9"])
    root = svg(page(client), "price-chart")
    labels = [float(t.text.replace(",", "")) for t in root.find(f"{SVG}g[@data-axis='y']").iter(f"{SVG}text")]
    assert labels[0] <= 60.3 and labels[-1] >= 79.9
    assert all(label == round(label) for label in labels)


# -- the volume chart --


def test_volume_bars_are_proportional_to_the_volume(client, source):
    volumes = [1000, 4000, 2500, 0]
    add_days(source, ["70", "71", "72", None], volumes=volumes)
    root = svg(page(client), "volume-chart")
    bars = list(root.iter(f"{SVG}rect"))
    heights = [float(b.get("height")) for b in bars]
    assert heights.index(max(heights)) == 1 and heights[3] == 0
    assert heights[0] / 1000 == pytest.approx(heights[1] / 4000, rel=0.01)
    bottoms = {round(float(b.get("y")) + float(b.get("height")), 1) for b in bars}
    assert len(bottoms) == 1  # every bar stands on the same baseline


# -- product and period --


def test_the_period_ends_on_the_latest_day_on_record(client, source):
    add_days(source, [str(60 + i % 10) for i in range(100)])  # 2026-03-02 .. 2026-06-09
    body = page(client, period="30d")
    assert len(close_points(body)) == 30
    assert 'data-date="2026-06-09"' in body and 'data-date="2026-05-11"' in body
    assert 'data-date="2026-05-10"' not in body
    assert len(close_points(page(client, period="all"))) == 100


def test_another_product_is_chosen_and_unknown_choices_fall_back(client, source):
    add_days(source, ["70", "71"])
    add_days(source, ["50", "51", "52"], product="CCER")
    assert len(close_points(page(client, product="ccer"))) == 3
    assert len(close_points(page(client, product="NOPE", period="10y"))) == 2


def test_the_table_under_the_charts_lists_the_figures_newest_first(client, source):
    add_days(source, ["70", "71.25"])
    body = page(client)
    table = body[body.index('id="market-figures"') :]
    assert table.index("2026-03-03") < table.index("2026-03-02")
    assert "71.25" in table and "1,100" in table


def test_the_download_holds_the_figures_shown(client, source):
    add_days(source, [str(60 + i % 10) for i in range(40)])
    response = client.get(reverse("trading:market_download", args=["csv"]), {"product": "SHEA", "period": "30d"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Trading day,Product,Open (yuan/t)")
    assert len(lines) == 1 + 30 and lines[-1].startswith("2026-04-10,SHEA")
    xlsx = client.get(reverse("trading:market_download", args=["xlsx"]), {"period": "all"})
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert ws.max_row == 1 + 40


def test_the_page_runs_the_same_queries_for_5_and_200_days(client, source):
    add_days(source, ["70"] * 5)
    with CaptureQueriesContext(connection) as few:
        page(client, period="all")
    add_days(source, ["71"] * 195, first=FIRST + timedelta(days=5))
    add_days(source, ["50"] * 20, product="CCER")
    with CaptureQueriesContext(connection) as many:
        page(client, period="all")
    assert len(many.captured_queries) == len(few.captured_queries)


# -- the geometry itself --


def test_nice_domain_uses_round_steps_and_covers_the_range():
    start, end, step = charts.nice_domain(61.3, 78.9)
    assert (start, end, step) == (60.0, 80.0, 5.0)


def test_a_flat_series_still_gets_a_scale():
    start, end, _step = charts.nice_domain(70.0, 70.0)
    assert start < 70 < end


def test_no_price_chart_without_any_price():
    day = MarketDay(trade_date=FIRST, product="SHEA", volume_t=0, turnover_yuan=0)
    assert charts.price_chart([day]) is None and charts.volume_chart([day]) is not None
