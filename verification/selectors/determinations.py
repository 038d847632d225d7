"""Reads for the bureau's determination of a unit's emissions for a year (Art. 18-20): the unit's
workspace (the report and its technical review side by side with the difference per line, in
line_comparison; what the determination rests on, in determination_basis; the conservative
estimate for a unit that filed no report, in estimates), the re-examination triggers, the year's
list and the unit's page.

Every page runs a fixed number of queries, whatever the number of units or lines.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from carbon_portal.models import GeneratedDocument
from carbon_portal.permissions import is_bureau, organisation_ids_of
from carbon_portal.roles import Role
from registry.models import EmissionRecord, Organisation
from registry.selectors import year_settings
from reporting.choices import ReportStatus
from reporting.models import AnnualReport
from reporting.selectors.overview import report_overview

from ..choices import AssignmentKind, DeterminationBasis, DeterminationStatus, ReexamStatus, ReexamTrigger, ReviewStatus
from ..documents import NOTICE_KIND
from ..models import IN_FORCE as ASSIGNMENT_IN_FORCE
from ..models import Determination, ReExamination, ReviewAssignment, ReviewReport

# Moved to their own modules; the determination pages, services and documents read them here too.
from .determination_basis import (
    current_assignment,
    current_review,
    reexamination_review,
    reviewed_reexamination,
    submitted_report,
)
from .estimates import ESTIMATE_UPLIFT_PCT, ESTIMATE_YEARS_BACK, Estimate, EstimateFigure, conservative_estimate  # noqa: F401
from .line_comparison import UNREPORTED, Comparison, LineComparison, compare, frozen_comparison, frozen_figures  # noqa: F401
from .triggers import Flag, flags, previous_year_tco2e, report_vs_review_flag, year_on_year_flag

OPEN = [DeterminationStatus.DRAFT, DeterminationStatus.PENDING]
ISSUED = [DeterminationStatus.APPROVED, DeterminationStatus.SUPERSEDED]


@dataclass(frozen=True)
class FlagItem:
    label: str
    message: str


def labelled(found: list[Flag]) -> list[FlagItem]:
    """Flags as pages show them: the trigger's label and the message."""
    return [FlagItem(str(ReexamTrigger(flag.trigger).label), flag.message) for flag in found]


# One unit's year: the workspace


@dataclass
class SideBySide:
    """Everything the bureau sees to determine a unit's year."""

    organisation: Organisation
    year: int
    report: AnnualReport | None  # the submitted report in force
    assignment: ReviewAssignment | None  # the review assignment in force
    review: ReviewReport | None  # its submitted review
    reexamination: ReExamination | None  # a re-examination whose review is in
    reexamination_review: ReviewReport | None
    comparison: Comparison
    previous_tco2e: Decimal | None
    flags: list[Flag]
    history: list[Determination]
    estimate: Estimate | None = None  # only when no report was submitted

    @property
    def basis_review(self) -> ReviewReport | None:
        return self.reexamination_review or self.review

    @property
    def review_is_of_current_report(self) -> bool:
        return self.review is not None and self.report is not None and self.review.report_id == self.report.pk

    @property
    def open(self) -> Determination | None:
        return next((d for d in self.history if d.status in OPEN), None)

    @property
    def in_force(self) -> Determination | None:
        return next((d for d in self.history if d.status == DeterminationStatus.APPROVED), None)

    @property
    def available_bases(self) -> list[str]:
        """The bases a new determination (or the open draft) may rest on now."""
        if self.reexamination_review is not None:
            return [DeterminationBasis.REEXAMINATION]
        if self.in_force is not None:
            return []  # only a re-examination replaces a determination in force (Art. 20)
        if self.report is None:
            return [DeterminationBasis.ESTIMATE]
        return [DeterminationBasis.REVIEW] if self.review_is_of_current_report else []

    @property
    def suggested_tco2e(self) -> Decimal | None:
        if self.report is None:
            return self.estimate.suggested_tco2e if self.estimate else None
        return self.comparison.reviewed_tco2e


def determination_history(organisation_id: int, year: int) -> list[Determination]:
    """Every determination of the unit's year, newest first: superseded ones stay on record."""
    rows = list(
        Determination.objects.filter(organisation_id=organisation_id, year=year)
        .select_related("organisation", "prepared_by", "approved_by", "replaces", "review", "reexamination")
        .order_by("-prepared_at", "-pk")
    )
    notices = ready_notices([d.pk for d in rows])
    pending = pending_notices([d.pk for d in rows])
    for row in rows:
        row.notice = notices.get(row.pk)
        row.notice_pending = row.pk in pending
    return rows


def side_by_side(organisation: Organisation, year: int) -> SideBySide:
    report = submitted_report(organisation.pk, year)
    review = current_review(organisation.pk, year)
    reexam = reviewed_reexamination(organisation.pk, year)
    reexam_review = reexamination_review(reexam) if reexam else None
    basis = reexam_review or review
    comparison = compare(basis.report if basis else report, basis)
    reviewed = comparison.reviewed_tco2e
    found = flags(
        organisation_id=organisation.pk, year=year, reported_tco2e=comparison.reported_tco2e, reviewed_tco2e=reviewed
    )
    return SideBySide(
        organisation=organisation,
        year=year,
        report=report,
        assignment=current_assignment(organisation.pk, year),
        review=review,
        reexamination=reexam,
        reexamination_review=reexam_review,
        comparison=comparison,
        previous_tco2e=previous_year_tco2e(organisation.pk, year),
        flags=found,
        history=determination_history(organisation.pk, year),
        estimate=conservative_estimate(organisation.pk, year) if report is None else None,
    )


# The year's list (bureau)

AWAITING_REVIEW = "awaiting_review"
READY = "ready"
ESTIMATE = "estimate"
REEXAMINATION = "reexamination"
DRAFT = "draft"
PENDING = "pending"
IN_FORCE = "in_force"
FLAGGED = "flagged"
STATES = [
    (AWAITING_REVIEW, gettext_lazy("Awaiting the technical review")),
    (READY, gettext_lazy("Ready to determine")),
    (ESTIMATE, gettext_lazy("No report (estimate)")),
    (REEXAMINATION, gettext_lazy("Re-examination to determine")),
    (DRAFT, gettext_lazy("Being prepared")),
    (PENDING, gettext_lazy("Awaiting approval")),
    (IN_FORCE, gettext_lazy("In force")),
]
FILTERS = [*STATES, (FLAGGED, gettext_lazy("Re-examination trigger flagged"))]


@dataclass
class DeterminationRow:
    """A unit required to report for the year, and where its determination stands."""

    organisation: Organisation
    category: str
    report_state: str  # the overview's: not started, draft or submitted
    report: AnnualReport | None  # the current version (submitted or draft)
    reported_tco2e: Decimal | None  # the submitted report's total
    review: ReviewReport | None
    in_force: Determination | None
    open: Determination | None
    reexamination: ReExamination | None
    flags: list[Flag] = field(default_factory=list)

    @property
    def state(self) -> str:
        if self.open is not None:
            return PENDING if self.open.status == DeterminationStatus.PENDING else DRAFT
        if self.reexamination is not None:
            return REEXAMINATION
        if self.in_force is not None:
            return IN_FORCE
        if self.report_state != ReportStatus.SUBMITTED:
            return ESTIMATE
        return READY if self.review is not None else AWAITING_REVIEW

    @property
    def state_label(self) -> str:
        return str(dict(STATES)[self.state])

    @property
    def flag_items(self) -> list[FlagItem]:
        return labelled(self.flags)

    @property
    def shown(self) -> Determination | None:
        """The determination the row links to: the open one, else the one in force."""
        return self.open or self.in_force

    def has(self, state: str) -> bool:
        return bool(self.flags) if state == FLAGGED else self.state == state


@dataclass
class YearDeterminations:
    year: int
    rows: list[DeterminationRow]  # those the filters select
    counts: dict[str, int]  # per state and flagged, before the state filter
    total: int

    def count_items(self) -> list[tuple[str, str, int]]:
        return [(value, str(label), self.counts.get(value, 0)) for value, label in FILTERS]


def _previous(year: int, organisation_ids: list[int]) -> dict[int, Decimal]:
    """Last year's figure per unit: the determination in force, else the figure on record."""
    found = dict(
        EmissionRecord.objects.filter(year=year - 1, organisation_id__in=organisation_ids).values_list(
            "organisation_id", "emissions_tco2e"
        )
    )
    found.update(
        Determination.objects.filter(
            year=year - 1, organisation_id__in=organisation_ids, status=DeterminationStatus.APPROVED
        ).values_list("organisation_id", "emissions_tco2e")
    )
    return found


def _row_flags(row: DeterminationRow, previous: Decimal | None, settings) -> list[Flag]:
    if settings is None:
        return []
    reviewed = row.review.reviewed_total_tco2e if row.review else None
    found = [report_vs_review_flag(row.reported_tco2e, reviewed, settings)]
    current = reviewed if reviewed is not None else row.reported_tco2e
    if current is not None:
        found.append(year_on_year_flag(current, previous, settings))
    return [flag for flag in found if flag]


def year_determinations(
    year: int, *, q: str = "", category: str = "", district: str = "", industry: str = "", state: str = ""
) -> YearDeterminations:
    """Every unit required to report for `year` (the published list, as the reports overview reads
    it), with its report, review, determination and flags, in a fixed number of queries."""
    overview = report_overview(year=year, q=q, category=category, district=district, industry=industry)
    ids = [row.organisation.pk for row in overview.rows]
    reviews = {
        review.assignment.organisation_id: review
        for review in ReviewReport.objects.filter(
            status=ReviewStatus.SUBMITTED,
            assignment__year=year,
            assignment__kind=AssignmentKind.REVIEW,
            assignment__status__in=ASSIGNMENT_IN_FORCE,
            assignment__organisation_id__in=ids,
        ).select_related("assignment")
    }
    in_force, open_ = {}, {}
    for determination in Determination.objects.filter(
        year=year, organisation_id__in=ids, status__in=[*OPEN, DeterminationStatus.APPROVED]
    ).select_related("prepared_by"):
        (open_ if determination.status in OPEN else in_force)[determination.organisation_id] = determination
    reexams = {
        reexam.determination.organisation_id: reexam
        for reexam in ReExamination.objects.filter(
            status=ReexamStatus.REVIEWED, determination__year=year, determination__organisation_id__in=ids
        ).select_related("determination")
    }
    previous = _previous(year, ids)
    settings = year_settings(year)
    rows = []
    for entry in overview.rows:
        org_id = entry.organisation.pk
        submitted = entry.state == ReportStatus.SUBMITTED
        row = DeterminationRow(
            organisation=entry.organisation,
            category=entry.category,
            report_state=entry.state,
            report=entry.filing,
            reported_tco2e=entry.total_tco2e if submitted else None,
            review=reviews.get(org_id),
            in_force=in_force.get(org_id),
            open=open_.get(org_id),
            reexamination=reexams.get(org_id),
        )
        row.flags = _row_flags(row, previous.get(org_id), settings)
        rows.append(row)
    counts = {value: sum(1 for row in rows if row.has(value)) for value, _label in FILTERS}
    selected = [row for row in rows if row.has(state)] if state else rows
    return YearDeterminations(year, selected, counts, len(rows))


# Notices and the unit's page


def ready_notices(determination_ids: list[int]) -> dict[int, GeneratedDocument]:
    """The newest ready notice PDF of each determination, in one query."""
    if not determination_ids:
        return {}
    found: dict[int, GeneratedDocument] = {}
    documents = GeneratedDocument.objects.filter(
        target_type=ContentType.objects.get_for_model(Determination),
        target_id__in=[str(pk) for pk in determination_ids],
        kind=NOTICE_KIND,
        status=GeneratedDocument.Status.READY,
    ).order_by("-created_at", "-id")
    for document in documents:
        found.setdefault(int(document.target_id), document)
    return found


def pending_notices(determination_ids: list[int]) -> set[int]:
    """The determinations whose notice is being prepared now (requested, not ready or failed)."""
    if not determination_ids:
        return set()
    return {
        int(target_id)
        for target_id in GeneratedDocument.objects.filter(
            target_type=ContentType.objects.get_for_model(Determination),
            target_id__in=[str(pk) for pk in determination_ids],
            kind=NOTICE_KIND,
            status=GeneratedDocument.Status.PENDING,
        ).values_list("target_id", flat=True)
    }


@dataclass
class UnitDetermination:
    determination: Determination
    notice: GeneratedDocument | None
    today: date
    notice_pending: bool = False

    @property
    def objection_open(self) -> bool:
        """While the window runs, the unit may object to the determination in force (Art. 20)."""
        d = self.determination
        return bool(
            d.status == DeterminationStatus.APPROVED and d.objection_deadline and self.today <= d.objection_deadline
        )


def unit_determinations(user, *, today: date | None = None) -> list[UnitDetermination]:
    """The determinations issued to the user's units, superseded ones included, newest year first."""
    today = today or timezone.localdate()
    rows = list(
        Determination.objects.filter(organisation_id__in=organisation_ids_of(user, Role.UNIT_STAFF), status__in=ISSUED)
        .select_related("organisation", "approved_by", "replaces")
        .order_by("-year", "organisation__name_zh", "-approved_at", "-pk")
    )
    notices = ready_notices([d.pk for d in rows])
    pending = pending_notices([d.pk for d in rows])
    return [UnitDetermination(d, notices.get(d.pk), today, d.pk in pending) for d in rows]


def determinations_for(user) -> QuerySet[Determination]:
    """All for the bureau; a unit's staff the determinations issued to their unit; nobody else any."""
    if is_bureau(user):
        return Determination.objects.all()
    return Determination.objects.filter(
        organisation_id__in=organisation_ids_of(user, Role.UNIT_STAFF), status__in=ISSUED
    )
