"""The trading pages: public ledger verification, a unit's allowance account (transfer, voluntary
cancellation), and the bureau's registry (accounts, opening, prohibitions, reversals, ledger check)."""

import uuid
from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from registry.choices import EntryCategory
from tests.factories import OrganisationFactory
from tests.reporting.helpers import listed
from trading.choices import AccountKind, TransactionKind
from trading.models import Account, ChainHead, LedgerTransaction
from trading.services.accounts import account_open, allowance
from trading.services.acts import issue, transfer
from trading.services.chain import chain_head_publish

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def shea(db):
    return allowance(2026)


@pytest.fixture
def mine(alice, unit, shea):
    """carol's unit's account, holding 1,000 t of SHEA-2026."""
    account = account_open(actor=alice, organisation=unit)
    issue(actor=alice, to_account=account, instrument=shea, quantity_t=1000, idempotency_key="issue-mine")
    return account


@pytest.fixture
def theirs(alice, other_unit):
    """erin's unit's account."""
    return account_open(actor=alice, organisation=other_unit)


@pytest.fixture
def sent(carol, mine, theirs, shea):
    """A transfer of 400 t from carol's unit to erin's."""
    return transfer(
        actor=carol, from_account=mine, to_account=theirs, instrument=shea, quantity_t=400, idempotency_key="t-1"
    ).transaction


@contextmanager
def recorded_days_ago(days: int):
    """Postings made inside are recorded `days` ago (the ledger reads django.utils.timezone.now)."""
    then = timezone.now() - timedelta(days=days)
    with mock.patch("django.utils.timezone.now", return_value=then):
        yield


def key() -> str:
    return str(uuid.uuid4())


# -- permission matrix --------------------------------------------------------------------------

LOGIN = "/accounts/login/"


def _unit_pages(mine, sent):
    n = mine.number
    return [
        reverse("trading:account_detail", args=[n]),
        reverse("trading:transfer", args=[n]),
        reverse("trading:cancel", args=[n]),
        reverse("trading:recorded", args=[n, sent.code]),
    ]


def _bureau_pages(mine, sent):
    return [
        reverse("trading:account_admin"),
        reverse("trading:account_admin_download", args=["csv"]),
        reverse("trading:account_open"),
        reverse("trading:account_prohibition", args=[mine.number]),
        reverse("trading:transaction_admin"),
        reverse("trading:transaction_detail", args=[sent.code]),
        reverse("trading:ledger_health"),
    ]


def test_public_pages_need_no_login(client, sent):
    for url in [
        reverse("trading:verify"),
        reverse("trading:verify") + f"?code={sent.code}",
        reverse("trading:chain_heads"),
        reverse("trading:chain_heads_download", args=["csv"]),
        reverse("trading:chain_heads_download", args=["xlsx"]),
    ]:
        assert client.get(url).status_code == 200, url


def test_anonymous_users_are_sent_to_sign_in(client, mine, sent):
    for url in [reverse("trading:account_home"), *_unit_pages(mine, sent), *_bureau_pages(mine, sent)]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(LOGIN), url


def test_another_units_staff_find_no_account(client_for, erin, mine, sent):
    client = client_for(erin)
    for url in _unit_pages(mine, sent):
        assert client.get(url).status_code == 404, url


def test_the_units_staff_reach_their_account_pages(client_for, carol, mine, sent):
    client = client_for(carol)
    for url in _unit_pages(mine, sent):
        assert client.get(url).status_code == 200, url


def test_the_bureau_reads_an_account_but_may_not_move_its_units(client_for, alice, mine, sent):
    client = client_for(alice)
    detail, transfer_url, cancel_url, recorded = _unit_pages(mine, sent)
    assert client.get(detail).status_code == 200
    assert client.get(recorded).status_code == 200
    assert client.get(transfer_url).status_code == 403
    assert client.get(cancel_url).status_code == 403


def test_bureau_pages_are_the_bureaus(client_for, alice, carol, dave, mine, sent):
    for user, expected in ((carol, 403), (dave, 403), (alice, 200)):
        client = client_for(user)
        for url in _bureau_pages(mine, sent):
            assert client.get(url).status_code == expected, (user, url)


def test_account_home_sends_each_role_to_its_page(client_for, alice, carol, dave, mine):
    assert client_for(carol).get(reverse("trading:account_home"))["Location"] == reverse(
        "trading:account_detail", args=[mine.number]
    )
    assert client_for(alice).get(reverse("trading:account_home"))["Location"] == reverse("trading:account_admin")
    assert client_for(dave).get(reverse("trading:account_home")).status_code == 403


def test_a_unit_without_an_account_is_told_the_bureau_opens_it(client_for, erin):
    page = client_for(erin).get(reverse("trading:account_home"))
    assert page.status_code == 200
    assert "The bureau opens it" in page.content.decode()


# -- the unit's account -------------------------------------------------------------------------


def test_the_account_page_shows_holdings_and_history_with_the_counterparty(client_for, carol, mine, theirs, sent):
    html = client_for(carol).get(reverse("trading:account_detail", args=[mine.number])).content.decode()
    assert "600" in html and "SHEA-2026" in html
    assert sent.code in html and theirs.number in html and "-400" in html
    assert f"{reverse('trading:verify')}?code={sent.code}" in html


def _transfer(client, account, **data):
    body = {"to_account": "", "instrument": "SHEA-2026", "quantity_t": "", "memo": "", "idempotency_key": key()}
    return client.post(reverse("trading:transfer", args=[account.number]), body | data)


def test_a_transfer_from_the_page_moves_the_units_and_shows_its_code(client_for, carol, mine, theirs):
    client = client_for(carol)
    response = _transfer(client, mine, to_account=theirs.number.lower(), quantity_t="250", memo="Contract 7")
    tx = LedgerTransaction.objects.get(kind=TransactionKind.TRANSFER)
    assert response["Location"] == reverse("trading:recorded", args=[mine.number, tx.code])
    assert mine.holdings.get().quantity_t == 750 and theirs.holdings.get().quantity_t == 250
    page = client.get(response["Location"]).content.decode()
    assert tx.code in page and "Transfer recorded." in page


def test_an_insufficient_transfer_is_refused_in_the_error_summary_with_the_values_kept(client_for, carol, mine, theirs):
    response = _transfer(client_for(carol), mine, to_account=theirs.number, quantity_t="5000", memo="Too much")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="error-summary"' in html and "does not hold enough SHEA-2026" in html
    assert f'value="{theirs.number}"' in html and 'value="5000"' in html and 'value="Too much"' in html
    assert not LedgerTransaction.objects.filter(kind=TransactionKind.TRANSFER).exists()


def test_a_transfer_to_an_unknown_account_is_refused_on_the_field(client_for, carol, mine):
    html = _transfer(client_for(carol), mine, to_account="H000", quantity_t="10").content.decode()
    assert "No account has this number." in html and 'value="H000"' in html


def test_a_double_submitted_transfer_is_recorded_once(client_for, carol, mine, theirs):
    client = client_for(carol)
    same = key()
    first = _transfer(client, mine, to_account=theirs.number, quantity_t="100", idempotency_key=same)
    second = _transfer(client, mine, to_account=theirs.number, quantity_t="100", idempotency_key=same)
    assert first["Location"] == second["Location"]
    assert LedgerTransaction.objects.filter(kind=TransactionKind.TRANSFER).count() == 1
    assert theirs.holdings.get().quantity_t == 100
    assert "already recorded" in client.get(second["Location"]).content.decode()


def test_the_same_key_for_another_transfer_is_refused_and_a_new_key_is_given(client_for, carol, mine, theirs):
    client = client_for(carol)
    same = key()
    _transfer(client, mine, to_account=theirs.number, quantity_t="100", idempotency_key=same)
    html = _transfer(client, mine, to_account=theirs.number, quantity_t="200", idempotency_key=same).content.decode()
    assert "already used for a different request" in html
    assert same not in html
    assert theirs.holdings.get().quantity_t == 100


def test_a_prohibited_account_offers_no_transfer(client_for, alice, carol, mine):
    from trading.services.accounts import account_set_prohibition

    account_set_prohibition(actor=alice, account=mine, prohibited=True, reason="Staff of the exchange")
    html = client_for(carol).get(reverse("trading:transfer", args=[mine.number])).content.decode()
    assert "Nothing can be moved" in html and 'name="quantity_t"' not in html


def _cancel(client, account, **data):
    body = {"instrument": "SHEA-2026", "quantity_t": "30", "purpose": "Shanghai Marathon", "idempotency_key": key()}
    return client.post(reverse("trading:cancel", args=[account.number]), body | data)


def test_a_cancellation_is_checked_before_it_is_recorded(client_for, carol, mine):
    client = client_for(carol)
    same = key()
    check = _cancel(client, mine, idempotency_key=same)
    html = check.content.decode()
    assert "Check your answers before cancelling" in html and "Shanghai Marathon" in html
    assert not LedgerTransaction.objects.filter(kind=TransactionKind.CANCELLATION).exists()
    done = _cancel(client, mine, idempotency_key=same, confirm="1")
    tx = LedgerTransaction.objects.get(kind=TransactionKind.CANCELLATION)
    assert done["Location"] == reverse("trading:recorded", args=[mine.number, tx.code])
    assert tx.code in client.get(done["Location"]).content.decode()
    assert mine.holdings.get().quantity_t == 970


def test_changing_the_answers_goes_back_to_the_form_with_the_values(client_for, carol, mine):
    html = _cancel(client_for(carol), mine, change="1", quantity_t="45").content.decode()
    assert 'value="45"' in html and "Shanghai Marathon" in html and "Check your answers" not in html
    assert not LedgerTransaction.objects.filter(kind=TransactionKind.CANCELLATION).exists()


def test_a_cancellation_needs_a_purpose(client_for, carol, mine):
    html = _cancel(client_for(carol), mine, purpose="", confirm="1").content.decode()
    assert "Say what the cancellation is for." in html and 'class="error-summary"' in html


def test_a_cancellation_beyond_the_holding_is_refused_after_the_check(client_for, carol, mine):
    html = _cancel(client_for(carol), mine, quantity_t="1500", confirm="1").content.decode()
    assert "does not hold enough" in html and 'value="1500"' in html


# -- public verification ------------------------------------------------------------------------


def test_a_code_is_found_but_not_yet_verified_before_its_day_is_published(client, sent):
    html = client.get(reverse("trading:verify"), {"code": sent.code.lower()}).content.decode()
    assert sent.code in html and "check again tomorrow" in html and sent.sha256 in html


def test_a_code_is_verified_against_the_published_head_of_its_day(client, carol, mine, theirs, shea):
    with recorded_days_ago(1):
        tx = transfer(
            actor=carol, from_account=mine, to_account=theirs, instrument=shea, quantity_t=5, idempotency_key="old"
        ).transaction
    head = chain_head_publish(day=timezone.localdate() - timedelta(days=1))
    html = client.get(reverse("trading:verify"), {"code": tx.code}).content.decode()
    assert "Verified:" in html and head.sha256 in html


def test_a_head_the_chain_does_not_reach_fails_the_verification(client, sent):
    ChainHead.objects.create(day=timezone.localdate(), last_sequence=sent.sequence, sha256="f" * 64, transactions=1)
    html = client.get(reverse("trading:verify"), {"code": sent.code}).content.decode()
    assert "could not be verified" in html and "does not arrive at the published head" in html


def test_an_unknown_code_is_not_found(client, sent):
    html = client.get(reverse("trading:verify"), {"code": "LT2099010100000001"}).content.decode()
    assert "No transaction has the code LT2099010100000001" in html


def test_the_public_verification_shows_no_holder_names(client, unit, other_unit, sent, mine):
    html = client.get(reverse("trading:verify"), {"code": sent.code}).content.decode()
    assert mine.number in html
    for name in (unit.name_en, unit.name_zh, other_unit.name_en, other_unit.name_zh):
        assert name not in html


def test_chain_heads_are_listed_and_downloaded(client, carol, mine, theirs, shea):
    with recorded_days_ago(2):
        transfer(actor=carol, from_account=mine, to_account=theirs, instrument=shea, quantity_t=5, idempotency_key="x")
    head = chain_head_publish(day=timezone.localdate() - timedelta(days=2))
    assert head.sha256 in client.get(reverse("trading:chain_heads")).content.decode()
    csv = b"".join(client.get(reverse("trading:chain_heads_download", args=["csv"])).streaming_content).decode()
    assert head.sha256 in csv and head.day.isoformat() in csv


# -- the bureau ---------------------------------------------------------------------------------


def test_the_accounts_list_searches_filters_and_totals(client_for, alice, mine, theirs, sent, unit):
    client = client_for(alice)
    html = client.get(reverse("trading:account_admin"), {"q": unit.uscc}).content.decode()
    assert mine.number in html and theirs.number not in html
    html = client.get(reverse("trading:account_admin"), {"kind": AccountKind.HOLDING}).content.decode()
    assert mine.number in html and theirs.number in html and "SH-ISSUANCE" not in html
    assert "1,000 t" in client.get(reverse("trading:account_admin")).content.decode()  # 600 + 400 held


def test_the_accounts_download_lists_each_account_with_its_holdings(client_for, alice, mine, sent):
    response = client_for(alice).get(reverse("trading:account_admin_download", args=["csv"]))
    csv = b"".join(response.streaming_content).decode()
    assert "SHEA-2026 (t)" in csv and f"{mine.number}," in csv and ",600" in csv
    xlsx = client_for(alice).get(reverse("trading:account_admin_download", args=["xlsx"]))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_bureau_opens_an_account_by_credit_code(client_for, alice, unit):
    client = client_for(alice)
    response = client.post(reverse("trading:account_open"), {"action": "one", "one-uscc": unit.uscc.lower()})
    account = Account.objects.get(holder=unit)
    assert response["Location"] == reverse("trading:account_detail", args=[account.number])
    again = client.post(reverse("trading:account_open"), {"action": "one", "one-uscc": unit.uscc})
    assert "already has a holding account" in again.content.decode()


def test_an_unknown_credit_code_opens_nothing(client_for, alice):
    html = client_for(alice).post(reverse("trading:account_open"), {"action": "one", "one-uscc": "9" * 18})
    assert "No organisation has this credit code." in html.content.decode()
    assert not Account.objects.filter(kind=AccountKind.HOLDING).exists()


def test_the_bureau_opens_the_accounts_of_a_published_lists_regulated_units(client_for, alice, unit, other_unit):
    listed(unit)
    listed(other_unit, category=EntryCategory.REPORTING)
    account_open(actor=alice, organisation=listed(OrganisationFactory()).organisation)
    response = client_for(alice).post(reverse("trading:account_open"), {"action": "list", "list-year": "2026"})
    assert response["Location"] == reverse("trading:account_admin")
    assert set(Account.objects.filter(kind=AccountKind.HOLDING).values_list("holder_id", flat=True)) >= {unit.pk}
    assert not Account.objects.filter(holder=other_unit).exists()
    assert Account.objects.filter(kind=AccountKind.HOLDING).count() == 2


def test_a_prohibition_needs_a_reason_and_can_be_lifted(client_for, alice, mine):
    client = client_for(alice)
    url = reverse("trading:account_prohibition", args=[mine.number])
    html = client.post(url, {"prohibited": "yes", "reason": ""}).content.decode()
    assert "Say why this account may not trade." in html and 'class="error-summary"' in html
    client.post(url, {"prohibited": "yes", "reason": "Its director works at the exchange"})
    mine.refresh_from_db()
    assert mine.trading_prohibited and mine.prohibition_reason == "Its director works at the exchange"
    client.post(url, {"prohibited": "no", "reason": ""})
    mine.refresh_from_db()
    assert not mine.trading_prohibited and mine.prohibition_reason == ""


def test_the_bureau_reverses_a_transaction_once(client_for, alice, mine, theirs, sent):
    client = client_for(alice)
    url = reverse("trading:transaction_detail", args=[sent.code])
    page = client.get(url).content.decode()
    assert sent.sha256 in page and sent.prev_sha256 in page
    same = key()
    body = {"reason": "Sent to the wrong unit", "confirm": "on", "idempotency_key": same}
    first = client.post(url, body)
    reversal = LedgerTransaction.objects.get(kind=TransactionKind.REVERSAL)
    assert first["Location"] == reverse("trading:transaction_detail", args=[reversal.code])
    assert reversal.reverses == sent and mine.holdings.get().quantity_t == 1000
    second = client.post(url, body)
    assert second["Location"] == first["Location"]
    assert LedgerTransaction.objects.filter(kind=TransactionKind.REVERSAL).count() == 1
    assert "Reverse this transaction" not in client.get(url).content.decode()


def test_a_reversal_must_be_confirmed(client_for, alice, sent):
    url = reverse("trading:transaction_detail", args=[sent.code])
    html = client_for(alice).post(url, {"reason": "Wrong unit", "idempotency_key": key()}).content.decode()
    assert "Confirm that you have checked the entries." in html and "Wrong unit" in html
    assert not LedgerTransaction.objects.filter(kind=TransactionKind.REVERSAL).exists()


def test_the_ledger_check_reports_an_intact_ledger(client_for, alice, sent):
    html = client_for(alice).post(reverse("trading:ledger_health")).content.decode()
    assert "The ledger is intact" in html and "2 transactions checked" in html


# -- query counts -------------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_account_history_runs_the_same_queries_for_1_and_10_transactions(client_for, carol, mine, theirs, shea):
    client = client_for(carol)
    url = reverse("trading:account_detail", args=[mine.number])
    transfer(actor=carol, from_account=mine, to_account=theirs, instrument=shea, quantity_t=1, idempotency_key="q0")
    few = _queries(client, url)
    for n in range(1, 10):
        transfer(
            actor=carol, from_account=mine, to_account=theirs, instrument=shea, quantity_t=1, idempotency_key=f"q{n}"
        )
    assert _queries(client, url) == few


def test_the_accounts_list_runs_the_same_queries_for_1_and_10_accounts(client_for, alice, shea):
    client = client_for(alice)
    url = reverse("trading:account_admin")

    def add_account():
        account = account_open(actor=alice, organisation=OrganisationFactory())
        issue(actor=alice, to_account=account, instrument=shea, quantity_t=10, idempotency_key=f"i-{account.pk}")

    add_account()
    few = _queries(client, url)
    for _n in range(9):
        add_account()
    assert _queries(client, url) == few


def test_the_transactions_list_runs_the_same_queries_for_1_and_10_rows(client_for, alice, unit, shea):
    client = client_for(alice)
    account = account_open(actor=alice, organisation=unit)
    issue(actor=alice, to_account=account, instrument=shea, quantity_t=10, idempotency_key="n0")
    few = _queries(client, reverse("trading:transaction_admin"))
    for n in range(1, 10):
        issue(actor=alice, to_account=account, instrument=shea, quantity_t=10, idempotency_key=f"n{n}")
    assert _queries(client, reverse("trading:transaction_admin")) == few


# -- dashboard ----------------------------------------------------------------------------------


def test_a_frozen_account_is_on_its_units_dashboard_and_offers_no_transfer(client_for, carol, erin, mine):
    from carbon_portal.dashboard import tasks_for
    from trading.choices import AccountStatus

    Account.objects.filter(pk=mine.pk).update(status=AccountStatus.FROZEN)
    titles = [task.title for task in tasks_for(carol)]
    assert f"Holding account {mine.number} is frozen: contact the bureau" in titles
    assert not [t for t in tasks_for(erin) if "frozen" in t.title]
    html = client_for(carol).get(reverse("trading:transfer", args=[mine.number])).content.decode()
    assert "Nothing can be moved" in html
