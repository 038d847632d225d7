"""The demo's allowance registry (trading/demo.py), in the smallest demo world: the whole demo seed
runs once, each property is checked in its own helper, then the trading step runs again and must
add nothing."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from registry import demo
from registry.choices import EntryCategory, ListStatus
from registry.models import ListEntry
from trading.choices import AccountKind, TransactionKind
from trading.demo import OPENING_MEMO, seed_trading
from trading.models import Account, ChainHead, Holding, LedgerTransaction
from trading.selectors.chain import holdings_mismatches, verify_chain
from verification.choices import DeterminationStatus
from verification.models import Determination


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", units=demo.minimum_units(), seed=7, stdout=out)
    return out.getvalue()


def account_of(name: str) -> Account:
    return Account.objects.get(kind=AccountKind.HOLDING, holder__memberships__user__email__startswith=f"{name}@")


def every_regulated_unit_of_2026_and_the_cast_have_an_account():
    listed = set(
        ListEntry.objects.filter(
            regulated_list__year=2026,
            regulated_list__status=ListStatus.PUBLISHED,
            category=EntryCategory.REGULATED,
            is_removed=False,
        ).values_list("organisation_id", flat=True)
    )
    holders = set(Account.objects.filter(kind=AccountKind.HOLDING).values_list("holder_id", flat=True))
    assert listed and listed <= holders
    assert account_of("carol") and account_of("erin")


def opening_balances_are_near_each_units_emissions():
    openings = LedgerTransaction.objects.filter(kind=TransactionKind.ISSUANCE, memo=OPENING_MEMO)
    assert openings.count() >= 2 * 2  # two vintages for at least carol's and erin's units
    assert set(openings.values_list("actor__email", flat=True)) == {demo.ALICE}
    carol = account_of("carol")
    determined = Determination.objects.get(organisation=carol.holder, status=DeterminationStatus.APPROVED)
    for opening in openings.filter(entries__account=carol):
        quantity = opening.entries.get(account=carol).quantity_t
        low, high = determined.emissions_tco2e * Decimal("0.9"), determined.emissions_tco2e * Decimal("1.05")
        assert low - 1 <= quantity <= high + 1 and quantity == quantity.to_integral_value()


def carols_unit_transferred_to_erins_and_erins_unit_cancelled():
    carol, erin = account_of("carol"), account_of("erin")
    # The exchange demo adds carol's agreement transfers with other units: only those with erin count.
    transfers = LedgerTransaction.objects.filter(kind=TransactionKind.TRANSFER, entries__account=carol).filter(
        entries__account=erin
    )
    assert transfers.count() == 2
    assert all(tx.entries.get(account=erin).quantity_t > 0 for tx in transfers)
    cancellation = LedgerTransaction.objects.get(kind=TransactionKind.CANCELLATION)
    assert cancellation.entries.get(account=erin).quantity_t < 0 and cancellation.actor.email.startswith("erin@")


def the_ledger_is_intact():
    check = verify_chain()
    assert check.ok and check.checked == LedgerTransaction.objects.count()
    assert holdings_mismatches() == []
    assert not Holding.objects.filter(quantity_t__lt=0, may_go_negative=False).exists()
    assert not ChainHead.objects.exists()  # everything was recorded today


def counts() -> tuple[int, ...]:
    return (Account.objects.count(), LedgerTransaction.objects.count(), ChainHead.objects.count())


@pytest.mark.django_db
def test_the_demo_opens_accounts_carries_balances_over_and_a_second_run_adds_nothing(settings):
    # seed_demo switches e-mail off for the process; through this override it is undone afterwards.
    settings.EMAIL_BACKEND = settings.EMAIL_BACKEND
    output = seed()
    assert "allowance registry:" in output
    every_regulated_unit_of_2026_and_the_cast_have_an_account()
    opening_balances_are_near_each_units_emissions()
    carols_unit_transferred_to_erins_and_erins_unit_cancelled()
    the_ledger_is_intact()

    before, balances, lines = counts(), list(Holding.objects.values_list("pk", "quantity_t")), []
    seed_trading(log=lines.append)
    assert counts() == before
    assert list(Holding.objects.values_list("pk", "quantity_t")) == balances
    assert "0 holding accounts opened, 0 opening balances issued, 0 transfers" in lines[0]
