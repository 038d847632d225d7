"""Demo allocation plan, written through the plan and run services as the bureau and the public would.

The demo's SHEA-2025 and SHEA-2026 are opening balances carried over from the previous registration
system (trading/demo.py): no plan issued them, and a plan for either year would issue that vintage a
second time. The plan a visitor finds is therefore next year's, as the bureau would have it in the
autumn before:

- alice drafts the 2027 plan: a cap from the listed units' emissions with a 5% reserve, the 2027
  settings (surrender by 30 June 2028, offsets up to 5% of the allocation, CCERs and carbon
  inclusive credits) and the auction reserve price; a rule for every industry of the 2027 list's
  regulated units: historical emissions for most, historical intensity for one industrial
  industry (iron and steel when listed), benchmark for another (building materials when listed);
  incentive coefficients for carol's unit, a data centre and a petrochemical unit;
- she opens it for public comment for 30 days, and two comments come in;
- she computes a what-if run. The 2027 list is still alice's draft in the registry demo (for the
  visitor to publish), so the what-if allocates to it as compiled (trading.selectors.runs.run_list).
  The intensity and benchmark units show a problem: their rule needs 2026 output, which the 2026
  reports (due 31 March 2027) will bring; the plan's notes say so.

bob has nothing to do yet: he approves the plan once a visitor sends it for approval. A second run
adds nothing: the plan is written once, in one transaction, and the what-if run only if the plan
has none.
"""

import math
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from carbon_portal.i18n_text import pick
from carbon_portal.models import BackgroundJob, User
from carbon_portal.roles import Role
from registry.choices import EntryCategory
from registry.models import EmissionRecord, Industry, ListEntry, Membership, Organisation, RegulatedList
from verification.choices import DeterminationStatus
from verification.models import Determination

from .choices import AllocationMethod, InstrumentKind, OffsetBasis
from .models import AllocationPlan, AllocationRun
from .services import plans
from .services.runs import WHAT_IF_STATUSES, run_compute, run_start

PLAN_YEAR = 2027
BASE_YEARS = (2023, 2024, 2025)
RESERVE_SHARE = Decimal("0.05")
HEADROOM = Decimal("1.10")  # the cap over the listed units' highest base-year emissions
AUCTION_RESERVE_PRICE_YUAN = Decimal("62.00")
CONSULTATION_DAYS = 30
# The first industry of each list found among the listed units' industries takes that method; every
# other industry historical emissions. Intensity and benchmark need each unit's output of its main
# product, which the demo's reports give in tonnes.
INTENSITY_FIRST = ("C31", "C32", "C22", "C29", "C36", "C39", "C17", "C28")
BENCHMARK_FIRST = ("C30", "C22", "C32", "C17", "C29", "C36", "C39", "C28")
INTENSITY = {"base_years": [2025], "product_unit": "t", "factor": Decimal("0.97")}
BENCHMARK = {"benchmark_t_per_unit": Decimal("0.86"), "product_unit": "t"}
HISTORICAL = {"base_years": list(BASE_YEARS), "factor": Decimal("0.98")}
HIGHER_PAID_SHARE = {"C25": Decimal(5), "D44": Decimal(5)}  # within the Action Plan's 8% for 2027
PAID_SHARE = Decimal(3)
NOTES = (
    "2027年度本市碳排放配额分配方案（征求意见稿）。配额总量含5%政府储备配额。"
    "多数行业采用历史排放法（2023—2025年平均排放量×下降系数0.98）；"
    "{intensity}采用历史强度法，{benchmark}采用行业基准线法，均以2026年主要产品产量计算，"
    "待2026年度排放报告（2027年3月31日前）提交后重新测算。"
    "有偿分配比例为3%，石化和电力热力行业为5%，通过竞价拍卖发放。"
)
COMMENTS = (
    {
        "author_name": "周建华",
        "organisation_name": "上海市化工行业协会",
        "email": "zhou.jianhua@example.cn",
        "body": "建议化工行业的年度下降系数由0.98调整为0.985，并对2026年新投产装置单独核定基准值，"
        "避免新装置按历史排放法分配不足。",
    },
    {
        "author_name": "Li Na 李娜",
        "organisation_name": "上海绿色发展基金会 Shanghai Green Development Foundation",
        "email": "",
        "body": "支持逐步提高有偿分配比例。建议与方案一并公布储备配额的拍卖安排及底价确定依据。"
        "We support a higher paid share and ask that the reserve auction calendar be published with the plan.",
    },
)


def seed_allocation(*, log: Callable[[str], None] = print) -> None:
    alice = User.objects.filter(email__startswith="alice@").first()
    if alice is None:
        log("  no bureau user to draft the allocation plan: skipped")
        return
    started = time.monotonic()
    rl = RegulatedList.objects.filter(year=PLAN_YEAR).first()
    plan = AllocationPlan.objects.filter(year=PLAN_YEAR).order_by("-version").first()
    if plan is None:
        if rl is None:
            log(f"  no {PLAN_YEAR} list of regulated units to plan for: skipped")
            return
        with transaction.atomic():
            plan = _draft(alice, rl)
        log(
            f"  {PLAN_YEAR} allocation plan v{plan.version} drafted by {alice.email}: {plan.rules.count()} industry "
            f"rules, {plan.adjustments.count()} incentive coefficients, open for comment until "
            f"{plan.consultation_until:%Y-%m-%d} with {plan.comments.count()} public comments"
        )
    else:
        log(f"  {PLAN_YEAR} allocation plan v{plan.version} is already there ({plan.get_status_display()})")
    run = plan.runs.filter(is_what_if=True).order_by("created_at").first()
    if run is None and plan.status in WHAT_IF_STATUSES:
        try:
            run = run_start(actor=alice, plan=plan, what_if=True)
        except ValidationError as exc:
            log(f"  no what-if run: {' '.join(exc.messages)}")
            return
    if run is not None:
        run = _computed(run)
        log(
            f"  what-if run #{run.pk} ({run.get_status_display()}): {run.units} units, {run.total_t:,} t of "
            f"{plan.allocatable_t:,} t allocatable, in {time.monotonic() - started:.1f} s. {pick(run.message)}".rstrip()
        )


def _draft(alice: User, rl: RegulatedList) -> AllocationPlan:
    listed = Organisation.objects.filter(
        pk__in=ListEntry.objects.filter(regulated_list=rl, category=EntryCategory.REGULATED, is_removed=False).values(
            "organisation_id"
        )
    ).order_by("name_zh")
    industries = list(
        Industry.objects.filter(pk__in=listed.exclude(industry=None).values("industry_id")).order_by("code")
    )
    methods = _methods([i.code for i in industries])
    named = {method: i.name_zh for i in industries for code, (method, _) in methods.items() if code == i.code}
    cap_t = _cap(listed)
    plan = plans.plan_create(
        actor=alice,
        year=PLAN_YEAR,
        cap_t=cap_t,
        reserve_t=(cap_t * RESERVE_SHARE).quantize(Decimal(1)),
        surrender_deadline=date(PLAN_YEAR + 1, 6, 30),
        offset_limit_pct=Decimal(5),
        offset_basis=OffsetBasis.ALLOCATION,
        eligible_offsets=[InstrumentKind.CCER, InstrumentKind.INCLUSIVE],
        notes=NOTES.format(
            intensity=named.get(AllocationMethod.INTENSITY, "—"), benchmark=named.get(AllocationMethod.BENCHMARK, "—")
        ),
        auction_reserve_price_yuan=AUCTION_RESERVE_PRICE_YUAN,
    )
    for industry in industries:
        method, parameters = methods.get(industry.code, (AllocationMethod.HISTORICAL, HISTORICAL))
        plans.rule_set(
            actor=alice,
            plan=plan,
            industry=industry,
            method=method,
            paid_share_pct=HIGHER_PAID_SHARE.get(industry.code, PAID_SHARE),
            **parameters,
        )
    for organisation, coefficient, reason in _adjustments(list(listed.select_related("industry"))):
        plans.adjustment_set(actor=alice, plan=plan, organisation=organisation, coefficient=coefficient, reason=reason)
    plan = plans.plan_open_consultation(
        actor=alice, plan=plan, until=timezone.localdate() + timedelta(days=CONSULTATION_DAYS)
    )
    for comment in COMMENTS:
        plans.comment_add(plan=plan, **comment)
    return plan


def _methods(codes: list[str]) -> dict[str, tuple[str, dict]]:
    """The industries that take intensity and benchmark: the first of each preference list listed."""
    intensity = next((c for c in INTENSITY_FIRST if c in codes), None)
    benchmark = next((c for c in BENCHMARK_FIRST if c in codes and c != intensity), None)
    chosen = {intensity: (AllocationMethod.INTENSITY, INTENSITY), benchmark: (AllocationMethod.BENCHMARK, BENCHMARK)}
    return {code: rule for code, rule in chosen.items() if code is not None}


def _cap(listed) -> Decimal:
    """The listed units' highest base-year emissions (on record or determined) plus 10%, rounded
    up to ten thousand tonnes: room for every historical allocation with its coefficient."""
    highest: dict[int, Decimal] = {}
    rows = [
        *EmissionRecord.objects.filter(organisation__in=listed, year__in=BASE_YEARS).values_list(
            "organisation_id", "emissions_tco2e"
        ),
        *Determination.objects.filter(
            organisation__in=listed, year__in=BASE_YEARS, status=DeterminationStatus.APPROVED
        ).values_list("organisation_id", "emissions_tco2e"),
    ]
    for organisation_id, tonnes in rows:
        highest[organisation_id] = max(tonnes, highest.get(organisation_id, tonnes))
    total = sum(highest.values(), Decimal(0)) * HEADROOM
    return Decimal(max(1, math.ceil(total / 10_000)) * 10_000)


def _adjustments(listed: list[Organisation]) -> list[tuple[Organisation, Decimal, str]]:
    """carol's unit, the first data centre and the first petrochemical unit on the list, if there."""
    carol = Membership.objects.filter(user__email__startswith="carol@", role=Role.UNIT_STAFF).first()
    by_code: dict[str, Organisation] = {}
    for org in listed:
        code = org.industry.code if org.industry_id else ""
        by_code.setdefault(code, org)
    chosen = [
        (next((o for o in listed if carol and o.pk == carol.organisation_id), None), "1.02", "2025年度单位产品能耗行业领先（能效领跑者）"),
        (by_code.get("I65DC"), "1.03", "数据中心绿色电力使用比例超过50%，电能利用效率（PUE）低于1.25"),
        (by_code.get("C25"), "0.98", "高耗能设备淘汰计划未按期完成"),
    ]  # fmt: skip
    return [(org, Decimal(coefficient), reason) for org, coefficient, reason in chosen if org is not None]


def _computed(run: AllocationRun, timeout_s: float = 600) -> AllocationRun:
    """With Celery eager the run is computed once run_start commits. Otherwise a worker may not
    have the job yet (or, in a test, on-commit hooks never run): compute it here. The job is
    claimed atomically, so if a worker got there first this returns at once and we wait."""
    job = BackgroundJob.objects.get(pk=run.job_id)
    if not job.is_finished:
        run_compute(job_id=job.pk)
    deadline = time.monotonic() + timeout_s
    while not BackgroundJob.objects.get(pk=run.job_id).is_finished:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the what-if run #{run.pk} did not finish in {timeout_s:.0f} s")
        time.sleep(1)
    return AllocationRun.objects.get(pk=run.pk)
