"""A unit's move to the national market (Action Plan (5)): refused until every earlier year is
settled; it exempts the unit from the first national year on, locks every Shanghai allowance it
holds in the rollover account, and the tranches come back on their dates within three years, each
once, never more than was locked."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carbon_portal.models import AuditEntry, Notification
from registry.choices import EntryCategory, EntryOrigin
from registry.models import ListEntry, RegulatedList
from tests.factories import OrganisationFactory
from tests.trading.conftest import assert_unchanged, held, snapshot
from tests.trading.test_lifecycle import exempt, regulated_year
from tests.trading.test_runs import determination, publish_list
from tests.trading.test_surrender import give, offset, year_plan
from trading.choices import AccountKind, AccountStatus, ExemptionReason, TransactionKind
from trading.models import Account, ComplianceExemption, NationalMarketMove, RolloverTranche
from trading.selectors.chain import holdings_mismatches, verify_chain
from trading.selectors.compliance import compliance
from trading.services.accounts import account_open, allowance
from trading.services.lifecycle import national_move_record
from trading.services.rollover import TrancheSpec, default_schedule, split, tranches_release_due
from trading.services.surrender import surrender
from trading.tasks_lifecycle import release_due_rollover_tranches

N = 2026
PRIOR = N - 1
TODAY = date(N, 11, 22)


def move(actor, org, *, year=N, schedule=None, note=""):
    return national_move_record(actor=actor, organisation=org, first_national_year=year, schedule=schedule, note=note)


def ledger_ok():
    check = verify_chain()
    assert check.ok, check.problems
    assert holdings_mismatches() == []


@pytest.fixture
def settled(alice, bob, carol, unit):
    """`unit` (carol's): 2025 listed, determined at 100 t and surrendered in full (A); on the 2026
    list. Its account then holds 400 SHEA-2025, 300 SHEA-2026 and 50 CCER."""
    accounts = regulated_year(alice, bob, [unit], year=PRIOR, holdings=500)
    account = accounts[unit.pk]
    surrender(actor=carol, account=account, year=PRIOR, items=[(allowance(PRIOR), 100)], idempotency_key="s-2025")
    publish_list(alice, bob, [unit], year=N)
    give(alice, account, allowance(N), 300)
    give(alice, account, offset("CCER-X"), 50)
    return account


def add_to_list(org, year):
    ListEntry.objects.create(
        regulated_list=RegulatedList.objects.get(year=year),
        organisation=org,
        category=EntryCategory.REGULATED,
        origin=EntryOrigin.CRITERIA,
    )


def spec(day, pct):
    return TrancheSpec(day, D(pct))


# -- refusals --


@pytest.mark.parametrize("state", ["B", "C"])
def test_a_move_is_refused_while_an_earlier_year_is_not_settled(alice, bob, unit, state):
    regulated_year(alice, bob, [unit], year=PRIOR, emissions="100" if state == "B" else "0")
    if state == "C":
        from verification.models import Determination

        Determination.objects.filter(organisation=unit).delete()
    publish_list(alice, bob, [unit], year=N)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        move(alice, unit)
    assert exc.value.code == "unsettled" and f"{PRIOR}: {state}:" in exc.value.messages[0]
    assert not NationalMarketMove.objects.exists() and not ComplianceExemption.objects.exists()
    assert_unchanged(before)


def test_an_earlier_year_exempt_counts_as_settled(alice, bob, unit):
    regulated_year(alice, bob, [unit], year=PRIOR)
    exempt(alice, unit, year=PRIOR)
    publish_list(alice, bob, [unit], year=N)
    assert move(alice, unit).first_national_year == N


def test_a_unit_never_regulated_cannot_move(alice):
    with pytest.raises(ValidationError, match="never been on a published list"):
        move(alice, OrganisationFactory())


def test_a_second_move_is_refused(alice, unit, settled):
    move(alice, unit)
    with pytest.raises(ValidationError) as exc:
        move(alice, unit, year=N + 1)
    assert exc.value.code == "already_moved"


def test_a_surrender_for_the_first_national_year_refuses_the_move(alice, bob, carol, unit, settled):
    year_plan(alice, bob, year=N)
    determination(unit, N, "50", alice=alice, bob=bob)
    surrender(actor=carol, account=settled, year=N, items=[(allowance(N), 50)], idempotency_key="s-2026")
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        move(alice, unit)
    assert exc.value.code == "surrendered_later"
    assert_unchanged(before)


def test_only_the_bureau_records_a_move(carol, unit, settled):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        move(carol, unit)
    assert_unchanged(before)


def test_a_schedule_beyond_three_years_is_refused(alice, unit, settled):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        move(alice, unit, schedule=[spec(date(N, 1, 1), 50), spec(date(N + 3, 1, 1), 50)])
    assert exc.value.code == "beyond_three_years" and "2028-12-31" in exc.value.messages[0]
    assert_unchanged(before)
    assert not NationalMarketMove.objects.exists()


def test_the_last_day_of_the_three_years_is_allowed(alice, unit, settled):
    moved = move(alice, unit, schedule=[spec(date(N, 1, 1), 50), spec(date(N + 2, 12, 31), 50)])
    assert max(moved.tranches.values_list("due_date", flat=True)) == date(N + 2, 12, 31)


@pytest.mark.parametrize(
    "schedule,code",
    [
        ([spec(date(N, 1, 1), 50), spec(date(N, 6, 1), 40)], "shares"),
        ([spec(date(N + 1, 1, 1), 50), spec(date(N, 1, 1), 50)], "order"),
        ([spec(date(N - 1, 12, 31), 100)], "beyond_three_years"),
    ],
)
def test_a_schedule_that_does_not_add_up_or_is_out_of_order_is_refused(alice, unit, settled, schedule, code):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        move(alice, unit, schedule=schedule)
    assert exc.value.code == code
    assert_unchanged(before)


# -- what a move records --


def test_the_move_locks_every_shea_vintage_and_leaves_offsets(alice, unit, settled):
    moved = move(alice, unit)
    rollover = Account.objects.get(kind=AccountKind.ROLLOVER)
    assert held(settled, allowance(PRIOR)) == 0 and held(settled, allowance(N)) == 0
    assert held(settled, offset_of("CCER-X")) == 50
    assert held(rollover, allowance(PRIOR)) == 400 and held(rollover, allowance(N)) == 300
    assert moved.surplus_t == D(700)
    assert moved.lock.kind == TransactionKind.ROLLOVER
    assert moved.lock.idempotency_key == f"rollover:lock:{unit.pk}"
    ledger_ok()


def offset_of(code):
    from trading.models import Instrument

    return Instrument.objects.get(code=code)


def test_the_move_is_audited_and_told_to_the_unit(alice, carol, unit, settled):
    moved = move(alice, unit, note="MEE notice 2026-3.")
    entry = AuditEntry.objects.get(verb="rollover.move")
    assert entry.target_id == str(moved.pk) and entry.data["surplus_t"] == "700"
    assert entry.data["exempt_years"] == [N]
    assert Notification.objects.filter(recipient=carol, kind="rollover.moved").exists()


def test_the_unit_is_exempt_from_the_first_national_year_on(alice, bob, unit, settled):
    move(alice, unit)
    assert ComplianceExemption.objects.get(organisation=unit).reason == ExemptionReason.NATIONAL_MARKET
    assert compliance(unit.pk, N).status == "exempt"
    assert compliance(unit.pk, PRIOR).status == "A"
    assert compliance(unit.pk, N + 1).status == "n/a"  # not on Shanghai's list
    publish_list(alice, bob, [unit], year=N + 1)  # a later list naming it by mistake
    assert compliance(unit.pk, N + 1).status == "exempt"


def test_the_default_schedule_is_three_equal_tranches_on_1_january(alice, unit, settled):
    moved = move(alice, unit)
    rows = sorted(moved.tranches.values_list("instrument__code", "due_date", "quantity_t"))
    assert rows == [
        ("SHEA-2025", date(N, 1, 1), D(134)),
        ("SHEA-2025", date(N + 1, 1, 1), D(133)),
        ("SHEA-2025", date(N + 2, 1, 1), D(133)),
        ("SHEA-2026", date(N, 1, 1), D(100)),
        ("SHEA-2026", date(N + 1, 1, 1), D(100)),
        ("SHEA-2026", date(N + 2, 1, 1), D(100)),
    ]


def test_a_unit_without_allowances_moves_with_nothing_locked(alice, bob):
    org = OrganisationFactory()
    publish_list(alice, bob, [org], year=N)
    moved = move(alice, org)
    assert moved.lock is None and moved.surplus_t == 0 and not moved.tranches.exists()


def test_split_gives_whole_tonnes_that_add_up_with_the_remainder_first():
    thirds = default_schedule(N)
    assert split(D(100), thirds) == [D(34), D(33), D(33)]
    assert split(D(1), thirds) == [D(1), D(0), D(0)]
    uneven = [spec(date(N, 1, 1), "10.5"), spec(date(N, 2, 1), "0.01"), spec(date(N, 3, 1), "89.49")]
    for quantity in (D(0), D(1), D(2), D(7), D(99), D(1001), D(123457)):
        parts = split(quantity, uneven)
        assert sum(parts) == quantity and all(p >= 0 and p == p.to_integral_value() for p in parts)


# -- release --


def test_tranches_are_released_only_when_due_and_only_once(alice, unit, settled):
    move(alice, unit, schedule=[spec(date(N, 1, 1), 50), spec(date(N + 1, 6, 30), 50)])
    rollover = Account.objects.get(kind=AccountKind.ROLLOVER)
    first = tranches_release_due(today=TODAY)
    assert len(first.released) == 2 and not first.refused  # one per vintage
    assert held(settled, allowance(PRIOR)) == 200 and held(settled, allowance(N)) == 150
    assert tranches_release_due(today=TODAY).released == []  # a rerun releases nothing twice
    assert held(settled, allowance(PRIOR)) == 200
    assert tranches_release_due(today=date(N + 1, 6, 29)).released == []
    assert len(tranches_release_due(today=date(N + 1, 6, 30)).released) == 2
    assert held(settled, allowance(PRIOR)) == 400 and held(settled, allowance(N)) == 300
    assert held(rollover, allowance(PRIOR)) == 0 and held(rollover, allowance(N)) == 0
    assert not RolloverTranche.objects.filter(released__isnull=True).exists()
    assert set(RolloverTranche.objects.values_list("released__kind", flat=True)) == {TransactionKind.ROLLOVER}
    ledger_ok()


def test_a_release_never_returns_more_than_was_locked(alice, bob, unit, other_unit, settled):
    add_to_list(other_unit, N)  # a second unit fills the shared rollover account
    other = account_open(actor=alice, organisation=other_unit)
    give(alice, other, allowance(PRIOR), 1000)
    moved = move(alice, unit)
    move(alice, other_unit)
    extra = RolloverTranche.objects.create(
        move=moved, instrument=allowance(PRIOR), due_date=date(N, 2, 1), quantity_t=300
    )
    result = tranches_release_due(today=TODAY)
    assert [t.pk for t, _reason in result.refused] == [extra.pk]
    assert "more than was locked" in result.refused[0][1]
    extra.refresh_from_db()
    assert extra.released is None
    assert held(settled, allowance(PRIOR)) == 134  # the due tranche, not the extra 300 t
    ledger_ok()


def test_a_tranche_the_unit_cannot_receive_is_refused_and_the_others_go_on(alice, bob, unit, other_unit, settled):
    add_to_list(other_unit, N)
    other = account_open(actor=alice, organisation=other_unit)
    give(alice, other, allowance(PRIOR), 90)
    move(alice, unit)
    move(alice, other_unit)
    Account.objects.filter(pk=settled.pk).update(status=AccountStatus.FROZEN)
    result = tranches_release_due(today=TODAY)
    assert {t.move.organisation_id for t in result.released} == {other_unit.pk}
    assert {t.move.organisation_id for t, _reason in result.refused} == {unit.pk}
    assert held(other, allowance(PRIOR)) == 30
    ledger_ok()


def test_the_unit_is_told_what_came_back(alice, carol, unit, settled):
    move(alice, unit)
    tranches_release_due(today=TODAY)
    note = Notification.objects.get(recipient=carol, kind="rollover.released")
    assert "234" in note.subject_en and "SHEA-2025" in note.body_en


def test_the_daily_task_releases_due_tranches_in_the_movers_name(alice, unit, settled):
    moved = move(alice, unit)
    assert release_due_rollover_tranches() == {"released": 2, "refused": 0}
    assert release_due_rollover_tranches() == {"released": 0, "refused": 0}
    tranche = moved.tranches.filter(released__isnull=False).select_related("released").first()
    assert tranche.released.actor == alice
    assert AuditEntry.objects.filter(verb="rollover.release", actor=None).count() == 2


def test_only_the_bureau_presses_the_release_button(carol):
    with pytest.raises(PermissionDenied):
        tranches_release_due(actor=carol, today=TODAY)


# -- pages --

BUREAU_PAGES = ["trading:rollover_admin", "trading:rollover_new"]


def test_the_rollover_pages_are_the_bureaus(client, client_for, alice, carol, erin, dave, unit, settled):
    moved = move(alice, unit)
    urls = [reverse(name) for name in BUREAU_PAGES] + [reverse("trading:rollover_detail", args=[moved.pk])]
    for url in urls:
        client.logout()
        assert client.get(url).status_code == 302
        for outsider in (carol, erin, dave):
            assert client_for(outsider).get(url).status_code == 403
        assert client_for(alice).get(url).status_code == 200
    release = reverse("trading:rollover_release_due")
    assert client_for(carol).post(release).status_code == 403
    assert not RolloverTranche.objects.filter(released__isnull=False).exists()
    assert client_for(alice).post(release).status_code == 302
    assert RolloverTranche.objects.filter(released__isnull=False).count() == 2


def test_the_units_own_page_is_only_its_staffs(client, client_for, alice, carol, erin, unit, settled):
    move(alice, unit)
    tranches_release_due(today=TODAY)
    url = reverse("trading:lifecycle_unit", kwargs={"number": settled.number})
    assert client.get(url).status_code == 302
    assert client_for(erin).get(url).status_code == 404
    assert client_for(alice).get(url).status_code == 403
    body = client_for(carol).get(url).content.decode()
    assert "Move to the national market" in body and "2028-01-01" in body and "Rolled over" in body


def form_data(unit, **extra):
    return {"uscc": unit.uscc, "first_national_year": N, "note": ""} | extra


def test_the_move_form_checks_then_records(alice, client_for, unit, settled):
    client = client_for(alice)
    url = reverse("trading:rollover_new")
    check = client.post(url, form_data(unit))
    body = check.content.decode()
    assert "Check the move before recording it" in body and "134 t SHEA-2025" in body
    assert not NationalMarketMove.objects.exists()
    done = client.post(url, form_data(unit, confirm="1"))
    moved = NationalMarketMove.objects.get()
    assert done.status_code == 302 and done.url == reverse("trading:rollover_detail", args=[moved.pk])
    again = client.post(url, form_data(unit, confirm="1"))  # a double submit
    assert again.status_code == 302 and NationalMarketMove.objects.count() == 1
    detail = client.get(done.url).content.decode()
    assert moved.lock.code in detail and "2028-12-31" in detail


def test_a_refused_move_keeps_what_was_typed_and_records_nothing(alice, client_for, unit, settled):
    before = snapshot()
    data = form_data(unit, date_1="2026-01-01", share_1="50", date_2="2029-03-01", share_2="50", confirm="1")
    response = client_for(alice).post(reverse("trading:rollover_new"), data)
    body = response.content.decode()
    assert response.status_code == 200 and "within three years" in body
    assert 'value="2029-03-01"' in body and unit.uscc in body
    assert_unchanged(before)


def test_a_tranche_row_needs_both_date_and_share(alice, client_for, unit, settled):
    response = client_for(alice).post(reverse("trading:rollover_new"), form_data(unit, date_1="2026-01-01"))
    assert "Give this tranche&#x27;s share." in response.content.decode()
    assert not NationalMarketMove.objects.exists()


def test_the_move_list_runs_the_same_queries_for_3_and_30_moves(alice, bob, client_for, django_assert_max_num_queries):
    orgs = [OrganisationFactory() for _ in range(30)]
    publish_list(alice, bob, orgs, year=N)
    for org in orgs[:3]:
        move(alice, org)
    client = client_for(alice)
    url = reverse("trading:rollover_admin")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for org in orgs[3:]:
        move(alice, org)
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).status_code == 200
