"""Issue 5's path in the browser: the bureau runs an allocation and watches its progress, issuance is
approved by a second bureau user, a unit transfers and surrenders, and the public page shows its
compliance status (Art. 10, 12, 21).

Each user signs in once and keeps their own browser context: a TOTP code is accepted only once per
user within its period."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.trading.conftest import held
from tests.trading.test_runs import determination, make_plan, publish_list, record, rule
from trading.choices import InstrumentKind, IssuanceStatus, OffsetBasis, RunStatus
from trading.models import AllocationRun, IssuanceBatch, Surrender
from trading.selectors.compliance import compliance
from trading.services.accounts import allowance, holding_account_of

from .test_bureau_list import sign_in
from .test_plan_filing import sign_in_unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

UNIT_BASE_T = (10000, 12000)  # base-year average 11,000 t: carol's free allocation
OTHER_BASE_T = (5000, 5000)  # 5,000 t for the other unit
UNIT_EMISSIONS, UNIT_OBLIGATION_T = "9000.4", 9001  # rounded up to whole tonnes
OTHER_EMISSIONS = "6000"  # more than the other unit holds: its obligation stays outstanding
TRANSFER_T = 500


def _compliance_year() -> int:
    """A year whose surrender deadline (30 June of the next year) has passed, so that the public
    compliance page shows the statuses."""
    today = timezone.localdate()
    year = today.year - 1
    if date(year + 1, 6, 30) >= today:
        year -= 1
    return year


def _url(live_server, name, *args):
    return f"{live_server.url}{reverse(f'trading:{name}', args=args)}"


def _setting_up(alice, bob, unit, other_unit, year):
    """The year's published list, base-year emissions for the historical method, the published plan
    with its rule for the units' industry (C26), and both units' approved determinations."""
    publish_list(alice, bob, [unit, other_unit], year=year)
    for org, emissions in ((unit, UNIT_BASE_T), (other_unit, OTHER_BASE_T)):
        for base_year, t in zip((year - 2, year - 1), emissions, strict=True):
            record(org, base_year, t)
    plan = make_plan(alice, bob, cap_t=100_000, reserve_t=1_000, year=year)
    plan.offset_limit_pct, plan.offset_basis = Decimal("5"), OffsetBasis.EMISSIONS
    plan.eligible_offsets = [InstrumentKind.CCER]
    plan.save()
    rule(plan, base_years=[year - 2, year - 1])
    determination(unit, year, UNIT_EMISSIONS, alice=alice, bob=bob)
    determination(other_unit, year, OTHER_EMISSIONS, alice=alice, bob=bob)
    return plan


def test_allocation_issuance_transfer_surrender_reach_the_public_page(
    live_server, new_page, shots, alice, bob, carol, unit, other_unit
):
    year = _compliance_year()
    plan = _setting_up(alice, bob, unit, other_unit, year)
    shea = allowance(year)

    bureau = new_page(locale="en")
    sign_in(bureau, live_server.url, alice.email)
    approver = new_page(locale="en")
    sign_in(approver, live_server.url, bob.email)

    # 1. alice starts the final run; the job (eager here) finishes during the request.
    bureau.goto(_url(live_server, "run_list", plan.pk))
    bureau.click("button[name=action][value=final]")
    bureau.wait_for_url("**/admin/allocation/runs/*/")
    run = AllocationRun.objects.get(plan=plan, is_what_if=False)
    assert run.status == RunStatus.DONE, run.message
    assert bureau.locator(".job-progress").count() == 0  # finished: no progress bar left
    row = bureau.locator("table.data tbody tr").filter(has_text=unit.name_en)
    assert row.count() == 1
    assert "C26" in row.inner_text() and "11,000" in row.inner_text()
    assert bureau.locator("table.data tbody tr").filter(has_text=other_unit.name_en).count() == 1
    bureau.screenshot(path=shots / "allowance-run.png", full_page=True)

    # 2. alice adopts it and prepares the issuance.
    bureau.click(f"form[action='{reverse('trading:run_adopt', args=[run.pk])}'] button[type=submit]")
    bureau.wait_for_url(f"**{reverse('trading:run_detail', args=[run.pk])}")
    run.refresh_from_db()
    assert run.status == RunStatus.ADOPTED
    bureau.click(f"a[href='{reverse('trading:issuance_page', args=[run.pk])}']")
    bureau.click("main form button[type=submit]:has-text('Prepare the issuance')")
    bureau.wait_for_url(f"**{reverse('trading:issuance_page', args=[run.pk])}")
    assert "A bureau approver other than the preparer must approve" in bureau.locator("main").inner_text()
    batch = IssuanceBatch.objects.get(run=run)

    # 3. bob approves: the units' holding accounts receive their free allocation.
    approver.goto(_url(live_server, "issuance_page", run.pk))
    approver.check("input[name=decision][value=approve]")
    approver.click("button:has-text('Record decision')")
    approver.wait_for_url(f"**{reverse('trading:issuance_page', args=[run.pk])}")
    approver.locator("table.data .tag-green").first.wait_for()
    approver.screenshot(path=shots / "allowance-issuance.png", full_page=True)
    batch.refresh_from_db()
    assert (batch.status, batch.prepared_by, batch.approved_by) == (IssuanceStatus.ISSUED, alice, bob)
    account = holding_account_of(unit.pk)
    other_account = holding_account_of(other_unit.pk)
    assert held(account, shea) == 11000 and held(other_account, shea) == 5000

    # 4. carol, in Chinese: her holding, a transfer to the other unit, then her surrender.
    unit_page = new_page(locale="zh-CN")
    sign_in_unit(unit_page, live_server.url, carol.email)
    unit_page.goto(_url(live_server, "account_home"))  # one account: straight to it
    unit_page.wait_for_url(f"**{reverse('trading:account_detail', args=[account.number])}")
    holdings = unit_page.locator("table.data tbody tr").filter(has_text=shea.code).first.inner_text()
    assert "11,000" in holdings
    unit_page.click(f"a[href='{reverse('trading:transfer', args=[account.number])}']")
    assert unit_page.locator("input[type=hidden][name=idempotency_key]").count() == 1
    unit_page.fill("input[name=to_account]", other_account.number)
    unit_page.select_option("select[name=instrument]", shea.code)
    unit_page.fill("input[name=quantity_t]", str(TRANSFER_T))
    unit_page.click("main form button[type=submit]")
    unit_page.wait_for_url("**/recorded/*/")
    assert held(account, shea) == 11000 - TRANSFER_T and held(other_account, shea) == 5000 + TRANSFER_T

    unit_page.goto(_url(live_server, "account_detail", account.number))
    unit_page.click(f"a[href='{reverse('trading:surrender_index', args=[account.number])}']")
    unit_page.click(f"a[href='{reverse('trading:surrender', args=[account.number, year])}']")
    unit_page.fill(f"input[name=q_{shea.pk}]", str(UNIT_OBLIGATION_T))
    unit_page.screenshot(path=shots / "allowance-surrender-zh.png", full_page=True)
    unit_page.click("main form button[type=submit].button")
    unit_page.locator("button[name=confirm]").click()
    unit_page.wait_for_url("**/surrender/*/recorded/*/")
    surrendered = Surrender.objects.get(organisation=unit, year=year)
    assert surrendered.allowances_t == Decimal(UNIT_OBLIGATION_T)
    assert surrendered.transaction.code in unit_page.locator(".confirmation .reference").inner_text()
    assert compliance(unit.pk, year).status == "A"
    assert held(account, shea) == 11000 - TRANSFER_T - UNIT_OBLIGATION_T

    # 5. The public: carol's unit surrendered in full (A), the other's obligation is outstanding (B).
    public = new_page(locale="en")
    public.goto(_url(live_server, "compliance_public", year))
    unit_row = public.locator("table.data tbody tr").filter(has_text=unit.name_en)
    other_row = public.locator("table.data tbody tr").filter(has_text=other_unit.name_en)
    assert "A: surrendered in full" in unit_row.inner_text()
    assert "Surrendered late" in unit_row.inner_text()  # after the deadline: still A, marked late
    assert "B: emissions determined, surrender outstanding" in other_row.inner_text()
    public.screenshot(path=shots / "allowance-public-compliance.png", full_page=True)
