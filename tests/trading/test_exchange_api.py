"""/api/trading/exchange/transfers/: the exchange's systems report agreement transfers, idempotent by
the Idempotency-Key header (201, 200 on a replay, 409 on a key reused for another body), and read
back what their exchange reported, newest first and paginated. Exchange staff only."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.factories import OrganisationFactory
from tests.trading import exchange_fixtures as fx
from tests.trading.conftest import FUNDED_T, assert_unchanged, held, snapshot
from trading.models import LedgerTransaction
from trading.services.exchange import transfer_reported

pytestmark = pytest.mark.django_db
exchange_org, ivy, token_for = fx.exchange_org, fx.ivy, fx.token_for  # the exchange's fixtures

URL = "/api/trading/exchange/transfers/"


def body(seller, buyer, **changes):
    return {
        "from_account": seller.number,
        "to_account": buyer.number,
        "instrument": "SHEA-2026",
        "quantity_t": 100,
        "trade_reference": "SEEE-2026-11-0001",
        "trade_date": fx.yesterday().isoformat(),
    } | changes


def post(client, data, key="key-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(URL, data, format="json", **headers)


# -- who may call --


def test_anonymous_callers_are_asked_to_authenticate(funded, unit_account, other_account):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    before = snapshot()
    assert post(api, body(unit_account, other_account)).status_code == 401
    assert api.get(URL).status_code == 401
    assert_unchanged(before)


@pytest.mark.parametrize("who", ["carol", "erin", "dave", "alice"])
def test_only_exchange_staff_may_report_or_list(request, token_for, who, funded, unit_account, other_account):
    user = request.getfixturevalue(who)
    if who == "alice":  # the bureau's API calls come with its (TOTP-checked) session, not a token
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
    else:
        client = token_for(user)
    before = snapshot()
    response = post(client, body(unit_account, other_account))
    assert response.status_code == 403 and "exchange's staff" in response.json()["detail"]
    assert client.get(URL).status_code == 403
    assert_unchanged(before)


# -- reporting --


def test_a_report_is_recorded_once_and_replayed_with_the_same_body(
    token_for, ivy, funded, unit_account, other_account, shea
):
    client = token_for(ivy)
    first = post(client, body(unit_account, other_account))
    assert first.status_code == 201, first.json()
    data = first.json()
    assert data["trade_reference"] == "SEEE-2026-11-0001" and data["trade_date"] == fx.yesterday().isoformat()
    assert data["from_account"] == unit_account.number and data["to_account"] == other_account.number
    assert data["quantity_t"] == "100" and data["reported_by"] == ivy.email
    again = post(client, body(unit_account, other_account))
    assert again.status_code == 200 and again.json() == data
    assert held(other_account, shea) == 100


def test_a_report_needs_an_idempotency_key(token_for, ivy, funded, unit_account, other_account):
    before = snapshot()
    response = post(token_for(ivy), body(unit_account, other_account), key=None)
    assert response.status_code == 400 and "Idempotency-Key" in str(response.json()["idempotency_key"])
    assert_unchanged(before)


def test_the_same_key_for_another_body_is_a_conflict(token_for, ivy, funded, unit_account, other_account):
    client = token_for(ivy)
    post(client, body(unit_account, other_account))
    before = snapshot()
    response = post(client, body(unit_account, other_account, quantity_t=99))
    assert response.status_code == 409
    assert_unchanged(before)


def test_a_reference_already_recorded_is_refused_under_another_key(token_for, ivy, funded, unit_account, other_account):
    client = token_for(ivy)
    code = post(client, body(unit_account, other_account)).json()["code"]
    before = snapshot()
    response = post(client, body(unit_account, other_account, quantity_t=5), key="key-2")
    assert response.status_code == 400
    assert f"already recorded, as transaction {code}" in str(response.json()["trade_reference"])
    assert_unchanged(before)


def test_an_overdraw_is_a_400_with_nothing_recorded(token_for, ivy, funded, unit_account, other_account):
    before = snapshot()
    response = post(token_for(ivy), body(unit_account, other_account, quantity_t=FUNDED_T + 1))
    assert response.status_code == 400 and "does not hold enough" in str(response.json())
    assert_unchanged(before)


def test_an_account_that_may_not_trade_is_a_400(token_for, ivy, funded, unit_account, agency_account):
    before = snapshot()
    response = post(token_for(ivy), body(unit_account, agency_account))
    assert response.status_code == 400 and "Art. 32 para 2" in str(response.json())
    assert_unchanged(before)


def test_bad_input_is_a_400_on_the_fields(token_for, ivy, funded, unit_account, other_account):
    before = snapshot()
    response = post(
        token_for(ivy),
        body(unit_account, other_account, to_account="H000", instrument="NOPE", quantity_t=0, trade_date="tomorrow"),
    )
    assert response.status_code == 400
    assert {"quantity_t", "trade_date"} <= set(response.json())
    response = post(token_for(ivy), body(unit_account, other_account, to_account="H000", instrument="NOPE"))
    assert response.status_code == 400 and {"to_account", "instrument"} <= set(response.json())
    assert_unchanged(before)


def test_a_future_trade_date_is_a_400(token_for, ivy, funded, unit_account, other_account):
    from datetime import timedelta

    from django.utils import timezone

    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = post(token_for(ivy), body(unit_account, other_account, trade_date=tomorrow))
    assert response.status_code == 400 and "future" in str(response.json()["trade_date"])


# -- reading back --


def _report(actor, seller, buyer, instrument, n):
    return transfer_reported(
        actor=actor,
        from_account=seller,
        to_account=buyer,
        instrument=instrument,
        quantity_t=1,
        trade_reference=f"SEEE-2026-11-{n:04d}",
        trade_date=fx.yesterday(),
        idempotency_key=f"list-{n}",
    ).transaction


def test_the_list_is_this_exchanges_transfers_newest_first(token_for, ivy, funded, unit_account, other_account, shea):
    codes = [_report(ivy, unit_account, other_account, shea, n).code for n in range(1, 4)]
    response = token_for(ivy).get(URL)
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3
    assert [row["code"] for row in data["results"]] == codes[::-1]
    assert data["results"][0]["trade_reference"] == "SEEE-2026-11-0003"


def test_another_exchange_sees_none_of_them(token_for, ivy, funded, unit_account, other_account, shea):
    from carbon_portal.roles import Role
    from registry.choices import OrganisationType
    from tests.factories import MembershipFactory, UserFactory

    _report(ivy, unit_account, other_account, shea, 1)
    rival = UserFactory()
    MembershipFactory(
        user=rival, organisation=OrganisationFactory(org_type=OrganisationType.EXCHANGE), role=Role.EXCHANGE_STAFF
    )
    assert token_for(rival).get(URL).json()["count"] == 0


def test_holder_transfers_are_not_listed(token_for, ivy, carol, funded, unit_account, other_account, shea):
    from trading.services.acts import transfer

    transfer(
        actor=carol,
        from_account=unit_account,
        to_account=other_account,
        instrument=shea,
        quantity_t=1,
        idempotency_key="h",
    )
    assert token_for(ivy).get(URL).json()["count"] == 0


def test_the_list_is_paginated_with_a_fixed_number_of_queries(
    token_for, ivy, funded, unit_account, other_account, shea, django_assert_max_num_queries
):
    client = token_for(ivy)
    for n in range(1, 3):
        _report(ivy, unit_account, other_account, shea, n)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for n in range(3, 13):
        _report(ivy, unit_account, other_account, shea, n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(URL, {"page_size": 5}).json()
    assert page["count"] == 12 and len(page["results"]) == 5 and page["next"]
    assert LedgerTransaction.objects.filter(reference__startswith="SEEE:").count() == 12


def test_the_endpoint_is_in_the_schema(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    operations = schema["paths"][URL]
    assert operations["post"]["operationId"] == "trading_exchange_transfers_create"
    assert operations["get"]["operationId"] == "trading_exchange_transfers_list"
