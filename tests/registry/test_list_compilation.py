"""Art. 9 ¶2 and Action Plan (2): the list follows the criteria in force for its year."""

import pytest

from tests.registry.helpers import compile_list, emitter, entry_of

pytestmark = pytest.mark.django_db


def test_chemical_unit_at_10000_t_is_regulated_from_2026(alice, django_capture_on_commit_callbacks):
    org = emitter(10000)
    rl = compile_list(alice, 2026, django_capture_on_commit_callbacks)
    assert entry_of(rl, org).category == "regulated"


def test_chemical_unit_at_10000_t_was_only_reporting_in_2025(alice, django_capture_on_commit_callbacks):
    org = emitter(10000, year=2024)
    rl = compile_list(alice, 2025, django_capture_on_commit_callbacks)
    assert entry_of(rl, org).category == "reporting"


def test_water_transport_threshold_is_80000_from_2026(alice, django_capture_on_commit_callbacks):
    below, at = emitter(79999, industry="G55"), emitter(80000, industry="G55")
    rl = compile_list(alice, 2026, django_capture_on_commit_callbacks)
    assert entry_of(rl, below).category == "reporting"
    assert entry_of(rl, at).category == "regulated"


def test_public_institutions_are_regulated_only_from_2028(alice, django_capture_on_commit_callbacks):
    hospital = emitter(15000, year=2027, industry="Q84", org_type="public_institution")
    rl_2027 = compile_list(alice, 2027, django_capture_on_commit_callbacks, basis_from_year=2026, basis_to_year=2026)
    assert entry_of(rl_2027, hospital) is None
    rl_2028 = compile_list(alice, 2028, django_capture_on_commit_callbacks)
    assert entry_of(rl_2028, hospital).category == "regulated"


def test_unit_below_reporting_threshold_is_not_listed(alice, django_capture_on_commit_callbacks):
    org = emitter(4999)
    rl = compile_list(alice, 2026, django_capture_on_commit_callbacks)
    assert entry_of(rl, org) is None


def test_highest_year_in_the_basis_window_decides(alice, django_capture_on_commit_callbacks):
    from decimal import Decimal

    from tests.factories import EmissionRecordFactory

    org = emitter(8000, year=2025)
    EmissionRecordFactory(organisation=org, year=2024, emissions_tco2e=Decimal(12000))
    entry = entry_of(compile_list(alice, 2026, django_capture_on_commit_callbacks), org)
    assert entry.basis_year == 2024 and entry.basis_emissions_tco2e == Decimal(12000)


def test_every_criteria_entry_explains_why_it_is_listed(alice, django_capture_on_commit_callbacks):
    org = emitter(12345)
    from django.utils import translation

    entry = entry_of(compile_list(alice, 2026, django_capture_on_commit_callbacks), org)
    with translation.override("en"):
        assert "12,345" in entry.reason_text and "10,000" in entry.reason_text and "Action Plan" in entry.reason_text
    with translation.override("zh-hans"):
        assert "12,345" in entry.reason_text and "行动方案" in entry.reason_text


def test_compiling_runs_as_a_job_that_reports_progress(alice, django_capture_on_commit_callbacks):
    emitter(20000)
    emitter(30000)
    rl = compile_list(alice, 2026, django_capture_on_commit_callbacks)
    assert rl.job.status == "done" and rl.job.progress_done == rl.job.progress_total == 2


def test_recompiling_keeps_manual_removals_and_additions(alice, django_capture_on_commit_callbacks):
    from registry import services

    listed, small = emitter(20000), emitter(100)
    rl = compile_list(alice, 2026, django_capture_on_commit_callbacks)
    services.regulated_list_remove_entry(
        actor=alice, entry=entry_of(rl, listed), reason="Closed in 2025, evidence on file"
    )
    services.regulated_list_add_entry(
        actor=alice, regulated_list=rl, organisation=small, category="reporting", reason="New plant"
    )
    rl = compile_list(alice, 2026, django_capture_on_commit_callbacks)
    assert entry_of(rl, listed).is_removed
    assert entry_of(rl, small).origin == "manual"


def test_removal_without_a_reason_is_refused(alice, django_capture_on_commit_callbacks):
    from django.core.exceptions import ValidationError

    from registry import services

    org = emitter(20000)
    rl = compile_list(alice, 2026, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        services.regulated_list_remove_entry(actor=alice, entry=entry_of(rl, org), reason="  ")
    assert not entry_of(rl, org).is_removed


def test_unit_staff_cannot_compile_a_list(carol):
    from django.core.exceptions import PermissionDenied

    from registry import services

    with pytest.raises(PermissionDenied):
        services.regulated_list_compile(actor=carol, year=2026)


def test_compiling_writes_in_batches_not_one_query_per_unit(alice, django_capture_on_commit_callbacks):
    """400 more units cost a handful of batch queries (SQLite splits big inserts), not 400."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count_for(year, n):
        for _ in range(n):
            emitter(20000, year=year - 1)
        with CaptureQueriesContext(connection) as ctx:
            compile_list(alice, year, django_capture_on_commit_callbacks, basis_from_year=year - 1)
        return len(ctx.captured_queries)

    small = count_for(2030, 10)
    large = count_for(2040, 400)
    assert large - small < 10
