"""Allocation runs (Art. 10): inputs per unit in a fixed number of queries, a background job with
progress, results that keep their inputs, what-if runs that change nothing, adoption within the cap."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carbon_portal.i18n_text import pick
from carbon_portal.models import BackgroundJob
from registry.choices import EntryCategory, EntryOrigin, ListStatus
from registry.models import EmissionRecord, Industry, ListEntry, RegulatedList
from reporting.choices import ReportStatus
from reporting.models import AnnualReport
from tests.factories import OrganisationFactory
from trading.choices import AllocationMethod, PlanStatus, RunStatus
from trading.models import AllocationPlan, IncentiveAdjustment, IndustryRule, LedgerTransaction, UnitAllocation
from trading.selectors.runs import inputs_for
from trading.services.runs import run_adopt, run_start
from verification.choices import DeterminationBasis, DeterminationStatus
from verification.models import Determination

YEAR = 2026


# -- builders, shared with test_issuance --


def make_plan(alice, bob, *, status=PlanStatus.PUBLISHED, cap_t=1_000_000, reserve_t=0, year=YEAR):
    published = status == PlanStatus.PUBLISHED
    return AllocationPlan.objects.create(
        year=year,
        status=status,
        cap_t=cap_t,
        reserve_t=reserve_t,
        surrender_deadline=date(year + 1, 6, 30),
        prepared_by=alice,
        approved_by=bob if published else None,
        approved_at=timezone.now() if published else None,
    )


def publish_list(alice, bob, orgs, *, year=YEAR):
    rl = RegulatedList.objects.create(
        year=year,
        status=ListStatus.PUBLISHED,
        basis_from_year=year - 2,
        basis_to_year=year - 1,
        compiled_by=alice,
        approved_by=bob,
        published_at=timezone.now(),
    )
    ListEntry.objects.bulk_create(
        [
            ListEntry(regulated_list=rl, organisation=o, category=EntryCategory.REGULATED, origin=EntryOrigin.CRITERIA)
            for o in orgs
        ]
    )
    return rl


def report(org, year, output, unit="t", *, by):
    now = timezone.now()
    return AnnualReport.objects.create(
        organisation=org,
        year=year,
        status=ReportStatus.SUBMITTED,
        product_output=D(output),
        product_unit=unit,
        declared_by_name="Responsible Person",
        declared_at=now,
        submitted_at=now,
        created_by=by,
    )


def record(org, year, t):
    return EmissionRecord.objects.create(organisation=org, year=year, emissions_tco2e=D(t), source="historical")


def determination(org, year, t, *, alice, bob):
    return Determination.objects.create(
        organisation=org,
        year=year,
        basis=DeterminationBasis.REVIEW,
        status=DeterminationStatus.APPROVED,
        emissions_tco2e=D(t),
        reasoning="Determined from the report and the review.",
        prepared_by=alice,
        approved_by=bob,
        approved_at=timezone.now(),
    )


def rule(plan, industry_code="C26", method=AllocationMethod.HISTORICAL, **kwargs):
    defaults = {"base_years": [YEAR - 3, YEAR - 2], "factor": D("1"), "paid_share_pct": D("0")}
    if method == AllocationMethod.BENCHMARK:
        defaults |= {"benchmark_t_per_unit": D("0.85"), "product_unit": "t"}
    return IndustryRule.objects.create(
        plan=plan, industry=Industry.objects.get(code=industry_code), method=method, **(defaults | kwargs)
    )


def historical_unit(alice, emissions=(10000, 12000), **kwargs):
    """A unit with emissions on record for both base years (2023, 2024): average 11,000 t."""
    org = OrganisationFactory(**kwargs)
    for year, t in zip((YEAR - 3, YEAR - 2), emissions, strict=True):
        record(org, year, t)
    return org


def run_now(capture, actor, plan, *, what_if=False):
    """Start a run and let its Celery job (eager) run after commit."""
    with capture(execute=True):
        run = run_start(actor=actor, plan=plan, what_if=what_if)
    run.refresh_from_db()
    return run


# -- inputs --


@pytest.fixture
def plan(alice, bob):
    return make_plan(alice, bob)


def test_a_unit_whose_industry_has_no_rule_gets_a_problem(alice, bob, plan):
    org = historical_unit(alice, industry=Industry.objects.get(code="C31"))
    publish_list(alice, bob, [org])
    rule(plan)  # C26 only
    [u] = inputs_for(plan)
    assert "No rule for industry C31" in u.problem


def test_output_in_another_unit_than_the_rule_is_a_problem(alice, bob, plan):
    org = OrganisationFactory()
    publish_list(alice, bob, [org])
    rule(plan, method=AllocationMethod.BENCHMARK, product_unit="t")
    report(org, YEAR - 1, 50000, "MWh", by=alice)
    [u] = inputs_for(plan)
    assert pick(u.problem) == "The 2025 report gives output in MWh; the rule needs t."


def test_an_approved_determination_outranks_the_emissions_on_record(alice, bob, plan):
    org = historical_unit(alice)
    determination(org, YEAR - 3, 9000, alice=alice, bob=bob)
    publish_list(alice, bob, [org])
    rule(plan)
    [u] = inputs_for(plan)
    assert u.problem == ""
    assert u.base_emissions == {YEAR - 3: (D("9000"), "determination"), YEAR - 2: (D("12000"), "record")}


def test_removed_and_reporting_units_are_not_allocated(alice, bob, plan):
    kept, removed, reporting = (historical_unit(alice) for _ in range(3))
    rl = publish_list(alice, bob, [kept, removed])
    ListEntry.objects.filter(regulated_list=rl, organisation=removed).update(is_removed=True, removal_reason="closed")
    ListEntry.objects.create(
        regulated_list=rl, organisation=reporting, category=EntryCategory.REPORTING, origin=EntryOrigin.CRITERIA
    )
    rule(plan)
    assert [u.organisation for u in inputs_for(plan)] == [kept]


def test_inputs_take_the_same_queries_for_3_and_30_units(alice, bob, plan):
    rule(plan)
    rule(plan, "C31", AllocationMethod.INTENSITY)
    rl = publish_list(alice, bob, [])

    def add(n):
        for i in range(n):
            org = historical_unit(alice, industry=Industry.objects.get(code="C26" if i % 2 else "C31"))
            for year in (YEAR - 3, YEAR - 2, YEAR - 1):
                report(org, year, 1000, by=alice)
            ListEntry.objects.create(
                regulated_list=rl, organisation=org, category=EntryCategory.REGULATED, origin=EntryOrigin.CRITERIA
            )

    add(3)
    with CaptureQueriesContext(connection) as few:
        assert len(inputs_for(plan)) == 3
    add(27)
    with CaptureQueriesContext(connection) as many:
        units = inputs_for(plan)
    assert len(units) == 30 and all(u.problem == "" for u in units)
    assert len(many) == len(few)


# -- runs --


def test_a_run_writes_each_units_allocation_with_its_inputs_and_totals(
    alice, bob, plan, django_capture_on_commit_callbacks
):
    hist = historical_unit(alice)  # (10,000 + 12,000) / 2 x 0.97 x 1.02 = 10,883.4 -> 10,883; 8 % -> 871
    bench = OrganisationFactory(industry=Industry.objects.get(code="C31"))
    report(bench, YEAR - 1, 50000, by=alice)  # 50,000 x 0.85 = 42,500
    missing = OrganisationFactory(industry=Industry.objects.get(code="C25"))
    publish_list(alice, bob, [hist, bench, missing])
    rule(plan, factor=D("0.97"), paid_share_pct=D("8"))
    rule(plan, "C31", AllocationMethod.BENCHMARK)
    IncentiveAdjustment.objects.create(plan=plan, organisation=hist, coefficient=D("1.02"), reason="leader")

    run = run_now(django_capture_on_commit_callbacks, alice, plan)

    assert run.status == RunStatus.DONE and run.units == 3
    h = UnitAllocation.objects.get(run=run, organisation=hist)
    assert (h.total_t, h.free_t, h.paid_t, h.coefficient) == (D("10883"), D("10012"), D("871"), D("1.02"))
    assert h.inputs["base"] == {
        "2023": {"t": "10000.000", "source": "record"},
        "2024": {"t": "12000.000", "source": "record"},
    }
    assert h.inputs["factor"] == "0.970000" and h.inputs["paid_share_pct"] == "8.00"
    b = UnitAllocation.objects.get(run=run, organisation=bench)
    assert (b.total_t, b.method, b.inputs["output"]) == (D("42500"), AllocationMethod.BENCHMARK, "50000.000")
    m = UnitAllocation.objects.get(run=run, organisation=missing)
    assert m.total_t == 0 and "No rule for industry C25" in m.problem
    assert (run.total_t, run.free_t, run.paid_t) == (D("53383"), D("52512"), D("871"))
    assert run.job.status == BackgroundJob.Status.DONE
    assert (run.job.progress_done, run.job.progress_total) == (3, 3)


def test_a_what_if_run_changes_neither_the_plan_nor_the_ledger(alice, bob, django_capture_on_commit_callbacks):
    draft = make_plan(alice, bob, status=PlanStatus.DRAFT)
    publish_list(alice, bob, [historical_unit(alice)])
    rule(draft)
    before = AllocationPlan.objects.filter(pk=draft.pk).values().get()
    run = run_now(django_capture_on_commit_callbacks, alice, draft, what_if=True)
    assert run.status == RunStatus.DONE and run.total_t == D("11000")
    assert AllocationPlan.objects.filter(pk=draft.pk).values().get() == before
    assert not LedgerTransaction.objects.exists()
    with pytest.raises(ValidationError, match="never adopted"):
        run_adopt(actor=alice, run=run)


def test_a_what_if_run_is_refused_on_a_published_plan(alice, bob, plan):
    publish_list(alice, bob, [])
    with pytest.raises(ValidationError, match="not yet published"):
        run_start(actor=alice, plan=plan, what_if=True)


def test_a_final_run_is_refused_on_a_draft_plan(alice, bob):
    draft = make_plan(alice, bob, status=PlanStatus.DRAFT)
    publish_list(alice, bob, [])
    with pytest.raises(ValidationError, match="only for a published plan"):
        run_start(actor=alice, plan=draft, what_if=False)


def test_only_the_bureau_starts_a_run(alice, bob, carol, plan):
    publish_list(alice, bob, [])
    with pytest.raises(PermissionDenied):
        run_start(actor=carol, plan=plan, what_if=False)


def test_adopting_a_run_above_the_cap_is_refused_and_nothing_changes(alice, bob, django_capture_on_commit_callbacks):
    small = make_plan(alice, bob, cap_t=12000, reserve_t=2000)  # 10,000 t may be allocated
    publish_list(alice, bob, [historical_unit(alice)])  # 11,000 t
    rule(small)
    run = run_now(django_capture_on_commit_callbacks, alice, small)
    with pytest.raises(ValidationError) as exc:
        run_adopt(actor=alice, run=run)
    assert "11,000" in exc.value.messages[0] and "10,000" in exc.value.messages[0]
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert not LedgerTransaction.objects.exists()


def test_a_run_within_the_cap_is_adopted_once(alice, bob, plan, django_capture_on_commit_callbacks):
    publish_list(alice, bob, [historical_unit(alice)])
    rule(plan)
    run = run_now(django_capture_on_commit_callbacks, alice, plan)
    run_adopt(actor=alice, run=run)
    run.refresh_from_db()
    assert run.status == RunStatus.ADOPTED
    with pytest.raises(ValidationError, match="already has an adopted"):
        run_start(actor=alice, plan=plan, what_if=False)


# -- pages --


@pytest.fixture
def done_run(alice, bob, plan, django_capture_on_commit_callbacks):
    publish_list(alice, bob, [historical_unit(alice), OrganisationFactory(industry=Industry.objects.get(code="C31"))])
    rule(plan)
    return run_now(django_capture_on_commit_callbacks, alice, plan)


@pytest.mark.parametrize("name", ["run_list", "run_detail", "run_download", "issuance_page"])
def test_run_pages_are_the_bureaus(name, client, client_for, carol, dave, done_run):
    args = {
        "run_list": [done_run.plan_id],
        "run_detail": [done_run.pk],
        "run_download": [done_run.pk, "xlsx"],
        "issuance_page": [done_run.pk],
    }[name]
    url = reverse(f"trading:{name}", args=args)
    assert client.get(url).status_code == 302  # anonymous: to the login page
    assert client_for(carol).get(url).status_code == 403
    assert client_for(dave).get(url).status_code == 403


def test_run_page_shows_results_inputs_and_cap_check(client_for, bob, done_run):
    response = client_for(bob).get(reverse("trading:run_detail", args=[done_run.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Average of 2023: 10,000 t (on record)" in body  # grouped, no column padding
    assert "No rule for industry C31" in body
    assert "Cap less reserve" in body and "Adopt as the plan" in body


def test_run_page_filters_units_with_a_problem(client_for, bob, done_run):
    body = client_for(bob).get(reverse("trading:run_detail", args=[done_run.pk]), {"problem": "yes"}).content.decode()
    assert "No rule for industry C31" in body and "Average of" not in body


def test_run_page_runs_the_same_queries_for_few_and_many_units(
    alice, bob, client_for, django_capture_on_commit_callbacks
):
    client = client_for(bob)

    def page_queries(n, year):
        plan = make_plan(alice, bob, year=year)
        publish_list(alice, bob, [historical_unit(alice) for _ in range(n)], year=year)
        rule(plan, base_years=[2023, 2024])
        run = run_now(django_capture_on_commit_callbacks, alice, plan)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("trading:run_detail", args=[run.pk])).status_code == 200
        return len(ctx)

    assert page_queries(1, 2026) == page_queries(10, 2027)


def test_run_download_is_a_spreadsheet(client_for, bob, done_run):
    response = client_for(bob).get(reverse("trading:run_download", args=[done_run.pk, "xlsx"]))
    assert response.status_code == 200
    assert "spreadsheetml" in response["Content-Type"]
    assert client_for(bob).get(reverse("trading:run_download", args=[done_run.pk, "pdf"])).status_code == 404


def test_starting_a_what_if_run_from_the_page(alice, bob, client_for, django_capture_on_commit_callbacks):
    draft = make_plan(alice, bob, status=PlanStatus.DRAFT)
    publish_list(alice, bob, [historical_unit(alice)])
    rule(draft)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(reverse("trading:run_list", args=[draft.pk]), {"action": "what_if"})
    run = draft.runs.get()
    assert response.status_code == 302 and response["Location"] == reverse("trading:run_detail", args=[run.pk])
    assert run.is_what_if


def test_a_refused_start_shows_the_reason(alice, bob, client_for, plan):
    response = client_for(alice).post(reverse("trading:run_list", args=[plan.pk]), {"action": "final"})
    assert response.status_code == 400
    assert "no published list of regulated units" in response.content.decode()


def test_adopt_button_refuses_above_the_cap(alice, bob, client_for, django_capture_on_commit_callbacks):
    small = make_plan(alice, bob, cap_t=5000)
    publish_list(alice, bob, [historical_unit(alice)])
    rule(small)
    run = run_now(django_capture_on_commit_callbacks, alice, small)
    response = client_for(alice).post(reverse("trading:run_adopt", args=[run.pk]), follow=True)
    assert "more than the 5,000 t the plan allows" in response.content.decode()
    run.refresh_from_db()
    assert run.status == RunStatus.DONE


def test_progress_endpoint_shows_the_runs_job_to_the_bureau_only(client_for, bob, carol, done_run):
    url = reverse("job_status", args=[done_run.job_id])
    response = client_for(bob).get(url)
    assert response.status_code == 200 and 'role="progressbar"' in response.content.decode()
    assert client_for(carol).get(url).status_code == 403


def test_a_running_run_shows_the_live_progress_bar(alice, bob, client_for, plan):
    publish_list(alice, bob, [])
    run = run_start(actor=alice, plan=plan, what_if=False)  # on_commit not run: the job stays queued
    body = client_for(alice).get(reverse("trading:run_detail", args=[run.pk])).content.decode()
    assert 'hx-get="{}"'.format(reverse("job_status", args=[run.job_id])) in body
