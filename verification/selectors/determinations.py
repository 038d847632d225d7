"""Reads for the bureau's determination of a unit's emissions for a year (Art. 18-20): the report
and its technical review side by side with the difference per line, the re-examination triggers,
the conservative estimate for a unit that filed no report, the year's list and the unit's page.

Every page runs a fixed number of queries, whatever the number of units or lines.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carbon_portal.formatting import format_tco2e
from carbon_portal.models import GeneratedDocument
from carbon_portal.permissions import is_bureau, organisation_ids_of
from carbon_portal.roles import Role
from registry.models import EmissionRecord, Organisation
from registry.selectors import year_settings
from reporting import selectors as report_selectors
from reporting.calculation import reported_tonnes
from reporting.choices import EmissionCategory, ReportStatus
from reporting.models import AnnualReport
from reporting.selectors.monthly import projections
from reporting.selectors.overview import report_overview

from ..choices import (
    AssignmentKind,
    DeterminationBasis,
    DeterminationStatus,
    ReexamStatus,
    ReexamTrigger,
    ReviewStatus,
)
from ..documents import NOTICE_KIND
from ..models import IN_FORCE as ASSIGNMENT_IN_FORCE
from ..models import Determination, ReExamination, ReviewAssignment, ReviewedLine, ReviewReport
from .triggers import Flag, flags, previous_year_tco2e, report_vs_review_flag, year_on_year_flag

OPEN = [DeterminationStatus.DRAFT, DeterminationStatus.PENDING]
ISSUED = [DeterminationStatus.APPROVED, DeterminationStatus.SUPERSEDED]
# A unit that filed nothing is estimated from its highest recent figure, raised by this share.
ESTIMATE_UPLIFT_PCT = Decimal(10)
ESTIMATE_YEARS_BACK = 3
UNREPORTED = "unreported"  # the category of the review's row for sources the report left out


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


@dataclass(frozen=True)
class FlagItem:
    label: str
    message: str


def labelled(found: list[Flag]) -> list[FlagItem]:
    """Flags as pages show them: the trigger's label and the message."""
    return [FlagItem(str(ReexamTrigger(flag.trigger).label), flag.message) for flag in found]


# The comparison of report and review, line by line


@dataclass
class LineComparison:
    """One source line: the reported figure, the reviewed one, and the difference (tCO2e)."""

    facility: str
    facility_name: str
    source: str
    category: str
    gas: str
    is_biomass: bool
    reported_tco2e: Decimal | None
    reviewed_tco2e: Decimal | None

    @property
    def difference_tco2e(self) -> Decimal | None:
        if self.reviewed_tco2e is None:
            return None
        return self.reviewed_tco2e - (self.reported_tco2e or Decimal(0))

    @property
    def category_label(self) -> str:
        if self.category == UNREPORTED:
            return _("Sources the report left out")
        return str(dict(EmissionCategory.choices).get(self.category, self.category))

    def as_json(self) -> dict:
        return {
            "facility": self.facility,
            "facility_name": self.facility_name,
            "source": self.source,
            "category": self.category,
            "gas": self.gas,
            "is_biomass": self.is_biomass,
            "reported_tco2e": _text(self.reported_tco2e),
            "reviewed_tco2e": _text(self.reviewed_tco2e),
            "difference_tco2e": _text(self.difference_tco2e),
        }

    @classmethod
    def from_json(cls, data: dict) -> "LineComparison":
        return cls(
            data.get("facility", ""),
            data.get("facility_name", ""),
            data.get("source", ""),
            data.get("category", ""),
            data.get("gas", ""),
            bool(data.get("is_biomass")),
            _decimal(data.get("reported_tco2e")),
            _decimal(data.get("reviewed_tco2e")),
        )


@dataclass
class Comparison:
    lines: list[LineComparison]
    reported_tco2e: Decimal | None  # the report's total, biomass CO2 excluded
    reviewed_tco2e: Decimal | None  # the review's frozen total

    @property
    def difference_tco2e(self) -> Decimal | None:
        if self.reported_tco2e is None or self.reviewed_tco2e is None:
            return None
        return self.reviewed_tco2e - self.reported_tco2e


def compare(report: AnnualReport | None, review: ReviewReport | None) -> Comparison:
    """The report's lines with the review's figure of each, in two queries. The review's sources
    the report left out come last, as one row."""
    lines = list(report_selectors.report_lines(report)) if report else []
    reviewed = {}
    if review is not None:
        reviewed = {row.report_line_id: row for row in ReviewedLine.objects.filter(review=review)}
    rows = [
        LineComparison(
            line.facility.code,
            line.facility.name_zh,
            line.source_description,
            line.category,
            line.gas,
            line.is_biomass,
            line.reported_tco2e,
            reported_tonnes(reviewed[line.pk].emissions_tco2e) if line.pk in reviewed else None,
        )
        for line in lines
    ]
    if review is not None and review.unreported_tco2e:
        source = review.unreported_note or _("Sources found in the review")
        rows.append(LineComparison("", "", source, UNREPORTED, "", False, None, review.unreported_tco2e))
    reported = report_selectors.report_totals(report, lines).total_tco2e if report else None
    return Comparison(rows, reported, review.reviewed_total_tco2e if review else None)


def frozen_comparison(determination: Determination) -> Comparison:
    """The lines and totals as they stood when the determination was prepared."""
    figures = determination.figures or {}
    return Comparison(
        [LineComparison.from_json(row) for row in figures.get("lines", [])],
        _decimal(figures.get("reported_tco2e")),
        _decimal(figures.get("reviewed_tco2e")),
    )


def frozen_figures(
    *,
    organisation_id: int,
    year: int,
    report: AnnualReport | None,
    review: ReviewReport | None,
    emissions_tco2e: Decimal,
    extra: dict | None = None,
) -> dict:
    """The figures a determination keeps (`triggers.determination_flags` reads the two totals)."""
    comparison = compare(report, review)
    reviewed = comparison.reviewed_tco2e if comparison.reviewed_tco2e is not None else emissions_tco2e
    found = flags(
        organisation_id=organisation_id, year=year, reported_tco2e=comparison.reported_tco2e, reviewed_tco2e=reviewed
    )
    return {
        "reported_tco2e": _text(comparison.reported_tco2e),
        "reviewed_tco2e": _text(comparison.reviewed_tco2e),
        "lines": [line.as_json() for line in comparison.lines],
        "previous_year_tco2e": _text(previous_year_tco2e(organisation_id, year)),
        "flags": [{"trigger": str(flag.trigger), "message": flag.message} for flag in found],
    } | (extra or {})


# What a determination rests on


def submitted_report(organisation_id: int, year: int) -> AnnualReport | None:
    """The unit's report in force for the year (a correction supersedes the version it corrects)."""
    return (
        AnnualReport.objects.filter(organisation_id=organisation_id, year=year, status=ReportStatus.SUBMITTED)
        .select_related("organisation")
        .first()
    )


def current_assignment(organisation_id: int, year: int) -> ReviewAssignment | None:
    return (
        ReviewAssignment.objects.filter(
            organisation_id=organisation_id, year=year, kind=AssignmentKind.REVIEW, status__in=ASSIGNMENT_IN_FORCE
        )
        .select_related("agency")
        .first()
    )


def current_review(organisation_id: int, year: int) -> ReviewReport | None:
    """The submitted review of the assignment in force for the unit's year, if any."""
    return (
        ReviewReport.objects.filter(
            status=ReviewStatus.SUBMITTED,
            assignment__organisation_id=organisation_id,
            assignment__year=year,
            assignment__kind=AssignmentKind.REVIEW,
            assignment__status__in=ASSIGNMENT_IN_FORCE,
        )
        .select_related("assignment__agency", "report__organisation")
        .first()
    )


def reexamination_review(reexamination: ReExamination) -> ReviewReport | None:
    """The submitted review of the re-examination's assignment in force."""
    return (
        ReviewReport.objects.filter(
            status=ReviewStatus.SUBMITTED,
            assignment__reexamination=reexamination,
            assignment__kind=AssignmentKind.REEXAMINATION,
            assignment__status__in=ASSIGNMENT_IN_FORCE,
        )
        .select_related("assignment__agency", "report__organisation")
        .first()
    )


def reviewed_reexamination(organisation_id: int, year: int) -> ReExamination | None:
    """A re-examination of the unit's year whose report is in: its result is to be determined."""
    return (
        ReExamination.objects.filter(
            determination__organisation_id=organisation_id, determination__year=year, status=ReexamStatus.REVIEWED
        )
        .select_related("determination", "objection")
        .first()
    )


# The conservative estimate (Art. 18 ¶1)


@dataclass(frozen=True)
class EstimateFigure:
    year: int
    tco2e: Decimal
    source: str


@dataclass
class Estimate:
    """The suggested figure for a unit that filed no report, and the figures it comes from."""

    figures: list[EstimateFigure]
    suggested_tco2e: Decimal | None  # None when nothing is on record: the bureau must find a method
    method: str


def _past_figures(organisation_id: int, year: int) -> list[EstimateFigure]:
    years = range(year - ESTIMATE_YEARS_BACK, year)
    determined = dict(
        Determination.objects.filter(
            organisation_id=organisation_id, year__in=list(years), status=DeterminationStatus.APPROVED
        ).values_list("year", "emissions_tco2e")
    )
    records = {
        record.year: record
        for record in EmissionRecord.objects.filter(organisation_id=organisation_id, year__in=list(years))
    }
    found = []
    for past in years:
        if past in determined:
            found.append(EstimateFigure(past, determined[past], _("determined by the bureau")))
        elif past in records:
            found.append(EstimateFigure(past, records[past].emissions_tco2e, records[past].get_source_display()))
    return found


def conservative_estimate(organisation_id: int, year: int) -> Estimate:
    """The highest of the unit's figures for the three years before (the determination in force,
    else the figure on record) and of the projection of its monthly data for the year, raised by
    10%, with a method text that lists the figures used."""
    figures = _past_figures(organisation_id, year)
    projected = projections(year, [organisation_id])[organisation_id]
    if projected.projected_tco2e is not None:
        source = _("projection from %(n)s months of monthly data") % {"n": projected.months_covered}
        figures.append(EstimateFigure(year, projected.projected_tco2e, source))
    if not figures:
        return Estimate([], None, "")
    highest = max(figure.tco2e for figure in figures)
    suggested = reported_tonnes(highest * (100 + ESTIMATE_UPLIFT_PCT) / 100)
    listed = "\n".join(f"- {figure.year}: {format_tco2e(figure.tco2e)} tCO2e ({figure.source})" for figure in figures)
    method = _(
        "Conservative estimate (Art. 18): the highest of the unit's figures below, raised by %(pct)s%%.\n"
        "%(figures)s\nHighest: %(highest)s tCO2e; raised by %(pct)s%%: %(suggested)s tCO2e."
    ) % {
        "pct": ESTIMATE_UPLIFT_PCT,
        "figures": listed,
        "highest": format_tco2e(highest),
        "suggested": format_tco2e(suggested),
    }
    return Estimate(figures, suggested, method)


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
