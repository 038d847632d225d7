"""A bureau user adds a new version of an emission factor; the public page shows it for the year."""

import pytest
from django.apps import apps

from tests.browser.test_bureau_list import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def factor_library(reference_data):
    """The live server's flush removes migration 0002's factors too: load them again."""
    from reporting import reference

    reference.load(apps)


def test_bureau_adds_a_factor_version_and_the_public_sees_it(live_server, new_page, shots, alice):
    page = new_page(locale="en-GB")
    page.goto(f"{live_server.url}/")
    page.select_option("#lang-select", "en")
    page.click(".lang-switch button")
    sign_in(page, live_server.url, alice.email)
    page.click("nav >> text=Emission factors")
    page.click("text=Manage the factor library")
    row = page.locator("#kind-purchased_electricity ~ .table-wrap tr", has_text="2022 onwards").first
    row.locator("text=New version").click()
    assert page.input_value("input[name=ef_tco2_per_mwh]") == "0.42"
    assert page.input_value("input[name=source_zh]") == ""  # a new version states its own source
    page.fill("input[name=ef_tco2_per_mwh]", "0.5")
    page.fill("input[name=source_zh]", "沪环气〔2026〕1号")
    page.screenshot(path=shots / "factor-new-version.png", full_page=True)
    page.click("main button[type=submit]")
    assert "version 2" in page.locator(".notice-success").inner_text()
    page.locator("#kind-purchased_electricity ~ details summary").first.click()
    page.screenshot(path=shots / "factor-library.png", full_page=True)
    page.click("text=Sign out")

    page.goto(f"{live_server.url}/reporting/factors/?year=2023")
    table = page.locator("#kind-purchased_electricity ~ .table-wrap").first.inner_text()
    assert "0.5" in table and "沪环气〔2026〕1号" in table and "0.42" not in table
    page.screenshot(path=shots / "factors-public.png", full_page=True)
