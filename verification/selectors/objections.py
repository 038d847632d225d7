"""Reads for objections and re-examinations (Art. 20): the bureau's lists, the unit's own
objections, the agencies that may re-examine a unit's year, and a unit-year's determinations."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carbon_portal.permissions import organisation_ids_of
from carbon_portal.roles import Role
from registry.models import EmissionRecord
from registry.selectors import year_settings
from reporting.selectors.access import agencies_that_compiled

from ..choices import AssignmentKind, AssignmentStatus, DeterminationStatus, ObjectionStatus, ReexamStatus
from ..models import IN_FORCE, AgencyUnitLink, Determination, Objection, ObjectionFile, ReExamination, ReviewAssignment
from . import agency_loads, ineligibility, reviewing_agencies
from .assignments import AgencyOption
from .triggers import Flag, report_vs_review_flag, year_on_year_flag

# Objections the bureau still has to decide (the re-examination's determination decides the second).
UNDECIDED = (ObjectionStatus.FILED, ObjectionStatus.REEXAMINING)
OPEN_REEXAM = (ReexamStatus.OPEN, ReexamStatus.REVIEWED)

# What the re-examination list shows of where each one stands.
AWAITING_AGENCY, WITH_AGENCY, REVIEWED, DECIDED, CANCELLED = "awaiting", "agency", "reviewed", "decided", "cancelled"
REEXAM_STATES = [
    (AWAITING_AGENCY, gettext_lazy("Awaiting an agency")),
    (WITH_AGENCY, gettext_lazy("With the agency")),
    (REVIEWED, gettext_lazy("Re-examination report received")),
    (DECIDED, gettext_lazy("Decided")),
    (CANCELLED, gettext_lazy("Cancelled")),
]


# -- objections --


@dataclass(frozen=True)
class ObjectionRow:
    objection: Objection
    is_overdue: bool


def _objections() -> QuerySet[Objection]:
    return (
        Objection.objects.select_related("determination__organisation", "filed_by", "decided_by", "reexamination")
        .prefetch_related(Prefetch("files", queryset=ObjectionFile.objects.order_by("id")))
        .order_by("-filed_at", "-pk")
    )


def is_overdue(objection: Objection, today: date) -> bool:
    return objection.status in UNDECIDED and today > objection.decision_due_date


def bureau_objections(year: int, *, status: str = "", today: date | None = None) -> list[ObjectionRow]:
    """The objections to determinations of `year`, newest first, in a fixed number of queries."""
    today = today or timezone.localdate()
    found = _objections().filter(determination__year=year)
    if status:
        found = found.filter(status=status)
    return [ObjectionRow(objection, is_overdue(objection, today)) for objection in found]


def objection_counts(year: int) -> dict[str, int]:
    counts = dict.fromkeys(ObjectionStatus.values, 0)
    for value in Objection.objects.filter(determination__year=year).values_list("status", flat=True):
        counts[value] += 1
    return counts


def unit_objections(user) -> QuerySet[Objection]:
    """The objections of the user's own units, nothing else."""
    return _objections().filter(determination__organisation_id__in=organisation_ids_of(user, Role.UNIT_STAFF))


def unit_objection_rows(user, today: date | None = None) -> list[ObjectionRow]:
    today = today or timezone.localdate()
    return [ObjectionRow(objection, is_overdue(objection, today)) for objection in unit_objections(user)]


def open_to_objection(user, today: date | None = None) -> QuerySet[Determination]:
    """The user's units' determinations in force whose window is still open and not yet objected to."""
    today = today or timezone.localdate()
    return (
        Determination.objects.filter(
            organisation_id__in=organisation_ids_of(user, Role.UNIT_STAFF),
            status=DeterminationStatus.APPROVED,
            objection_deadline__gte=today,
            objections__isnull=True,
        )
        .select_related("organisation")
        .order_by("objection_deadline", "pk")
    )


def objection_for_bureau(pk: int) -> Objection | None:
    return _objections().filter(pk=pk).first()


def objection_for_unit(user, pk: int) -> Objection | None:
    return unit_objections(user).filter(pk=pk).first()


def objectable_determination(user, pk: int) -> Determination | None:
    """A determination of the user's own unit that has been notified (approved, or superseded since)."""
    return (
        Determination.objects.select_related("organisation")
        .filter(
            pk=pk,
            organisation_id__in=organisation_ids_of(user, Role.UNIT_STAFF),
            status__in=[DeterminationStatus.APPROVED, DeterminationStatus.SUPERSEDED],
        )
        .first()
    )


# -- re-examinations --


@dataclass(frozen=True)
class ReexamRow:
    reexamination: ReExamination
    assignment: ReviewAssignment | None  # the one in force
    state: str
    is_overdue: bool

    @property
    def state_label(self) -> str:
        return dict(REEXAM_STATES)[self.state]


def _reexaminations() -> QuerySet[ReExamination]:
    in_force = (
        ReviewAssignment.objects.filter(kind=AssignmentKind.REEXAMINATION, status__in=IN_FORCE)
        .select_related("agency")
        .order_by("-assigned_at")
    )
    return ReExamination.objects.select_related(
        "determination__organisation", "objection", "opened_by", "result"
    ).prefetch_related(Prefetch("assignments", queryset=in_force, to_attr="in_force"))


def _state(reexam: ReExamination, assignment: ReviewAssignment | None) -> str:
    if reexam.status == ReexamStatus.OPEN:
        return WITH_AGENCY if assignment else AWAITING_AGENCY
    return {ReexamStatus.REVIEWED: REVIEWED, ReexamStatus.DECIDED: DECIDED}.get(reexam.status, CANCELLED)


def reexam_row(reexam: ReExamination, today: date | None = None) -> ReexamRow:
    today = today or timezone.localdate()
    in_force = getattr(reexam, "in_force", None)
    if in_force is None:
        in_force = list(
            reexam.assignments.filter(status__in=IN_FORCE).select_related("agency").order_by("-assigned_at")
        )
    assignment = in_force[0] if in_force else None
    overdue = (
        reexam.status == ReexamStatus.OPEN
        and assignment is not None
        and assignment.status == AssignmentStatus.ASSIGNED
        and today > assignment.due_date
    )
    return ReexamRow(reexam, assignment, _state(reexam, assignment), overdue)


def bureau_reexaminations(year: int, *, state: str = "", today: date | None = None) -> list[ReexamRow]:
    """The re-examinations of `year`'s determinations, newest first, in a fixed number of queries."""
    today = today or timezone.localdate()
    found = _reexaminations().filter(determination__year=year).order_by("-opened_at", "-pk")
    rows = [reexam_row(reexam, today) for reexam in found]
    return [row for row in rows if row.state == state] if state else rows


def reexamination_for_bureau(pk: int) -> ReExamination | None:
    return _reexaminations().filter(pk=pk).first()


def open_reexamination(determination: Determination) -> ReExamination | None:
    return ReExamination.objects.filter(determination=determination, status__in=OPEN_REEXAM).first()


def determination_history(organisation_id: int, year: int) -> list[Determination]:
    """Every determination of the unit's year, oldest first: the figure first decided and each one a
    re-examination put in its place, so the page shows both figures and how one replaced the other."""
    return list(
        Determination.objects.filter(organisation_id=organisation_id, year=year)
        .select_related("prepared_by", "approved_by", "reexamination", "replaces")
        .order_by("prepared_at", "pk")
    )


# -- a different agency (Art. 19, 20) --


def prior_reviewers(organisation_id: int, year: int) -> dict[int, ReviewAssignment]:
    """Agencies that were assigned the unit's review or a re-examination of the year, with the first
    such assignment: a re-examination goes to an agency other than all of them."""
    found = {}
    for assignment in ReviewAssignment.objects.filter(organisation_id=organisation_id, year=year).order_by(
        "assigned_at", "pk"
    ):
        found.setdefault(assignment.agency_id, assignment)
    return found


def prior_reviewer_reason(agency, assignment: ReviewAssignment) -> str:
    if assignment.kind == AssignmentKind.REEXAMINATION:
        text = _(
            "%(agency)s was assigned a re-examination of this unit's %(year)s report on %(date)s: a "
            "re-examination goes to a different agency (Art. 20)."
        )
    else:
        text = _(
            "%(agency)s was assigned the technical review of this unit's %(year)s report on %(date)s: a "
            "re-examination goes to a different agency (Art. 20)."
        )
    return text % {
        "agency": agency.name,
        "year": assignment.year,
        "date": timezone.localtime(assignment.assigned_at).date().isoformat(),
    }


def reexam_ineligibility(agency, organisation_id: int, year: int, *, compiled=None, links=None, prior=None) -> list:
    """Why `agency` may not re-examine the unit's year: the Art. 19 rule and the different-agency rule."""
    reasons = ineligibility(agency, organisation_id, year, compiled=compiled, links=links)
    prior = prior_reviewers(organisation_id, year) if prior is None else prior
    if agency.pk in prior:
        reasons.append(prior_reviewer_reason(agency, prior[agency.pk]))
    return reasons


def reexam_agency_options(reexam: ReExamination, *, current_agency_id: int | None = None) -> list[AgencyOption]:
    """Every agency reviewing in the year, eligible ones first, each with the reasons it may not take
    this re-examination (Art. 19, and the agencies that already reviewed the unit that year)."""
    organisation_id, year = reexam.determination.organisation_id, reexam.determination.year
    compiled = agencies_that_compiled(year)
    links = list(AgencyUnitLink.objects.filter(organisation_id=organisation_id))
    prior = prior_reviewers(organisation_id, year)
    loads = agency_loads(year)
    options = []
    for agency in reviewing_agencies(year):
        reasons = [] if agency.pk == current_agency_id else None
        if reasons is None:
            reasons = reexam_ineligibility(agency, organisation_id, year, compiled=compiled, links=links, prior=prior)
        options.append(AgencyOption(agency, loads.get(agency.pk, 0), tuple(reasons), agency.pk == current_agency_id))
    return sorted(options, key=lambda o: (not o.eligible, o.load, o.agency.name_zh, o.agency.pk))


# -- determinations the bureau may re-examine of its own motion --


@dataclass(frozen=True)
class MotionRow:
    determination: Determination
    flags: list[Flag]
    open_reexamination: ReExamination | None


def _dec(figures: dict, key: str) -> Decimal | None:
    value = (figures or {}).get(key)
    return None if value in (None, "") else Decimal(str(value))


def motion_candidates(year: int, *, flagged_only: bool = True) -> list[MotionRow]:
    """The year's determinations in force with the triggers they flag, computed in bulk with the same
    rules as `triggers.determination_flags` so the page's queries do not grow with its rows."""
    settings = year_settings(year)
    determinations = list(
        Determination.objects.filter(year=year, status=DeterminationStatus.APPROVED)
        .select_related("organisation")
        .order_by("organisation__name_zh", "pk")
    )
    ids = [d.organisation_id for d in determinations]
    previous = dict(
        EmissionRecord.objects.filter(organisation_id__in=ids, year=year - 1).values_list(
            "organisation_id", "emissions_tco2e"
        )
    )
    previous.update(
        Determination.objects.filter(
            organisation_id__in=ids, year=year - 1, status=DeterminationStatus.APPROVED
        ).values_list("organisation_id", "emissions_tco2e")
    )
    open_ones = {
        reexam.determination_id: reexam
        for reexam in ReExamination.objects.filter(determination__in=determinations, status__in=OPEN_REEXAM)
    }
    rows = []
    for determination in determinations:
        found = []
        if settings is not None:
            reported = _dec(determination.figures, "reported_tco2e")
            reviewed = _dec(determination.figures, "reviewed_tco2e")
            reviewed = determination.emissions_tco2e if reviewed is None else reviewed
            found = [report_vs_review_flag(reported, reviewed, settings)]
            found.append(year_on_year_flag(reviewed, previous.get(determination.organisation_id), settings))
            found = [flag for flag in found if flag]
        if found or not flagged_only:
            rows.append(MotionRow(determination, found, open_ones.get(determination.pk)))
    return rows
