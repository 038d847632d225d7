"""What only PostgreSQL shows: the append-only triggers, and postings racing from many connections.
These skip on SQLite on a laptop and fail in CI without PostgreSQL (tests/conftest.py)."""

import random
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import ProgrammingError, connection, connections, transaction
from django.db.models import Sum
from django.utils import timezone

from carbon_portal.roles import Role
from tests.factories import BureauFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.trading.conftest import assert_unchanged, snapshot
from trading.choices import AccountKind
from trading.models import ChainHead, Holding
from trading.selectors.chain import holdings_mismatches, verify_chain
from trading.services.accounts import account_open, allowance, bureau_account
from trading.services.acts import issue, transfer
from trading.services.chain import chain_head_publish

pytestmark = pytest.mark.postgres

APPEND_ONLY = {
    "trading_ledgertransaction": "memo = 'edited'",
    "trading_ledgerentry": "quantity_t = quantity_t * 2",
    "trading_chainhead": "sha256 = repeat('f', 64)",
}


@pytest.fixture
def ledger_with_head(alice, carol, funded, unit_account, other_account, shea):
    transfer(
        actor=carol,
        from_account=unit_account,
        to_account=other_account,
        instrument=shea,
        quantity_t=100,
        idempotency_key="t-1",
    )
    chain_head_publish(day=timezone.localdate() - timedelta(days=1))
    assert ChainHead.objects.exists()


def _rows(table: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} ORDER BY id")  # noqa: S608 (a fixed table name)
        return cursor.fetchall()


@pytest.mark.django_db
@pytest.mark.parametrize("table", sorted(APPEND_ONLY))
def test_the_database_refuses_an_update_of_the_ledger(ledger_with_head, table):
    before, rows = snapshot(), _rows(table)
    with pytest.raises(ProgrammingError, match=f"append-only: UPDATE on {table} refused"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {APPEND_ONLY[table]}")  # noqa: S608
    assert _rows(table) == rows
    assert_unchanged(before)


@pytest.mark.django_db
@pytest.mark.parametrize("table", sorted(APPEND_ONLY))
def test_the_database_refuses_a_delete_from_the_ledger(ledger_with_head, table):
    before, rows = snapshot(), _rows(table)
    with pytest.raises(ProgrammingError, match=f"append-only: DELETE on {table} refused"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
    assert _rows(table) == rows
    assert_unchanged(before)


@pytest.mark.django_db
def test_the_orm_cannot_edit_a_recorded_transaction_either(ledger_with_head, funded):
    funded.memo = "edited"
    with pytest.raises(ProgrammingError, match="append-only"), transaction.atomic():
        funded.save()
    funded.refresh_from_db()
    assert funded.memo == "" and verify_chain().ok


# -- concurrency --------------------------------------------------------------------------------

ISSUED_T = 2000
THREADS = 8
TRANSFERS_EACH = 25


@pytest.fixture
def reference_data(transactional_db):
    """A transactional test's flush removes the reference data of the migrations (industries):
    load it again, as the browser tests do."""
    from django.apps import apps

    from registry import reference

    reference.load(apps)


@pytest.mark.django_db(transaction=True)
def test_concurrent_transfers_never_overdraw_and_keep_the_chain_whole(reference_data):
    bureau = UserFactory()
    MembershipFactory(user=bureau, organisation=BureauFactory(), role=Role.BUREAU_STAFF)
    source_org = OrganisationFactory()
    staff = UserFactory()
    MembershipFactory(user=staff, organisation=source_org, role=Role.UNIT_STAFF)
    shea = allowance(2026)
    source = account_open(actor=bureau, organisation=source_org)
    targets = [account_open(actor=bureau, organisation=OrganisationFactory()) for _ in range(3)]
    issue(actor=bureau, to_account=source, instrument=shea, quantity_t=ISSUED_T, idempotency_key="issue")

    moved: list[int] = []
    refused: list[int] = []
    failures: list[str] = []
    start = threading.Barrier(THREADS)

    def work(n: int) -> None:
        rng = random.Random(n)
        try:
            start.wait(timeout=10)
            for i in range(TRANSFERS_EACH):
                quantity = rng.randint(1, 20)
                try:
                    transfer(
                        actor=staff,
                        from_account=source,
                        to_account=rng.choice(targets),
                        instrument=shea,
                        quantity_t=quantity,
                        idempotency_key=f"race-{n}-{i}",
                    )
                    moved.append(quantity)
                except ValidationError as exc:
                    if getattr(exc, "code", None) != "insufficient":
                        raise
                    refused.append(quantity)
        except Exception as exc:  # any other exception is the failure counted
            failures.append(f"thread {n}: {exc!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    assert failures == []
    assert len(moved) + len(refused) == THREADS * TRANSFERS_EACH
    assert moved and refused, "the transfers asked for more than was issued: some pass, the last are refused"
    issuance = bureau_account(AccountKind.ISSUANCE, actor=bureau)
    circulating = Holding.objects.exclude(account=issuance).aggregate(total=Sum("quantity_t"))["total"]
    assert circulating == ISSUED_T  # nothing was cancelled
    assert not Holding.objects.filter(quantity_t__lt=0).exclude(account=issuance).exists()
    assert Holding.objects.get(account=source).quantity_t == ISSUED_T - sum(moved)
    assert sum(Holding.objects.get(account=t).quantity_t for t in targets) == Decimal(sum(moved))
    check = verify_chain()
    assert check.ok, check.problems
    assert check.checked == len(moved) + 1
    assert holdings_mismatches() == []
