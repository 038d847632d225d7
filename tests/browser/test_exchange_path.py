"""The exchange's main path in the browser (Art. 12, 31, 32): ivy, its staff, uploads the day's
agreement transfers in Chinese; a file with a row to a prohibited account is refused as a whole
with the row number; the corrected file is checked (nothing recorded), then recorded, and both
transfers are listed with their exchange references and verifiable codes."""

import pytest
from django.urls import reverse

from tests.trading.conftest import held
from trading.models import LedgerTransaction
from trading.services.accounts import account_open, allowance
from trading.services.acts import issue

from .test_plan_filing import sign_in_unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEAD = "成交编号,成交日期,卖方账户,买方账户,配额品种,数量(吨)\n"


def _file(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text(HEAD + "".join(f"{','.join(map(str, row))}\n" for row in rows), encoding="utf-8")
    return str(path)


def test_the_exchange_reports_agreement_transfers_from_a_file(
    live_server, new_page, shots, tmp_path, alice, unit, other_unit
):
    from carbon_portal.roles import Role
    from registry.choices import OrganisationType
    from tests.factories import AgencyFactory, MembershipFactory, OrganisationFactory, UserFactory

    exchange = OrganisationFactory(name_zh="上海环境能源交易所", org_type=OrganisationType.EXCHANGE, industry=None)
    ivy = UserFactory(email="ivy@cneeex.example.cn")
    MembershipFactory(user=ivy, organisation=exchange, role=Role.EXCHANGE_STAFF)
    shea = allowance(2026)
    seller = account_open(actor=alice, organisation=unit)
    buyer = account_open(actor=alice, organisation=other_unit)
    agency_account = account_open(actor=alice, organisation=AgencyFactory())  # may not trade (Art. 32)
    issue(actor=alice, to_account=seller, instrument=shea, quantity_t=1000, idempotency_key="fund-seller")
    day = "2026-11-20"

    page = new_page(locale="zh-CN")
    sign_in_unit(page, live_server.url, ivy.email)
    page.goto(f"{live_server.url}{reverse('trading:exchange_import')}")

    # A row to an agency's account (may not trade, Art. 32): the whole file is refused.
    bad = _file(
        tmp_path,
        "bad.csv",
        [
            ("SEEE-2026-11-0001", day, seller.number, buyer.number, "SHEA-2026", 200),
            ("SEEE-2026-11-0002", day, seller.number, agency_account.number, "SHEA-2026", 50),
        ],
    )
    page.set_input_files("input[type=file]", bad)
    page.check("input[name=mode][value=import]")
    page.click("main form[enctype='multipart/form-data'] button[type=submit]")
    summary = page.locator(".error-summary")
    summary.wait_for()
    assert "3" in summary.inner_text()  # the row number, heading counted
    assert not LedgerTransaction.objects.filter(reference__startswith="SEEE:").exists()
    page.screenshot(path=shots / "exchange-refused-zh.png", full_page=True)

    # The corrected file: checked first (nothing recorded), then recorded.
    good = _file(
        tmp_path,
        "good.csv",
        [
            ("SEEE-2026-11-0001", day, seller.number, buyer.number, "SHEA-2026", 200),
            ("SEEE-2026-11-0002", day, seller.number, buyer.number, "SHEA2026", 50),
        ],
    )
    page.set_input_files("input[type=file]", good)
    page.check("input[name=mode][value=check]")
    page.click("main form[enctype='multipart/form-data'] button[type=submit]")
    page.locator("input[name=action][value=confirm]").wait_for(state="attached")
    assert not LedgerTransaction.objects.filter(reference__startswith="SEEE:").exists()
    page.click("form:has(input[name=action][value=confirm]) button[type=submit]")
    page.wait_for_url(f"**{reverse('trading:exchange_home')}*")
    assert held(seller, shea) == 750 and held(buyer, shea) == 250
    listed = page.locator("main").inner_text()
    assert "SEEE-2026-11-0001" in listed and "SEEE-2026-11-0002" in listed
    page.screenshot(path=shots / "exchange-recorded-zh.png", full_page=True)
