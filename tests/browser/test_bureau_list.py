"""A bureau user signs in with MFA, compiles the list, a second user approves, and it is published."""

import pyotp
import pytest

from tests.conftest import TOTP_SECRET
from tests.registry.helpers import emitter

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct-horse-battery"


def sign_in(page, base_url, email):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/2fa/authenticate/**")
    page.fill("input[name=code]", pyotp.TOTP(TOTP_SECRET).now())
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/")


def test_bureau_compiles_and_a_second_user_publishes(live_server, new_page, shots, alice, bob):
    for tonnes in (12000, 30000, 7000):
        emitter(tonnes)
    page = new_page(locale="en-GB")
    page.goto(f"{live_server.url}/")
    page.select_option("#lang-select", "en")
    page.click(".lang-switch button")
    sign_in(page, live_server.url, alice.email)
    page.click("text=Compile lists")
    page.fill("input[name=year]", "2026")
    page.click("main button[type=submit]")
    page.wait_for_url("**/admin/lists/2026/")
    assert page.locator(".job-progress").count() == 0  # finished (eager here): no progress bar left
    assert page.locator("table.data tbody tr").count() == 3
    page.click("text=Check and submit for approval")
    page.click("text=Submit for approval")
    assert "LIST-2026" in page.locator(".confirmation").inner_text()
    page.click("text=Sign out")

    sign_in(page, live_server.url, bob.email)
    page.click("text=Approve or return the 2026 list")
    page.check("input[value=approve]")
    page.click("text=Record decision")
    assert "published" in page.locator(".notice-success").inner_text().lower()
    page.screenshot(path=shots / "bureau-published.png", full_page=True)
