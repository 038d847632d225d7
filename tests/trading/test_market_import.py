"""Import of the exchange's daily figures (Art. 31): headings in Chinese or English, every row checked
with its row number, all or nothing, a dry run that saves nothing, corrections of days on record
only when confirmed, the same file recognised, and the bureau's pages."""

import io
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carbon_portal.models import AuditEntry
from tests.trading.conftest import assert_unchanged, snapshot
from trading.models import MarketDay, MarketImport
from trading.services.market import market_import

SAMPLE = Path(__file__).parent / "data" / "market_sample.csv"
EN_HEAD = "date,product,open (yuan/t),high (yuan/t),low (yuan/t),close (yuan/t),volume (t),turnover (yuan)\n"
ZH_HEAD = "日期,品种,开盘价,最高价,最低价,收盘价,成交量(吨),成交额(元)\n"
GOOD = "2026-05-06,SHEA,70.00,71.50,69.80,71.20,1000,70500.00\n"


def csv_file(text: str, name: str = "figures.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8-sig"))


def sample() -> SimpleUploadedFile:
    return SimpleUploadedFile("market_sample.csv", SAMPLE.read_bytes())


def run(actor, upload, *, dry_run=False, apply_corrections=False):
    return market_import(actor=actor, uploaded_file=upload, dry_run=dry_run, apply_corrections=apply_corrections)


def messages_of(result) -> list[str]:
    return [str(e) for e in result.errors]


# -- reading the file --


def test_chinese_headings_with_thousands_separators_are_read(alice):
    result = run(alice, sample(), dry_run=True)
    assert result.ok, messages_of(result)
    assert len(result.new) == 6
    first = result.new[0].values
    assert first == {
        "trade_date": date(2026, 5, 6),
        "product": "SHEA",
        "open_yuan": D("70.00"),
        "high_yuan": D("71.50"),
        "low_yuan": D("69.80"),
        "close_yuan": D("71.20"),
        "volume_t": D(12345),
        "turnover_yuan": D("875000.00"),
    }


def test_a_day_without_trades_may_leave_its_prices_empty(alice):
    run(alice, sample())
    day = MarketDay.objects.get(trade_date=date(2026, 5, 8), product="SHEA")
    assert (day.open_yuan, day.high_yuan, day.low_yuan) == (None, None, None)
    assert day.close_yuan == D("71.80") and day.volume_t == 0 and day.turnover_yuan == 0


def test_english_headings_and_other_date_forms_are_read(alice):
    text = EN_HEAD + "2026/5/6,shea,70,71.5,69.8,71.2,1000,70500\n" + "2026年5月7日,SHEA,71,72,70,71,10,710\n"
    result = run(alice, csv_file(text), dry_run=True)
    assert result.ok, messages_of(result)
    assert [r.values["trade_date"] for r in result.new] == [date(2026, 5, 6), date(2026, 5, 7)]
    assert result.new[0].values["product"] == "SHEA"


@pytest.mark.parametrize(
    "heading",
    [
        "交易日期,产品,开盘价(元/吨),最高价(元/吨),最低价(元/吨),收盘价(元/吨),成交量,成交金额\n",
        "Trading day,Product,Opening price,Highest price,Lowest price,Closing price,Volume,Turnover\n",
    ],
)
def test_heading_aliases_are_known(alice, heading):
    result = run(alice, csv_file(heading + GOOD), dry_run=True)
    assert result.ok, messages_of(result)


def test_open_high_and_low_columns_may_be_left_out(alice):
    result = run(alice, csv_file("日期,品种,收盘价,成交量(吨),成交额(元)\n2026-05-08,SHEA,71.80,0,0\n"), dry_run=True)
    assert result.ok, messages_of(result)


def test_an_unknown_heading_is_refused_before_any_row(alice):
    with pytest.raises(ValidationError, match="is not a column this import knows"):
        run(alice, csv_file(ZH_HEAD.replace("品种", "颜色") + GOOD))
    assert not MarketDay.objects.exists()


def test_a_workbook_is_read_like_a_csv(alice, client_for):
    template = client_for(alice).get(reverse("trading:market_template"))
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(template.streaming_content)))
    ws = wb.active
    ws.append(["2026-05-06", "SHEA", 70, 71.5, 69.8, 71.2, 1000, 70500])
    out = io.BytesIO()
    wb.save(out)
    result = run(alice, SimpleUploadedFile("figures.xlsx", out.getvalue()))
    assert result.ok, messages_of(result)
    assert MarketDay.objects.get().close_yuan == D("71.20")


# -- bad rows --

BAD_ROWS = [
    ("2026-05-06,SHEA,70,71.5,69.8,71.2,-5,0", 3, "is negative"),
    ("2026-05-06,SHEA,70,69,71,70,10,700", 3, "The low (71.00) is above the high (69.00)."),
    ("2026-05-06,SHEA,70,71,69,72,10,700", 3, "The close (72.00) is outside the day's low and high"),
    ("2026-05-06,SHEA,68,71,69,70,10,700", 3, "The open (68.00) is outside the day's low and high"),
    ("2026-13-45,SHEA,70,71,69,70,10,700", 3, "is not a date"),
    ("2013-01-04,SHEA,70,71,69,70,10,700", 3, "before Shanghai's carbon market opened"),
    ("2026-05-06,SHEA,70,71,69,70,10.5,700", 3, "is not a whole number of tonnes"),
    ("2026-05-06,SHEA,70.123,71,69,70,10,700", 3, "has more than 2 decimal places"),
    ("2026-05-06,SHEA,abc,71,69,70,10,700", 3, "abc is not a number"),
    ("2026-05-06,SHEA,70,71,69,70,1e400,700", 3, "1e400 is too large"),
    ("2026-05-06,SHEA,70,71,69,70,10,NaN", 3, "NaN is not a number"),
    ("2026-05-06,SHEA,-,-,-,70,0,700", 3, "Turnover without volume"),
    ("2026-05-06,SHEA,-,-,-,70,10,700", 3, "needs its open, high, low and close"),
    ("2026-05-06,SHEA,70,-,69,70,0,0", 3, "Give the open, high and low prices together"),
    ("2026-05-06,SHEA,70,71,69,70,10,0", 3, "needs its turnover"),
    ("2026-05-06,沪碳,70,71,69,70,10,700", 3, "is not a product code"),
    (",SHEA,70,71,69,70,10,700", 3, "Enter the trading day."),
    ("2026-05-06,SHEA,70,71,69,70,,700", 3, "Enter the volume in tonnes"),
]


@pytest.mark.parametrize("line,row,message", BAD_ROWS)
def test_a_bad_row_is_refused_with_its_row_number_and_nothing_saved(alice, line, row, message):
    before = snapshot()
    result = run(alice, csv_file(ZH_HEAD + "\n".join(["2026-05-04,SHEA,70,71,69,70,10,700", line]) + "\n"))
    assert not result.ok
    assert any(text.startswith(f"Row {row}") and message in text for text in messages_of(result)), messages_of(result)
    assert not MarketDay.objects.exists() and not MarketImport.objects.exists()
    assert_unchanged(before)


def test_a_future_day_is_refused(alice):
    tomorrow = timezone.localdate() + timedelta(days=1)
    result = run(alice, csv_file(ZH_HEAD + f"{tomorrow},SHEA,70,71,69,70,10,700\n"))
    assert messages_of(result) == [f"Row 2, 日期: {tomorrow} is in the future."]


def test_the_same_day_and_product_twice_in_a_file_is_refused(alice):
    result = run(alice, csv_file(ZH_HEAD + GOOD + "\n" + GOOD))
    assert messages_of(result) == ["Row 4, 日期: SHEA on 2026-05-06 is already in row 2 of this file."]
    assert not MarketDay.objects.exists()


def test_every_bad_row_is_listed_not_only_the_first(alice):
    text = ZH_HEAD + GOOD + "2026-05-07,SHEA,70,71,69,70,-1,0\n2026-05-08,SHEA,70,69,71,70,10,700\n"
    result = run(alice, csv_file(text))
    assert [e.row for e in result.errors] == [3, 4]


def test_a_turnover_far_from_volume_times_prices_is_flagged_not_refused(alice):
    # 1,000 t between 69 and 71 yuan/t is 69,000 to 71,000 yuan: 90,000 is flagged.
    result = run(alice, csv_file(ZH_HEAD + "2026-05-06,SHEA,70,71,69,70,1000,90000\n"))
    assert result.ok
    assert result.flagged[0].row == 2
    assert (
        "The turnover (90,000.00 yuan) is not what the volume at the day's prices gives (69,000.00 to 71,000.00 yuan)"
        in result.flagged[0].bound.warnings[0]
    )
    assert MarketDay.objects.get().turnover_yuan == D(90000)
    assert AuditEntry.objects.get(verb="market.import").data["flagged_rows"] == [2]


def test_only_the_bureau_imports(carol, dave):
    for user in (carol, dave):
        with pytest.raises(PermissionDenied):
            run(user, sample())
    assert not MarketImport.objects.exists()


# -- dry run, saving, the same file, corrections --


def test_the_dry_run_saves_nothing(alice):
    before = snapshot()
    result = run(alice, sample(), dry_run=True)
    assert result.ok and len(result.new) == 6
    assert not MarketDay.objects.exists() and not MarketImport.objects.exists()
    assert_unchanged(before)


def test_an_import_records_the_file_its_days_and_an_audit_entry(alice):
    result = run(alice, sample())
    record = MarketImport.objects.get()
    assert result.record == record
    assert (record.rows, record.created_days, record.updated_days) == (6, 6, 0)
    assert record.uploaded_by == alice and len(record.sha256) == 64
    assert set(MarketDay.objects.values_list("source", flat=True)) == {record.pk}
    entry = AuditEntry.objects.get(verb="market.import")
    assert entry.data["created_days"] == 6 and entry.data["sha256"] == record.sha256


def test_the_same_file_again_is_recognised_and_imports_nothing(alice):
    first = run(alice, sample())
    again = run(alice, sample(), dry_run=True)
    assert again.previous == first.record
    assert [e.code for e in again.errors] == ["nothing_to_import"]
    assert "This file was already imported on" in messages_of(again)[0]
    assert run(alice, sample()).errors and MarketImport.objects.count() == 1


def test_days_already_on_record_with_the_same_figures_are_left_with_their_import(alice):
    first = run(alice, csv_file(ZH_HEAD + GOOD))
    second = run(alice, csv_file(ZH_HEAD + GOOD + "2026-05-07,SHEA,70,71,69,70,10,700\n", name="more.csv"))
    assert second.ok and second.unchanged_count == 1 and len(second.new) == 1
    assert MarketDay.objects.get(trade_date=date(2026, 5, 6)).source == first.record
    assert MarketDay.objects.get(trade_date=date(2026, 5, 7)).source == second.record


CORRECTED = "2026-05-06,SHEA,70.00,71.50,69.80,71.00,1000,70500.00\n"


def test_the_dry_run_shows_each_correction_old_and_new(alice):
    first = run(alice, csv_file(ZH_HEAD + GOOD))
    result = run(alice, csv_file(ZH_HEAD + CORRECTED, name="fix.csv"), dry_run=True)
    assert result.ok and not result.new
    [item] = result.corrections
    assert [(c.field, c.old, c.new) for c in item.changes] == [("close_yuan", D("71.20"), D("71.00"))]
    assert item.current_source == first.record
    assert MarketDay.objects.get().close_yuan == D("71.20")


def test_a_correction_not_confirmed_refuses_the_whole_file(alice):
    run(alice, csv_file(ZH_HEAD + GOOD))
    before = snapshot()
    text = ZH_HEAD + CORRECTED + "2026-05-07,SHEA,70,71,69,70,10,700\n"
    result = run(alice, csv_file(text, name="fix.csv"))
    assert [e.code for e in result.errors] == ["corrections_not_confirmed"]
    assert MarketDay.objects.count() == 1 and MarketDay.objects.get().close_yuan == D("71.20")
    assert MarketImport.objects.count() == 1
    assert_unchanged(before)


def test_a_confirmed_correction_changes_the_day_and_names_the_import_that_set_it(alice):
    first = run(alice, csv_file(ZH_HEAD + GOOD))
    result = run(alice, csv_file(ZH_HEAD + CORRECTED, name="fix.csv"), apply_corrections=True)
    assert result.ok
    day = MarketDay.objects.get()
    assert day.close_yuan == D("71.00") and day.source == result.record != first.record
    assert (result.record.created_days, result.record.updated_days) == (0, 1)
    audit = AuditEntry.objects.filter(verb="market.import").order_by("pk").last()
    assert audit.data["corrections"] == [
        {
            "day": "2026-05-06",
            "product": "SHEA",
            "previous_import": first.record.pk,
            "changes": {"close_yuan": ["71.20", "71.00"]},
        }
    ]


# -- pages --


def import_url():
    return reverse("trading:market_import")


@pytest.mark.parametrize("name", ["trading:market_admin", "trading:market_import", "trading:market_template"])
def test_the_import_pages_are_the_bureaus(client, client_for, alice, carol, erin, dave, name):
    url = reverse(name)
    assert client.get(url).status_code == 302
    for user in (carol, erin, dave):
        assert client_for(user).get(url).status_code == 403
    assert client_for(alice).get(url).status_code == 200


def test_check_then_import_through_the_page(client_for, alice):
    client = client_for(alice)
    response = client.post(import_url(), {"file": sample(), "mode": "check"})
    body = response.content.decode()
    assert "The file passed every check" in body and "6 days to add" in body
    assert not MarketDay.objects.exists()
    sha = response.context["pending_sha256"]
    response = client.post(import_url(), {"action": "confirm", "sha256": sha})
    assert response.status_code == 302 and response.url == reverse("trading:market_admin")
    assert MarketDay.objects.count() == 6
    listing = client.get(reverse("trading:market_admin")).content.decode()
    assert "market_sample.csv" in listing


def test_corrections_through_the_page_need_the_box_ticked(client_for, alice):
    run(alice, csv_file(ZH_HEAD + GOOD))
    client = client_for(alice)
    response = client.post(import_url(), {"file": csv_file(ZH_HEAD + CORRECTED, "fix.csv"), "mode": "check"})
    body = response.content.decode()
    assert "71.20 → <strong>71.00</strong>" in body
    sha = response.context["pending_sha256"]
    refused = client.post(import_url(), {"action": "confirm", "sha256": sha})
    assert "would correct 1 day already on record" in refused.content.decode()
    assert MarketDay.objects.get().close_yuan == D("71.20")
    client.post(import_url(), {"action": "confirm", "sha256": sha, "apply_corrections": "on"})
    assert MarketDay.objects.get().close_yuan == D("71.00")


def test_a_bad_file_on_the_page_lists_the_rows_and_keeps_nothing(client_for, alice):
    text = ZH_HEAD + "2026-05-06,SHEA,70,69,71,70,10,700\n"
    response = client_for(alice).post(import_url(), {"file": csv_file(text), "mode": "import"})
    body = response.content.decode()
    assert "There is a problem" in body and "Row 2: The low (71.00) is above the high (69.00)." in body
    assert not MarketDay.objects.exists()


def test_a_confirm_without_a_checked_file_imports_nothing(client_for, alice):
    response = client_for(alice).post(import_url(), {"action": "confirm", "sha256": "0" * 64})
    assert response.status_code == 302 and not MarketImport.objects.exists()


def test_the_template_has_the_headings_in_both_languages(client_for, alice):
    response = client_for(alice).get(reverse("trading:market_template"))
    ws = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [c.value for c in ws[1]][:2] == ["日期\ndate", "品种\nproduct"]


def test_the_list_of_imports_runs_the_same_queries_for_2_and_20_files(client_for, alice, django_assert_max_num_queries):
    def add(n):
        for i in range(n):
            MarketImport.objects.create(file_name=f"f{i}.csv", sha256=f"{i:064d}", uploaded_by=alice)

    client = client_for(alice)
    add(2)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("trading:market_admin"))
    add(18)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("trading:market_admin"))
