"""A unit files its data quality control plan, the bureau returns it with a comment, the unit
revises and resubmits it, and the bureau accepts it (issue 3's plan path), in Chinese."""

import pytest

from tests.reporting.helpers import facility, listed

from .test_bureau_list import PASSWORD, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_unit(page, base_url, email):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")


def sign_out(page):
    page.click("nav .link-button")


def file_boundary_and_people(page, boundary):
    page.click("#boundary ~ p a[href$='/boundary/']")
    page.fill("textarea[name=boundary]", boundary)
    page.click("main button[type=submit]")
    page.click("a[href$='/responsibilities/']")
    page.fill("input[name=responsible_name]", "张三")
    page.fill("input[name=responsible_contact]", "021-1234 5678 zhangsan@unit.example.cn")
    page.click("main button[type=submit]")


def test_unit_plan_is_returned_revised_and_accepted(live_server, new_page, shots, carol, alice, bob, unit):
    listed(unit, year=2026)
    fac = facility(unit)
    page = new_page()  # zh-CN: the public default
    sign_in_unit(page, live_server.url, carol.email)
    page.goto(f"{live_server.url}/reporting/plans/")
    page.click("button:has-text('开始填写')")
    file_boundary_and_people(page, "一号厂区：锅炉 1-3 号。")
    page.click("a[href$='/parameters/add/']")
    page.select_option("select[name=facility]", str(fac.pk))
    page.fill("input[name=emission_source]", "2号锅炉，天然气")
    page.fill("input[name=parameter_name]", "天然气消耗量")
    page.select_option("select[name=method]", "measured")
    page.select_option("select[name=frequency]", "monthly")
    page.fill("input[name=responsible_person]", "李四")
    page.fill("input[name=instrument_name]", "燃气流量计 FM-1")
    page.fill("input[name=calibration_date]", "2026-03-01")
    page.click("main button[type=submit]")
    page.click("a[href$='/submit/']")
    page.click("main button[type=submit]")
    reference = page.locator(".reference").first.inner_text()
    assert reference.startswith("DQP-2027-")
    page.screenshot(path=shots / "plan-submitted-zh.png", full_page=True)
    sign_out(page)

    sign_in(page, live_server.url, alice.email)
    page.goto(f"{live_server.url}/reporting/admin/plans/?year=2027")
    page.click(f"a:has-text('{unit.name_zh}')")
    page.click("a[href$='/decide/']")
    page.check("input[value=return]")
    page.fill("textarea[name=boundary]", "请补充4号锅炉。")
    page.click("main button[type=submit]")
    assert page.locator(".tag").filter(has_text="退回").count() >= 1
    sign_out(page)

    sign_in_unit(page, live_server.url, carol.email)
    page.goto(f"{live_server.url}/messages/")
    returned = page.locator(".inbox li.unread a").filter(has_text="已退回：")
    assert returned.count() == 1
    returned.click()
    assert "请补充4号锅炉。" in page.locator("main").inner_text()
    page.click("button:has-text('修订计划')")
    page.click("#boundary ~ p a[href$='/boundary/']")
    page.fill("textarea[name=boundary]", "一号厂区：锅炉 1-4 号。")
    page.click("main button[type=submit]")
    page.click("a[href$='/submit/']")
    page.click("main button[type=submit]")
    assert "v2" in page.locator(".reference").first.inner_text()
    sign_out(page)

    # Another bureau user: a TOTP code is accepted once, and alice's was used minutes ago.
    sign_in(page, live_server.url, bob.email)
    page.goto(f"{live_server.url}/reporting/admin/plans/?year=2027")
    page.locator("a").filter(has_text=unit.name_zh).first.click()
    page.click("a[href$='/decide/']")
    page.check("input[value=accept]")
    page.click("main button[type=submit]")
    assert page.locator(".tag").filter(has_text="已接受").count() >= 1
    page.screenshot(path=shots / "plan-accepted-zh.png", full_page=True)
