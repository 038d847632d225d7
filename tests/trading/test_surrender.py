"""Surrender (Art. 21): allowances and eligible offsets against the determined emissions, offsets
within the year's limit and never from inside the unit's own boundary; every refusal records
nothing, loses nothing, and the ledger still verifies."""

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from carbon_portal.models import AuditEntry
from registry.models import ListEntry
from tests.trading.conftest import FUNDED_T, assert_unchanged, held, snapshot
from tests.trading.test_runs import determination, make_plan, publish_list
from trading.choices import InstrumentKind, OffsetBasis, PlanStatus, RunStatus, TransactionKind
from trading.models import AllocationPlan, AllocationRun, Instrument, Surrender, UnitAllocation
from trading.selectors.chain import holdings_mismatches, verify_chain
from trading.selectors.compliance import compliance, obligation_t
from trading.services.accounts import allowance
from trading.services.acts import issue, reverse
from trading.services.surrender import surrender
from verification.models import Determination

YEAR = 2026
EMISSIONS = "1000.4"  # obligation 1,001 t (rounded up); offset limit on emissions at 5 %: 50 t


# -- builders, shared with test_compliance --


def offset(code, kind=InstrumentKind.CCER, origin=None):
    return Instrument.objects.create(
        code=code, kind=kind, name_zh=code, name_en=f"Credits {code}", origin_organisation=origin
    )


def give(alice, account, instrument, quantity_t):
    issue(
        actor=alice,
        to_account=account,
        instrument=instrument,
        quantity_t=quantity_t,
        idempotency_key=f"give-{account.pk}-{instrument.pk}-{quantity_t}",
    )


def year_plan(alice, bob, *, pct=5, basis=OffsetBasis.EMISSIONS, eligible=(InstrumentKind.CCER,), year=YEAR):
    plan = make_plan(alice, bob, year=year)
    plan.offset_limit_pct, plan.offset_basis, plan.eligible_offsets = D(pct), basis, list(eligible)
    plan.save()
    return plan


def adopt_allocation(alice, plan, org, total_t):
    run = AllocationRun.objects.create(plan=plan, status=RunStatus.ADOPTED, created_by=alice, total_t=total_t)
    return UnitAllocation.objects.create(run=run, organisation=org, total_t=total_t, free_t=total_t)


def items(*pairs):
    return list(pairs)


@pytest.fixture
def shea_later(db):
    return allowance(YEAR + 1)


@pytest.fixture
def ccer(other_unit):
    """Credits from a reduction made at another unit: eligible."""
    return offset("CCER-OTHER", origin=other_unit)


@pytest.fixture
def own_ccer(unit):
    """Credits from a reduction inside `unit`'s own boundary."""
    return offset("CCER-OWN", origin=unit)


@pytest.fixture
def inclusive(db):
    return offset("PHCER-1", kind=InstrumentKind.INCLUSIVE)


@pytest.fixture
def plan(alice, bob, unit, other_unit):
    plan = year_plan(alice, bob)
    publish_list(alice, bob, [unit, other_unit])
    return plan


@pytest.fixture
def ready(alice, bob, plan, unit, unit_account, funded, shea_older, shea_later, ccer, own_ccer, inclusive):
    """`unit`: emissions 1,000.4 t determined; holds 1,000 SHEA-2026, 100 SHEA-2025, 100 SHEA-2027,
    200 CCER from another unit, 50 CCER of its own and 50 carbon inclusive credits."""
    determination(unit, YEAR, EMISSIONS, alice=alice, bob=bob)
    for instrument, quantity in ((shea_older, 100), (shea_later, 100), (ccer, 200), (own_ccer, 50), (inclusive, 50)):
        give(alice, unit_account, instrument, quantity)
    return unit_account


def refused(before, code=None, **kwargs):
    with pytest.raises(ValidationError) as exc:
        surrender(**kwargs)
    if code:
        assert code in [e.code for e in exc.value.error_list], exc.value
    assert_unchanged(before)
    return exc.value


# -- the obligation --


def test_the_obligation_is_the_determined_emissions_rounded_up():
    assert obligation_t(D("1000.4")) == D(1001)
    assert obligation_t(D("1000")) == D(1000)
    assert obligation_t(D("0.01")) == D(1)


# -- what is recorded --


def test_a_surrender_cancels_the_units_in_one_transaction(carol, ready, shea, ccer, cancellation_account):
    record = surrender(
        actor=carol, account=ready, year=YEAR, items=items((shea, 900), (ccer, 50)), idempotency_key="s-1"
    )
    tx = record.transaction
    assert (record.allowances_t, record.offsets_t, record.year) == (D(900), D(50), YEAR)
    assert tx.kind == TransactionKind.SURRENDER
    assert tx.reference == f"surrender:{ready.holder_id}:{YEAR}"
    assert held(ready, shea) == FUNDED_T - 900 and held(ready, ccer) == 150
    assert held(cancellation_account, shea) == 900 and held(cancellation_account, ccer) == 50
    assert AuditEntry.objects.filter(verb="ledger.surrender", target_id=str(record.pk)).exists()
    assert verify_chain().ok and holdings_mismatches() == []


def test_surrendering_in_full_gives_status_a(carol, ready, shea, shea_older):
    surrender(
        actor=carol, account=ready, year=YEAR, items=items((shea, 1000), (shea_older, 1)), idempotency_key="s-full"
    )
    assert compliance(ready.holder_id, YEAR).status == "A"


def test_older_vintages_count(carol, ready, shea_older):
    record = surrender(actor=carol, account=ready, year=YEAR, items=items((shea_older, 100)), idempotency_key="s-old")
    assert record.allowances_t == D(100)


def test_lines_of_zero_are_left_out_and_nothing_at_all_is_refused(carol, ready, shea, ccer):
    before = snapshot()
    refused(before, actor=carol, account=ready, year=YEAR, items=items((shea, 0), (ccer, 0)), idempotency_key="s-0")


# -- refusals: nothing recorded, nothing lost --


def test_another_units_account_is_refused(erin, ready, shea):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        surrender(actor=erin, account=ready, year=YEAR, items=items((shea, 10)), idempotency_key="s-erin")
    assert_unchanged(before)


def test_the_bureau_cannot_surrender_for_a_unit(alice, ready, shea):
    with pytest.raises(PermissionDenied):
        surrender(actor=alice, account=ready, year=YEAR, items=items((shea, 10)), idempotency_key="s-alice")


def test_allowances_of_a_later_vintage_are_refused(carol, ready, shea, shea_later):
    before = snapshot()
    refused(
        before,
        "later_vintage",
        actor=carol,
        account=ready,
        year=YEAR,
        items=items((shea, 10), (shea_later, 10)),
        idempotency_key="s-later",
    )


def test_an_offset_type_the_plan_does_not_accept_is_refused(carol, ready, inclusive):
    before = snapshot()
    refused(
        before,
        "ineligible_offset",
        actor=carol,
        account=ready,
        year=YEAR,
        items=items((inclusive, 10)),
        idempotency_key="s-incl",
    )


def test_offsets_from_inside_the_units_own_boundary_are_refused(carol, ready, own_ccer):
    before = snapshot()
    refused(
        before,
        "own_boundary",
        actor=carol,
        account=ready,
        year=YEAR,
        items=items((own_ccer, 10)),
        idempotency_key="s-own",
    )


def test_offsets_beyond_the_limit_on_emissions_are_refused(carol, ready, shea, ccer):
    """5 % of 1,001 t = 50.05, rounded down: 50 t."""
    before = snapshot()
    refused(
        before,
        "offset_limit",
        actor=carol,
        account=ready,
        year=YEAR,
        items=items((ccer, 51)),
        idempotency_key="s-51",
    )
    surrender(actor=carol, account=ready, year=YEAR, items=items((ccer, 30)), idempotency_key="s-30")
    surrender(actor=carol, account=ready, year=YEAR, items=items((ccer, 20)), idempotency_key="s-20")
    before = snapshot()
    refused(
        before,
        "offset_limit",
        actor=carol,
        account=ready,
        year=YEAR,
        items=items((shea, 10), (ccer, 1)),
        idempotency_key="s-1more",
    )
    assert compliance(ready.holder_id, YEAR).offsets_t == D(50)


def test_offsets_beyond_the_limit_on_the_allocation_are_refused(alice, carol, plan, ready, ccer):
    """Basis allocation: 8 % of the adopted allocation of 1,010 t = 80.8, rounded down: 80 t."""
    AllocationPlan.objects.filter(pk=plan.pk).update(offset_basis=OffsetBasis.ALLOCATION, offset_limit_pct=D(8))
    adopt_allocation(alice, plan, ready.holder, 1010)
    before = snapshot()
    refused(
        before,
        "offset_limit",
        actor=carol,
        account=ready,
        year=YEAR,
        items=items((ccer, 81)),
        idempotency_key="s-81",
    )
    record = surrender(actor=carol, account=ready, year=YEAR, items=items((ccer, 80)), idempotency_key="s-80")
    assert record.offsets_t == D(80)


def test_without_an_adopted_allocation_no_offsets_are_allowed_on_that_basis(carol, plan, ready, ccer):
    AllocationPlan.objects.filter(pk=plan.pk).update(offset_basis=OffsetBasis.ALLOCATION)
    before = snapshot()
    refused(
        before,
        "offset_limit",
        actor=carol,
        account=ready,
        year=YEAR,
        items=items((ccer, 1)),
        idempotency_key="s-noalloc",
    )


def test_more_than_the_outstanding_obligation_is_refused(carol, ready, shea, shea_older):
    before = snapshot()
    refused(
        before,
        "more_than_outstanding",
        actor=carol,
        account=ready,
        year=YEAR,
        items=items((shea, 1000), (shea_older, 2)),
        idempotency_key="s-1002",
    )


def test_once_surrendered_in_full_nothing_more_is_taken_and_the_surplus_stays(carol, ready, shea, shea_older):
    surrender(
        actor=carol, account=ready, year=YEAR, items=items((shea, 1000), (shea_older, 1)), idempotency_key="s-all"
    )
    before = snapshot()
    refused(
        before,
        "nothing_outstanding",
        actor=carol,
        account=ready,
        year=YEAR,
        items=items((shea_older, 1)),
        idempotency_key="s-extra",
    )
    assert held(ready, shea_older) == 99


def test_emissions_not_yet_determined_are_refused(carol, ready, shea):
    Determination.objects.filter(organisation_id=ready.holder_id).delete()
    before = snapshot()
    exc = refused(
        before,
        "not_determined",
        actor=carol,
        account=ready,
        year=YEAR,
        items=items((shea, 10)),
        idempotency_key="s-undet",
    )
    assert "not yet determined" in exc.messages[0]


def test_no_published_plan_is_refused(carol, plan, ready, shea):
    AllocationPlan.objects.filter(pk=plan.pk).update(status=PlanStatus.SUPERSEDED)
    before = snapshot()
    refused(
        before, "no_plan", actor=carol, account=ready, year=YEAR, items=items((shea, 10)), idempotency_key="s-noplan"
    )


def test_a_unit_not_regulated_that_year_is_refused(carol, ready, shea):
    ListEntry.objects.filter(organisation_id=ready.holder_id).update(is_removed=True, removal_reason="Closed down.")
    before = snapshot()
    refused(
        before,
        "not_regulated",
        actor=carol,
        account=ready,
        year=YEAR,
        items=items((shea, 10)),
        idempotency_key="s-notreg",
    )


def test_more_than_the_account_holds_is_refused(carol, bob, unit, ready, shea):
    Determination.objects.filter(organisation=unit).update(emissions_tco2e=D(5000))
    before = snapshot()
    refused(
        before,
        "insufficient",
        actor=carol,
        account=ready,
        year=YEAR,
        items=items((shea, FUNDED_T + 1)),
        idempotency_key="s-toomuch",
    )


# -- retries and corrections --


def test_a_retry_returns_the_first_surrender(carol, ready, shea, shea_older):
    first = surrender(
        actor=carol, account=ready, year=YEAR, items=items((shea, 1000), (shea_older, 1)), idempotency_key="s-r"
    )
    # Surrendered in full since: the retry must still get its first answer, not a refusal.
    again = surrender(
        actor=carol, account=ready, year=YEAR, items=items((shea, 1000), (shea_older, 1)), idempotency_key="s-r"
    )
    assert again.pk == first.pk
    assert Surrender.objects.count() == 1
    assert held(ready, shea) == 0


def test_the_same_key_for_another_request_is_refused(carol, ready, shea):
    surrender(actor=carol, account=ready, year=YEAR, items=items((shea, 10)), idempotency_key="s-k")
    before = snapshot()
    refused(
        before,
        "idempotency_conflict",
        actor=carol,
        account=ready,
        year=YEAR,
        items=items((shea, 11)),
        idempotency_key="s-k",
    )


def test_a_reversed_surrender_no_longer_counts(alice, carol, ready, shea):
    record = surrender(actor=carol, account=ready, year=YEAR, items=items((shea, 500)), idempotency_key="s-rev")
    reverse(actor=alice, original=record.transaction, reason="Entered against the wrong year.", idempotency_key="r-1")
    row = compliance(ready.holder_id, YEAR)
    assert row.surrendered_t == 0 and row.outstanding_t == D(1001)
    assert held(ready, shea) == FUNDED_T
    assert verify_chain().ok and holdings_mismatches() == []
