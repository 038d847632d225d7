"""Allocation runs (Art. 10; DOMAIN.md "Allowances"): every regulated unit's allocation under a
plan, computed as a background job with a live progress bar. Each unit's row keeps the inputs
used. A what-if run on an unpublished plan changes nothing but its own rows; the final run of a
published plan is adopted only if its total fits the cap less the reserve, checked in the
database inside the transaction that adopts it."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carbon_portal import audit, jobs
from carbon_portal.formatting import format_tonnes
from carbon_portal.i18n_text import both, fitting, joined
from carbon_portal.permissions import require_bureau
from registry.choices import ListStatus

from .. import allocation as calc
from ..choices import AllocationMethod, PlanStatus, RunStatus
from ..models import AllocationPlan, AllocationRun, UnitAllocation
from ..selectors.runs import UnitInputs, inputs_for, run_list

RUN_TASK = "trading.tasks_allocation.compute_allocation_run"
WHAT_IF_STATUSES = (PlanStatus.DRAFT, PlanStatus.CONSULTATION, PlanStatus.PENDING)
CHUNK = 200


def _locked_plan(plan: AllocationPlan) -> AllocationPlan:
    return AllocationPlan.objects.select_for_update().get(pk=plan.pk)


@transaction.atomic
def run_start(*, actor, plan: AllocationPlan, what_if: bool) -> AllocationRun:
    """Starts computing every regulated unit's allocation as a Celery job. A what-if run is for a
    plan still being drafted, commented on or approved, on the year's list even before it is
    published (selectors.runs.run_list); the final run for a published plan that has no adopted
    run yet, on the year's published list."""
    require_bureau(actor)
    plan = _locked_plan(plan)
    if what_if and plan.status not in WHAT_IF_STATUSES:
        raise ValidationError(
            _("A what-if run is for a plan not yet published; this plan is %(status)s.")
            % {"status": plan.get_status_display()}
        )
    if not what_if:
        if plan.status != PlanStatus.PUBLISHED:
            raise ValidationError(_("The final allocation is computed only for a published plan."))
        if plan.runs.filter(status=RunStatus.ADOPTED).exists():
            raise ValidationError(_("This plan already has an adopted allocation."))
    if run_list(plan, what_if=what_if) is None:
        if what_if:
            raise ValidationError(
                _(
                    "There is no list of regulated units for %(year)s to allocate to yet: a what-if run needs "
                    "the year's list compiled, published or not."
                )
                % {"year": plan.year}
            )
        raise ValidationError(
            _("There is no published list of regulated units for %(year)s to allocate to.") % {"year": plan.year}
        )
    run = AllocationRun.objects.create(plan=plan, is_what_if=what_if, created_by=actor)
    run.job = jobs.job_create(actor=actor, kind="trading.allocation_run", task_name=RUN_TASK, target=run)
    run.save(update_fields=["job"])
    audit.record(actor=actor, verb="allocation.run_start", target=run, data={"plan": plan.pk, "what_if": what_if})
    return run


def run_compute(*, job_id: int) -> None:
    """The job behind run_start: a chunk of units per transaction so the progress bar moves.
    The run is RUNNING (and cannot be adopted) until every row and the totals are written.
    Writes only the run's own rows: never the plan, never the ledger."""
    from carbon_portal.models import BackgroundJob

    job_row = BackgroundJob.objects.get(pk=job_id)
    run = AllocationRun.objects.select_related("plan").get(pk=job_row.target_id)
    job = jobs.job_start(job_id, total=0)
    if job is None:
        return
    try:
        regulated_list = run_list(run.plan, what_if=run.is_what_if)
        units = inputs_for(run.plan, regulated_list) if regulated_list else []
        jobs.job_set_total(job, len(units))
        run.allocations.all().delete()  # a resent job starts again from nothing
        for start in range(0, len(units), CHUNK):
            with transaction.atomic():
                UnitAllocation.objects.bulk_create([_allocation(run, u) for u in units[start : start + CHUNK]])
                jobs.job_progress(job, start + len(units[start : start + CHUNK]))
        _finish(run, regulated_list)
    except Exception as exc:
        AllocationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, message=str(exc)[:2000], finished_at=timezone.now()
        )
        jobs.job_finish(job, ok=False, message=str(exc))
        raise
    jobs.job_finish(job, ok=True)


def _finish(run: AllocationRun, regulated_list) -> None:
    sums = run.allocations.aggregate(
        units=Count("pk"),
        total=Sum("total_t"),
        free=Sum("free_t"),
        paid=Sum("paid_t"),
        problems=Count("pk", filter=~Q(problem="")),
    )
    notes = []
    if regulated_list is not None and regulated_list.status != ListStatus.PUBLISHED:
        notes.append(
            both(
                gettext_lazy(
                    "The %(year)s list of regulated units is not published yet (%(status)s): this what-if run "
                    "allocates to its units as compiled so far."
                ),
                {"year": regulated_list.year, "status": regulated_list.get_status_display},
            )
        )
    if sums["problems"]:
        notes.append(
            both(
                gettext_lazy("%(n)s unit(s) could not be computed: see the problems in the table."),
                {"n": sums["problems"]},
            )
        )
    message = joined(notes) if notes else ""
    AllocationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=RunStatus.DONE,
        units=sums["units"],
        total_t=sums["total"] or 0,
        free_t=sums["free"] or 0,
        paid_t=sums["paid"] or 0,
        message=message,
        finished_at=timezone.now(),
    )


def _allocation(run: AllocationRun, u: UnitInputs) -> UnitAllocation:
    row = UnitAllocation(
        run_id=run.pk,
        organisation_id=u.organisation.pk,
        industry_id=u.organisation.industry_id,
        coefficient=u.coefficient,
        problem=fitting(u.problem, 300),
    )
    if u.problem:
        return row
    rule = u.rule
    row.method = rule.method
    inputs = {"coefficient": str(u.coefficient), "factor": str(rule.factor), "paid_share_pct": str(rule.paid_share_pct)}
    if rule.method == AllocationMethod.BENCHMARK:
        amount = calc.benchmark_t(u.output, rule.benchmark_t_per_unit)
        inputs |= {"benchmark": str(rule.benchmark_t_per_unit)}
        del inputs["factor"]
    elif rule.method == AllocationMethod.INTENSITY:
        years = sorted(u.base_emissions)
        intensities = [u.base_emissions[y][0] / u.base_outputs[y] for y in years]
        amount = calc.intensity_t(u.output, intensities, rule.factor)
        inputs |= {
            "base_intensity": str(calc.mean(intensities).quantize(Decimal("0.000001"))),
            "base": {
                str(y): {
                    "t": str(u.base_emissions[y][0]),
                    "source": u.base_emissions[y][1],
                    "output": str(u.base_outputs[y]),
                }
                for y in years
            },
        }
    else:
        years = sorted(u.base_emissions)
        amount = calc.historical_t([u.base_emissions[y][0] for y in years], rule.factor)
        inputs |= {
            "base": {str(y): {"t": str(u.base_emissions[y][0]), "source": u.base_emissions[y][1]} for y in years}
        }
    if u.output is not None:
        inputs |= {"output": str(u.output), "output_unit": u.output_unit, "output_year": run.plan.year - 1}
    inputs["before_rounding_t"] = str(calc.apply_coefficient(amount, u.coefficient))
    row.free_t, row.paid_t = calc.split(calc.apply_coefficient(amount, u.coefficient), rule.paid_share_pct)
    row.total_t = row.free_t + row.paid_t
    row.inputs = inputs
    return row


@transaction.atomic
def run_adopt(*, actor, run: AllocationRun) -> AllocationRun:
    """Adopts a final run as the plan's allocation. The plan row is locked and the run's total
    summed in the database, so no run whose units exceed the cap less the reserve is ever adopted."""
    require_bureau(actor)
    plan = _locked_plan(run.plan)
    run = AllocationRun.objects.select_for_update().get(pk=run.pk)
    if run.is_what_if:
        raise ValidationError(_("A what-if run is never adopted: start the final run of the published plan."))
    if run.status != RunStatus.DONE:
        raise ValidationError(
            _("Only a finished run can be adopted; this one is %(status)s.") % {"status": run.get_status_display()}
        )
    if plan.status != PlanStatus.PUBLISHED:
        raise ValidationError(_("Only the allocation of a published plan can be adopted."))
    if plan.runs.filter(status=RunStatus.ADOPTED).exists():
        raise ValidationError(_("This plan already has an adopted allocation."))
    total = run.allocations.aggregate(t=Sum("total_t"))["t"] or Decimal(0)
    if total > plan.allocatable_t:
        raise ValidationError(
            _(
                "The run allocates %(total)s t, more than the %(allowed)s t the plan allows "
                "(cap %(cap)s t less reserve %(reserve)s t): it cannot be adopted."
            )
            % {
                "total": format_tonnes(total),
                "allowed": format_tonnes(plan.allocatable_t),
                "cap": format_tonnes(plan.cap_t),
                "reserve": format_tonnes(plan.reserve_t),
            },
            code="over_cap",
        )
    run.status = RunStatus.ADOPTED
    run.save(update_fields=["status"])
    audit.record(
        actor=actor,
        verb="allocation.run_adopt",
        target=run,
        data={"plan": plan.pk, "total_t": str(total), "allocatable_t": str(plan.allocatable_t)},
    )
    return run
