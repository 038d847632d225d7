"""/api/trading/: accounts and their history scoped like the pages, idempotent transfers, and the
public verification of a transaction by its code."""

import pytest
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from trading.choices import TransactionKind
from trading.models import LedgerTransaction
from trading.services.accounts import account_open, allowance
from trading.services.acts import issue, transfer

pytestmark = pytest.mark.django_db

TRANSFERS = "/api/trading/transfers/"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def token_for():
    """A client authenticated by an API token, as a unit's own system would be."""

    def _as(user):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
        return client

    return _as


@pytest.fixture
def session_for():
    def _as(user):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client

    return _as


@pytest.fixture
def shea(db):
    return allowance(2026)


@pytest.fixture
def mine(alice, unit, shea):
    account = account_open(actor=alice, organisation=unit)
    issue(actor=alice, to_account=account, instrument=shea, quantity_t=1000, idempotency_key="issue-mine")
    return account


@pytest.fixture
def theirs(alice, other_unit):
    return account_open(actor=alice, organisation=other_unit)


@pytest.fixture
def sent(carol, mine, theirs, shea):
    return transfer(
        actor=carol, from_account=mine, to_account=theirs, instrument=shea, quantity_t=400, idempotency_key="t-1"
    ).transaction


def body(mine, theirs, **changes):
    return {
        "from_account": mine.number,
        "to_account": theirs.number,
        "instrument": "SHEA-2026",
        "quantity_t": 100,
    } | changes


# -- accounts -----------------------------------------------------------------------------------


def test_accounts_need_authentication(api, mine):
    assert api.get("/api/trading/accounts/").status_code == 401
    assert api.get(f"/api/trading/accounts/{mine.number}/transactions/").status_code == 401


def test_a_unit_sees_its_own_accounts_with_holdings(token_for, carol, mine, theirs):
    results = token_for(carol).get("/api/trading/accounts/").json()["results"]
    assert [a["number"] for a in results] == [mine.number]
    assert results[0]["holdings"] == [{"instrument": "SHEA-2026", "quantity_t": "1000"}]
    assert results[0]["kind"] == "holding" and results[0]["trading_prohibited"] is False


def test_another_unit_sees_neither_the_account_nor_its_history(token_for, erin, mine, theirs):
    client = token_for(erin)
    assert [a["number"] for a in client.get("/api/trading/accounts/").json()["results"]] == [theirs.number]
    assert client.get(f"/api/trading/accounts/{mine.number}/transactions/").status_code == 404


def test_an_agency_sees_no_account(token_for, dave, mine):
    assert token_for(dave).get("/api/trading/accounts/").json()["results"] == []


def test_the_bureau_sees_every_account_with_its_session(session_for, alice, mine, theirs):
    numbers = {a["number"] for a in session_for(alice).get("/api/trading/accounts/").json()["results"]}
    assert {mine.number, theirs.number, "SH-ISSUANCE"} <= numbers


def test_an_accounts_history_is_newest_first_with_counterparties(token_for, carol, mine, theirs, sent):
    rows = token_for(carol).get(f"/api/trading/accounts/{mine.number}/transactions/").json()["results"]
    assert [r["code"] for r in rows] == [sent.code, LedgerTransaction.objects.get(kind="issuance").code]
    assert rows[0]["quantity_t"] == "-400" and rows[0]["counterparties"] == [theirs.number]
    assert rows[1]["quantity_t"] == "1000" and rows[1]["counterparties"] == ["SH-ISSUANCE"]


# -- transfers ----------------------------------------------------------------------------------


def test_a_transfer_needs_an_idempotency_key(token_for, carol, mine, theirs):
    response = token_for(carol).post(TRANSFERS, body(mine, theirs), format="json")
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["idempotency_key"][0]
    assert not LedgerTransaction.objects.filter(kind=TransactionKind.TRANSFER).exists()


def test_a_transfer_is_created_once_and_replayed_with_the_same_body(token_for, carol, mine, theirs):
    client = token_for(carol)
    first = client.post(TRANSFERS, body(mine, theirs), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    again = client.post(TRANSFERS, body(mine, theirs), format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json() == again.json()
    assert first.json()["kind"] == "transfer"
    assert {(e["account"], e["quantity_t"]) for e in first.json()["entries"]} == {
        (mine.number, "-100"),
        (theirs.number, "100"),
    }
    assert LedgerTransaction.objects.filter(kind=TransactionKind.TRANSFER).count() == 1
    assert theirs.holdings.get().quantity_t == 100


def test_the_same_key_for_another_request_is_a_conflict(token_for, carol, mine, theirs):
    client = token_for(carol)
    client.post(TRANSFERS, body(mine, theirs), format="json", HTTP_IDEMPOTENCY_KEY="abc-2")
    response = client.post(TRANSFERS, body(mine, theirs, quantity_t=200), format="json", HTTP_IDEMPOTENCY_KEY="abc-2")
    assert response.status_code == 409 and "different request" in response.json()["detail"]
    assert theirs.holdings.get().quantity_t == 100


def test_keys_are_the_callers_own(token_for, carol, alice, unit, mine, theirs):
    """Another user's key is a new key: it neither replays nor blocks their request."""
    from tests.factories import MembershipFactory, UserFactory

    colleague = UserFactory()
    MembershipFactory(user=colleague, organisation=unit, role="unit_staff")
    token_for(carol).post(TRANSFERS, body(mine, theirs), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    response = token_for(colleague).post(TRANSFERS, body(mine, theirs), format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert response.status_code == 201
    assert theirs.holdings.get().quantity_t == 200


def test_an_insufficient_transfer_is_a_400_with_the_message(token_for, carol, mine, theirs):
    response = token_for(carol).post(
        TRANSFERS, body(mine, theirs, quantity_t=5000), format="json", HTTP_IDEMPOTENCY_KEY="abc-3"
    )
    assert response.status_code == 400
    assert "does not hold enough SHEA-2026" in response.json()["non_field_errors"][0]


def test_bad_input_is_a_400_on_the_fields(token_for, carol, mine):
    response = token_for(carol).post(
        TRANSFERS,
        {"from_account": mine.number, "to_account": "H0", "instrument": "NOPE", "quantity_t": 1},
        format="json",
        HTTP_IDEMPOTENCY_KEY="abc-4",
    )
    assert response.status_code == 400
    assert response.json() == {
        "to_account": ["No account has this number."],
        "instrument": ["No instrument has this code."],
    }
    zero = token_for(carol).post(TRANSFERS, body(mine, mine, quantity_t=0), format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert zero.status_code == 400 and "quantity_t" in zero.json()


def test_another_units_account_is_not_found(token_for, erin, mine, theirs):
    response = token_for(erin).post(TRANSFERS, body(mine, theirs), format="json", HTTP_IDEMPOTENCY_KEY="abc-5")
    assert response.status_code == 404
    assert mine.holdings.get().quantity_t == 1000


def test_the_bureau_may_not_move_a_units_allowances(session_for, alice, mine, theirs):
    response = session_for(alice).post(TRANSFERS, body(mine, theirs), format="json", HTTP_IDEMPOTENCY_KEY="abc-6")
    assert response.status_code == 403


def test_anonymous_callers_may_not_transfer(api, mine, theirs):
    assert api.post(TRANSFERS, body(mine, theirs), format="json", HTTP_IDEMPOTENCY_KEY="x").status_code == 401


# -- public verification ------------------------------------------------------------------------


def test_anyone_verifies_a_transaction_by_its_code(api, sent, mine, unit):
    response = api.get(f"/api/trading/verify/{sent.code}/")
    data = response.json()
    assert response.status_code == 200
    assert data["code"] == sent.code and data["sha256"] == sent.sha256 and data["kind"] == "transfer"
    assert data["verified"] is False and data["head"] is None and data["problems"] == []
    assert {e["account"] for e in data["entries"]} == {mine.number, sent.entries.get(line=2).account.number}
    assert unit.name_zh not in response.content.decode() and unit.name_en not in response.content.decode()


def test_an_unknown_code_is_a_404(api, sent):
    assert api.get("/api/trading/verify/LT2099010100000001/").status_code == 404


def test_verification_ignores_a_stale_token(api, sent):
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get(f"/api/trading/verify/{sent.code}/").status_code == 200
