"""The lifecycle demo (trading/demo_lifecycle.py) in a small world: one unit of the 2026 list, not
carol's or erin's, moves to the national market from 2026 with its first tranche returned; another
is exempt; a second run adds nothing."""

import pytest

from tests.factories import OrganisationFactory
from tests.trading.conftest import held
from tests.trading.test_runs import publish_list
from tests.trading.test_surrender import give
from trading.choices import ExemptionReason
from trading.demo_lifecycle import seed_lifecycle
from trading.models import ComplianceExemption, LedgerTransaction, NationalMarketMove, RolloverTranche
from trading.selectors.chain import holdings_mismatches, verify_chain
from trading.selectors.compliance import compliance
from trading.services.accounts import account_open, allowance


@pytest.fixture
def world(alice, bob, carol, erin, unit, other_unit):
    others = [OrganisationFactory() for _ in range(3)]
    publish_list(alice, bob, [unit, other_unit, *others], year=2026)
    for org in (unit, other_unit, *others):
        account = account_open(actor=alice, organisation=org)
        give(alice, account, allowance(2025), 300)
        give(alice, account, allowance(2026), 600)
    return others


def counts():
    return (
        LedgerTransaction.objects.count(),
        NationalMarketMove.objects.count(),
        ComplianceExemption.objects.count(),
        RolloverTranche.objects.filter(released__isnull=False).count(),
    )


def test_the_demo_moves_one_unit_exempts_another_and_a_second_run_adds_nothing(unit, other_unit, world):
    lines = []
    seed_lifecycle(log=lines.append)
    move = NationalMarketMove.objects.get()
    assert move.organisation_id not in (unit.pk, other_unit.pk) and move.first_national_year == 2026
    assert move.surplus_t == 900
    released = RolloverTranche.objects.filter(released__isnull=False)
    assert {t.due_date.isoformat() for t in released} == {"2026-01-01"} and released.count() == 2
    account = move.organisation.accounts.get()
    assert held(account, allowance(2025)) == 100 and held(account, allowance(2026)) == 200
    exemption = ComplianceExemption.objects.exclude(organisation=move.organisation).get()
    assert exemption.reason == ExemptionReason.SHUTDOWN and exemption.organisation_id not in (unit.pk, other_unit.pk)
    assert compliance(exemption.organisation_id, 2026).status == "exempt"
    assert compliance(move.organisation_id, 2026).status == "exempt"
    assert "recorded" in lines[0] and "2 tranches returned now" in lines[0]

    before, again = counts(), []
    seed_lifecycle(log=again.append)
    assert counts() == before
    assert "already there" in again[0] and "0 tranches returned now" in again[0] and "already there" in again[1]
    check = verify_chain()
    assert check.ok and holdings_mismatches() == []
