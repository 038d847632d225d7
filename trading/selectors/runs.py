"""What an allocation run needs and shows (Art. 10; DOMAIN.md "Allowances").

inputs_for(plan, list) gathers, for every regulated unit on the list run_list chose (the plan
year's published list; for a what-if, also the year's list not yet published), its industry's
rule, the figures the rule's method needs and its incentive coefficient: a fixed number of
queries however many units there are (everything is fetched in bulk into dicts)."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carbon_portal.formatting import format_amount
from carbon_portal.i18n_text import both
from carbon_portal.models import BackgroundJob
from registry.choices import EntryCategory, ListStatus
from registry.models import EmissionRecord, Industry, ListEntry, Organisation, RegulatedList
from reporting.choices import ReportStatus
from reporting.models import AnnualReport
from verification.choices import DeterminationStatus
from verification.models import Determination

from ..choices import AccountKind, AllocationMethod, IssuanceStatus, RunStatus
from ..models import AllocationPlan, AllocationRun, IndustryRule, IssuanceBatch, LedgerEntry, UnitAllocation

ONE = Decimal(1)


@dataclass
class UnitInputs:
    """One unit's figures for the run. `problem` says why it cannot be computed (first found)."""

    organisation: Organisation
    rule: IndustryRule | None = None
    coefficient: Decimal = ONE
    output: Decimal | None = None  # the main product's output in the year before the plan's year
    output_unit: str = ""
    base_emissions: dict[int, tuple[Decimal, str]] = field(default_factory=dict)  # year -> (t, source)
    base_outputs: dict[int, Decimal] = field(default_factory=dict)
    problem: str = ""


def published_list(year: int) -> RegulatedList | None:
    return RegulatedList.objects.filter(year=year, status=ListStatus.PUBLISHED).first()


def run_list(plan: AllocationPlan, *, what_if: bool) -> RegulatedList | None:
    """The list whose regulated units a run allocates to: the plan year's published list. A what-if
    run may also take the year's list while it is still a draft or awaiting approval, as compiled
    (its compilation finished): the bureau drafts next year's plan while that year's list goes
    through its own four eyes, and a what-if changes nothing. The final run waits for publication."""
    rl = RegulatedList.objects.filter(year=plan.year).select_related("job").first()
    if rl is None or rl.status == ListStatus.PUBLISHED:
        return rl
    compiled = rl.job is None or rl.job.status == BackgroundJob.Status.DONE
    return rl if what_if and compiled else None


def _same_unit(a: str, b: str) -> bool:
    return (a or "").strip().casefold() == (b or "").strip().casefold()


def inputs_for(plan: AllocationPlan, regulated_list: RegulatedList | None = None) -> list[UnitInputs]:
    """Every regulated unit (not removed) on the list, by default the plan year's published list,
    by organisation id. Eight queries whatever the number of units."""
    rl = regulated_list or published_list(plan.year)
    if rl is None:
        return []
    org_ids = ListEntry.objects.filter(regulated_list=rl, category=EntryCategory.REGULATED, is_removed=False).values(
        "organisation_id"
    )
    # Only what the run reads of each unit: at 10,000 units, whole rows (and a list entry and an
    # industry per unit) were a fifth of the run's time. The industry, named only in a problem,
    # comes from one small dict.
    units = list(Organisation.objects.filter(pk__in=org_ids).only("pk", "industry_id").order_by("pk"))
    industries = Industry.objects.in_bulk()
    rules = {r.industry_id: r for r in IndustryRule.objects.filter(plan=plan).select_related("industry")}
    coefficients = dict(plan.adjustments.values_list("organisation_id", "coefficient"))
    output_year = plan.year - 1
    base_years = {int(y) for r in rules.values() for y in (r.base_years or [])}
    reports = {}
    for org_id, year, output, unit in (
        AnnualReport.objects.filter(
            organisation_id__in=org_ids, year__in=base_years | {output_year}, status=ReportStatus.SUBMITTED
        )
        .order_by("version")
        .values_list("organisation_id", "year", "product_output", "product_unit")
    ):
        reports[(org_id, year)] = (output, unit)  # the latest submitted version wins
    emissions = {
        (org_id, year): (t, "record")
        for org_id, year, t in EmissionRecord.objects.filter(
            organisation_id__in=org_ids, year__in=base_years
        ).values_list("organisation_id", "year", "emissions_tco2e")
    }
    # An approved determination outranks the emissions on record for the same year.
    emissions |= {
        (org_id, year): (t, "determination")
        for org_id, year, t in Determination.objects.filter(
            organisation_id__in=org_ids, year__in=base_years, status=DeterminationStatus.APPROVED
        ).values_list("organisation_id", "year", "emissions_tco2e")
    }
    return [_unit_inputs(org, industries, rules, coefficients, reports, emissions, output_year) for org in units]


def _unit_inputs(org, industries, rules, coefficients, reports, emissions, output_year) -> UnitInputs:
    u = UnitInputs(organisation=org, coefficient=coefficients.get(org.pk, ONE))
    industry = industries.get(org.industry_id)
    u.rule = rules.get(org.industry_id) if industry else None
    if u.rule is None:
        u.problem = (
            both(
                gettext_lazy("No rule for industry %(industry)s in this plan."),
                {"industry": lambda: f"{industry.code} {industry.name}"},
            )
            if industry
            else both(gettext_lazy("The unit has no industry on record."))
        )
        return u
    rule = u.rule
    if rule.method in (AllocationMethod.BENCHMARK, AllocationMethod.INTENSITY):
        report = reports.get((org.pk, output_year))
        if report is None or report[0] is None:
            u.problem = both(
                gettext_lazy("No output of the main product in a submitted %(year)s report."), {"year": output_year}
            )
            return u
        u.output, u.output_unit = report
        expected = rule.product_unit or u.output_unit
        if not _same_unit(u.output_unit, expected):
            u.problem = both(
                gettext_lazy("The %(year)s report gives output in %(found)s; the rule needs %(expected)s."),
                {
                    "year": output_year,
                    "found": u.output_unit or "-",
                    "expected": expected,
                },
            )
            return u
    if rule.method == AllocationMethod.BENCHMARK:
        return u
    years = sorted(int(y) for y in (rule.base_years or []))
    if not years:
        u.problem = both(
            gettext_lazy("The rule for industry %(industry)s names no base years."), {"industry": rule.industry.code}
        )
        return u
    for year in years:
        if (org.pk, year) not in emissions:
            u.problem = both(
                gettext_lazy("No determined or recorded emissions for base year %(year)s."), {"year": year}
            )
            return u
        u.base_emissions[year] = emissions[(org.pk, year)]
        if rule.method == AllocationMethod.INTENSITY:
            output, unit = reports.get((org.pk, year), (None, ""))
            if not output:
                u.problem = both(
                    gettext_lazy("No output of the main product in a submitted %(year)s report."), {"year": year}
                )
                return u
            if not _same_unit(unit, u.output_unit):
                u.problem = both(
                    gettext_lazy("The %(year)s report gives output in %(found)s; the rule needs %(expected)s."),
                    {
                        "year": year,
                        "found": unit or "-",
                        "expected": u.output_unit,
                    },
                )
                return u
            u.base_outputs[year] = output
    return u


def describe_inputs(method: str, inputs: dict) -> str:
    """The inputs of one unit's allocation in words, for the results table and the download."""
    if not inputs:
        return ""
    coefficient = inputs.get("coefficient", "1")
    if method == AllocationMethod.BENCHMARK:
        text = _("Output %(output)s %(unit)s (%(year)s) x benchmark %(benchmark)s t per %(unit)s") % {
            "output": _num(inputs.get("output")),
            "unit": inputs.get("output_unit"),
            "year": inputs.get("output_year"),
            "benchmark": _num(inputs.get("benchmark")),
        }
    elif method == AllocationMethod.INTENSITY:
        years = ", ".join(
            _("%(year)s: %(t)s t / %(output)s") % {"year": y, "t": _num(v["t"]), "output": _num(v["output"])}
            for y, v in sorted(inputs.get("base", {}).items())
        )
        text = _(
            "Output %(output)s %(unit)s (%(year)s) x base intensity %(intensity)s (%(years)s) x factor %(factor)s"
        ) % {
            "output": _num(inputs.get("output")),
            "unit": inputs.get("output_unit"),
            "year": inputs.get("output_year"),
            "intensity": _num(inputs.get("base_intensity")),
            "years": years,
            "factor": _num(inputs.get("factor")),
        }
    else:
        years = ", ".join(
            _("%(year)s: %(t)s t (%(source)s)") % {"year": y, "t": _num(v["t"]), "source": _source_label(v["source"])}
            for y, v in sorted(inputs.get("base", {}).items())
        )
        text = _("Average of %(years)s x factor %(factor)s") % {"years": years, "factor": _num(inputs.get("factor"))}
    if Decimal(str(coefficient)) != 1:
        text += " " + _("x coefficient %(coefficient)s") % {"coefficient": _num(coefficient)}
    return text + "; " + _("paid share %(pct)s%%") % {"pct": _num(inputs.get("paid_share_pct"))}


def _num(value) -> str:
    """A stored figure as people read it: grouped, without trailing zeros (5000.000 -> 5,000)."""
    if value in (None, ""):
        return "—"
    try:
        return format_amount(Decimal(str(value)))
    except ArithmeticError:
        return str(value)


def _source_label(source: str) -> str:
    return _("determination") if source == "determination" else _("on record")


# -- pages --


def runs_of(plan: AllocationPlan) -> QuerySet[AllocationRun]:
    return plan.runs.select_related("job", "created_by").order_by("-created_at")


RESULT_FILTERS = ("q", "industry", "method", "problem")


def run_results(run: AllocationRun, *, q: str = "", industry: str = "", method: str = "", problem: str = ""):
    qs = run.allocations.select_related("organisation", "industry").order_by("organisation__name_zh", "pk")
    if q:
        qs = qs.filter(
            Q(organisation__name_zh__icontains=q) | Q(organisation__name_en__icontains=q) | Q(organisation__uscc=q)
        )
    if industry:
        qs = qs.filter(industry__code=industry)
    if method in AllocationMethod.values:
        qs = qs.filter(method=method)
    if problem == "yes":
        qs = qs.exclude(problem="")
    elif problem == "no":
        qs = qs.filter(problem="")
    return qs


def run_summary(run: AllocationRun) -> dict:
    """The run's totals and its problems, from the database, and the cap check for adoption."""
    sums = run.allocations.aggregate(total=Sum("total_t"), free=Sum("free_t"), paid=Sum("paid_t"))
    plan = run.plan
    total = sums["total"] or Decimal(0)
    return {
        "total_t": total,
        "free_t": sums["free"] or Decimal(0),
        "paid_t": sums["paid"] or Decimal(0),
        "problems": run.allocations.exclude(problem="").count(),
        "allocatable_t": plan.allocatable_t,
        "within_cap": total <= plan.allocatable_t,
    }


def run_industries(run: AllocationRun) -> list[tuple[str, str]]:
    seen = run.allocations.filter(industry__isnull=False).values_list("industry__code", "industry__name_zh").distinct()
    return sorted(set(seen))


def issued_from_issuance(instrument) -> Decimal:
    """Everything issued so far of an instrument: what left the issuance account, less what came back."""
    total = LedgerEntry.objects.filter(
        account__kind=AccountKind.ISSUANCE, account__holder__isnull=True, instrument=instrument
    ).aggregate(t=Sum("quantity_t"))["t"]
    return -(total or Decimal(0))


def batches_of(run: AllocationRun) -> QuerySet[IssuanceBatch]:
    return run.issuances.select_related("prepared_by", "approved_by").order_by("-prepared_at")


def open_batch(run: AllocationRun) -> IssuanceBatch | None:
    return run.issuances.filter(status__in=[IssuanceStatus.PENDING, IssuanceStatus.ISSUED]).first()


def adopted_run(plan: AllocationPlan) -> AllocationRun | None:
    return plan.runs.filter(status=RunStatus.ADOPTED).first()


def allocations_to_issue(run: AllocationRun) -> QuerySet[UnitAllocation]:
    return run.allocations.filter(free_t__gt=0).select_related("organisation").order_by("organisation_id")
