"""Trading fixtures: the instruments, the accounts of `unit` (carol's), `other_unit` (erin's), a
third unit and an agency, the bureau's own accounts, and a snapshot of the whole ledger to show
that a refused act lost and changed nothing."""

import pytest

from carbon_portal.models import AuditEntry
from tests.factories import AgencyFactory, OrganisationFactory
from trading.choices import AccountKind
from trading.models import ChainState, Holding, LedgerEntry, LedgerTransaction
from trading.selectors.chain import holdings_mismatches, verify_chain
from trading.services.accounts import account_open, allowance, bureau_account
from trading.services.acts import issue

YEAR = 2026
FUNDED_T = 1000


@pytest.fixture(autouse=True)
def _english(client):
    """Assert on the English source strings whatever translations the catalogue holds."""
    from django.utils import translation

    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def shea(db):
    """Allowances of 2026."""
    return allowance(YEAR)


@pytest.fixture
def shea_older(db):
    """Allowances of 2025: another instrument."""
    return allowance(YEAR - 1)


@pytest.fixture
def unit_account(alice, unit):
    """`unit`'s holding account; carol acts for it."""
    return account_open(actor=alice, organisation=unit)


@pytest.fixture
def other_account(alice, other_unit):
    """`other_unit`'s holding account; erin acts for it."""
    return account_open(actor=alice, organisation=other_unit)


@pytest.fixture
def third_account(alice):
    return account_open(actor=alice, organisation=OrganisationFactory())


@pytest.fixture
def agency_account(alice):
    """A technical service agency's account: marked as not allowed to trade when opened (Art. 32)."""
    return account_open(actor=alice, organisation=AgencyFactory())


@pytest.fixture
def issuance_account(alice):
    return bureau_account(AccountKind.ISSUANCE, actor=alice)


@pytest.fixture
def cancellation_account(alice):
    return bureau_account(AccountKind.CANCELLATION, actor=alice)


@pytest.fixture
def funded(alice, unit_account, shea):
    """1,000 t of 2026 allowances issued to `unit`'s account: the chain's first transaction."""
    return issue(
        actor=alice, to_account=unit_account, instrument=shea, quantity_t=FUNDED_T, idempotency_key="fund-unit"
    ).transaction


def held(account, instrument) -> int:
    """What an account holds of an instrument now (0 without a holding)."""
    holding = Holding.objects.filter(account=account, instrument=instrument).first()
    return int(holding.quantity_t) if holding else 0


def snapshot() -> dict:
    """Everything a refused act must leave as it was."""
    tip = ChainState.objects.filter(pk=1).values_list("last_sequence", "last_sha256").first()
    return {
        "transactions": list(LedgerTransaction.objects.order_by("sequence").values_list("code", "sha256")),
        "entries": LedgerEntry.objects.count(),
        "holdings": sorted(
            Holding.objects.values_list("account__number", "instrument__code", "quantity_t", "updated_at")
        ),
        "tip": tip,
        "audit": AuditEntry.objects.count(),
    }


def assert_unchanged(before: dict) -> None:
    """Nothing recorded, nothing lost, and the ledger still verifies."""
    assert snapshot() == before
    check = verify_chain()
    assert check.ok, check.problems
    assert check.checked == len(before["transactions"])
    assert holdings_mismatches() == []
