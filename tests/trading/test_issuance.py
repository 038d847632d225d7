"""Issuing the adopted allocation (Art. 10, 12) with four eyes; over-issuance is refused with
nothing recorded, and the ledger still verifies."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from carbon_portal.roles import Role
from registry.models import Industry
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.trading.conftest import assert_unchanged, held, snapshot
from tests.trading.test_runs import historical_unit, make_plan, publish_list, rule, run_now
from trading.choices import AccountKind, IssuanceStatus, RunStatus
from trading.models import IssuanceBatch, LedgerTransaction
from trading.selectors.chain import verify_chain
from trading.services.accounts import account_open, allowance, bureau_account, holding_account_of
from trading.services.acts import issue
from trading.services.issuance import issuance_approve, issuance_prepare, issuance_return
from trading.services.runs import run_adopt

YEAR = 2026


@pytest.fixture
def frank(bureau_org):
    """Bureau staff but not an approver."""
    user = UserFactory(email="frank@sthj.sh.gov.cn", full_name="Frank (bureau)")
    MembershipFactory(user=user, organisation=bureau_org, role=Role.BUREAU_STAFF)
    return user


@pytest.fixture
def units(alice):
    """Two units on the list: 11,000 t each (8 % paid -> 880 t), and one that gets nothing."""
    return [historical_unit(alice), historical_unit(alice), historical_unit(alice, emissions=(0, 0))]


@pytest.fixture
def adopted(alice, bob, units, django_capture_on_commit_callbacks):
    """Cap 30,000 t, reserve 5,000 t; 22,000 t allocated: 20,240 free, 1,760 paid."""
    plan = make_plan(alice, bob, cap_t=30000, reserve_t=5000)
    publish_list(alice, bob, units)
    rule(plan, paid_share_pct=D("8"))
    run = run_now(django_capture_on_commit_callbacks, alice, plan)
    run_adopt(actor=alice, run=run)
    run.refresh_from_db()
    assert run.status == RunStatus.ADOPTED and run.total_t == D("22000")
    return run


@pytest.fixture
def batch(alice, adopted):
    return issuance_prepare(actor=alice, run=adopted)


def test_only_an_adopted_run_is_prepared_for_issuance(alice, bob, units, django_capture_on_commit_callbacks):
    plan = make_plan(alice, bob)
    publish_list(alice, bob, units)
    rule(plan)
    run = run_now(django_capture_on_commit_callbacks, alice, plan)
    with pytest.raises(ValidationError, match="adopted allocation"):
        issuance_prepare(actor=alice, run=run)


def test_one_pending_batch_per_run(alice, adopted, batch):
    with pytest.raises(ValidationError, match="already Awaiting approval"):
        issuance_prepare(actor=alice, run=adopted)


def test_the_preparer_cannot_approve(alice, bob, batch):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        issuance_approve(actor=alice, batch=batch)
    assert_unchanged(before)


def test_an_approver_who_prepared_cannot_approve_their_own(bob, adopted):
    own = issuance_prepare(actor=bob, run=adopted)
    with pytest.raises(PermissionDenied, match="your own work"):
        issuance_approve(actor=bob, batch=own)


def test_bureau_staff_who_are_not_approvers_cannot_approve(frank, batch):
    before = snapshot()
    with pytest.raises(PermissionDenied, match="Only a bureau approver"):
        issuance_approve(actor=frank, batch=batch)
    assert_unchanged(before)


def test_the_approver_issues_free_paid_and_reserve(bob, units, adopted, batch):
    shea = allowance(YEAR)
    issuance_approve(actor=bob, batch=batch)
    batch.refresh_from_db()
    assert (batch.status, batch.approved_by, batch.transactions) == (IssuanceStatus.ISSUED, bob, 4)
    for org in units[:2]:
        assert held(holding_account_of(org.pk), shea) == 10120  # accounts opened as needed
    assert holding_account_of(units[2].pk) is None  # a zero allocation is skipped
    assert held(bureau_account(AccountKind.AUCTION, actor=bob), shea) == 1760
    assert held(bureau_account(AccountKind.RESERVE, actor=bob), shea) == 5000
    keys = set(LedgerTransaction.objects.values_list("idempotency_key", flat=True))
    assert keys == {
        f"alloc-{adopted.pk}-{units[0].pk}",
        f"alloc-{adopted.pk}-{units[1].pk}",
        f"alloc-{adopted.pk}-auction",
        f"alloc-{adopted.pk}-reserve",
    }
    assert all(f"{YEAR} v1" in memo for memo in LedgerTransaction.objects.values_list("memo", flat=True))
    check = verify_chain()
    assert check.ok, check.problems


def test_issuance_goes_to_an_existing_holding_account(alice, bob, units, batch):
    account = account_open(actor=alice, organisation=units[0])
    issuance_approve(actor=bob, batch=batch)
    assert held(account, allowance(YEAR)) == 10120


def test_over_issuance_is_refused_with_nothing_recorded(alice, bob, batch):
    # 30,000 t cap; 27,000 t in the batch; 3,001 t already issued of the same year's allowances
    other = account_open(actor=alice, organisation=OrganisationFactory(industry=Industry.objects.get(code="C31")))
    issue(actor=alice, to_account=other, instrument=allowance(YEAR), quantity_t=3001, idempotency_key="earlier")
    before = snapshot()
    with pytest.raises(ValidationError, match="Over-issuance"):
        issuance_approve(actor=bob, batch=batch)
    assert_unchanged(before)
    batch.refresh_from_db()
    assert batch.status == IssuanceStatus.PENDING


def test_issuance_up_to_the_cap_exactly_is_allowed(alice, bob, batch):
    other = account_open(actor=alice, organisation=OrganisationFactory())
    issue(actor=alice, to_account=other, instrument=allowance(YEAR), quantity_t=3000, idempotency_key="earlier")
    issuance_approve(actor=bob, batch=batch)
    assert verify_chain().ok


def test_other_years_allowances_do_not_count_against_the_cap(alice, bob, batch):
    other = account_open(actor=alice, organisation=OrganisationFactory())
    issue(actor=alice, to_account=other, instrument=allowance(YEAR - 1), quantity_t=50000, idempotency_key="old")
    issuance_approve(actor=bob, batch=batch)
    batch.refresh_from_db()
    assert batch.status == IssuanceStatus.ISSUED


def test_a_returned_batch_issues_nothing_and_may_be_prepared_again(alice, bob, adopted, batch):
    with pytest.raises(ValidationError):
        issuance_return(actor=bob, batch=batch, reason=" ")
    issuance_return(actor=bob, batch=batch, reason="Check unit 3 first.")
    batch.refresh_from_db()
    assert batch.status == IssuanceStatus.RETURNED and batch.returned_reason == "Check unit 3 first."
    assert not LedgerTransaction.objects.exists()
    with pytest.raises(ValidationError, match="nothing to decide"):
        issuance_approve(actor=bob, batch=batch)
    assert issuance_prepare(actor=alice, run=adopted).status == IssuanceStatus.PENDING


# -- pages --


def test_issuance_page_prepare_then_approve(alice, bob, client_for, adopted):
    url = reverse("trading:issuance_page", args=[adopted.pk])
    assert client_for(alice).post(url).status_code == 302
    batch = IssuanceBatch.objects.get(run=adopted)
    page = client_for(alice).get(url).content.decode()
    assert "A bureau approver other than the preparer must approve" in page
    page = client_for(bob).get(url).content.decode()
    assert reverse("trading:issuance_decide", args=[batch.pk]) in page
    response = client_for(bob).post(reverse("trading:issuance_decide", args=[batch.pk]), {"decision": "approve"})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == IssuanceStatus.ISSUED


def test_the_preparer_gets_403_when_deciding_through_the_page(alice, client_for, batch):
    response = client_for(alice).post(reverse("trading:issuance_decide", args=[batch.pk]), {"decision": "approve"})
    assert response.status_code == 403


def test_returning_without_a_reason_is_shown_on_the_form(bob, client_for, batch):
    response = client_for(bob).post(reverse("trading:issuance_decide", args=[batch.pk]), {"decision": "return"})
    assert response.status_code == 400
    assert "Say why the issuance is returned." in response.content.decode()


def test_issuance_decide_is_the_bureaus(client, client_for, carol, batch):
    url = reverse("trading:issuance_decide", args=[batch.pk])
    assert client.post(url, {"decision": "approve"}).status_code == 302
    assert client_for(carol).post(url, {"decision": "approve"}).status_code == 403


def test_issuance_page_of_a_run_not_adopted_is_404(alice, bob, client_for, units, django_capture_on_commit_callbacks):
    plan = make_plan(alice, bob)
    publish_list(alice, bob, units)
    rule(plan)
    run = run_now(django_capture_on_commit_callbacks, alice, plan)
    assert client_for(alice).get(reverse("trading:issuance_page", args=[run.pk])).status_code == 404


def test_each_unit_is_told_what_was_issued_to_it(bob, units, batch):
    from carbon_portal.models import Notification
    from tests.factories import MembershipFactory, UserFactory

    staff = UserFactory()
    MembershipFactory(user=staff, organisation=units[0], role="unit_staff")
    issuance_approve(actor=bob, batch=batch)
    [message] = Notification.objects.filter(recipient=staff, kind="allocation.issued")
    assert "10,120" in message.subject_en and "SHEA-" in message.subject_en


def test_a_direct_issue_beyond_the_published_plans_cap_is_refused(alice, bob, adopted):
    """Issuance never exceeds the plan, whatever path asks for it: the bureau's direct issue too."""
    from trading.choices import PlanStatus
    from trading.models import AllocationPlan

    plan = AllocationPlan.objects.get(status=PlanStatus.PUBLISHED)
    before = snapshot()
    with pytest.raises(ValidationError, match="Over-issuance refused"):
        issue(
            actor=alice,
            to_account=bureau_account(AccountKind.RESERVE, actor=alice),
            instrument=allowance(plan.year),
            quantity_t=plan.cap_t + 1,
            idempotency_key="too-much",
        )
    assert_unchanged(before)


def test_a_vintage_after_the_carried_over_ones_is_issued_only_under_its_published_plan(alice, settings):
    settings.REGISTRY_CARRIED_OVER_UNTIL_VINTAGE = 2026
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        issue(
            actor=alice,
            to_account=bureau_account(AccountKind.RESERVE, actor=alice),
            instrument=allowance(2027),
            quantity_t=1,
            idempotency_key="no-plan-2027",
        )
    assert refused.value.code == "no_plan" and "2027" in refused.value.messages[0]
    assert_unchanged(before)


def test_a_carried_over_vintage_may_be_issued_as_an_opening_balance_without_a_plan(alice, settings):
    settings.REGISTRY_CARRIED_OVER_UNTIL_VINTAGE = 2026
    posted = issue(
        actor=alice,
        to_account=bureau_account(AccountKind.RESERVE, actor=alice),
        instrument=allowance(2026),
        quantity_t=10,
        idempotency_key="opening-2026",
        memo="原登记系统结转期初余额",
    )
    assert not posted.replayed
