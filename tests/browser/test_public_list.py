"""A public visitor finds a unit on the published list and downloads the list as CSV."""

import csv
import io

import pytest

from registry import services
from tests.registry.helpers import compile_list, emitter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def published_2026(alice, bob, django_capture_on_commit_callbacks):
    emitter(25000, name_zh="上海金山石化示例有限公司", name_en="Jinshan Petrochemical Example Co.", industry="C25")
    emitter(
        12000,
        name_zh="上海浦东数据中心示例有限公司",
        name_en="Pudong Data Centre Example Co.",
        industry="I65DC",
        district="pudong",
    )
    emitter(6000, name_zh="上海宝山化工示例有限公司", name_en="Baoshan Chemical Example Co.", district="baoshan")
    rl = compile_list(alice, 2026, django_capture_on_commit_callbacks)
    services.regulated_list_submit(actor=alice, regulated_list=rl)
    services.regulated_list_approve(actor=bob, regulated_list=rl)
    return rl


def test_visitor_searches_the_list_and_downloads_csv(live_server, new_page, shots, published_2026):
    page = new_page()  # a Chinese browser: the public sees Chinese by default
    page.goto(f"{live_server.url}/")
    page.click("nav >> text=纳管单位")
    page.click("text=2026")
    assert page.locator("table.data tbody tr").count() == 3
    page.fill("input[name=q]", "数据中心")
    page.click("form.filters button")
    rows = page.locator("table.data tbody tr")
    assert rows.count() == 1 and "上海浦东数据中心示例有限公司" in rows.first.inner_text()
    page.screenshot(path=shots / "public-list-search.png", full_page=True)

    with page.expect_download() as info:
        page.click("a[href*='download.csv']")
    content = open(info.value.path(), encoding="utf-8-sig").read()
    data = list(csv.reader(io.StringIO(content)))
    assert len(data) == 2 and "上海浦东数据中心示例有限公司" in data[1]

    page.click("text=上海浦东数据中心示例有限公司")
    assert published_2026.entries.get(organisation__name_zh__contains="数据中心").organisation.uscc in page.content()
