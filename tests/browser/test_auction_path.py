"""A reserve allowance auction in the browser (Art. 34): alice prepares it, bob announces it, two
units bid sealed (carol in Chinese, with a bid over the bidder limit refused first), bidding
closes, alice clears it at one uniform price, confirms carol's payment, which delivers her
allowances, and the public results page shows the price and the winners but no losing price."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.trading.conftest import held
from trading.choices import AccountKind, AuctionStatus, AwardPayment
from trading.models import Auction
from trading.services.accounts import account_open, allowance, bureau_account
from trading.services.acts import issue

from .test_bureau_list import sign_in
from .test_plan_filing import sign_in_unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VINTAGE = 2026


def _url(live_server, name, *args):
    return f"{live_server.url}{reverse(f'trading:{name}', args=args)}"


def _moment(when) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%dT%H:%M")


def test_a_reserve_auction_from_announcement_to_delivery_and_public_results(
    live_server, new_page, shots, alice, bob, carol, erin, unit, other_unit
):
    shea = allowance(VINTAGE)
    reserve = bureau_account(AccountKind.RESERVE, actor=alice)
    issue(actor=alice, to_account=reserve, instrument=shea, quantity_t=5000, idempotency_key="fund-reserve")
    carol_account = account_open(actor=alice, organisation=unit)
    account_open(actor=alice, organisation=other_unit)
    now = timezone.now()

    # 1. alice prepares a reserve auction of 1,000 t at a reserve price of 40 yuan/t.
    bureau = new_page(locale="en")
    sign_in(bureau, live_server.url, alice.email)
    bureau.goto(_url(live_server, "auction_new"))
    bureau.check("input[name=kind][value=reserve]")
    bureau.fill("input[name=vintage]", str(VINTAGE))
    bureau.fill("input[name=quantity_t]", "1000")
    bureau.fill("input[name=limit_price_yuan]", "40")
    bureau.fill("input[name=max_bid_pct]", "60")
    bureau.fill("input[name=min_bid_t]", "10")
    bureau.fill("input[name=opens_at]", _moment(now - timedelta(minutes=5)))
    bureau.fill("input[name=closes_at]", _moment(now + timedelta(days=1)))
    bureau.fill("input[name=payment_due]", (timezone.localdate() + timedelta(days=10)).isoformat())
    bureau.click("main form button[type=submit]")
    bureau.wait_for_url("**/admin/auctions/*/")
    auction = Auction.objects.get()
    bureau.click("button:has-text('Send for approval')")
    bureau.wait_for_url(f"**{reverse('trading:auction_detail', args=[auction.pk])}")

    # 2. bob announces it.
    approver = new_page(locale="en")
    sign_in(approver, live_server.url, bob.email)
    approver.goto(_url(live_server, "auction_detail", auction.pk))
    approver.check("input[name=decision][value=approve]")
    approver.click("button:has-text('Record decision')")
    approver.wait_for_url(f"**{reverse('trading:auction_detail', args=[auction.pk])}")
    auction.refresh_from_db()
    assert (auction.status, auction.prepared_by, auction.approved_by) == (AuctionStatus.ANNOUNCED, alice, bob)

    # 3. carol bids in Chinese: above the bidder limit (60% = 600 t) first, refused with her figures kept.
    unit_page = new_page(locale="zh-CN")
    sign_in_unit(unit_page, live_server.url, carol.email)
    unit_page.goto(_url(live_server, "auction_unit_detail", auction.pk))
    unit_page.fill("input[name=quantity_t]", "700")
    unit_page.fill("input[name=price_yuan]", "52.50")
    unit_page.click("main form button[type=submit]")
    assert unit_page.locator(".error-summary, .errorlist").count() > 0
    assert unit_page.input_value("input[name=price_yuan]") == "52.50"
    assert not auction.bids.exists()
    unit_page.fill("input[name=quantity_t]", "600")
    unit_page.click("main form button[type=submit]")
    unit_page.locator("text=BID-").first.wait_for()
    unit_page.screenshot(path=shots / "auction-bid-zh.png", full_page=True)

    erin_page = new_page(locale="en")
    sign_in_unit(erin_page, live_server.url, erin.email)
    erin_page.goto(_url(live_server, "auction_unit_detail", auction.pk))
    erin_page.fill("input[name=quantity_t]", "600")
    erin_page.fill("input[name=price_yuan]", "45")
    erin_page.click("main form button[type=submit]")
    erin_page.locator("text=BID-").first.wait_for()

    # Sealed: the bureau sees no bid while bidding is open.
    bureau.goto(_url(live_server, "auction_detail", auction.pk))
    assert "52.50" not in bureau.locator("main").inner_text()

    # 4. Bidding closes; alice clears: carol 600 t, erin the remaining 400 t, both at 45.00.
    Auction.objects.filter(pk=auction.pk).update(
        opens_at=now - timedelta(hours=2), closes_at=timezone.now() - timedelta(seconds=1)
    )
    bureau.goto(_url(live_server, "auction_detail", auction.pk))
    bureau.click("button:has-text('Clear the auction')")
    bureau.wait_for_url(f"**{reverse('trading:auction_detail', args=[auction.pk])}")
    auction.refresh_from_db()
    assert auction.status == AuctionStatus.CLEARED and auction.clearing_price_yuan == Decimal("45.00")
    carol_bid = auction.bids.get(organisation=unit)
    assert (carol_bid.awarded_t, carol_bid.amount_yuan) == (600, Decimal("27000.00"))
    bureau.screenshot(path=shots / "auction-cleared.png", full_page=True)

    # 5. alice confirms carol's payment: the 600 t are delivered to her holding account.
    bureau.click(f"a[href='{reverse('trading:auction_payment', args=[auction.pk, carol_bid.pk])}']")
    bureau.fill("input[name=reference]", "ICBC-20261122-0001")
    bureau.click("main form button[type=submit]")
    bureau.wait_for_url(f"**{reverse('trading:auction_detail', args=[auction.pk])}")
    carol_bid.refresh_from_db()
    assert carol_bid.payment == AwardPayment.PAID and carol_bid.delivery is not None
    assert held(carol_account, shea) == 600

    # carol sees her result and the delivery in Chinese.
    unit_page.goto(_url(live_server, "auction_unit_detail", auction.pk))
    assert carol_bid.delivery.code in unit_page.locator("main").inner_text()

    # 6. The public: the clearing price and the winners, never erin's or anyone's bid price.
    public = new_page(locale="en")
    public.goto(_url(live_server, "auction_public", auction.pk))
    text = public.locator("main").inner_text()
    assert "45.00" in text and unit.name_en in text and other_unit.name_en in text
    assert "52.50" not in text
    public.screenshot(path=shots / "auction-public.png", full_page=True)
