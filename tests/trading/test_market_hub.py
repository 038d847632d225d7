"""The public carbon market overview: one page linking the plans, auctions, market figures,
compliance status and ledger verification, with the latest of each."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.urls import reverse

from tests.trading.test_auctions import announce, fund
from tests.trading.test_runs import make_plan
from trading.choices import AccountKind
from trading.models import MarketDay, MarketImport

pytestmark = pytest.mark.django_db
URL = reverse("trading:market_hub")


def test_anyone_reads_the_overview_without_signing_in(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert "No auction has been announced yet." in response.content.decode()


def test_the_overview_shows_the_latest_plan_auction_and_close(client, alice, bob, shea):
    make_plan(alice, bob)
    fund(alice, AccountKind.RESERVE, 5000, "fund-reserve")
    auction = announce(alice, bob)
    source = MarketImport.objects.create(file_name="x.csv", sha256="0" * 64, uploaded_by=alice)
    MarketDay.objects.create(trade_date=date(2026, 11, 20), product="SHEA", close_yuan=D("61.50"), source=source)
    page = client.get(URL).content.decode()
    assert f"no. {auction.pk}" in page
    assert "61.50 yuan/t" in page
    assert reverse("trading:plan_public_index") in page and reverse("trading:verify") in page


def test_the_public_navigation_leads_to_the_overview(client):
    assert URL in client.get(reverse("home")).content.decode()


def test_the_overview_takes_a_fixed_number_of_queries(client, django_assert_max_num_queries, alice, bob, shea):
    fund(alice, AccountKind.RESERVE, 5000, "fund-reserve")
    for _ in range(4):
        announce(alice, bob, quantity_t=10)
    with django_assert_max_num_queries(8):
        client.get(URL)
