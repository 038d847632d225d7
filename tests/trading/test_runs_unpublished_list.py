"""Which list a run allocates to (Art. 9, 10): the final run only the plan year's published list; a
what-if run also the year's list while it is still a draft or awaiting approval, once compiled,
and the run says so."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from carbon_portal.models import BackgroundJob
from registry.choices import EntryCategory, EntryOrigin, ListStatus
from registry.models import ListEntry, RegulatedList
from trading.choices import PlanStatus, RunStatus
from trading.services.runs import run_start

from .test_runs import YEAR, historical_unit, make_plan, publish_list, rule, run_now

pytestmark = pytest.mark.django_db


def unpublished_list(alice, orgs, *, status=ListStatus.DRAFT, job_status=BackgroundJob.Status.DONE):
    job = BackgroundJob.objects.create(kind="registry.list_compile", task_name="x", status=job_status, created_by=alice)
    rl = RegulatedList.objects.create(
        year=YEAR, status=status, basis_from_year=YEAR - 2, basis_to_year=YEAR - 1, compiled_by=alice, job=job
    )
    ListEntry.objects.bulk_create(
        ListEntry(regulated_list=rl, organisation=o, category=EntryCategory.REGULATED, origin=EntryOrigin.CRITERIA)
        for o in orgs
    )
    return rl


@pytest.mark.parametrize("status", [ListStatus.DRAFT, ListStatus.PENDING_APPROVAL])
def test_a_what_if_run_allocates_to_the_years_list_before_it_is_published(
    alice, bob, status, django_capture_on_commit_callbacks
):
    draft = make_plan(alice, bob, status=PlanStatus.DRAFT)
    unpublished_list(alice, [historical_unit(alice), historical_unit(alice)], status=status)
    rule(draft)
    run = run_now(django_capture_on_commit_callbacks, alice, draft, what_if=True)
    assert (run.status, run.units, run.total_t) == (RunStatus.DONE, 2, 22000)
    assert f"The {YEAR} list of regulated units is not published yet" in run.message


def test_a_run_on_the_published_list_says_nothing_about_the_list(alice, bob, django_capture_on_commit_callbacks):
    draft = make_plan(alice, bob, status=PlanStatus.DRAFT)
    publish_list(alice, bob, [historical_unit(alice)])
    rule(draft)
    run = run_now(django_capture_on_commit_callbacks, alice, draft, what_if=True)
    assert run.status == RunStatus.DONE and run.message == ""


@pytest.mark.parametrize("job_status", [BackgroundJob.Status.QUEUED, BackgroundJob.Status.RUNNING])
def test_a_what_if_run_waits_until_the_list_is_compiled(alice, bob, job_status):
    draft = make_plan(alice, bob, status=PlanStatus.DRAFT)
    unpublished_list(alice, [historical_unit(alice)], job_status=job_status)
    with pytest.raises(ValidationError, match="needs the year's list compiled"):
        run_start(actor=alice, plan=draft, what_if=True)
    assert not draft.runs.exists()


def test_the_final_run_waits_for_the_published_list(alice, bob):
    published = make_plan(alice, bob)
    rl = unpublished_list(alice, [historical_unit(alice)], status=ListStatus.PENDING_APPROVAL)
    with pytest.raises(ValidationError, match="no published list of regulated units"):
        run_start(actor=alice, plan=published, what_if=False)
    RegulatedList.objects.filter(pk=rl.pk).update(
        status=ListStatus.PUBLISHED, approved_by=bob, published_at=timezone.now()
    )
    assert run_start(actor=alice, plan=published, what_if=False).status == RunStatus.RUNNING
