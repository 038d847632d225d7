"""The bureau's succession pages (Art. 14): the list of mergers and splits, a merger's moved
holdings, a split's division form (prefilled, kept on error, once only), and the small includes
the transaction, account and organisation pages show."""

from datetime import date
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import URLResolver, include, path, reverse

from carbon_portal import urls as portal_urls
from registry import services as registry
from registry.models import OrganisationEvent
from tests.factories import FacilityFactory, OrganisationFactory
from tests.trading.conftest import held
from trading import urls as trading_urls
from trading import urls_succession
from trading.choices import TransactionKind
from trading.models import Account, HoldingsSuccession, LedgerTransaction
from trading.selectors.chain import verify_chain


def _urlpatterns():
    """The portal's URLs with the succession pages in the "trading" namespace, until trading/urls.py
    includes urls_succession itself (then these are the portal's own)."""
    if any(getattr(p, "name", None) == "succession_list" for p in trading_urls.urlpatterns):
        return portal_urls.urlpatterns
    patterns = []
    for p in portal_urls.urlpatterns:
        if isinstance(p, URLResolver) and p.namespace == "trading":
            p = path("trading/", include((trading_urls.urlpatterns + urls_succession.urlpatterns, "trading")))
        patterns.append(p)
    return patterns


urlpatterns = _urlpatterns()
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

DAY = date(2026, 6, 1)


@pytest.fixture
def third_unit(db):
    return OrganisationFactory(name_en="Third Co.")


@pytest.fixture
def split(alice, unit, other_unit, third_unit, funded, other_account):
    """`unit` (1,000 t SHEA-2026) gives facilities carrying 45% of its emissions to other_unit and
    30% to a third unit: suggested 450 t and 300 t, 250 t stay."""
    f1, f2 = FacilityFactory(organisation=unit, code="F-A"), FacilityFactory(organisation=unit, code="F-B")
    return registry.organisation_split(
        actor=alice,
        organisation=unit,
        effective_date=DAY,
        transfers=[(f1, other_unit, Decimal("0.45")), (f2, third_unit, Decimal("0.30"))],
    )


@pytest.fixture
def merger(alice, unit, other_unit, funded, other_account):
    return registry.organisation_merge(actor=alice, organisation=unit, surviving=other_unit, effective_date=DAY)


def cell(owner, instrument) -> str:
    return f"q_{owner.pk}_{instrument.pk}"


# -- who may see them -----------------------------------------------------------------------------


@pytest.mark.parametrize("who, expected", [("carol", 403), ("erin", 403), ("dave", 403), ("alice", 200)])
def test_only_the_bureau_sees_the_succession_pages(request, client_for, split, who, expected):
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("trading:succession_list")).status_code == expected
    assert client.get(reverse("trading:succession_event", args=[split.pk])).status_code == expected
    post = client.post(reverse("trading:succession_event", args=[split.pk]), {"note": "x"})
    assert post.status_code == (403 if expected == 403 else 200)


def test_anonymous_visitors_are_sent_to_sign_in(client, split):
    for url in (reverse("trading:succession_list"), reverse("trading:succession_event", args=[split.pk])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.post(reverse("trading:succession_event", args=[split.pk]), {"note": "x"})
    assert not HoldingsSuccession.objects.exists()


def test_other_events_are_not_found(client_for, alice, unit):
    event = registry.organisation_close(actor=alice, organisation=unit, kind="shutdown", effective_date=DAY)
    assert client_for(alice).get(reverse("trading:succession_event", args=[event.pk])).status_code == 404


# -- the list -------------------------------------------------------------------------------------


def test_the_list_shows_what_waits_and_what_is_done(client_for, alice, split, merger):
    page = client_for(alice).get(reverse("trading:succession_list")).content.decode()
    assert "Division to record" in page and "Recorded" in page
    assert LedgerTransaction.objects.get(kind=TransactionKind.SUCCESSION).code in page
    pending = client_for(alice).get(reverse("trading:succession_list"), {"state": "pending"}).content.decode()
    assert reverse("trading:succession_event", args=[split.pk]) in pending
    assert reverse("trading:succession_event", args=[merger.pk]) not in pending


def test_the_list_runs_a_fixed_number_of_queries(client_for, alice, django_assert_max_num_queries):
    def add(n):
        for _ in range(n):
            a, b = OrganisationFactory(), OrganisationFactory()
            registry.organisation_merge(actor=alice, organisation=a, surviving=b, effective_date=DAY)

    client = client_for(alice)
    add(2)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("trading:succession_list"))
    add(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("trading:succession_list"))
    assert response.context["page"].paginator.count == 12


# -- a split's division ---------------------------------------------------------------------------


def test_the_division_form_is_prefilled_from_the_facilities_shares(
    client_for, alice, split, other_unit, third_unit, shea
):
    response = client_for(alice).get(reverse("trading:succession_event", args=[split.pk]))
    form = response.context["form"]
    assert form[cell(other_unit, shea)].value() == 450 and form[cell(third_unit, shea)].value() == 300
    html = response.content.decode()
    assert 'value="450"' in html and 'value="300"' in html and "250" in html and "F-A" in html


def test_a_division_over_the_holding_keeps_the_typed_values_and_saves_nothing(
    client_for, alice, split, other_unit, third_unit, shea, unit_account
):
    data = {cell(other_unit, shea): "700", cell(third_unit, shea): "301", "note": "Typed note"}
    response = client_for(alice).post(reverse("trading:succession_event", args=[split.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200 and "1,001 t of SHEA-2026 are divided" in html
    assert 'value="700"' in html and 'value="301"' in html and "Typed note" in html
    assert not HoldingsSuccession.objects.exists() and held(unit_account, shea) == 1000
    assert verify_chain().ok


def test_a_negative_quantity_is_refused_on_its_field(client_for, alice, split, other_unit, third_unit, shea):
    data = {cell(other_unit, shea): "-5", cell(third_unit, shea): "10", "note": "x"}
    response = client_for(alice).post(reverse("trading:succession_event", args=[split.pk]), data)
    assert response.context["form"].errors[cell(other_unit, shea)] == ["Enter whole tonnes, zero or more."]
    assert 'value="-5"' in response.content.decode()
    assert not HoldingsSuccession.objects.exists()


def test_a_recorded_division_is_shown_and_not_offered_again(
    client_for, alice, split, other_unit, third_unit, shea, other_account, unit_account
):
    url = reverse("trading:succession_event", args=[split.pk])
    data = {cell(other_unit, shea): "400", cell(third_unit, shea): "100", "note": "Reported by the units."}
    client = client_for(alice)
    assert client.post(url, data).status_code == 302
    assert held(other_account, shea) == 400 and held(unit_account, shea) == 500
    again = client.post(url, data)  # a second submission finds the record, not the form
    assert again.status_code == 200 and "Record the division" not in again.content.decode()
    assert HoldingsSuccession.objects.count() == 1 and held(other_account, shea) == 400
    page = client.get(url).content.decode()
    code = HoldingsSuccession.objects.get().transaction.code
    assert code in page and "Reported by the units." in page and "Stayed with" in page
    assert "Record the division" not in page


# -- a merger -------------------------------------------------------------------------------------


def test_a_mergers_page_shows_the_moved_holdings(client_for, alice, merger, other_account):
    page = client_for(alice).get(reverse("trading:succession_event", args=[merger.pk])).content.decode()
    assert LedgerTransaction.objects.get(kind=TransactionKind.SUCCESSION).code in page
    assert other_account.number in page and "1,000" in page


def test_an_older_merger_without_moved_holdings_is_completed_by_the_bureau(
    client_for, alice, unit, other_unit, funded, unit_account, other_account, shea
):
    event = OrganisationEvent.objects.create(
        kind="merger", organisation=unit, surviving_organisation=other_unit, effective_date=DAY, recorded_by=alice
    )
    url = reverse("trading:succession_event", args=[event.pk])
    client = client_for(alice)
    assert "Move the holdings" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert held(other_account, shea) == 1000 and HoldingsSuccession.objects.get().event == event


# -- includes for the lead's pages ----------------------------------------------------------------


def test_the_event_link_shows_only_for_the_bureau_and_for_mergers_and_splits(split, alice):
    bureau = render_to_string("trading/succession_event_link.html", {"ev": split, "user_is_bureau": True})
    assert reverse("trading:succession_event", args=[split.pk]) in bureau and "Division of the holdings" in bureau
    assert render_to_string("trading/succession_event_link.html", {"ev": split, "user_is_bureau": False}).strip() == ""
    closure = OrganisationEvent(pk=999, kind="shutdown")
    assert render_to_string("trading/succession_event_link.html", {"ev": closure, "user_is_bureau": True}).strip() == ""


def test_the_transaction_note_names_the_merger(merger, unit, other_unit):
    tx = LedgerTransaction.objects.get(kind=TransactionKind.SUCCESSION)
    html = render_to_string("trading/succession_tx_note.html", {"tx": tx})
    assert "merger of" in html and unit.name_en in html and other_unit.name_en in html
    other = LedgerTransaction.objects.get(kind=TransactionKind.ISSUANCE)
    assert render_to_string("trading/succession_tx_note.html", {"tx": other}).strip() == ""


def test_the_closed_account_says_where_its_holdings_went(merger, unit_account, other_unit):
    unit_account.refresh_from_db()
    html = render_to_string("trading/succession_account_note.html", {"account": unit_account, "user_is_bureau": True})
    assert other_unit.name_en in html and reverse("trading:succession_event", args=[merger.pk]) in html
    issue_tx = LedgerTransaction.objects.get(kind=TransactionKind.ISSUANCE)
    open_account = issue_tx.entries.get(quantity_t__lt=0).account
    assert render_to_string("trading/succession_account_note.html", {"account": open_account}).strip() == ""


# -- through the registry's own merger page -------------------------------------------------------


def merger_form(client, unit, survivor):
    url = reverse("registry:event_create", args=[unit.pk, "merger"])
    return client.post(url, {"surviving_uscc": survivor.uscc, "effective_date": "2026-06-01", "note": "Board decision"})


def test_recording_a_merger_on_the_registry_page_moves_the_holdings(
    client_for, alice, unit, other_unit, funded, unit_account, other_account, shea
):
    assert merger_form(client_for(alice), unit, other_unit).status_code == 302
    unit_account.refresh_from_db()
    assert held(other_account, shea) == 1000 and unit_account.status == "closed"


def test_a_merger_page_whose_holdings_cannot_move_shows_why_and_records_nothing(
    client_for, alice, unit, other_unit, funded, unit_account, other_account, shea
):
    Account.objects.filter(pk=other_account.pk).update(status="frozen")
    response = merger_form(client_for(alice), unit, other_unit)
    html = response.content.decode()
    assert response.status_code == 200 and "The merger was not recorded" in html and "Board decision" in html
    unit.refresh_from_db()
    assert unit.status == "active" and not OrganisationEvent.objects.exists()
    assert held(unit_account, shea) == 1000 and verify_chain().ok
