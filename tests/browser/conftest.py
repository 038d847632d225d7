"""Playwright on Debian's Chromium (browsers cannot be downloaded here)."""

import os
import shutil

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium_path():
    path = shutil.which("chromium")
    if not path:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Debian's chromium must be installed in CI")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args, chromium_path):
    """pytest-playwright's browser, launched from Debian's Chromium with the flags this machine needs."""
    return {**browser_type_launch_args, "executable_path": chromium_path, "args": CHROMIUM_FLAGS}


@pytest.fixture
def new_page(browser, tmp_path):
    contexts = []

    def _make(locale="zh-CN"):
        context = browser.new_context(locale=locale, accept_downloads=True, viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    yield _make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def shots():
    """Screenshots go to test-results/ (git-ignored) so a person can look at what the test saw."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "test-results"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """Browser tests need a live server, hence real transactions, and each one's flush removes
    the reference data of migration 0002: load it again (get_or_create, so idempotent)."""
    from django.apps import apps

    from registry import reference
    from reporting import reference as factors

    reference.load(apps)
    factors.load(apps)
