"""The auction pages (Art. 13, 34): who reaches which page, bids sealed on every page until bidding
closes, the bureau's workflow and payments through the pages, the public results, query counts."""

from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.trading.conftest import held
from tests.trading.test_auctions import announce, close_bidding, fund, place, terms
from trading.choices import AccountKind, AuctionStatus, AwardPayment
from trading.models import Auction, Bid
from trading.services.auction_clearing import auction_clear
from trading.services.auctions import auction_create

LOGIN = "/accounts/login/"
SECRET_PRICE, SECRET_T = "77.77", 4321  # "4,321" on a page: no token or id contains a comma


@pytest.fixture
def reserve(alice, shea):
    return fund(alice, AccountKind.RESERVE, 10_000, "fund-reserve")


@pytest.fixture
def open_auction(alice, bob, reserve):
    return announce(alice, bob, quantity_t=10_000)


@pytest.fixture
def sealed_bid(carol, unit, unit_account, open_auction):
    return place(carol, unit, open_auction, SECRET_T, SECRET_PRICE)


@pytest.fixture
def cleared(alice, erin, other_unit, other_account, open_auction, sealed_bid):
    """carol's unit bid 4,321 t at 77.77 and erin's 1,000 t at 41.00, for 10,000 t offered: both win
    in full at the uniform clearing price of 41.00 yuan/t."""
    place(erin, other_unit, open_auction, 1000, "41.00")
    return auction_clear(actor=alice, auction=close_bidding(open_auction))


@pytest.fixture
def draft(alice, reserve):
    return auction_create(actor=alice, **terms())


def bureau_pages(auction, bid=None):
    pages = [
        reverse("trading:auction_admin"),
        reverse("trading:auction_new"),
        reverse("trading:auction_detail", args=[auction.pk]),
    ]
    if bid is not None:
        pages += [
            reverse("trading:auction_payment", args=[auction.pk, bid.pk]),
            reverse("trading:auction_download", args=[auction.pk, "csv"]),
        ]
    return pages


# -- permission matrix --


def test_public_pages_need_no_login(client, cleared):
    for url in [reverse("trading:auction_public_index"), reverse("trading:auction_public", args=[cleared.pk])]:
        assert client.get(url).status_code == 200, url


def test_a_draft_is_not_public(client, draft):
    assert client.get(reverse("trading:auction_public", args=[draft.pk])).status_code == 404
    index = client.get(reverse("trading:auction_public_index")).content.decode()
    assert reverse("trading:auction_public", args=[draft.pk]) not in index


def test_anonymous_users_are_sent_to_sign_in(client, cleared, sealed_bid):
    unit_pages = [reverse("trading:auction_unit"), reverse("trading:auction_unit_detail", args=[cleared.pk])]
    for url in [*bureau_pages(cleared, sealed_bid), *unit_pages]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN), url


def test_bureau_pages_are_the_bureaus(client_for, alice, carol, erin, dave, cleared, sealed_bid):
    for user, expected in ((carol, 403), (erin, 403), (dave, 403), (alice, 200)):
        client = client_for(user)
        for url in bureau_pages(cleared, sealed_bid):
            assert client.get(url).status_code == expected, (user, url)


def test_unit_pages_are_for_a_units_staff(client_for, alice, carol, dave, open_auction):
    assert client_for(carol).get(reverse("trading:auction_unit")).status_code == 200
    assert client_for(carol).get(reverse("trading:auction_unit_detail", args=[open_auction.pk])).status_code == 200
    assert client_for(dave).get(reverse("trading:auction_unit")).status_code == 403
    assert client_for(dave).get(reverse("trading:auction_unit_detail", args=[open_auction.pk])).status_code == 403
    assert client_for(alice).get(reverse("trading:auction_unit"))["Location"] == reverse("trading:auction_admin")


def test_a_unit_finds_no_draft_auction(client_for, carol, draft):
    assert client_for(carol).get(reverse("trading:auction_unit_detail", args=[draft.pk])).status_code == 404


def test_another_units_bid_cannot_be_withdrawn(client_for, erin, open_auction, sealed_bid):
    url = reverse("trading:auction_withdraw", args=[open_auction.pk, sealed_bid.pk])
    assert client_for(erin).post(url).status_code == 404
    sealed_bid.refresh_from_db()
    assert sealed_bid.withdrawn_at is None


# -- sealed until bidding closes --


def test_the_bureau_sees_no_bid_nor_their_number_before_the_close(client_for, alice, unit, open_auction, sealed_bid):
    page = client_for(alice).get(reverse("trading:auction_detail", args=[open_auction.pk])).content.decode()
    assert SECRET_PRICE not in page and "4,321" not in page and unit.name_zh not in page and unit.name_en not in page
    assert "Bids are sealed" in page and "BID-" not in page
    download = reverse("trading:auction_download", args=[open_auction.pk, "csv"])
    assert client_for(alice).get(download).status_code == 404


def test_another_unit_and_the_public_see_no_bid_before_the_close(client, client_for, erin, open_auction, sealed_bid):
    for page in (
        client_for(erin).get(reverse("trading:auction_unit_detail", args=[open_auction.pk])),
        client_for(erin).get(reverse("trading:auction_unit")),
        client.get(reverse("trading:auction_public", args=[open_auction.pk])),
        client.get(reverse("trading:auction_public_index")),
    ):
        assert SECRET_PRICE not in page.content.decode()


def test_the_unit_sees_its_own_bid(client_for, carol, open_auction, sealed_bid):
    assert SECRET_PRICE in client_for(carol).get(reverse("trading:auction_unit")).content.decode()
    page = client_for(carol).get(reverse("trading:auction_unit_detail", args=[open_auction.pk])).content.decode()
    assert SECRET_PRICE in page and f"BID-{sealed_bid.pk}" in page


def test_the_bureau_sees_the_bids_once_bidding_closed(client_for, alice, unit, open_auction, sealed_bid):
    close_bidding(open_auction)
    page = client_for(alice).get(reverse("trading:auction_detail", args=[open_auction.pk])).content.decode()
    assert SECRET_PRICE in page and unit.name in page and "Clear the auction" in page


# -- the public results --


def test_the_public_sees_the_results_and_winners_but_no_bid_price(client, unit, other_unit, cleared):
    page = client.get(reverse("trading:auction_public", args=[cleared.pk])).content.decode()
    assert "41.00" in page and unit.name in page and other_unit.name in page
    assert SECRET_PRICE not in page
    assert cleared.bidders == 2 and cleared.awarded_t == 5321


def test_a_cleared_auction_with_nothing_awarded_says_so(client, alice, open_auction):
    auction_clear(actor=alice, auction=close_bidding(open_auction))
    assert (
        "nothing was awarded" in client.get(reverse("trading:auction_public", args=[open_auction.pk])).content.decode()
    )


# -- the unit's bid form --


def test_a_bid_from_the_page_is_received_with_its_reference(client_for, carol, unit, unit_account, open_auction):
    url = reverse("trading:auction_unit_detail", args=[open_auction.pk])
    response = client_for(carol).post(url, {"quantity_t": "200", "price_yuan": "48.50"}, follow=True)
    bid = Bid.objects.get(organisation=unit)
    assert (bid.quantity_t, bid.price_yuan) == (200, D("48.50"))
    assert f"BID-{bid.pk}" in response.content.decode()


def test_a_bad_bid_is_refused_with_the_values_kept_and_nothing_saved(client_for, carol, unit_account, open_auction):
    url = reverse("trading:auction_unit_detail", args=[open_auction.pk])
    response = client_for(carol).post(url, {"quantity_t": "200", "price_yuan": "39.50"})
    page = response.content.decode()
    assert response.status_code == 400 and "There is a problem" in page and "at least the reserve price" in page
    assert 'value="39.50"' in page and 'value="200"' in page
    assert not Bid.objects.exists()


def test_a_bid_is_withdrawn_from_the_page(client_for, carol, open_auction, sealed_bid):
    client_for(carol).post(reverse("trading:auction_withdraw", args=[open_auction.pk, sealed_bid.pk]))
    sealed_bid.refresh_from_db()
    assert sealed_bid.withdrawn_at is not None


# -- the bureau's workflow through the pages --


def test_an_auction_is_prepared_sent_and_announced_by_a_second_user(client_for, alice, bob, reserve):
    data = {
        "kind": "reserve",
        "vintage": "2026",
        "quantity_t": "2000",
        "limit_price_yuan": "42.00",
        "max_bid_pct": "50",
        "min_bid_t": "100",
        "opens_at": "2030-05-01T09:00",
        "closes_at": "2030-05-01T11:00",
        "payment_due": "2030-05-10",
        "notes": "First auction of May.",
    }
    response = client_for(alice).post(reverse("trading:auction_new"), data)
    auction = Auction.objects.get()
    assert response["Location"] == reverse("trading:auction_detail", args=[auction.pk])
    assert auction.status == AuctionStatus.DRAFT and auction.quantity_t == 2000
    client_for(alice).post(reverse("trading:auction_submit", args=[auction.pk]))
    assert (
        client_for(alice)
        .post(reverse("trading:auction_decide", args=[auction.pk]), {"decision": "approve"})
        .status_code
        == 403
    )
    client_for(bob).post(reverse("trading:auction_decide", args=[auction.pk]), {"decision": "approve"})
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.ANNOUNCED and auction.approved_by == bob


def test_a_bad_auction_form_keeps_the_values_and_saves_nothing(client_for, alice, reserve):
    data = {**{k: "" for k in ("kind", "vintage")}, "quantity_t": "20000", "limit_price_yuan": "1.234"}
    response = client_for(alice).post(reverse("trading:auction_new"), data)
    assert response.status_code == 400 and 'value="20000"' in response.content.decode()
    assert not Auction.objects.exists()


def test_a_return_needs_a_reason(client_for, alice, bob, draft):
    client_for(alice).post(reverse("trading:auction_submit", args=[draft.pk]))
    response = client_for(bob).post(reverse("trading:auction_decide", args=[draft.pk]), {"decision": "return"})
    assert response.status_code == 400 and "Say why the auction goes back" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == AuctionStatus.PENDING


def test_an_auction_is_cancelled_from_its_page_with_a_reason(client_for, alice, open_auction):
    url = reverse("trading:auction_cancel", args=[open_auction.pk])
    assert client_for(alice).post(url, {"reason": ""}).status_code == 400
    client_for(alice).post(url, {"reason": "Market closed for the holiday."})
    open_auction.refresh_from_db()
    assert open_auction.status == AuctionStatus.CANCELLED


def test_clearing_and_payment_from_the_pages_deliver_once(
    client_for, alice, carol, unit, unit_account, open_auction, sealed_bid, shea
):
    close_bidding(open_auction)
    client_for(alice).post(reverse("trading:auction_clear", args=[open_auction.pk]))
    sealed_bid.refresh_from_db()
    assert sealed_bid.payment == AwardPayment.DUE and sealed_bid.awarded_t == SECRET_T
    url = reverse("trading:auction_payment", args=[open_auction.pk, sealed_bid.pk])
    assert client_for(alice).post(url, {"reference": ""}).status_code == 400
    client_for(alice).post(url, {"reference": "ICBC-77"})
    again = client_for(alice).post(url, {"reference": "ICBC-77"}, follow=True)
    assert "already confirmed" in again.content.decode()
    assert held(unit_account, shea) == SECRET_T
    page = client_for(carol).get(reverse("trading:auction_unit_detail", args=[open_auction.pk])).content.decode()
    sealed_bid.refresh_from_db()
    assert sealed_bid.delivery.code in page


def test_the_results_download_lists_every_bid_after_the_close(client_for, alice, unit, cleared):
    response = client_for(alice).get(reverse("trading:auction_download", args=[cleared.pk, "csv"]))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert unit.uscc in body and SECRET_PRICE in body and "41.00" in body
    xlsx = client_for(alice).get(reverse("trading:auction_download", args=[cleared.pk, "xlsx"]))
    assert xlsx.status_code == 200


# -- query counts --


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _more_auctions(alice, bob, carol, unit, n):
    for _n in range(n):
        auction = announce(alice, bob, quantity_t=100)
        place(carol, unit, auction, 10, "45")


@pytest.mark.parametrize("url_name", ["trading:auction_admin", "trading:auction_unit", "trading:auction_public_index"])
def test_list_pages_run_the_same_queries_for_1_and_5_auctions(
    client_for, alice, bob, carol, unit, unit_account, reserve, url_name
):
    client = client_for(carol if url_name == "trading:auction_unit" else alice)
    _more_auctions(alice, bob, carol, unit, 1)
    few = _queries(client, reverse(url_name))
    _more_auctions(alice, bob, carol, unit, 4)
    assert _queries(client, reverse(url_name)) == few


def test_the_bureaus_actions_refuse_everyone_else(client_for, carol, dave, open_auction, sealed_bid):
    close_bidding(open_auction)
    for user in (carol, dave):
        client = client_for(user)
        for name in ("auction_submit", "auction_decide", "auction_cancel", "auction_clear"):
            assert client.post(reverse(f"trading:{name}", args=[open_auction.pk])).status_code == 403, name
    open_auction.refresh_from_db()
    assert open_auction.status == AuctionStatus.ANNOUNCED


def test_no_admin_list_shows_auctions_or_bids():
    from django.contrib import admin

    assert Bid not in admin.site._registry and Auction not in admin.site._registry
