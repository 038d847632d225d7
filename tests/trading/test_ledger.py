"""The ledger (issue 5, "Ledger"): posting, the registered acts and the hash chain.

"Bad input" of issue 5, each refused with nothing lost and the ledger still verifying: overdraw,
a repeated request under the same idempotency key, moving another unit's allowances (a transfer
or cancellation from another unit's account), a transfer to a prohibited account. Over-issuance
comes with the allocation slice; raw SQL on the ledger is refused by PostgreSQL
(test_ledger_postgres.py)."""

from datetime import datetime, time, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from carbon_portal.models import AuditEntry
from tests.trading.conftest import FUNDED_T, assert_unchanged, held, snapshot
from trading.choices import AccountStatus, TransactionKind
from trading.models import ChainHead, Holding, LedgerTransaction
from trading.selectors.chain import holdings_mismatches, verify_chain, verify_code
from trading.services.accounts import account_set_prohibition
from trading.services.acts import cancel_voluntarily, issue, reverse, transfer
from trading.services.chain import chain_head_publish
from trading.services.ledger import GENESIS_SHA256, Leg, post

pytestmark = pytest.mark.django_db


def _move(actor, source, target, instrument, quantity, key):
    """A plain posting of `quantity` from `source` to `target`."""
    return post(
        actor=actor,
        kind=TransactionKind.TRANSFER,
        legs=[Leg(source, instrument, -Decimal(quantity)), Leg(target, instrument, Decimal(quantity))],
        idempotency_key=key,
    )


def _send(actor, source, target, instrument, quantity, key="send-1"):
    return transfer(
        actor=actor,
        from_account=source,
        to_account=target,
        instrument=instrument,
        quantity_t=quantity,
        idempotency_key=key,
    )


def _on_day(day):
    """Records what is posted inside as if at 10:00 (Shanghai) on `day`."""
    moment = timezone.make_aware(datetime.combine(day, time(10, 0)))
    return mock.patch("django.utils.timezone.now", return_value=moment)


# -- posting ------------------------------------------------------------------------------------


def test_post_refuses_entries_that_balance_only_across_instruments(
    alice, funded, unit_account, other_account, shea, shea_older
):
    before = snapshot()
    with pytest.raises(ValidationError, match="balance for each instrument"):
        post(
            actor=alice,
            kind=TransactionKind.TRANSFER,
            legs=[Leg(unit_account, shea, Decimal(-10)), Leg(other_account, shea_older, Decimal(10))],
            idempotency_key="unbalanced",
        )
    assert_unchanged(before)


def test_post_refuses_entries_that_do_not_balance(alice, funded, unit_account, other_account, shea):
    before = snapshot()
    with pytest.raises(ValidationError, match="balance"):
        post(
            actor=alice,
            kind=TransactionKind.TRANSFER,
            legs=[Leg(unit_account, shea, Decimal(-10)), Leg(other_account, shea, Decimal(9))],
            idempotency_key="unbalanced",
        )
    assert_unchanged(before)


@pytest.mark.parametrize("quantity", ["1.5", "0", "abc", "NaN", "Infinity", "1e-3"])
def test_post_takes_whole_tonnes_only(alice, funded, unit_account, other_account, shea, quantity):
    before = snapshot()
    with pytest.raises(ValidationError, match="whole number of tonnes"):
        post(
            actor=alice,
            kind=TransactionKind.TRANSFER,
            legs=[Leg(unit_account, shea, "-" + quantity), Leg(other_account, shea, quantity)],
            idempotency_key="fractional",
        )
    assert_unchanged(before)


def test_post_refuses_a_transaction_without_entries(alice, funded):
    before = snapshot()
    with pytest.raises(ValidationError, match="needs entries"):
        post(actor=alice, kind=TransactionKind.TRANSFER, legs=[], idempotency_key="empty")
    assert_unchanged(before)


@pytest.mark.parametrize("key", [None, "", "   ", "k" * 101])
def test_post_needs_an_idempotency_key(alice, funded, unit_account, other_account, shea, key):
    before = snapshot()
    with pytest.raises(ValidationError, match="idempotency key"):
        _move(alice, unit_account, other_account, shea, 10, key)
    assert_unchanged(before)


def test_a_replayed_request_returns_the_same_transaction_and_records_nothing_new(
    alice, funded, unit_account, other_account, shea
):
    first = _move(alice, unit_account, other_account, shea, 10, "move-1")
    before = snapshot()
    again = _move(alice, unit_account, other_account, shea, 10, "move-1")
    assert not first.replayed and again.replayed
    assert again.transaction.pk == first.transaction.pk
    assert_unchanged(before)
    assert held(unit_account, shea) == FUNDED_T - 10 and held(other_account, shea) == 10


def test_the_same_idempotency_key_for_a_different_request_is_refused(alice, funded, unit_account, other_account, shea):
    _move(alice, unit_account, other_account, shea, 10, "move-1")
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        _move(alice, unit_account, other_account, shea, 11, "move-1")
    assert refused.value.code == "idempotency_conflict"
    assert_unchanged(before)


def test_an_overdraw_is_refused_naming_the_account_and_saving_nothing(alice, funded, unit_account, other_account, shea):
    before = snapshot()
    holdings_before = Holding.objects.count()
    with pytest.raises(ValidationError) as refused:
        _move(alice, unit_account, other_account, shea, FUNDED_T + 1, "overdraw")
    assert refused.value.code == "insufficient"
    assert unit_account.number in refused.value.messages[0] and "1 t short" in refused.value.messages[0]
    assert Holding.objects.count() == holdings_before  # not even the receiver's empty holding
    assert not LedgerTransaction.objects.filter(idempotency_key="overdraw").exists()
    assert_unchanged(before)


def test_an_account_may_be_emptied_exactly(alice, funded, unit_account, other_account, shea):
    _move(alice, unit_account, other_account, shea, FUNDED_T, "all")
    assert held(unit_account, shea) == 0 and held(other_account, shea) == FUNDED_T


@pytest.mark.parametrize("status", [AccountStatus.FROZEN, AccountStatus.CLOSED])
@pytest.mark.parametrize("side", ["from", "to"])
def test_an_account_that_is_not_open_takes_no_entries(alice, funded, unit_account, other_account, shea, status, side):
    account = unit_account if side == "from" else other_account
    type(account).objects.filter(pk=account.pk).update(status=status)
    before = snapshot()
    with pytest.raises(ValidationError, match=f"Account {account.number} is not open"):
        _move(alice, unit_account, other_account, shea, 10, "not-open")
    assert_unchanged(before)


def test_the_issuance_account_goes_negative_while_holdings_never_do(alice, funded, issuance_account, shea):
    issuance = Holding.objects.get(account=issuance_account, instrument=shea)
    assert issuance.quantity_t == -FUNDED_T and issuance.may_go_negative
    others = Holding.objects.exclude(account=issuance_account)
    assert others.exists() and not others.filter(may_go_negative=True).exists()
    assert not others.filter(quantity_t__lt=0).exists()


def test_the_database_refuses_a_negative_holding_written_directly(funded, unit_account, shea):
    with pytest.raises(IntegrityError), transaction.atomic():
        Holding.objects.filter(account=unit_account, instrument=shea).update(quantity_t=-1)
    assert held(unit_account, shea) == FUNDED_T


def test_transaction_codes_are_dated_and_numbered_in_chain_order(alice, funded, unit_account, other_account, shea):
    second = _move(alice, unit_account, other_account, shea, 1, "second").transaction
    assert funded.sequence == 1 and second.sequence == 2
    assert second.code == f"LT{timezone.localdate(second.recorded_at):%Y%m%d}00000002"
    assert funded.prev_sha256 == GENESIS_SHA256 and second.prev_sha256 == funded.sha256


# -- the acts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["carol", "dave"])
def test_only_the_bureau_issues(request, funded, unit_account, shea, who):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        issue(
            actor=request.getfixturevalue(who),
            to_account=unit_account,
            instrument=shea,
            quantity_t=10,
            idempotency_key="self-issue",
        )
    assert_unchanged(before)


def test_units_are_not_issued_to_the_cancellation_account(alice, funded, cancellation_account, shea):
    before = snapshot()
    with pytest.raises(ValidationError, match="holding, reserve or auction"):
        issue(actor=alice, to_account=cancellation_account, instrument=shea, quantity_t=10, idempotency_key="i-x")
    assert_unchanged(before)


def test_a_transfer_moves_units_between_holding_accounts(carol, funded, unit_account, other_account, shea):
    posted = _send(carol, unit_account, other_account, shea, 400)
    assert posted.transaction.kind == TransactionKind.TRANSFER
    assert held(unit_account, shea) == 600 and held(other_account, shea) == 400
    assert AuditEntry.objects.filter(verb="ledger.transfer", target_id=str(posted.transaction.pk)).count() == 1


def test_a_repeated_transfer_request_moves_the_units_once(carol, funded, unit_account, other_account, shea):
    _send(carol, unit_account, other_account, shea, 400, key="t-1")
    before = snapshot()
    assert _send(carol, unit_account, other_account, shea, 400, key="t-1").replayed
    assert_unchanged(before)  # no second audit entry either
    assert held(other_account, shea) == 400


def test_another_units_staff_may_not_transfer_from_the_account(erin, funded, unit_account, other_account, shea):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        _send(erin, unit_account, other_account, shea, 10)
    assert_unchanged(before)


def test_bureau_staff_may_not_transfer_a_units_allowances(alice, funded, unit_account, other_account, shea):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        _send(alice, unit_account, other_account, shea, 10)
    assert_unchanged(before)


def test_an_overdrawing_transfer_is_refused(carol, funded, unit_account, other_account, shea):
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        _send(carol, unit_account, other_account, shea, FUNDED_T + 1)
    assert refused.value.code == "insufficient"
    assert_unchanged(before)


@pytest.mark.parametrize("quantity", ["1.5", 0, -5, "abc", "NaN", "", None])
def test_a_transfer_takes_a_whole_number_of_tonnes_above_zero(
    carol, funded, unit_account, other_account, shea, quantity
):
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        _send(carol, unit_account, other_account, shea, quantity)
    assert "quantity_t" in refused.value.message_dict
    assert_unchanged(before)


def test_a_transfer_to_the_same_account_is_refused(carol, funded, unit_account, shea):
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        _send(carol, unit_account, unit_account, shea, 10)
    assert "to_account" in refused.value.message_dict
    assert_unchanged(before)


@pytest.mark.parametrize("target", ["cancellation_account", "issuance_account"])
def test_a_transfer_goes_to_a_holding_account_only(request, carol, funded, unit_account, shea, target):
    account = request.getfixturevalue(target)
    before = snapshot()
    with pytest.raises(ValidationError, match="transferred to a holding account"):
        _send(carol, unit_account, account, shea, 10)
    assert_unchanged(before)


def test_an_agency_account_is_prohibited_from_trading_when_opened(agency_account, unit_account):
    assert agency_account.trading_prohibited and "Art. 32" in agency_account.prohibition_reason
    assert not unit_account.trading_prohibited


def test_a_transfer_to_a_prohibited_account_is_refused(carol, funded, unit_account, agency_account, shea):
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        _send(carol, unit_account, agency_account, shea, 10)
    assert refused.value.code == "prohibited" and agency_account.number in refused.value.messages[0]
    assert_unchanged(before)


def test_a_transfer_from_a_prohibited_account_is_refused(alice, carol, funded, unit_account, other_account, shea):
    unit_account = account_set_prohibition(
        actor=alice, account=unit_account, prohibited=True, reason="The holder's staff joined the exchange."
    )
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        _send(carol, unit_account, other_account, shea, 10)
    assert refused.value.code == "prohibited" and "joined the exchange" in refused.value.messages[0]
    assert_unchanged(before)


def test_a_prohibited_account_cannot_cancel_voluntarily_whoever_asks(alice, carol, funded, unit_account, shea):
    unit_account = account_set_prohibition(
        actor=alice, account=unit_account, prohibited=True, reason="The holder's staff joined the exchange."
    )
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        cancel_voluntarily(
            actor=carol,
            from_account=unit_account,
            instrument=shea,
            quantity_t=5,
            idempotency_key="cancel-prohibited",
            purpose="Marathon",
        )
    assert refused.value.code == "prohibited"
    assert_unchanged(before)


def test_a_lifted_prohibition_lets_the_account_trade_again(alice, carol, funded, unit_account, other_account, shea):
    account_set_prohibition(actor=alice, account=unit_account, prohibited=True, reason="Under investigation.")
    unit_account = account_set_prohibition(actor=alice, account=unit_account, prohibited=False)
    _send(carol, unit_account, other_account, shea, 10)
    assert held(other_account, shea) == 10


def test_a_voluntary_cancellation_needs_a_purpose(carol, funded, unit_account, shea):
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        cancel_voluntarily(
            actor=carol, from_account=unit_account, instrument=shea, quantity_t=10, idempotency_key="c-1", purpose=" "
        )
    assert "purpose" in refused.value.message_dict
    assert_unchanged(before)


def test_a_voluntary_cancellation_moves_units_to_the_cancellation_account(
    carol, funded, unit_account, cancellation_account, shea
):
    posted = cancel_voluntarily(
        actor=carol,
        from_account=unit_account,
        instrument=shea,
        quantity_t=100,
        idempotency_key="c-1",
        purpose="Carbon-neutral Shanghai marathon 2026",
    )
    assert posted.transaction.kind == TransactionKind.CANCELLATION
    assert posted.transaction.memo == "Carbon-neutral Shanghai marathon 2026"
    assert held(unit_account, shea) == FUNDED_T - 100 and held(cancellation_account, shea) == 100


def test_another_units_staff_may_not_cancel_from_the_account(erin, funded, unit_account, shea):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        cancel_voluntarily(
            actor=erin, from_account=unit_account, instrument=shea, quantity_t=10, idempotency_key="c-1", purpose="x"
        )
    assert_unchanged(before)


def test_a_reversal_needs_a_reason(alice, funded):
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        reverse(actor=alice, original=funded, reason="  ", idempotency_key="r-1")
    assert "reason" in refused.value.message_dict
    assert_unchanged(before)


def test_only_the_bureau_reverses(carol, funded):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        reverse(actor=carol, original=funded, reason="mine", idempotency_key="r-1")
    assert_unchanged(before)


def test_a_reversal_restores_the_balances(alice, carol, funded, unit_account, other_account, shea):
    sent = _send(carol, unit_account, other_account, shea, 300).transaction
    posted = reverse(actor=alice, original=sent, reason="Entered against the wrong account.", idempotency_key="r-1")
    assert posted.transaction.kind == TransactionKind.REVERSAL and posted.transaction.reverses == sent
    assert held(unit_account, shea) == FUNDED_T and held(other_account, shea) == 0
    assert sorted(posted.transaction.entries.values_list("quantity_t", flat=True)) == [-300, 300]
    assert verify_chain().ok and holdings_mismatches() == []


def test_a_transaction_is_reversed_once_only(alice, carol, funded, unit_account, other_account, shea):
    sent = _send(carol, unit_account, other_account, shea, 300).transaction
    reverse(actor=alice, original=sent, reason="Wrong account.", idempotency_key="r-1")
    before = snapshot()
    with pytest.raises(ValidationError, match="already been reversed"):
        reverse(actor=alice, original=sent, reason="Again.", idempotency_key="r-2")
    assert_unchanged(before)


def test_a_reversal_is_not_reversed(alice, carol, funded, unit_account, other_account, shea):
    sent = _send(carol, unit_account, other_account, shea, 300).transaction
    reversal = reverse(actor=alice, original=sent, reason="Wrong account.", idempotency_key="r-1").transaction
    before = snapshot()
    with pytest.raises(ValidationError, match="not reversed"):
        reverse(actor=alice, original=reversal, reason="Undo the undo.", idempotency_key="r-2")
    assert_unchanged(before)


def test_a_reversal_that_would_overdraw_is_refused(
    alice, carol, erin, funded, unit_account, other_account, third_account, shea
):
    sent = _send(carol, unit_account, other_account, shea, 300).transaction
    _send(erin, other_account, third_account, shea, 300, key="onward")
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        reverse(actor=alice, original=sent, reason="Wrong account.", idempotency_key="r-1")
    assert refused.value.code == "insufficient" and other_account.number in refused.value.messages[0]
    assert_unchanged(before)


# -- the chain ----------------------------------------------------------------------------------


def test_the_chain_verifies_after_a_mix_of_acts(
    alice, carol, erin, funded, unit_account, other_account, third_account, agency_account, shea
):
    _send(carol, unit_account, other_account, shea, 300, key="t-1")
    _send(carol, unit_account, other_account, shea, 300, key="t-1")  # replayed
    _send(erin, other_account, third_account, shea, 100, key="t-2")
    cancel_voluntarily(
        actor=carol, from_account=unit_account, instrument=shea, quantity_t=50, idempotency_key="c-1", purpose="Expo"
    )
    reverse(actor=alice, original=LedgerTransaction.objects.get(idempotency_key="t-2"), reason="x", idempotency_key="r")
    issue(actor=alice, to_account=third_account, instrument=shea, quantity_t=5, idempotency_key="i-2")
    for refused in (
        lambda: _send(carol, unit_account, other_account, shea, 10**6, key="t-3"),
        lambda: _send(carol, unit_account, agency_account, shea, 1, key="t-4"),
    ):
        with pytest.raises(ValidationError):
            refused()
    check = verify_chain()
    assert check.ok, check.problems
    assert check.checked == 6 and check.last_sha256 == LedgerTransaction.objects.last().sha256
    assert holdings_mismatches() == []


def test_verify_chain_names_a_transaction_whose_entry_was_changed_behind_the_ledger(
    alice, carol, funded, unit_account, other_account, shea
):
    """On PostgreSQL the append-only triggers are switched off for the edit (the test user owns the
    tables), so this is what a person with full access to the database could do."""
    sent = _send(carol, unit_account, other_account, shea, 300, key="t-1").transaction
    later = _send(carol, unit_account, other_account, shea, 5, key="t-2").transaction
    entry = sent.entries.get(quantity_t=300)
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgres:  # the deferred foreign-key checks must run before the table can be altered
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE trading_ledgerentry DISABLE TRIGGER USER")
        cursor.execute("UPDATE trading_ledgerentry SET quantity_t = 3000 WHERE id = %s", [entry.pk])
        if postgres:
            cursor.execute("ALTER TABLE trading_ledgerentry ENABLE TRIGGER USER")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    check = verify_chain()
    assert check.checked == 3
    assert {code for code, _problem in check.problems} == {sent.code}
    assert any("no longer match its hash" in problem for _code, problem in check.problems)
    assert later.code not in dict(check.problems)
    assert not verify_code(sent.code).verified


def test_holdings_mismatches_names_a_holding_changed_behind_the_ledger(funded, unit_account, shea):
    Holding.objects.filter(account=unit_account, instrument=shea).update(quantity_t=FUNDED_T + 7)
    assert holdings_mismatches() == [(unit_account.number, shea.code, FUNDED_T + 7, FUNDED_T)]


def test_chain_head_publish_records_the_last_transaction_of_the_day(alice, unit_account, shea):
    day = timezone.localdate() - timedelta(days=3)
    with _on_day(day):
        issue(actor=alice, to_account=unit_account, instrument=shea, quantity_t=10, idempotency_key="i-1")
        last = issue(actor=alice, to_account=unit_account, instrument=shea, quantity_t=10, idempotency_key="i-2")
    issue(actor=alice, to_account=unit_account, instrument=shea, quantity_t=10, idempotency_key="i-today")
    head = chain_head_publish(day=day)
    assert (head.day, head.last_sequence, head.sha256, head.transactions) == (
        day,
        2,
        last.transaction.sha256,
        2,
    )


def test_chain_head_publish_is_idempotent(alice, unit_account, shea):
    day = timezone.localdate() - timedelta(days=1)
    with _on_day(day):
        issue(actor=alice, to_account=unit_account, instrument=shea, quantity_t=10, idempotency_key="i-1")
    first = chain_head_publish(day=day)
    issue(actor=alice, to_account=unit_account, instrument=shea, quantity_t=10, idempotency_key="i-today")
    again = chain_head_publish(day=day)
    assert again.pk == first.pk and again.sha256 == first.sha256
    assert ChainHead.objects.filter(day=day).count() == 1


@pytest.mark.parametrize("days_ahead", [0, 1])
def test_chain_head_publish_waits_for_the_day_to_end(db, days_ahead):
    with pytest.raises(ValueError):
        chain_head_publish(day=timezone.localdate() + timedelta(days=days_ahead))
    assert not ChainHead.objects.exists()


def test_a_day_without_transactions_carries_the_previous_head(alice, unit_account, shea):
    busy = timezone.localdate() - timedelta(days=3)
    with _on_day(busy):
        issue(actor=alice, to_account=unit_account, instrument=shea, quantity_t=10, idempotency_key="i-1")
    quiet = chain_head_publish(day=busy + timedelta(days=1))
    busy_head = chain_head_publish(day=busy)
    assert quiet.transactions == 0 and busy_head.transactions == 1
    assert (quiet.last_sequence, quiet.sha256) == (busy_head.last_sequence, busy_head.sha256)


def test_a_head_before_any_transaction_is_the_genesis_hash(db):
    head = chain_head_publish(day=timezone.localdate() - timedelta(days=1))
    assert (head.last_sequence, head.sha256, head.transactions) == (0, GENESIS_SHA256, 0)


def test_verify_code_verifies_a_transaction_against_the_published_head(alice, unit_account, shea):
    day = timezone.localdate() - timedelta(days=2)
    with _on_day(day):
        first = issue(actor=alice, to_account=unit_account, instrument=shea, quantity_t=10, idempotency_key="i-1")
        issue(actor=alice, to_account=unit_account, instrument=shea, quantity_t=10, idempotency_key="i-2")
    head = chain_head_publish(day=day)
    code = first.transaction.code
    check = verify_code(f"  {code.lower()} ")
    assert check.found and check.transaction == first.transaction
    assert check.head == head and check.problems == ()
    assert check.verified


def test_verify_code_is_not_verified_before_a_head_covers_it(alice, funded):
    check = verify_code(funded.code)
    assert check.found and check.head is None and check.problems == ()
    assert not check.verified


def test_verify_code_of_an_unknown_code_finds_nothing(funded):
    check = verify_code("LT2026010199999999")
    assert not check.found and not check.verified


def test_a_retried_reversal_returns_the_first_one_instead_of_being_refused(
    alice, carol, funded, unit_account, other_account, shea
):
    sent = _send(carol, unit_account, other_account, shea, 300).transaction
    first = reverse(actor=alice, original=sent, reason="Wrong account.", idempotency_key="r-1")
    again = reverse(actor=alice, original=sent, reason="Wrong account.", idempotency_key="r-1")
    assert again.replayed and again.transaction == first.transaction


def test_a_retried_transfer_is_returned_even_if_the_account_was_marked_since(
    alice, carol, funded, unit_account, other_account, shea
):
    first = _send(carol, unit_account, other_account, shea, 100)
    account_set_prohibition(actor=alice, account=other_account, prohibited=True, reason="Exchange staff.")
    other_account.refresh_from_db()
    again = transfer(
        actor=carol,
        from_account=unit_account,
        to_account=other_account,
        instrument=shea,
        quantity_t=100,
        idempotency_key=first.transaction.idempotency_key,
    )
    assert again.replayed and again.transaction == first.transaction
