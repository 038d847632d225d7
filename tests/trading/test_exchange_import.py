"""The exchange's pages: the upload of a day's agreement transfers (dry run, then every row recorded
or none, with row-numbered errors), the list of what it reported, its market-figures import, and the
demo's exchange."""

import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carbon_portal.models import Notification
from tests.trading import exchange_fixtures as fx
from tests.trading.conftest import FUNDED_T, assert_unchanged, held, snapshot
from trading.models import LedgerTransaction, MarketDay, MarketImport
from trading.services.exchange import reported_transfers_import, transfer_reported
from trading.services.market import market_import

pytestmark = pytest.mark.django_db
exchange_org, ivy = fx.exchange_org, fx.ivy  # the exchange's fixtures

ZH_HEAD = "成交编号,成交日期,卖方账户,买方账户,品种,数量(吨)\n"
EN_HEAD = "trade reference,trade date,seller account,buyer account,instrument,quantity (t)\n"


def csv_file(text: str, name: str = "agreements.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8-sig"))


def line(ref, seller, buyer, quantity, instrument="SHEA-2026", day=None) -> str:
    return f"{ref},{(day or fx.yesterday()).isoformat()},{seller.number},{buyer.number},{instrument},{quantity}\n"


def run(actor, upload, *, dry_run=False):
    return reported_transfers_import(actor=actor, uploaded_file=upload, dry_run=dry_run)


def messages_of(result) -> list[str]:
    return [str(e) for e in result.errors]


@pytest.fixture
def day_file(unit_account, other_account, third_account, funded):
    return ZH_HEAD + line("SEEE-1", unit_account, other_account, 300) + line("SEEE-2", unit_account, third_account, 200)


# -- the service --


def test_every_row_of_the_file_is_recorded(ivy, day_file, unit_account, other_account, third_account, shea):
    result = run(ivy, csv_file(day_file))
    assert result.ok and result.recorded, messages_of(result)
    assert [r.row for r in result.new] == [2, 3] and all(r.code for r in result.new)
    assert held(unit_account, shea) == FUNDED_T - 500
    assert held(other_account, shea) == 300 and held(third_account, shea) == 200
    assert LedgerTransaction.objects.filter(reference__in=["SEEE:SEEE-1", "SEEE:SEEE-2"]).count() == 2


def test_the_dry_run_records_nothing_and_notifies_nobody(ivy, carol, day_file):
    before = snapshot()
    result = run(ivy, csv_file(day_file), dry_run=True)
    assert result.ok and not result.recorded and len(result.new) == 2
    assert all(r.code == "" for r in result.new)
    assert_unchanged(before)
    assert not Notification.objects.exists()


def test_one_refused_row_records_nothing_and_every_problem_has_its_row(
    ivy, unit_account, other_account, agency_account, funded
):
    text = (
        ZH_HEAD
        + line("SEEE-1", unit_account, other_account, 300)
        + line("SEEE-2", unit_account, agency_account, 10)
        + line("SEEE-3", unit_account, other_account, FUNDED_T)
    )
    before = snapshot()
    result = run(ivy, csv_file(text))
    found = messages_of(result)
    assert not result.ok and not result.recorded
    assert any(m.startswith("Row 3") and "Art. 32 para 2" in m for m in found), found
    assert any(m.startswith("Row 4") and "does not hold enough" in m for m in found), found
    assert not any(m.startswith("Row 2") for m in found)
    assert_unchanged(before)
    assert not Notification.objects.exists()


BAD_ROWS = [
    ("SEEE-9,{day},{a},{b},SHEA-2026,0", "at least 1 tonne"),
    ("SEEE-9,{day},{a},{b},SHEA-2026,1.5", "not a whole number of tonnes"),
    ("SEEE-9,2099-01-01,{a},{b},SHEA-2026,5", "is in the future"),
    ("SEEE-9,someday,{a},{b},SHEA-2026,5", "is not a date"),
    ("成交九,{day},{a},{b},SHEA-2026,5", "is not a trade reference"),
    (",{day},{a},{b},SHEA-2026,5", "Enter the exchange's trade reference"),
    ("SEEE-9,{day},{a},{a},SHEA-2026,5", "the same account"),
    ("SEEE-9,{day},{a},H913100000000000000,SHEA-2026,5", "No account has this number"),
    ("SEEE-9,{day},{a},{b},SHEA-1999,5", "No instrument has this code"),
    ("SEEE-1,{day},{a},{b},SHEA-2026,5", "already in row 2 of this file"),
]


@pytest.mark.parametrize("bad,message", BAD_ROWS)
def test_a_bad_row_is_refused_with_its_row_number(ivy, unit_account, other_account, funded, bad, message):
    cells = bad.format(day=fx.yesterday().isoformat(), a=unit_account.number, b=other_account.number)
    text = ZH_HEAD + line("SEEE-1", unit_account, other_account, 1) + cells + "\n"
    before = snapshot()
    result = run(ivy, csv_file(text))
    assert any(m.startswith("Row 3") and message in m for m in messages_of(result)), messages_of(result)
    assert_unchanged(before)


def test_english_headings_and_compact_instrument_codes_are_read(ivy, unit_account, other_account, funded, shea):
    text = EN_HEAD + line("SEEE-1", unit_account, other_account, 10, instrument="shea2026")
    result = run(ivy, csv_file(text))
    assert result.ok, messages_of(result)
    assert held(other_account, shea) == 10


def test_a_reference_reported_before_under_another_key_is_refused(ivy, unit_account, other_account, funded, shea):
    first = transfer_reported(
        actor=ivy,
        from_account=unit_account,
        to_account=other_account,
        instrument=shea,
        quantity_t=5,
        trade_reference="SEEE-1",
        trade_date=fx.yesterday(),
        idempotency_key="api-1",
    ).transaction
    before = snapshot()
    result = run(ivy, csv_file(ZH_HEAD + line("SEEE-1", unit_account, other_account, 5)))
    assert any(m.startswith("Row 2") and first.code in m for m in messages_of(result)), messages_of(result)
    assert_unchanged(before)


def test_the_same_file_again_records_nothing_twice(ivy, day_file):
    run(ivy, csv_file(day_file))
    before = snapshot()
    result = run(ivy, csv_file(day_file))
    assert messages_of(result) == ["Nothing to record: every transfer in this file is already on record."]
    assert_unchanged(before)


def test_a_file_adding_to_one_already_recorded_records_only_the_new_row(ivy, day_file, unit_account, other_account):
    run(ivy, csv_file(day_file))
    result = run(ivy, csv_file(day_file + line("SEEE-3", unit_account, other_account, 1)))
    assert result.ok and [r.row for r in result.on_record] == [2, 3] and [r.row for r in result.new] == [4]


def test_a_reference_sent_again_with_other_details_is_refused(ivy, day_file, unit_account, other_account):
    run(ivy, csv_file(day_file))
    before = snapshot()
    result = run(ivy, csv_file(ZH_HEAD + line("SEEE-1", unit_account, other_account, 301)))
    assert any(m.startswith("Row 2") and "already recorded with other details" in m for m in messages_of(result))
    assert_unchanged(before)


@pytest.mark.parametrize("who", ["carol", "dave", "alice"])
def test_only_the_exchange_uploads(request, who, day_file):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        run(request.getfixturevalue(who), csv_file(day_file))
    assert_unchanged(before)


# -- the pages --

PAGES = [
    ("trading:exchange_home", ()),
    ("trading:exchange_import", ()),
    ("trading:exchange_template", ()),
    ("trading:exchange_download", ("csv",)),
]


@pytest.mark.parametrize("name,args", PAGES)
def test_the_pages_are_the_exchanges(client, client_for, alice, carol, erin, dave, ivy, name, args):
    url = reverse(name, args=args)
    assert client.get(url).status_code == 302  # to sign in
    for user in (carol, erin, dave, alice):
        assert client_for(user).get(url).status_code == 403
    assert client_for(ivy).get(url).status_code == 200


def test_check_then_record_through_the_page(client_for, ivy, day_file, other_account, shea):
    client = client_for(ivy)
    url = reverse("trading:exchange_import")
    response = client.post(url, {"file": csv_file(day_file), "mode": "check"})
    body = response.content.decode()
    assert "Every transfer in the file can be recorded" in body and "2 transfers to record" in body
    assert held(other_account, shea) == 0
    response = client.post(url, {"action": "confirm", "sha256": response.context["pending_sha256"]})
    assert response.status_code == 302 and response.url == reverse("trading:exchange_home")
    assert held(other_account, shea) == 300
    listing = client.get(reverse("trading:exchange_home")).content.decode()
    assert "SEEE-1" in listing and "SEEE-2" in listing and fx.yesterday().isoformat() in listing


def test_a_refused_file_on_the_page_lists_the_rows_and_records_nothing(
    client_for, ivy, unit_account, other_account, funded
):
    text = ZH_HEAD + line("SEEE-1", unit_account, other_account, FUNDED_T + 1)
    before = snapshot()
    response = client_for(ivy).post(reverse("trading:exchange_import"), {"file": csv_file(text), "mode": "import"})
    body = response.content.decode()
    assert (
        response.status_code == 200
        and "There is a problem" in body
        and "Row 2" in body
        and "does not hold enough" in body
    )
    assert_unchanged(before)


def test_a_confirm_without_a_checked_file_records_nothing(client_for, ivy, funded):
    before = snapshot()
    response = client_for(ivy).post(reverse("trading:exchange_import"), {"action": "confirm", "sha256": "0" * 64})
    assert response.status_code == 302
    assert_unchanged(before)


def test_the_template_reads_back_as_an_upload(client_for, ivy, unit_account, other_account, funded, shea):
    response = client_for(ivy).get(reverse("trading:exchange_template"))
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb.active
    assert [c.value for c in ws[1]][:2] == ["成交编号\ntrade reference", "成交日期\ntrade date"]
    ws.append(["SEEE-7", fx.yesterday().isoformat(), unit_account.number, other_account.number, "SHEA-2026", 12])
    out = io.BytesIO()
    wb.save(out)
    result = run(ivy, SimpleUploadedFile("day.xlsx", out.getvalue()))
    assert result.ok, messages_of(result)
    assert held(other_account, shea) == 12


def test_the_list_runs_the_same_queries_for_2_and_12_transfers(
    client_for, ivy, unit_account, other_account, funded, shea, django_assert_max_num_queries
):
    def report(n):
        transfer_reported(
            actor=ivy,
            from_account=unit_account,
            to_account=other_account,
            instrument=shea,
            quantity_t=1,
            trade_reference=f"SEEE-{n}",
            trade_date=fx.yesterday(),
            idempotency_key=f"k-{n}",
        )

    client = client_for(ivy)
    for n in range(2):
        report(n)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("trading:exchange_home"))
    for n in range(2, 12):
        report(n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("trading:exchange_home"))
    assert response.content.decode().count("SEEE-") >= 12


# -- the market figures --


def test_the_exchange_imports_its_market_figures(ivy):
    head = "日期,品种,开盘价,最高价,最低价,收盘价,成交量(吨),成交额(元)\n"
    upload = csv_file(head + "2026-05-06,SHEA,70,71,69,70,10,700\n", "figures.csv")
    result = market_import(actor=ivy, uploaded_file=upload, dry_run=False)
    assert result.ok and MarketDay.objects.count() == 1
    assert MarketImport.objects.get().uploaded_by == ivy


def test_the_exchange_reaches_the_market_import_pages(client_for, ivy):
    client = client_for(ivy)
    for name in ("trading:market_admin", "trading:market_import", "trading:market_template"):
        assert client.get(reverse(name)).status_code == 200


# -- the demo --


def test_the_demo_registers_the_exchange_and_ivy_and_reports_twice_once(
    alice, carol, funded, unit_account, shea, shea_older
):
    from carbon_portal.permissions import roles_of
    from registry.choices import OrganisationType
    from registry.demo import DEMO_PASSWORD
    from tests.factories import OrganisationFactory
    from trading import demo_exchange
    from trading.services.accounts import account_open
    from trading.services.acts import issue

    buyer = account_open(actor=alice, organisation=OrganisationFactory())
    seller = account_open(actor=alice, organisation=OrganisationFactory())
    issue(actor=alice, to_account=seller, instrument=shea_older, quantity_t=800, idempotency_key="older")
    lines = []
    demo_exchange.seed_exchange(log=lines.append)
    demo_exchange.seed_exchange(log=lines.append)
    ivy = demo_exchange.User.objects.get(email=demo_exchange.IVY)
    assert ivy.check_password(DEMO_PASSWORD) and "exchange_staff" in roles_of(ivy)
    assert ivy.memberships.get().organisation.org_type == OrganisationType.EXCHANGE
    reported = LedgerTransaction.objects.filter(reference__startswith="SEEE:SEEE-").order_by("sequence")
    assert reported.count() == 2 and {tx.actor for tx in reported} == {ivy}
    assert reported[0].reference.endswith("-0001") and reported[1].reference.endswith("-0002")
    assert "2 agreement transfers reported" in lines[0] and "0 agreement transfers reported" in lines[1]
    assert held(unit_account, shea_older) == 500 and held(seller, shea_older) == 300
    assert held(buyer, shea) == 300
