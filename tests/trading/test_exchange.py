"""Agreement transfers the exchange reports (trading.services.exchange.transfer_reported): only its
staff report them; both accounts are holding accounts that are open and may trade (Art. 32 para 2);
a trade reference is recorded once whatever the key; retries replay; refusals change nothing."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from carbon_portal.models import AuditEntry, Notification
from carbon_portal.roles import Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.trading import exchange_fixtures as fx
from tests.trading.conftest import FUNDED_T, assert_unchanged, held, snapshot
from trading.choices import AccountKind, AccountStatus, TransactionKind
from trading.models import Account, LedgerTransaction
from trading.selectors.chain import verify_chain
from trading.services.accounts import account_open, account_set_prohibition, bureau_account
from trading.services.acts import transfer
from trading.services.exchange import transfer_reported

pytestmark = pytest.mark.django_db
exchange_org, ivy, yesterday = fx.exchange_org, fx.ivy, fx.yesterday  # the exchange's fixtures


def report(
    actor, from_account, to_account, instrument, *, quantity_t=100, ref="SEEE-2026-11-0001", key="k-1", day=None
):
    return transfer_reported(
        actor=actor,
        from_account=from_account,
        to_account=to_account,
        instrument=instrument,
        quantity_t=quantity_t,
        trade_reference=ref,
        trade_date=day or yesterday(),
        idempotency_key=key,
    )


def refused(exc_type, before, call, match):
    with pytest.raises(exc_type) as caught:
        call()
    assert match in " ".join(getattr(caught.value, "messages", [str(caught.value)]))
    assert_unchanged(before)


# -- who may report --


def test_exchange_staff_record_the_agreement_transfer(ivy, funded, unit_account, other_account, shea):
    posted = report(ivy, unit_account, other_account, shea, quantity_t=250)
    tx = posted.transaction
    assert not posted.replayed
    assert tx.kind == TransactionKind.TRANSFER and tx.actor == ivy
    assert tx.reference == "SEEE:SEEE-2026-11-0001"
    assert "reported by the exchange" in tx.memo and "SEEE-2026-11-0001" in tx.memo
    assert held(unit_account, shea) == FUNDED_T - 250 and held(other_account, shea) == 250
    assert verify_chain().ok


@pytest.mark.parametrize("who", ["carol", "erin", "dave", "alice", "bob"])
def test_nobody_but_the_exchanges_staff_reports(request, who, funded, unit_account, other_account, shea):
    user = request.getfixturevalue(who)
    before = snapshot()
    refused(PermissionDenied, before, lambda: report(user, unit_account, other_account, shea), "exchange's staff")


def test_anonymous_reports_nothing(funded, unit_account, other_account, shea):
    from django.contrib.auth.models import AnonymousUser

    before = snapshot()
    refused(PermissionDenied, before, lambda: report(AnonymousUser(), unit_account, other_account, shea), "exchange")


def test_an_exchange_staff_role_on_an_organisation_that_is_not_an_exchange_does_not_count(
    funded, unit_account, other_account, shea
):
    impostor = UserFactory()
    MembershipFactory(user=impostor, organisation=OrganisationFactory(), role=Role.EXCHANGE_STAFF)
    before = snapshot()
    refused(PermissionDenied, before, lambda: report(impostor, unit_account, other_account, shea), "exchange")


def test_an_inactive_membership_does_not_count(ivy, funded, unit_account, other_account, shea):
    ivy.memberships.update(is_active=False)
    before = snapshot()
    refused(PermissionDenied, before, lambda: report(ivy, unit_account, other_account, shea), "exchange")


# -- the accounts (Art. 32 para 2) --


def test_the_account_of_a_person_who_may_not_trade_is_refused(ivy, funded, unit_account, agency_account, shea):
    before = snapshot()
    refused(ValidationError, before, lambda: report(ivy, unit_account, agency_account, shea), "Art. 32 para 2")


def test_a_seller_marked_as_prohibited_is_refused(alice, ivy, funded, unit_account, other_account, shea):
    account_set_prohibition(actor=alice, account=unit_account, prohibited=True, reason="Staff of the exchange")
    before = snapshot()
    refused(ValidationError, before, lambda: report(ivy, unit_account, other_account, shea), "may not trade")


def test_the_exchanges_own_account_may_not_receive(alice, ivy, exchange_org, funded, unit_account, shea):
    own = account_open(actor=alice, organisation=exchange_org)
    assert own.trading_prohibited
    before = snapshot()
    refused(ValidationError, before, lambda: report(ivy, unit_account, own, shea), "Art. 32 para 2")


@pytest.mark.parametrize("status", [AccountStatus.FROZEN, AccountStatus.CLOSED])
@pytest.mark.parametrize("side", ["seller", "buyer"])
def test_an_account_that_is_not_open_is_refused(ivy, funded, unit_account, other_account, shea, status, side):
    Account.objects.filter(pk=(unit_account if side == "seller" else other_account).pk).update(status=status)
    unit_account.refresh_from_db()
    other_account.refresh_from_db()
    before = snapshot()
    refused(ValidationError, before, lambda: report(ivy, unit_account, other_account, shea), "is not open")


def test_a_bureau_account_is_not_a_party(alice, ivy, funded, unit_account, shea):
    reserve = bureau_account(AccountKind.RESERVE, actor=alice)
    before = snapshot()
    refused(ValidationError, before, lambda: report(ivy, unit_account, reserve, shea), "to a holding account")
    refused(ValidationError, before, lambda: report(ivy, reserve, unit_account, shea), "from a holding account")


def test_seller_and_buyer_must_differ(ivy, funded, unit_account, shea):
    before = snapshot()
    refused(ValidationError, before, lambda: report(ivy, unit_account, unit_account, shea), "another account")


def test_an_overdraw_is_refused_with_nothing_saved(ivy, funded, unit_account, other_account, shea):
    before = snapshot()
    call = lambda: report(ivy, unit_account, other_account, shea, quantity_t=FUNDED_T + 1)  # noqa: E731
    refused(ValidationError, before, call, "does not hold enough")


@pytest.mark.parametrize("quantity", [0, -5, "1.5", "abc"])
def test_a_quantity_that_is_not_whole_positive_tonnes_is_refused(
    ivy, funded, unit_account, other_account, shea, quantity
):
    before = snapshot()
    refused(
        ValidationError, before, lambda: report(ivy, unit_account, other_account, shea, quantity_t=quantity), "tonnes"
    )


# -- the trade reference and date --


def test_the_same_reference_twice_is_refused_whatever_the_key(ivy, funded, unit_account, other_account, shea):
    first = report(ivy, unit_account, other_account, shea, key="k-1").transaction
    before = snapshot()
    call = lambda: report(ivy, unit_account, other_account, shea, key="k-2", quantity_t=7)  # noqa: E731
    refused(ValidationError, before, call, f"already recorded, as transaction {first.code}")


def test_the_reference_is_compared_in_upper_case(ivy, funded, unit_account, other_account, shea):
    report(ivy, unit_account, other_account, shea, ref="seee-2026-11-0009", key="k-1")
    before = snapshot()
    call = lambda: report(ivy, unit_account, other_account, shea, ref=" SEEE-2026-11-0009 ", key="k-2")  # noqa: E731
    refused(ValidationError, before, call, "already recorded")


@pytest.mark.parametrize(
    "ref,message",
    [("", "Enter the exchange's trade reference"), ("成交1", "not a trade reference"), ("X" * 65, "at most 64")],
)
def test_a_missing_or_malformed_reference_is_refused(ivy, funded, unit_account, other_account, shea, ref, message):
    before = snapshot()
    refused(ValidationError, before, lambda: report(ivy, unit_account, other_account, shea, ref=ref), message)


def test_a_trade_date_in_the_future_is_refused(ivy, funded, unit_account, other_account, shea):
    tomorrow = timezone.localdate() + timedelta(days=1)
    before = snapshot()
    refused(ValidationError, before, lambda: report(ivy, unit_account, other_account, shea, day=tomorrow), "future")


def test_a_holder_may_not_take_the_exchanges_reference_prefix(carol, funded, unit_account, other_account, shea):
    before = snapshot()
    call = lambda: transfer(  # noqa: E731
        actor=carol,
        from_account=unit_account,
        to_account=other_account,
        instrument=shea,
        quantity_t=5,
        idempotency_key="holder-1",
        reference="seee:SEEE-2026-11-0001",
    )
    refused(ValidationError, before, call, "kept for transfers the exchange reports")


def test_a_holders_own_transfer_still_works(carol, funded, unit_account, other_account, shea):
    posted = transfer(
        actor=carol,
        from_account=unit_account,
        to_account=other_account,
        instrument=shea,
        quantity_t=5,
        idempotency_key="holder-1",
        reference="PO-17",
    )
    assert posted.transaction.reference == "PO-17" and held(other_account, shea) == 5


# -- retries --


def test_a_retry_with_the_same_key_is_replayed(ivy, funded, unit_account, other_account, shea):
    first = report(ivy, unit_account, other_account, shea, key="k-1")
    again = report(ivy, unit_account, other_account, shea, key="k-1")
    assert again.replayed and again.transaction == first.transaction
    assert held(other_account, shea) == 100
    assert AuditEntry.objects.filter(verb="ledger.transfer_reported").count() == 1


def test_a_retry_is_replayed_even_once_the_account_is_frozen(ivy, funded, unit_account, other_account, shea):
    first = report(ivy, unit_account, other_account, shea, key="k-1")
    Account.objects.filter(pk=other_account.pk).update(status=AccountStatus.FROZEN)
    other_account.refresh_from_db()
    assert report(ivy, unit_account, other_account, shea, key="k-1").transaction == first.transaction


def test_the_same_key_for_another_transfer_is_a_conflict(ivy, funded, unit_account, other_account, shea):
    report(ivy, unit_account, other_account, shea, key="k-1")
    before = snapshot()
    call = lambda: report(ivy, unit_account, other_account, shea, key="k-1", quantity_t=99)  # noqa: E731
    refused(ValidationError, before, call, "already used for a different request")


# -- audit and notices --


def test_the_exchange_user_is_the_audited_actor_with_the_reference_and_date(
    ivy, funded, unit_account, other_account, shea
):
    tx = report(ivy, unit_account, other_account, shea).transaction
    entry = AuditEntry.objects.get(verb="ledger.transfer_reported")
    assert entry.actor == ivy and entry.target_id == str(tx.pk)
    assert entry.data["trade_reference"] == "SEEE-2026-11-0001"
    assert entry.data["trade_date"] == yesterday().isoformat() and entry.data["code"] == tx.code


def test_both_units_staff_are_notified(ivy, carol, erin, funded, unit_account, other_account, shea):
    tx = report(ivy, unit_account, other_account, shea, quantity_t=250).transaction
    notes = Notification.objects.filter(kind="trading.exchange_transfer")
    assert {n.recipient for n in notes} == {carol, erin}
    assert all(tx.code in n.body_en and "250" in n.body_en for n in notes)


def test_the_memo_does_not_depend_on_the_callers_language(ivy, funded, unit_account, other_account, shea):
    from django.utils import translation

    with translation.override("zh-hans"):
        report(ivy, unit_account, other_account, shea, key="k-1")
    with translation.override("en"):
        again = report(ivy, unit_account, other_account, shea, key="k-1")
    assert again.replayed
    assert LedgerTransaction.objects.filter(kind=TransactionKind.TRANSFER).count() == 1


def test_the_database_itself_refuses_a_second_transaction_with_the_same_exchange_reference(
    alice, funded, unit_account, other_account, shea
):
    from django.db import IntegrityError, transaction

    from trading.services.ledger import Leg, post

    def record(key):
        legs = [Leg(unit_account, shea, -1), Leg(other_account, shea, 1)]
        return post(actor=alice, kind=TransactionKind.TRANSFER, legs=legs, idempotency_key=key, reference="SEEE:X-1")

    record("first")
    with pytest.raises(IntegrityError), transaction.atomic():
        record("second")
    assert LedgerTransaction.objects.filter(reference="SEEE:X-1").count() == 1
