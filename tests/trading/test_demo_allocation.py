"""The demo's 2027 allocation plan (trading/demo_allocation.py), in the smallest demo world: alice's
draft open for public comment with two comments, a what-if run on the 2027 list as compiled, and a
second run that adds nothing. The demo seed takes a while, so it runs once and each property is
checked in its own helper (as in test_demo.py)."""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from carbon_portal.models import AuditEntry, BackgroundJob
from registry import demo
from registry.choices import EntryCategory, ListStatus
from registry.models import ListEntry, RegulatedList
from trading.choices import AllocationMethod, PlanStatus, RunStatus
from trading.demo_allocation import AUCTION_RESERVE_PRICE_YUAN, COMMENTS, PLAN_YEAR, seed_allocation
from trading.models import AllocationPlan, AllocationRun, IncentiveAdjustment, IndustryRule, PlanComment, UnitAllocation


def counts() -> tuple[int, ...]:
    models = (AllocationPlan, IndustryRule, IncentiveAdjustment, PlanComment, AllocationRun, UnitAllocation)
    return (*(m.objects.count() for m in models), BackgroundJob.objects.count(), AuditEntry.objects.count())


def the_plan() -> AllocationPlan:
    return AllocationPlan.objects.get(year=PLAN_YEAR)


def regulated_on_the_2027_list():
    return ListEntry.objects.filter(
        regulated_list__year=PLAN_YEAR, category=EntryCategory.REGULATED, is_removed=False
    ).select_related("organisation__industry")


def alice_drafts_the_2027_plan_and_opens_it_for_comment(output: str):
    plan = the_plan()
    assert (plan.version, plan.status, plan.prepared_by.email[:6]) == (1, PlanStatus.CONSULTATION, "alice@")
    assert plan.consultation_until > timezone.localdate()
    assert plan.auction_reserve_price_yuan == AUCTION_RESERVE_PRICE_YUAN
    assert plan.reserve_t == (plan.cap_t * Decimal("0.05")).quantize(Decimal(1))
    assert plan.comments.count() == len(COMMENTS) == 2
    assert 1 <= plan.adjustments.count() <= 3
    assert f"{PLAN_YEAR} allocation plan v1 drafted by alice@" in output


def every_industry_on_the_list_has_a_rule_and_all_three_methods_are_used():
    plan = the_plan()
    listed = {e.organisation.industry.code for e in regulated_on_the_2027_list()}
    rules = {r.industry.code: r.method for r in plan.rules.select_related("industry")}
    assert set(rules) == listed
    assert set(rules.values()) == set(AllocationMethod.values)
    assert all(r.paid_share_pct <= 8 for r in plan.rules.all())  # Action Plan (5)


def the_what_if_run_allocates_to_the_2027_list_as_compiled_within_the_cap():
    plan = the_plan()
    assert RegulatedList.objects.get(year=PLAN_YEAR).status == ListStatus.DRAFT  # still the visitor's to publish
    run = plan.runs.get()
    assert (run.is_what_if, run.status, run.units) == (True, RunStatus.DONE, regulated_on_the_2027_list().count())
    assert 0 < run.total_t <= plan.allocatable_t
    assert "not published yet" in run.message
    problems = UnitAllocation.objects.filter(run=run).exclude(problem="").select_related("industry")
    # Only the units whose rule needs the 2026 output, which the 2026 reports will bring.
    special = set(the_plan().rules.exclude(method=AllocationMethod.HISTORICAL).values_list("industry__code", flat=True))
    assert {a.industry.code for a in problems} <= special
    assert all("submitted 2026 report" in a.problem for a in problems)
    computed = UnitAllocation.objects.filter(run=run, problem="")
    assert computed.exists() and all(a.method == AllocationMethod.HISTORICAL for a in computed)


def the_plan_and_its_comments_are_public(client):
    assert (
        reverse("trading:plan_public", args=[PLAN_YEAR])
        in client.get(reverse("trading:plan_public_index")).content.decode()
    )
    page = client.get(reverse("trading:plan_public", args=[PLAN_YEAR])).content.decode()
    assert "Comment on this draft" in page
    assert COMMENTS[0]["organisation_name"] in page and COMMENTS[1]["author_name"] in page
    assert COMMENTS[0]["email"] not in page


def the_what_if_run_is_on_alices_run_page(client):
    plan = the_plan()
    client.force_login(plan.prepared_by)
    page = client.get(reverse("trading:run_detail", args=[plan.runs.get().pk])).content.decode()
    assert "What-if run" in page and "not published yet" in page and "Allocation per unit" in page
    client.logout()


@pytest.mark.django_db
def test_the_demo_drafts_the_2027_plan_for_comment_with_a_what_if_run_and_a_second_run_adds_nothing(settings, client):
    # seed_demo switches e-mail off for the process; through this override it is undone afterwards.
    settings.EMAIL_BACKEND = settings.EMAIL_BACKEND
    out = io.StringIO()
    call_command("seed_demo", units=demo.minimum_units(), seed=7, stdout=out)
    lines: list[str] = []
    seed_allocation(log=lines.append)  # the first run, unless seed_demo already ran it as a step
    alice_drafts_the_2027_plan_and_opens_it_for_comment("\n".join([out.getvalue(), *lines]))
    every_industry_on_the_list_has_a_rule_and_all_three_methods_are_used()
    the_what_if_run_allocates_to_the_2027_list_as_compiled_within_the_cap()
    the_plan_and_its_comments_are_public(client)
    the_what_if_run_is_on_alices_run_page(client)

    before, again = counts(), []
    seed_allocation(log=again.append)
    assert counts() == before
    assert "already there" in again[0]
