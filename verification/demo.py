"""Demo agency directory, written through the verification services like the bureau's own upkeep:

- every active agency gets a profile (a few without English qualifications, to show the fallback);
- a business line for 2025 and 2026: technical review, except dave's agency, which compiles in
  2026 (erin's unit granted it access to compile its 2026 report) and reviewed in 2025;
- its agency staff (the verifier, and dave at his agency) as reviewers;
- the 2025 verification cycle, through the same services as the people in it (see _review_cycle):
  assignments in April 2026, reviews by 30 April, determinations in May and June, and what is left
  for the cast to do today.
Runs after the reporting demo; a second run adds only what is missing.
"""

import random
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from time import monotonic

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from carbon_portal import documents
from carbon_portal.models import User
from carbon_portal.roles import Role
from carbon_portal.workdays import add_working_days, is_working_day
from registry.choices import OrganisationStatus, OrganisationType
from registry.models import Organisation, YearSettings
from registry.selectors import year_settings
from reporting.calculation import reported_tonnes
from reporting.choices import ReportStatus
from reporting.models import AnnualReport, ReportLine
from reporting.selectors import report_totals

from .choices import BusinessLine, DeterminationBasis, FindingKind, ReviewConclusion
from .models import (
    AgencyProfile,
    AgencyYearLine,
    Determination,
    InformationMessage,
    InformationRequest,
    ReviewAssignment,
    ReviewedLine,
    Reviewer,
    ReviewReport,
)
from .selectors.determinations import year_determinations
from .services.agencies import agency_profile_save, agency_year_line_set, reviewer_add
from .services.bulk import assignment_proposal, assignments_apply
from .services.determinations import determination_approve, determination_prepare, determination_submit
from .services.objections import objection_file
from .services.requests import request_answer, request_open
from .services.reviews import (
    finding_add,
    review_attach_document,
    review_save_lines,
    review_start,
    review_submit,
    review_update,
)

YEARS = (2025, 2026)
QUALIFICATIONS = (
    (
        "温室气体排放核查（第三方技术服务）；碳排放报告编制与核算；能源审计。",
        "Greenhouse gas emission verification (third-party technical service); compiling and accounting "
        "of carbon emission reports; energy audits.",
    ),
    (
        "碳排放核算与报告技术服务；清洁生产审核；节能评估。",
        "Technical services for carbon emission accounting and reporting; cleaner production audits; "
        "energy-saving assessments.",
    ),
    ("温室气体核查；碳普惠减排量核证；环境管理体系认证。", ""),
)


def seed_verification(*, log: Callable[[str], None] = print) -> None:
    alice = User.objects.filter(email__startswith="alice@").first()
    if alice is None:
        log("  no bureau user to keep the agency directory: skipped")
        return
    agencies = Organisation.objects.filter(org_type=OrganisationType.AGENCY, status=OrganisationStatus.ACTIVE)
    dave_agency = _dave_agency()
    profiles = lines = reviewers = 0
    with transaction.atomic():
        for i, agency in enumerate(agencies.order_by("uscc")):
            profiles += _profile(alice, agency, i)
            for year in YEARS:
                compiles = agency.pk == dave_agency and year == 2026
                lines += _line(alice, agency, year, BusinessLine.COMPILING if compiles else BusinessLine.REVIEWING)
            reviewers += _reviewers(alice, agency)
    log(f"  agency directory: {profiles} profiles, {lines} business lines, {reviewers} reviewers added")
    _review_cycle(alice, log)


def _dave_agency() -> int | None:
    dave = User.objects.filter(email__startswith="dave@").first()
    if dave is None:
        return None
    membership = dave.memberships.filter(role=Role.AGENCY_STAFF, is_active=True).first()
    return membership.organisation_id if membership else None


def _profile(alice: User, agency: Organisation, i: int) -> int:
    if AgencyProfile.objects.filter(organisation=agency).exists():
        return 0
    zh, en = QUALIFICATIONS[i % len(QUALIFICATIONS)]
    agency_profile_save(
        actor=alice,
        agency=agency,
        registration_number=f"沪碳技服〔{2021 + i % 4}〕{101 + i:03d}号",
        registered_on=date(2021 + i % 4, 3 + i % 9, 10 + i % 15),
        qualifications_zh=zh,
        qualifications_en=en,
        is_listed=True,
    )
    return 1


def _line(alice: User, agency: Organisation, year: int, line: str) -> int:
    if AgencyYearLine.objects.filter(agency=agency, year=year).exists():
        return 0
    agency_year_line_set(actor=alice, agency=agency, year=year, line=line)
    return 1


def _reviewers(alice: User, agency: Organisation) -> int:
    staff = User.objects.filter(
        memberships__organisation=agency, memberships__role=Role.AGENCY_STAFF, memberships__is_active=True
    ).order_by("email")
    added = 0
    for n, user in enumerate(staff, start=1):
        if Reviewer.objects.filter(agency=agency, user=user).exists():
            continue
        reviewer_add(
            actor=alice,
            agency=agency,
            name=user.full_name or user.email,
            certificate_number=f"SHHC-{agency.pk:05d}-{n:02d}",
            user=user,
        )
        added += 1
    return added


# ---- The 2025 verification cycle ---------------------------------------------------------------
#
# Today the 2025 reports are long filed (by 31 Mar 2026): alice assigned them in one balanced batch
# early in April, the agencies reviewed them by the 30 Apr due date, and the bureau determined most
# units in May and June. What is left for the cast to do in the demo:
#   dave  continues the review of erin's unit (a draft, and a request erin has not answered yet);
#   erin  answers dave's request;
#   carol reads her unit's determination, approved today, and may object while the window runs;
#   bob   approves the determination alice prepared;
#   alice determines the few units still ready, estimates those that filed nothing, decides the
#         objection another unit filed, and may re-examine the unit whose review is over the
#         report-vs-review threshold.

CYCLE_YEAR = 2025
CYCLE_SEED = 2025
ASSIGNED_AT = (date(2026, 4, 3), time(9, 30))
REVIEWS_FROM, REVIEWS_TO = date(2026, 4, 13), date(2026, 4, 29)
DETERMINED_FROM, DETERMINED_TO = date(2026, 5, 11), date(2026, 6, 19)
READY_LEFT = 4
CHANGES_PCT = ("-2", "-1.5", "-1", "-0.5", "0.5", "1", "1.5", "2", "2.5", "3")
CORRECTED_SHARE = 0.45
OBSERVATION_SHARE = 0.3
GAP_UNREPORTED = Decimal("0.11")  # the share of the reported total the review finds left out
DEMO_PDF_HTML = (
    '<p class="pdf-reference">演示文件 Demo document</p>'
    "<h1>演示文件 Demo document</h1>"
    "<p>本文件由门户演示数据生成，代替技术审核报告、结算单等真实附件，仅供试用。</p>"
    "<p>Generated by the portal's demo seed in place of a signed technical review report, invoices and "
    "other real attachments. For trying the portal only.</p>"
)
CONFIRMED_TEXT = "经文件评审和现场核查，排放报告的数据真实、完整、准确，确认报告的排放量。"
CORRECTED_TEXT = "经文件评审和现场核查，部分活动数据与结算凭证不符，已按凭证修正；修正后的排放量见本报告。"
OBSERVATIONS = (
    "关口电能表的检定证书于2025年11月到期，检定延后一个月完成，建议按期检定。",
    "天然气月度消耗台账由人工汇总，建议与燃气公司结算单逐月核对并留存记录。",
    "数据质量控制计划中的负责人已变更，建议及时更新计划。",
)
LINE_NOTES = {
    "purchased_electricity": "按供电公司2025年度电费结算单核实",
    "fuel_combustion": "按燃气公司2025年度结算账单核实",
}


@dataclass
class _Cast:
    """Who plays which part in the cycle, looked up by the cast's e-mail names."""

    alice: User
    bob: User
    dave: User | None
    dave_agency: int | None
    carol: User | None
    carol_unit: int | None
    erin_unit: int | None

    @classmethod
    def find(cls, alice: User, bob: User) -> "_Cast":
        def member(name: str, role: str) -> tuple[User | None, int | None]:
            user = User.objects.filter(email__startswith=f"{name}@").first()
            found = user.memberships.filter(role=role, is_active=True).first() if user else None
            return (user, found.organisation_id) if found else (None, None)

        dave, dave_agency = member("dave", Role.AGENCY_STAFF)
        carol, carol_unit = member("carol", Role.UNIT_STAFF)
        _erin, erin_unit = member("erin", Role.UNIT_STAFF)
        return cls(alice, bob, dave, dave_agency, carol, carol_unit, erin_unit)

    @property
    def units(self) -> set[int]:
        return {self.carol_unit, self.erin_unit} - {None}


@dataclass
class _Parts:
    """The assignments that play a part; every other one is reviewed and determined in May-June."""

    in_progress: ReviewAssignment | None = None  # dave's draft with an open request
    answered: ReviewAssignment | None = None  # carol's: a request she answered
    carol: ReviewAssignment | None = None
    gap: ReviewAssignment | None = None  # over the report-vs-review threshold
    objection: ReviewAssignment | None = None
    pending: ReviewAssignment | None = None
    ready: list[ReviewAssignment] = field(default_factory=list)


def _review_cycle(alice: User, log: Callable[[str], None]) -> None:
    if ReviewAssignment.objects.filter(year=CYCLE_YEAR).exists():
        log(f"  {CYCLE_YEAR} reviews and determinations are already there: leaving them as they are.")
        return
    bob = User.objects.filter(email__startswith="bob@").first()
    if bob is None or not AnnualReport.objects.filter(year=CYCLE_YEAR, status=ReportStatus.SUBMITTED).exists():
        log(f"  no submitted {CYCLE_YEAR} reports (or no approver): no reviews to show")
        return
    started = monotonic()
    rng = random.Random(CYCLE_SEED)
    cast = _Cast.find(alice, bob)
    pdf = _demo_pdf()
    # Notices are prepared when someone opens a determination, not 150 renders now.
    with _no_query_log(), transaction.atomic(), documents.on_demand_only():
        assignments = _assign(cast, log)
        parts = _parts(rng, assignments, cast)
        reviews = _reviews(rng, assignments, parts, cast, pdf, log)
        _determinations(rng, reviews, parts, cast, log)
        _objection(parts, reviews, pdf, log)
    log(f"  {CYCLE_YEAR} verification cycle written in {monotonic() - started:.1f} s")


# Assignments


def _assign(cast: _Cast, log) -> list[ReviewAssignment]:
    """alice applies the balanced proposal, with erin's unit swapped to dave's agency so that the
    demo's unit and agency users share the review still under way (the loads stay as even)."""
    proposal = assignment_proposal(year=CYCLE_YEAR)
    chosen = {pair.report.pk: pair.agency.pk for pair in proposal.pairs}
    erin = next((p for p in proposal.pairs if p.report.organisation_id == cast.erin_unit), None)
    if erin is not None and erin.agency.pk != cast.dave_agency and cast.dave_agency in {a.pk for a in erin.eligible}:
        other = next(
            (
                p
                for p in proposal.pairs
                if p.agency.pk == cast.dave_agency
                and p.report.organisation_id not in cast.units
                and erin.agency in p.eligible
            ),
            None,
        )
        if other is not None:
            chosen[erin.report.pk], chosen[other.report.pk] = cast.dave_agency, erin.agency.pk
    if not chosen:
        log(f"  {CYCLE_YEAR} review assignments: none to make ({len(proposal.unassignable)} unassignable)")
        return []
    created = assignments_apply(actor=cast.alice, year=CYCLE_YEAR, pairs=list(chosen.items()))
    ReviewAssignment.objects.filter(pk__in=[a.pk for a in created]).update(assigned_at=_at(*ASSIGNED_AT))
    loads = Counter(a.agency_id for a in created)
    log(
        f"  {CYCLE_YEAR} review assignments: {len(created)} reports to {len(loads)} agencies by alice's balanced "
        f"proposal ({min(loads.values())}-{max(loads.values())} each), due {proposal.due_date}"
        + (f"; {len(proposal.unassignable)} no agency may take" if proposal.unassignable else "")
    )
    return sorted(created, key=lambda a: (a.organisation.name_zh, a.pk))


def _parts(rng: random.Random, assignments: list[ReviewAssignment], cast: _Cast) -> _Parts:
    parts = _Parts()
    at_dave = [a for a in assignments if a.agency_id == cast.dave_agency and a.organisation_id != cast.carol_unit]
    parts.in_progress = next((a for a in at_dave if a.organisation_id == cast.erin_unit), None) or next(
        iter(at_dave), None
    )
    parts.carol = next((a for a in assignments if a.organisation_id == cast.carol_unit), None)
    others = [a for a in assignments if a.organisation_id not in cast.units and a is not parts.in_progress]
    parts.answered = parts.carol or next(iter(others), None)
    others = [a for a in others if a is not parts.answered]
    rng.shuffle(others)
    # The objection, the pending approval and the gap first: a small world still shows each of them.
    parts.objection, parts.pending, parts.gap = (others[:3] + [None] * 3)[:3]
    parts.ready = others[3 : 3 + min(READY_LEFT, max(0, len(others) - 4))]
    return parts


# Technical reviews


def _reviews(rng, assignments, parts: _Parts, cast: _Cast, pdf: bytes, log) -> dict[int, ReviewReport]:
    """Every assignment reviewed and submitted by its agency's staff in April, but dave's draft."""
    staff = _agency_staff({a.agency_id for a in assignments}, cast)
    reviews: dict[int, ReviewReport] = {}
    confirmed = corrected = 0
    for assignment in assignments:
        actor, reviewer = staff.get(assignment.agency_id, (None, None))
        if actor is None:
            continue  # an agency without staff on the portal: its reviews stay to do
        if assignment is parts.in_progress:
            _review_in_progress(assignment, actor, reviewer)
            continue
        submitted = _working_day(rng, REVIEWS_FROM, REVIEWS_TO, hours=(9, 17))
        created = max(submitted - timedelta(days=rng.randint(3, 8)), _at(date(2026, 4, 7), time(9, 0)))
        if assignment is parts.answered:
            created = _answered_request(assignment, actor, cast, pdf)
            submitted = max(submitted, created + timedelta(days=7))
        review = review_start(actor=actor, assignment=assignment)
        if assignment is parts.gap:
            conclusion = _with_gap(rng, actor, review)
        elif assignment is parts.objection:
            conclusion = _corrected(rng, actor, review, category="purchased_electricity", pct=Decimal("3"))
        elif assignment is parts.answered:
            conclusion = _corrected(rng, actor, review, category="fuel_combustion", pct=Decimal("1.5"))
        elif rng.random() < CORRECTED_SHARE:
            conclusion = _corrected(rng, actor, review)
        else:
            conclusion = ReviewConclusion.CONFIRMED
        if conclusion == ReviewConclusion.CONFIRMED and rng.random() < OBSERVATION_SHARE:
            finding_add(actor=actor, review=review, kind=FindingKind.OBSERVATION, description=rng.choice(OBSERVATIONS))
        review_update(
            actor=actor,
            review=review,
            reviewer=reviewer,
            conclusion=conclusion,
            conclusion_text=CONFIRMED_TEXT if conclusion == ReviewConclusion.CONFIRMED else CORRECTED_TEXT,
            unreported_tco2e=review.unreported_tco2e,
            unreported_note=review.unreported_note,
        )
        review_attach_document(actor=actor, review=review, uploaded_file=_pdf_file(pdf, f"{review.reference}.pdf"))
        review = review_submit(actor=actor, review=review)
        ReviewReport.objects.filter(pk=review.pk).update(created_at=created, submitted_at=submitted)
        review.submitted_at = submitted
        reviews[assignment.pk] = review
        confirmed += conclusion == ReviewConclusion.CONFIRMED
        corrected += conclusion == ReviewConclusion.CORRECTED
    notes = [f"{len(reviews)} submitted in April ({confirmed} confirmed, {corrected} corrected)"]
    if parts.gap:
        notes.append(f"{parts.gap.organisation.name_zh} over the re-examination threshold")
    if parts.in_progress:
        notes.append(f"{parts.in_progress.organisation.name_zh} in progress at {parts.in_progress.agency.name_zh}")
    if parts.answered:
        notes.append(f"{parts.answered.organisation.name_zh} answered its request")
    log(f"  {CYCLE_YEAR} technical reviews: " + "; ".join(notes))
    return reviews


def _agency_staff(agency_ids: set[int], cast: _Cast) -> dict[int, tuple[User, Reviewer | None]]:
    """Who writes each agency's reviews (dave at his agency) and the reviewer row that signs them."""
    found = {}
    for agency_id in agency_ids:
        users = User.objects.filter(
            memberships__organisation_id=agency_id, memberships__role=Role.AGENCY_STAFF, memberships__is_active=True
        ).order_by("email")
        actor = cast.dave if agency_id == cast.dave_agency and cast.dave else users.first()
        if actor is None:
            continue
        reviewers = Reviewer.objects.filter(agency_id=agency_id, is_active=True)
        found[agency_id] = (actor, reviewers.filter(user=actor).first() or reviewers.order_by("pk").first())
    return found


def _lines(review: ReviewReport) -> list[ReportLine]:
    return list(ReportLine.objects.filter(report_id=review.report_id).order_by("facility__code", "id"))


def _changed(line: ReportLine, pct: Decimal) -> Decimal:
    step = Decimal("1") if line.activity_unit == "mwh" else Decimal("0.01")
    amount = (line.activity_amount * (1 + pct / 100)).quantize(step, ROUND_HALF_UP)
    return amount if amount != line.activity_amount else line.activity_amount + step


def _correct_line(actor, review: ReviewReport, line: ReportLine, pct: Decimal) -> Decimal:
    """The reviewed activity of one line, with a misstatement finding of its effect; returns it."""
    review_save_lines(
        actor=actor,
        review=review,
        figures={line.pk: (_changed(line, pct), LINE_NOTES.get(line.category, "按结算凭证核实"))},
    )
    reviewed = ReviewedLine.objects.get(review=review, report_line=line)
    effect = reported_tonnes(reviewed.emissions_tco2e) - line.reported_tco2e
    finding_add(
        actor=actor,
        review=review,
        kind=FindingKind.MISSTATEMENT,
        report_line=line,
        description=f"{line.source_description}的活动数据与结算凭证不符：报告{line.activity_amount.normalize():f}，"
        f"核实为{reviewed.activity_amount.normalize():f}（{line.get_activity_unit_display()}）。",
        effect_tco2e=effect,
    )
    return effect


def _corrected(
    rng: random.Random, actor, review: ReviewReport, *, category: str = "", pct: Decimal | None = None
) -> str:
    """One line's activity changed by a few per cent (the given category's line, if it has one)."""
    lines = _lines(review)
    if not lines:
        return ReviewConclusion.CONFIRMED
    line = next((each for each in lines if each.category == category), None) or rng.choice(lines)
    _correct_line(actor, review, line, pct if pct is not None else Decimal(rng.choice(CHANGES_PCT)))
    return ReviewConclusion.CORRECTED


def _with_gap(rng: random.Random, actor, review: ReviewReport) -> str:
    """A review more than 10% above the report: a source left out, and a line corrected."""
    lines = _lines(review)
    reported = report_totals(review.report).total_tco2e
    if lines:
        _correct_line(actor, review, lines[0], Decimal("2"))
    unreported = (reported * GAP_UNREPORTED).quantize(Decimal("0.001"), ROUND_HALF_UP)
    note = "厂区备用柴油发电机和厂内叉车的柴油消耗未纳入报告，按采购台账核算。"
    review.unreported_tco2e, review.unreported_note = unreported, note
    finding_add(
        actor=actor,
        review=review,
        kind=FindingKind.NON_CONFORMITY,
        description="排放报告遗漏移动源和备用发电机的柴油燃烧排放，不符合核算边界的要求。",
        effect_tco2e=unreported,
    )
    return ReviewConclusion.CORRECTED


def _review_in_progress(assignment: ReviewAssignment, actor, reviewer: Reviewer | None) -> None:
    """dave's draft: the electricity line awaits the December bill he asked the unit for."""
    review = review_start(actor=actor, assignment=assignment)
    electricity = next((line for line in _lines(review) if line.category == "purchased_electricity"), None)
    if electricity is not None:
        review_save_lines(
            actor=actor,
            review=review,
            figures={electricity.pk: (electricity.activity_amount, "待企业提供2025年12月电费结算单后确认")},
        )
    review_update(
        actor=actor,
        review=review,
        reviewer=reviewer,
        conclusion="",
        conclusion_text="",
        unreported_tco2e=Decimal(0),
        unreported_note="",
    )
    ReviewReport.objects.filter(pk=review.pk).update(created_at=_at(date(2026, 4, 22), time(9, 40)))
    asked_on = date(2026, 4, 24)
    info_request = request_open(
        actor=actor,
        assignment=assignment,
        subject="请提供2025年12月外购电力结算单",
        body="报告的外购电量与供电公司年度汇总不一致，差额约为一个月的用电量。请提供2025年12月的电费结算单"
        "和关口电能表抄表记录，以便完成技术审核。",
        today=asked_on,
    )
    _backdate_request(info_request, _at(asked_on, time(11, 5)))


def _answered_request(assignment: ReviewAssignment, actor, cast: _Cast, pdf: bytes) -> datetime:
    """The agency asked about the gas bills on site; the unit answered two days later, with a file.
    Returns when the review was started."""
    asked_on = date(2026, 4, 8)
    info_request = request_open(
        actor=actor,
        assignment=assignment,
        subject="请补充2025年天然气结算账单",
        body="现场核查时未见第四季度的天然气结算账单，请上传2025年10-12月的燃气公司结算账单。",
        today=asked_on,
    )
    unit_staff = (
        cast.carol if assignment.organisation_id == cast.carol_unit else _unit_staff(assignment.organisation_id)
    )
    if unit_staff is not None:
        request_answer(
            actor=unit_staff,
            info_request=info_request,
            body="已上传2025年第四季度的天然气结算账单，请查收。",
            files=[_pdf_file(pdf, "2025年第四季度天然气结算账单.pdf")],
        )
    _backdate_request(info_request, _at(asked_on, time(10, 20)), _at(asked_on + timedelta(days=2), time(15, 5)))
    return _at(asked_on, time(9, 0))


def _backdate_request(info_request, *times: datetime) -> None:
    InformationRequest.objects.filter(pk=info_request.pk).update(opened_at=times[0])
    for message, when in zip(info_request.messages.order_by("id"), times, strict=False):
        InformationMessage.objects.filter(pk=message.pk).update(created_at=when)


def _unit_staff(organisation_id: int) -> User | None:
    return (
        User.objects.filter(
            memberships__organisation_id=organisation_id,
            memberships__role=Role.UNIT_STAFF,
            memberships__is_active=True,
            is_active=True,
        )
        .order_by("pk")
        .first()
    )


# Determinations


def _determinations(rng, reviews: dict[int, ReviewReport], parts: _Parts, cast: _Cast, log) -> None:
    """alice prepares, bob approves: most in May and June, carol's today (her window is open), one
    a few days ago (the unit objects), one still awaiting bob; a few left ready for alice."""
    window = _objection_window()
    left = {a.pk for a in parts.ready}
    pending, carol, objecting = (a.pk if a else None for a in (parts.pending, parts.carol, parts.objection))
    approved = 0
    for assignment_id, review in reviews.items():
        if assignment_id in left:
            continue
        determination = determination_prepare(
            actor=cast.alice,
            organisation=review.report.organisation,
            year=CYCLE_YEAR,
            emissions_tco2e=review.reviewed_total_tco2e,
            reasoning=_reasoning(review),
            basis=DeterminationBasis.REVIEW,
            review=review,
        )
        determination = determination_submit(actor=cast.alice, determination=determination)
        if assignment_id == pending:
            continue  # bob approves it in the demo
        determination = determination_approve(actor=cast.bob, determination=determination)
        approved += 1
        if assignment_id == carol:
            continue  # approved today: carol may object until the deadline the service set
        if assignment_id == objecting:  # a few working days ago: the unit objects today, in its window
            approved_on = _working_days_before(timezone.localdate(), 3)
            prepared_at = _at(_working_days_before(approved_on, 1), time(10, 15))
        else:
            prepared_at = _working_day(rng, DETERMINED_FROM, DETERMINED_TO, hours=(9, 11))
            approved_on = add_working_days(prepared_at.date(), rng.randint(1, 4))
        Determination.objects.filter(pk=determination.pk).update(
            prepared_at=prepared_at,
            submitted_at=prepared_at + timedelta(hours=2),
            approved_at=_at(approved_on, time(rng.randint(14, 16), rng.randint(0, 59))),
            objection_deadline=add_working_days(approved_on, window),
        )
    counts = year_determinations(CYCLE_YEAR).counts
    carols = Determination.objects.filter(organisation_id=cast.carol_unit, year=CYCLE_YEAR, status="approved").first()
    log(
        f"  {CYCLE_YEAR} determinations: {approved} approved by bob on alice's preparation, {counts['pending']} "
        f"awaiting bob's approval, {counts['ready']} ready to determine, {counts['estimate']} without a report left "
        f"to estimate, {counts['flagged']} flagged for re-examination"
        + (f"; carol's unit may object until {carols.objection_deadline}" if carols else "")
    )


def _reasoning(review: ReviewReport) -> str:
    basis = f"依据年度排放报告（{review.report.reference}）和技术审核报告（{review.reference}）核定"
    if review.conclusion == ReviewConclusion.CONFIRMED:
        return basis + "，技术审核确认报告数据。"
    return basis + "，采用技术审核核实后的数据。"


def _objection_window() -> int:
    found = year_settings(CYCLE_YEAR)
    if found is not None:
        return found.objection_window_working_days
    return YearSettings._meta.get_field("objection_window_working_days").default


# The objection


def _objection(parts: _Parts, reviews: dict[int, ReviewReport], pdf: bytes, log) -> None:
    """A unit whose review raised its electricity objects, with a summary of its sub-meters."""
    assignment = parts.objection
    determination = (
        Determination.objects.filter(organisation_id=assignment.organisation_id, year=CYCLE_YEAR, status="approved")
        .select_related("organisation")
        .first()
        if assignment
        else None
    )
    filer = _unit_staff(assignment.organisation_id) if assignment else None
    if determination is None or filer is None:
        log("  objections: none filed")
        return
    reported = report_totals(reviews[assignment.pk].report).total_tco2e
    objection_file(
        actor=filer,
        determination=determination,
        reasons="技术服务机构依据供电公司结算单核增了外购电量，但结算单包含厂区内出租给另一独立法人的车间的用电量，"
        "应按分户电表读数扣除。请按我单位报告的排放量核定。附分户电表2025年读数汇总。",
        claimed_tco2e=reported,
        files=[_pdf_file(pdf, "2025年分户电表读数汇总.pdf")],
    )
    log(f"  objections: {determination.organisation.name_zh} objected to {determination.reference}, awaiting alice")


# Helpers


@contextmanager
def _no_query_log():
    """The demo runs with DEBUG, which logs every query and, on SQLite, quotes each one's parameters
    with a second query: a third of this step's time. Nothing reads that log while seeding."""
    debug = settings.DEBUG
    settings.DEBUG = False
    try:
        yield
    finally:
        settings.DEBUG = debug


def _demo_pdf() -> bytes:
    """One small PDF for every review and attachment (stored once: files are kept by their hash).
    Without WeasyPrint's fonts or Pango, a bare one-page PDF does as well."""
    try:
        from carbon_portal.pdf import html_to_pdf

        return html_to_pdf(DEMO_PDF_HTML)
    except (ImportError, OSError, RuntimeError):
        return _bare_pdf()


def _bare_pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def _pdf_file(pdf: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf, content_type="application/pdf")


def _at(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


def _working_days_before(day: date, days: int) -> date:
    while days > 0:
        day -= timedelta(days=1)
        days -= is_working_day(day)
    return day


def _working_day(rng: random.Random, first: date, last: date, *, hours: tuple[int, int]) -> datetime:
    """A moment in office hours (`hours`: the first and last hour) on a working day from `first` to `last`."""
    day = first + timedelta(days=rng.randint(0, (last - first).days))
    while not is_working_day(day) and day > first:
        day -= timedelta(days=1)
    return _at(day, time(rng.randint(*hours), rng.randint(0, 59)))
