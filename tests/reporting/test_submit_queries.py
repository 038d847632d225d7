"""Submitting a report costs the same queries whatever its number of lines (bench/report_submit.py
measures the time)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .helpers import add_electricity, draft, facility

pytestmark = pytest.mark.django_db


def _report_with(carol, unit, year: int, lines: int):
    report = draft(carol, unit, year=year)
    for _ in range(lines):
        add_electricity(carol, report, facility(unit), mwh="100")
    return report


def _submit_queries(client, report) -> int:
    url = reverse("reporting:report_submit", args=[report.pk])
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url, {"declaration_confirmed": "on", "declared_by_name": "Zhang San"})
    assert response.status_code == 200 and report.reference.encode() in response.content
    return len(ctx.captured_queries)


def test_submitting_runs_the_same_queries_for_5_and_50_lines(client_for, carol, unit):
    client = client_for(carol)
    _submit_queries(client, _report_with(carol, unit, 2024, 1))  # warms per-process caches (content types)
    five = _submit_queries(client, _report_with(carol, unit, 2025, 5))
    assert _submit_queries(client, _report_with(carol, unit, 2026, 50)) == five
