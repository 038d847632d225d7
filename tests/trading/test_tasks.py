"""The beat job that publishes each finished day's chain head: yesterday's, once, and any day a
stopped beat missed; never a day that is not over."""

from contextlib import contextmanager
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from carbon_portal.celery import app
from trading.models import ChainHead
from trading.selectors.chain import verify_code
from trading.services.accounts import account_open, allowance
from trading.services.acts import issue
from trading.tasks import publish_chain_head

pytestmark = pytest.mark.django_db


@contextmanager
def days_ago(days: int):
    """Postings made inside are recorded `days` ago (the ledger reads django.utils.timezone.now)."""
    with mock.patch("django.utils.timezone.now", return_value=timezone.now() - timedelta(days=days)):
        yield


@pytest.fixture
def issued(alice, unit):
    account = account_open(actor=alice, organisation=unit)

    def _issue(days: int, key: str):
        with days_ago(days):
            return issue(
                actor=alice, to_account=account, instrument=allowance(2026), quantity_t=10, idempotency_key=key
            ).transaction

    return _issue


def today():
    return timezone.localdate()


def test_the_task_is_registered_with_celery():
    app.loader.import_default_modules()
    assert "trading.tasks.publish_chain_head" in app.tasks


def test_yesterdays_head_is_published_once(issued):
    tx = issued(1, "y-1")
    assert publish_chain_head.delay().get() == [(today() - timedelta(days=1)).isoformat()]
    head = ChainHead.objects.get()
    assert (head.last_sequence, head.sha256, head.transactions) == (tx.sequence, tx.sha256, 1)
    assert publish_chain_head() == []
    assert ChainHead.objects.count() == 1
    assert verify_code(tx.code).verified


def test_days_the_beat_missed_are_caught_up(issued):
    first = issued(3, "m-3")
    issued(1, "m-1")
    published = publish_chain_head()
    assert published == [(today() - timedelta(days=n)).isoformat() for n in (3, 2, 1)]
    quiet = ChainHead.objects.get(day=today() - timedelta(days=2))
    assert (quiet.transactions, quiet.sha256) == (0, first.sha256)  # a quiet day keeps the head it had


def test_a_day_that_is_not_over_is_not_published(issued):
    issued(0, "t-0")
    assert publish_chain_head() == []
    assert not ChainHead.objects.exists()


def test_nothing_is_published_before_the_first_transaction(db):
    assert publish_chain_head() == []
