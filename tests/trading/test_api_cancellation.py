"""POST /api/trading/cancellations/: a unit's own systems cancel allowances voluntarily, once per
Idempotency-Key (201, replay 200, conflict 409), with the transaction code, the public
verification URL and the certificate URL; refusals in the API's error format, nothing recorded."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from carbon_portal.models import GeneratedDocument
from tests.factories import MembershipFactory, UserFactory
from tests.trading.conftest import assert_unchanged, held, snapshot
from trading.choices import AccountStatus, TransactionKind
from trading.documents import CERTIFICATE_KIND
from trading.models import Account, LedgerTransaction
from trading.services.accounts import account_set_prohibition

pytestmark = pytest.mark.django_db

URL = "/api/trading/cancellations/"


@pytest.fixture
def token_for():
    def _as(user):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
        return client

    return _as


def body(account, **changes):
    return {
        "account": account.number,
        "instrument": "SHEA-2026",
        "quantity_t": 250,
        "purpose": "Carbon neutrality of the Shanghai Marathon 2026",
    } | changes


def cancel(client, account, key="k-1", **changes):
    return client.post(URL, body(account, **changes), format="json", HTTP_IDEMPOTENCY_KEY=key)


def cancellations():
    return LedgerTransaction.objects.filter(kind=TransactionKind.CANCELLATION)


# -- recorded once --------------------------------------------------------------------------------


def test_a_cancellation_is_recorded_with_its_code_and_addresses(token_for, carol, unit_account, funded, shea, settings):
    settings.PORTAL_BASE_URL = "https://carbon.example.cn"
    response = cancel(token_for(carol), unit_account)
    data = response.json()
    tx = cancellations().get()
    assert response.status_code == 201
    assert data["code"] == tx.code and data["kind"] == "cancellation"
    assert data["memo"] == "Carbon neutrality of the Shanghai Marathon 2026"
    assert data["verification_url"] == f"https://carbon.example.cn/trading/verify/?code={tx.code}"
    assert data["certificate_url"] == f"https://carbon.example.cn/trading/certificates/{tx.code}/"
    assert data["certificate_ready"] is False
    assert {(e["account"], e["quantity_t"]) for e in data["entries"]} == {
        (unit_account.number, "-250"),
        ("SH-CANCELLATION", "250"),
    }
    assert held(unit_account, shea) == 750


def test_the_certificate_is_asked_for_once(token_for, carol, unit_account, funded):
    client = token_for(carol)
    cancel(client, unit_account)
    cancel(client, unit_account)
    tx = cancellations().get()
    assert GeneratedDocument.objects.filter(kind=CERTIFICATE_KIND, target_id=str(tx.pk)).count() == 1


def test_the_same_key_and_body_replay_the_first_answer(token_for, carol, unit_account, funded, shea):
    client = token_for(carol)
    first, again = cancel(client, unit_account), cancel(client, unit_account)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert cancellations().count() == 1 and held(unit_account, shea) == 750


def test_the_same_key_for_another_request_is_a_conflict(token_for, carol, unit_account, funded, shea):
    client = token_for(carol)
    cancel(client, unit_account)
    before = snapshot()
    response = cancel(client, unit_account, quantity_t=100)
    assert response.status_code == 409 and "different request" in response.json()["detail"]
    assert_unchanged(before)


def test_keys_are_the_callers_own(token_for, carol, unit, unit_account, funded, shea):
    colleague = UserFactory()
    MembershipFactory(user=colleague, organisation=unit, role="unit_staff")
    assert cancel(token_for(carol), unit_account, key="shared").status_code == 201
    assert cancel(token_for(colleague), unit_account, key="shared").status_code == 201
    assert held(unit_account, shea) == 500


def test_a_replay_is_answered_after_the_account_was_marked(token_for, alice, carol, unit_account, funded):
    client = token_for(carol)
    first = cancel(client, unit_account)
    account_set_prohibition(actor=alice, account=unit_account, prohibited=True, reason="Now an agency.")
    again = cancel(client, unit_account)
    assert again.status_code == 200 and again.json()["code"] == first.json()["code"]


def test_the_ledger_still_verifies_after_cancellations(token_for, carol, unit_account, funded):
    from trading.selectors.chain import holdings_mismatches, verify_chain

    client = token_for(carol)
    cancel(client, unit_account, key="a")
    cancel(client, unit_account, key="b", quantity_t=1)
    check = verify_chain()
    assert check.ok and check.checked == 3 and holdings_mismatches() == []


# -- refused, nothing recorded --------------------------------------------------------------------


def test_a_cancellation_needs_an_idempotency_key(token_for, carol, unit_account, funded):
    before = snapshot()
    response = token_for(carol).post(URL, body(unit_account), format="json")
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["idempotency_key"][0]
    assert_unchanged(before)


def test_cancelling_more_than_held_is_refused(token_for, carol, unit_account, funded):
    before = snapshot()
    response = cancel(token_for(carol), unit_account, quantity_t=1001)
    assert response.status_code == 400
    assert "does not hold enough SHEA-2026" in response.json()["non_field_errors"][0]
    assert_unchanged(before)


def test_an_account_that_may_not_trade_cancels_nothing(token_for, alice, carol, unit_account, funded):
    account_set_prohibition(actor=alice, account=unit_account, prohibited=True, reason="Holder became an agency.")
    before = snapshot()
    response = cancel(token_for(carol), unit_account)
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == [
        f"Account {unit_account.number} may not trade (Art. 32 para 2): Holder became an agency."
    ]
    assert_unchanged(before)


@pytest.mark.parametrize("account_status", [AccountStatus.CLOSED, AccountStatus.FROZEN])
def test_an_account_that_is_not_open_cancels_nothing(token_for, carol, unit_account, funded, account_status):
    Account.objects.filter(pk=unit_account.pk).update(status=account_status)
    before = snapshot()
    response = cancel(token_for(carol), unit_account)
    assert response.status_code == 400
    assert response.json()["non_field_errors"] == [f"Account {unit_account.number} is not open: nothing was recorded."]
    assert_unchanged(before)


def test_bad_input_is_a_400_on_the_fields(token_for, carol, unit_account, funded):
    client = token_for(carol)
    before = snapshot()
    missing = client.post(URL, {"account": unit_account.number}, format="json", HTTP_IDEMPOTENCY_KEY="x")
    assert missing.status_code == 400 and {"instrument", "quantity_t", "purpose"} <= set(missing.json())
    unknown = cancel(client, unit_account, key="y", instrument="NOPE")
    assert unknown.status_code == 400 and unknown.json() == {"instrument": ["No instrument has this code."]}
    zero = cancel(client, unit_account, key="z", quantity_t=0)
    assert zero.status_code == 400 and "quantity_t" in zero.json()
    blank = cancel(client, unit_account, key="w", purpose="   ")
    assert blank.status_code == 400 and "purpose" in blank.json()
    assert_unchanged(before)


# -- who may call it ------------------------------------------------------------------------------


def test_anonymous_callers_are_asked_to_authenticate(unit_account, funded):
    response = APIClient().post(URL, body(unit_account), format="json", HTTP_IDEMPOTENCY_KEY="a")
    assert response.status_code == 401 and not cancellations().exists()


def test_another_units_account_is_not_found(token_for, erin, unit_account, funded, shea):
    assert cancel(token_for(erin), unit_account).status_code == 404
    assert held(unit_account, shea) == 1000


def test_an_agency_finds_no_account(token_for, dave, unit_account, funded):
    assert cancel(token_for(dave), unit_account).status_code == 404
    assert not cancellations().exists()


def test_the_bureau_may_not_cancel_a_units_allowances(alice, unit_account, funded):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(alice)
    assert cancel(client, unit_account).status_code == 403
    assert not cancellations().exists()


# -- documented -----------------------------------------------------------------------------------


def test_the_schema_documents_the_endpoint(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/trading/cancellations/"]["post"]
    assert operation["operationId"] == "trading_cancellations_create"
    assert {"201", "200", "400", "403", "404", "409"} <= set(operation["responses"])
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in operation["parameters"])
    output = schema["components"]["schemas"]["CancellationOutput"]["properties"]
    assert {"code", "verification_url", "certificate_url", "certificate_ready"} <= set(output)
