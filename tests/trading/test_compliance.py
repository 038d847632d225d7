"""Compliance status per unit and year (A/B/C, n/a), late surrenders, candidate violations after the
deadline for the bureau's review, the pages of the unit, the bureau and the public."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.models import ListEntry
from tests.factories import OrganisationFactory
from tests.trading.test_runs import determination, publish_list
from tests.trading.test_surrender import YEAR, give, offset, year_plan
from trading.models import AllocationPlan, Surrender
from trading.selectors.compliance import candidate_violations, compliance, year_compliance
from trading.services.accounts import account_open, allowance
from trading.services.surrender import surrender

TODAY = timezone.localdate()


def set_deadline(plan, day):
    AllocationPlan.objects.filter(pk=plan.pk).update(surrender_deadline=day)
    plan.refresh_from_db()


@pytest.fixture
def shea(db):
    return allowance(YEAR)


@pytest.fixture
def year_units(alice, bob, carol, unit, other_unit, shea):
    """`unit` (carol's): 100 t determined, surrendered in full -> A; `other_unit`: 100 t determined,
    40 t surrendered -> B; a third unit with nothing determined -> C; a fourth not on the list -> n/a."""
    plan = year_plan(alice, bob)
    undetermined, outsider = OrganisationFactory(name_zh="丙公司"), OrganisationFactory(name_zh="丁公司")
    publish_list(alice, bob, [unit, other_unit, undetermined])
    accounts = {}
    for org in (unit, other_unit):
        determination(org, YEAR, "99.5", alice=alice, bob=bob)
        accounts[org.pk] = account_open(actor=alice, organisation=org)
        give(alice, accounts[org.pk], shea, 500)
    surrender(actor=carol, account=accounts[unit.pk], year=YEAR, items=[(shea, 100)], idempotency_key="c-a")
    return {"plan": plan, "accounts": accounts, "undetermined": undetermined, "outsider": outsider}


def surrender_as(user, account, quantity, key, shea):
    return surrender(actor=user, account=account, year=YEAR, items=[(shea, quantity)], idempotency_key=key)


# -- status --


def test_status_a_b_c_and_not_applicable(erin, unit, other_unit, year_units, shea):
    surrender_as(erin, year_units["accounts"][other_unit.pk], 40, "e-40", shea)
    assert compliance(unit.pk, YEAR).status == "A"
    row = compliance(other_unit.pk, YEAR)
    assert row.status == "B" and row.obligation_t == D(100) and row.outstanding_t == D(60)
    assert compliance(year_units["undetermined"].pk, YEAR).status == "C"
    assert compliance(year_units["outsider"].pk, YEAR).status == "n/a"


def test_a_unit_removed_from_the_list_is_not_applicable(unit, year_units):
    ListEntry.objects.filter(organisation=unit).update(is_removed=True, removal_reason="Merged.")
    assert compliance(unit.pk, YEAR).status == "n/a"


def test_the_year_lists_every_regulated_unit_with_counts_per_status(unit, other_unit, year_units):
    result = year_compliance(YEAR)
    assert {r.organisation.pk: r.status for r in result.rows} == {
        unit.pk: "A",
        other_unit.pk: "B",
        year_units["undetermined"].pk: "C",
    }
    assert result.counts == {"A": 1, "B": 1, "C": 1}


def test_filters_narrow_the_rows_but_not_the_counts(unit, year_units):
    result = year_compliance(YEAR, {"status": "C"})
    assert [r.organisation.pk for r in result.rows] == [year_units["undetermined"].pk]
    assert result.counts == {"A": 1, "B": 1, "C": 1}
    assert [r.organisation.pk for r in year_compliance(YEAR, {"q": unit.uscc}).rows] == [unit.pk]


def test_a_surrender_after_the_deadline_is_accepted_and_marked_late(erin, other_unit, year_units, shea):
    set_deadline(year_units["plan"], TODAY - timedelta(days=1))
    Surrender.objects.update(surrendered_at=timezone.now() - timedelta(days=3))  # carol's: in time
    surrender_as(erin, year_units["accounts"][other_unit.pk], 100, "e-late", shea)
    row = compliance(other_unit.pk, YEAR)
    assert row.status == "A" and row.late
    assert [r.organisation.pk for r in year_compliance(YEAR, {"late": "yes"}).rows] == [other_unit.pk]


def test_a_surrender_on_the_deadline_day_is_not_late(unit, year_units):
    set_deadline(year_units["plan"], TODAY)
    assert not compliance(unit.pk, YEAR).late


# -- candidate violations --


def test_no_candidates_before_the_deadline(year_units):
    deadline = year_units["plan"].surrender_deadline
    assert candidate_violations(YEAR, today=deadline) == []


def test_after_the_deadline_units_short_are_candidates_with_their_shortfall(other_unit, year_units):
    deadline = year_units["plan"].surrender_deadline
    candidates = candidate_violations(YEAR, today=deadline + timedelta(days=1))
    by_org = {c.row.organisation.pk: c for c in candidates}
    assert set(by_org) == {other_unit.pk, year_units["undetermined"].pk}
    assert by_org[other_unit.pk].shortfall_t == D(100)
    assert by_org[year_units["undetermined"].pk].shortfall_t is None
    assert Surrender.objects.count() == 1  # nothing was recorded or decided


def test_no_candidates_without_a_published_plan(db):
    assert candidate_violations(YEAR, today=date(YEAR + 5, 1, 1)) == []


# -- permissions --

BUREAU_PAGES = [
    ("trading:compliance_admin", {"year": YEAR}),
    ("trading:compliance_admin_download", {"year": YEAR, "fmt": "csv"}),
    ("trading:compliance_candidates", {"year": YEAR}),
]


@pytest.mark.parametrize("name,kwargs", BUREAU_PAGES)
def test_bureau_pages_are_the_bureaus(name, kwargs, client, client_for, alice, carol, dave, year_units):
    url = reverse(name, kwargs=kwargs)
    assert client.get(url).status_code == 302  # to the login
    assert client_for(carol).get(url).status_code == 403
    assert client_for(dave).get(url).status_code == 403
    assert client_for(alice).get(url).status_code == 200


def test_a_units_surrender_page_is_only_its_staffs(client_for, alice, carol, erin, unit, year_units):
    number = year_units["accounts"][unit.pk].number
    for name, kwargs in (
        ("trading:surrender", {"number": number, "year": YEAR}),
        ("trading:surrender_index", {"number": number}),
    ):
        url = reverse(name, kwargs=kwargs)
        assert client_for(carol).get(url).status_code == 200
        assert client_for(erin).get(url).status_code == 404
        assert client_for(alice).get(url).status_code == 403


def test_the_public_page_needs_no_login(client, year_units):
    assert client.get(reverse("trading:compliance_public", kwargs={"year": YEAR})).status_code == 200
    assert client.get(reverse("trading:compliance_public_index")).status_code == 200


# -- pages --


def test_the_public_page_is_hidden_before_the_deadline(client, unit, year_units):
    response = client.get(reverse("trading:compliance_public", kwargs={"year": YEAR}))
    deadline = year_units["plan"].surrender_deadline
    assert f"The surrender deadline for {YEAR} is {deadline:%Y-%m-%d}" in response.content.decode()
    assert unit.uscc not in response.content.decode()


def test_the_public_page_shows_each_units_status_after_the_deadline(client, unit, other_unit, year_units):
    set_deadline(year_units["plan"], TODAY - timedelta(days=1))
    body = client.get(reverse("trading:compliance_public", kwargs={"year": YEAR})).content.decode()
    assert unit.uscc in body and other_unit.uscc in body
    assert "A: surrendered in full" in body and "B: emissions determined, surrender outstanding" in body


def test_candidates_page_says_it_is_not_a_decision(client_for, alice, other_unit, year_units):
    set_deadline(year_units["plan"], TODAY - timedelta(days=1))
    body = client_for(alice).get(reverse("trading:compliance_candidates", kwargs={"year": YEAR})).content.decode()
    assert other_unit.uscc in body
    assert "not a decision" in body and "Art. 42 para 3" in body


def test_the_download_lists_the_year(client_for, alice, unit, year_units):
    response = client_for(alice).get(reverse("trading:compliance_admin_download", kwargs={"year": YEAR, "fmt": "csv"}))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert unit.uscc in body and "Obligation (t)" in body
    xlsx = client_for(alice).get(reverse("trading:compliance_admin_download", kwargs={"year": YEAR, "fmt": "xlsx"}))
    assert xlsx.status_code == 200


def test_the_bureau_list_runs_the_same_queries_for_3_and_30_units(alice, bob, client_for, shea):
    year_plan(alice, bob)
    orgs = [OrganisationFactory() for _ in range(30)]
    rl = publish_list(alice, bob, orgs[:3])
    for org in orgs:
        determination(org, YEAR, "10", alice=alice, bob=bob)
    client = client_for(alice)
    url = reverse("trading:compliance_admin", kwargs={"year": YEAR})
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    from registry.choices import EntryCategory, EntryOrigin

    ListEntry.objects.bulk_create(
        ListEntry(regulated_list=rl, organisation=o, category=EntryCategory.REGULATED, origin=EntryOrigin.CRITERIA)
        for o in orgs[3:]
    )
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_the_surrender_page_says_when_the_obligation_is_met(client_for, carol, unit, year_units):
    account = year_units["accounts"][unit.pk]
    response = client_for(carol).get(reverse("trading:surrender", kwargs={"number": account.number, "year": YEAR}))
    assert "Your obligation for 2026 is surrendered in full" in response.content.decode()
    assert response.context["form"] is None


def test_the_surrender_page_says_when_emissions_are_not_yet_determined(alice, client_for, carol, unit, year_units):
    from verification.models import Determination

    Surrender.objects.filter(organisation=unit).update(year=YEAR - 1)
    Determination.objects.filter(organisation=unit).delete()
    account = year_units["accounts"][unit.pk]
    body = client_for(carol).get(reverse("trading:surrender", kwargs={"number": account.number, "year": YEAR}))
    assert "not yet determined" in body.content.decode()


def test_surrender_form_check_then_confirm(client_for, erin, other_unit, year_units, shea):
    account = year_units["accounts"][other_unit.pk]
    client = client_for(erin)
    url = reverse("trading:surrender", kwargs={"number": account.number, "year": YEAR})
    page = client.get(url)
    body = page.content.decode()
    assert "Surrender for 2026" in body and "Outstanding (t)" in body and "Offset limit (t)" in body
    key = page.context["form"].initial["idempotency_key"]
    field = f"q_{shea.pk}"
    check = client.post(url, {field: "100", "idempotency_key": key})
    assert "Check your answers before surrendering" in check.content.decode()
    assert Surrender.objects.filter(organisation=other_unit).count() == 0
    done = client.post(url, {field: "100", "idempotency_key": key, "confirm": "1"})
    assert done.status_code == 302
    record = Surrender.objects.get(organisation=other_unit)
    assert done.url == reverse(
        "trading:surrender_done", kwargs={"number": account.number, "year": YEAR, "code": record.transaction.code}
    )
    confirmation = client.get(done.url).content.decode()
    assert record.transaction.code in confirmation and "A: surrendered in full" in confirmation
    # a double submit is a replay, not a second surrender
    again = client.post(url, {field: "100", "idempotency_key": key, "confirm": "1"})
    assert again.status_code in (200, 302)
    assert Surrender.objects.filter(organisation=other_unit).count() == 1


def test_a_refusal_is_shown_on_the_form_with_what_was_typed(client_for, erin, other_unit, year_units, shea):
    account = year_units["accounts"][other_unit.pk]
    client = client_for(erin)
    url = reverse("trading:surrender", kwargs={"number": account.number, "year": YEAR})
    key = client.get(url).context["form"].initial["idempotency_key"]
    response = client.post(url, {f"q_{shea.pk}": "101", "idempotency_key": key, "confirm": "1"})
    body = response.content.decode()
    assert "Only 100 t are outstanding" in body and 'value="101"' in body
    assert Surrender.objects.filter(organisation=other_unit).count() == 0


def test_the_form_offers_only_what_counts_for_the_year(client_for, alice, erin, unit, other_unit, year_units, shea):
    account = year_units["accounts"][other_unit.pk]
    own = offset("CCER-OWN2", origin=other_unit)
    later = allowance(YEAR + 1)
    ok = offset("CCER-OK", origin=unit)
    for instrument in (own, later, ok):
        give(alice, account, instrument, 5)
    form = (
        client_for(erin)
        .get(reverse("trading:surrender", kwargs={"number": account.number, "year": YEAR}))
        .context["form"]
    )
    assert set(form.fields) == {"idempotency_key", f"q_{shea.pk}", f"q_{ok.pk}"}
