"""Art. 14: a merger moves every holding of the absorbed unit to the survivor in the merger's own
transaction and closes the absorbed account; a split's holdings are divided by the bureau, per new
owner and instrument, once, never more than held."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from carbon_portal.models import Notification
from registry import services as registry
from registry.models import Organisation, OrganisationEvent
from tests.factories import FacilityFactory, OrganisationFactory
from tests.trading.conftest import assert_unchanged, held, snapshot
from trading.choices import AccountStatus, TransactionKind
from trading.models import Account, HoldingsSuccession, LedgerTransaction
from trading.selectors.chain import holdings_mismatches, verify_chain
from trading.selectors.succession import division_plan, floor_share
from trading.services.accounts import account_open, holding_account_of
from trading.services.acts import issue, transfer
from trading.services.succession import holdings_divide, holdings_merge

pytestmark = pytest.mark.django_db

DAY = date(2026, 6, 1)


def assert_ledger_clean():
    check = verify_chain()
    assert check.ok, check.problems
    assert holdings_mismatches() == []


@pytest.fixture
def older_funded(alice, unit_account, shea_older, funded):
    """`unit` holds 1,000 t SHEA-2026 and 333 t SHEA-2025."""
    issue(actor=alice, to_account=unit_account, instrument=shea_older, quantity_t=333, idempotency_key="fund-older")
    return unit_account


def merge(alice, absorbed, survivor):
    return registry.organisation_merge(actor=alice, organisation=absorbed, surviving=survivor, effective_date=DAY)


# -- merger ---------------------------------------------------------------------------------------


def test_a_merger_moves_every_instrument_to_the_survivor_in_one_transaction(
    alice, unit, other_unit, older_funded, other_account, shea, shea_older
):
    event = merge(alice, unit, other_unit)
    tx = LedgerTransaction.objects.get(kind=TransactionKind.SUCCESSION)
    assert (held(other_account, shea), held(other_account, shea_older)) == (1000, 333)
    assert (held(older_funded, shea), held(older_funded, shea_older)) == (0, 0)
    assert tx.entries.count() == 4 and tx.idempotency_key == f"succession-{event.pk}"
    succession = HoldingsSuccession.objects.get(event=event)
    assert succession.transaction == tx and succession.recorded_by == alice
    assert succession.division["moved"] == {"SHEA-2026": "1000", "SHEA-2025": "333"}
    assert succession.division["to_account"] == other_account.number
    assert_ledger_clean()


def test_a_merger_closes_the_absorbed_account(alice, unit, other_unit, funded, unit_account, other_account):
    merge(alice, unit, other_unit)
    unit_account.refresh_from_db()
    assert unit_account.status == AccountStatus.CLOSED


def test_nothing_posts_to_the_absorbed_account_after_the_merger(
    alice, carol, erin, unit, other_unit, funded, unit_account, other_account, shea
):
    merge(alice, unit, other_unit)
    unit_account.refresh_from_db()
    with pytest.raises(ValidationError, match="is not open"):
        issue(actor=alice, to_account=unit_account, instrument=shea, quantity_t=5, idempotency_key="late-issue")
    with pytest.raises(ValidationError, match="is not open"):
        transfer(
            actor=erin,
            from_account=other_account,
            to_account=unit_account,
            instrument=shea,
            quantity_t=5,
            idempotency_key="back",
        )
    with pytest.raises(ValidationError, match="is not open"):
        transfer(
            actor=carol,
            from_account=unit_account,
            to_account=other_account,
            instrument=shea,
            quantity_t=5,
            idempotency_key="out",
        )
    with pytest.raises(ValidationError):
        account_open(actor=alice, organisation=Organisation.objects.get(pk=unit.pk))
    assert holding_account_of(unit.pk) is None


def test_a_merger_opens_an_account_for_a_survivor_without_one(alice, unit, funded, unit_account, shea):
    survivor = OrganisationFactory()
    assert holding_account_of(survivor.pk) is None
    merge(alice, unit, survivor)
    account = holding_account_of(survivor.pk)
    assert account is not None and account.status == AccountStatus.OPEN
    assert held(account, shea) == 1000
    assert_ledger_clean()


def test_a_merger_whose_holdings_cannot_move_is_not_recorded_at_all(
    alice, unit, other_unit, funded, unit_account, other_account
):
    facility = FacilityFactory(organisation=unit)
    Account.objects.filter(pk=other_account.pk).update(status=AccountStatus.FROZEN)
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        merge(alice, unit, other_unit)
    message = " ".join(refused.value.messages)
    assert "The merger was not recorded" in message and other_account.number in message
    assert_unchanged(before)
    unit.refresh_from_db()
    facility.refresh_from_db()
    unit_account.refresh_from_db()
    assert unit.status == "active" and unit.merged_into is None and facility.organisation == unit
    assert unit_account.status == AccountStatus.OPEN
    assert not OrganisationEvent.objects.exists() and not HoldingsSuccession.objects.exists()


def test_a_merger_of_a_unit_without_an_account_moves_nothing(alice, unit, other_unit):
    event = merge(alice, unit, other_unit)
    succession = HoldingsSuccession.objects.get(event=event)
    assert succession.transaction is None and succession.division["from_account"] is None
    assert not LedgerTransaction.objects.exists()
    assert holding_account_of(other_unit.pk) is None


def test_an_empty_absorbed_account_is_closed_without_a_transaction(alice, unit, other_unit, unit_account):
    event = merge(alice, unit, other_unit)
    unit_account.refresh_from_db()
    assert unit_account.status == AccountStatus.CLOSED
    assert HoldingsSuccession.objects.get(event=event).transaction is None
    assert not LedgerTransaction.objects.filter(kind=TransactionKind.SUCCESSION).exists()


def test_both_units_staff_hear_of_the_merger(alice, carol, erin, unit, other_unit, funded, other_account):
    merge(alice, unit, other_unit)
    notes = Notification.objects.filter(kind="trading.merger_succession")
    assert set(notes.values_list("recipient", flat=True)) == {carol.pk, erin.pk}
    assert "1,000 t SHEA-2026" in notes.first().body_en


def test_moving_a_mergers_holdings_again_changes_nothing(alice, unit, other_unit, funded, other_account):
    event = merge(alice, unit, other_unit)
    first = HoldingsSuccession.objects.get(event=event)
    before = snapshot()
    assert holdings_merge(actor=alice, event=event) == first
    assert_unchanged(before)


def test_only_the_bureau_moves_a_mergers_holdings(carol, alice, unit, other_unit, funded):
    # An event recorded without its holdings (as before this feature): only the bureau moves them.
    event = OrganisationEvent.objects.create(
        kind="merger", organisation=unit, surviving_organisation=other_unit, effective_date=DAY, recorded_by=alice
    )
    with pytest.raises(PermissionDenied):
        holdings_merge(actor=carol, event=event)
    assert not HoldingsSuccession.objects.exists()


# -- split ----------------------------------------------------------------------------------------


@pytest.fixture
def third_unit(db):
    return OrganisationFactory(name_en="Third Co.")


@pytest.fixture
def split(alice, unit, other_unit, third_unit, older_funded):
    """`unit` gives two facilities (35% + 10%) to other_unit and one (33.33%) to a third unit."""
    f1, f2, f3 = (FacilityFactory(organisation=unit) for _ in range(3))
    return registry.organisation_split(
        actor=alice,
        organisation=unit,
        effective_date=DAY,
        transfers=[
            (f1, other_unit, Decimal("0.35")),
            (f2, other_unit, Decimal("0.10")),
            (f3, third_unit, Decimal("0.3333")),
        ],
    )


def test_a_split_moves_nothing_until_the_bureau_divides(split):
    assert not HoldingsSuccession.objects.exists()
    assert not LedgerTransaction.objects.filter(kind=TransactionKind.SUCCESSION).exists()


def test_floor_share_rounds_down_to_whole_tonnes():
    assert floor_share(Decimal(333), Decimal("0.45")) == 149  # 149.85
    assert floor_share(Decimal(1000), Decimal("0.3333")) == 333  # 333.3
    assert floor_share(Decimal(7), Decimal("1")) == 7


def test_the_suggested_division_gives_each_owner_its_facilities_share_floored(
    split, other_unit, third_unit, shea, shea_older
):
    plan = division_plan(split)
    assert {o.organisation.pk: o.share for o in plan.owners} == {
        other_unit.pk: Decimal("0.45"),
        third_unit.pk: Decimal("0.3333"),
    }
    assert plan.suggested == {
        (other_unit.pk, shea.pk): 450,
        (other_unit.pk, shea_older.pk): 149,
        (third_unit.pk, shea.pk): 333,
        (third_unit.pk, shea_older.pk): 110,  # 110.9889
    }
    assert plan.kept() == {shea.pk: 217, shea_older.pk: 74}


def test_a_division_moves_the_entered_quantities_in_one_transaction(
    alice, split, unit_account, other_account, other_unit, third_unit, shea, shea_older
):
    division = {
        (other_unit.pk, shea.pk): 500,
        (other_unit.pk, shea_older.pk): 0,
        (third_unit.pk, shea.pk): 300,
        (third_unit.pk, shea_older.pk): 100,
    }
    succession = holdings_divide(actor=alice, event=split, division=division, note="Agreed by both boards.")
    third_account = holding_account_of(third_unit.pk)
    assert (held(other_account, shea), held(other_account, shea_older)) == (500, 0)
    assert (held(third_account, shea), held(third_account, shea_older)) == (300, 100)
    assert (held(unit_account, shea), held(unit_account, shea_older)) == (200, 233)
    tx = succession.transaction
    assert tx.kind == TransactionKind.SUCCESSION and LedgerTransaction.objects.filter(kind="succession").count() == 1
    assert succession.note == "Agreed by both boards."
    assert succession.division["kept"] == {"SHEA-2026": "200", "SHEA-2025": "233"}
    assert {t["organisation"]: t["quantities"] for t in succession.division["to"]} == {
        other_unit.uscc: {"SHEA-2026": "500", "SHEA-2025": "0"},
        third_unit.uscc: {"SHEA-2026": "300", "SHEA-2025": "100"},
    }
    assert_ledger_clean()


def test_dividing_more_than_is_held_is_refused_with_nothing_saved(
    alice, split, other_unit, third_unit, shea, shea_older
):
    accounts = Account.objects.count()
    before = snapshot()
    division = {(other_unit.pk, shea.pk): 600, (third_unit.pk, shea.pk): 401, (third_unit.pk, shea_older.pk): 1}
    with pytest.raises(ValidationError, match="1,001 t of SHEA-2026 are divided"):
        holdings_divide(actor=alice, event=split, division=division, note="Too much.")
    assert_unchanged(before)
    assert Account.objects.count() == accounts and not HoldingsSuccession.objects.exists()


def test_a_split_is_divided_once_only(alice, split, other_unit, shea):
    holdings_divide(actor=alice, event=split, division={(other_unit.pk, shea.pk): 10}, note="First.")
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        holdings_divide(actor=alice, event=split, division={(other_unit.pk, shea.pk): 10}, note="Again.")
    assert refused.value.code == "already_divided"
    assert_unchanged(before)
    assert HoldingsSuccession.objects.get().note == "First."


def test_holdings_go_only_to_the_new_owners_of_the_facilities(alice, split, shea):
    stranger = OrganisationFactory()
    before = snapshot()
    with pytest.raises(ValidationError, match="only among the new owners"):
        holdings_divide(actor=alice, event=split, division={(stranger.pk, shea.pk): 10}, note="Wrong.")
    assert_unchanged(before)


def test_a_division_needs_a_note(alice, split, other_unit, shea):
    with pytest.raises(ValidationError) as refused:
        holdings_divide(actor=alice, event=split, division={(other_unit.pk, shea.pk): 10}, note="  ")
    assert "note" in refused.value.message_dict
    assert not HoldingsSuccession.objects.exists()


def test_only_the_bureau_divides_a_split(carol, split, other_unit, shea):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        holdings_divide(actor=carol, event=split, division={(other_unit.pk, shea.pk): 10}, note="Mine.")
    assert_unchanged(before)


def test_a_merger_is_not_divided(alice, unit, other_unit, funded, other_account, shea):
    event = OrganisationEvent.objects.create(
        kind="merger", organisation=unit, surviving_organisation=other_unit, effective_date=DAY, recorded_by=alice
    )
    with pytest.raises(ValidationError, match="Only a split"):
        holdings_divide(actor=alice, event=event, division={(other_unit.pk, shea.pk): 1}, note="No.")


def test_keeping_everything_records_the_division_without_a_transaction(alice, split, other_unit, shea, unit_account):
    succession = holdings_divide(actor=alice, event=split, division={(other_unit.pk, shea.pk): 0}, note="All kept.")
    assert succession.transaction is None and succession.division["kept"]["SHEA-2026"] == "1000"
    assert held(unit_account, shea) == 1000


def test_owners_and_the_splitting_unit_hear_of_the_division(alice, carol, erin, split, other_unit, shea):
    holdings_divide(actor=alice, event=split, division={(other_unit.pk, shea.pk): 40}, note="Agreed.")
    notes = Notification.objects.filter(kind="trading.split_succession")
    assert set(notes.values_list("recipient", flat=True)) == {carol.pk, erin.pk}
    assert "40 t SHEA-2026" in notes.get(recipient=erin).body_en
