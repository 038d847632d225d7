"""Checks against the real PostgreSQL and Redis: they skip on a laptop without them, fail in CI."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_suite_runs_on_postgresql():
    assert connection.vendor == "postgresql"


@pytest.mark.postgres
def test_one_current_criterion_per_group_and_year_is_enforced_by_the_database():
    from django.db import IntegrityError, transaction

    from registry.models import InclusionCriterion

    current = InclusionCriterion.objects.filter(superseded_at__isnull=True).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        InclusionCriterion.objects.create(
            group=current.group,
            effective_from_year=current.effective_from_year,
            regulated_threshold_tco2e=1,
            reporting_threshold_tco2e=1,
            legal_basis_zh="duplicate",
            version=current.version + 1,
        )


@pytest.mark.redis
def test_jobs_are_published_to_the_redis_broker(alice, celery_broker, django_capture_on_commit_callbacks):
    import redis

    from registry import services

    url = "redis://127.0.0.1:6379/15"
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        with celery_broker(url), django_capture_on_commit_callbacks(execute=True):
            services.regulated_list_compile(actor=alice, year=2026)
        assert client.llen("celery") == 1
    finally:
        client.flushdb()
