"""Reminders of verification due dates, and overdue reviews flagged to the bureau (DOMAIN.md
"Deadlines that Celery watches"; Art. 18-20).

- to the agency's staff: 7, 3 and 1 days before an assigned review (or re-examination) is due;
- to the unit's staff: 3 and 1 days before an open request for information must be answered, and
  before the objection window of a determination in force closes, unless the unit has objected;
- to the bureau's staff: once per assignment, when an assigned review is past its due date. A
  flag for people to act on, never an automatic penalty.

Each reminder is sent once. `registry.DeadlineReminder` keeps the book: its unique key (organisation,
deadline, year, days_before) makes a second run the same day send nothing. The deadline code
names the object ("review:<assignment id>"), since an agency has many reviews due the same day.
Only the nearest step not yet sent goes out, so a day the beat missed is caught up without sending
every earlier step at once.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from carbon_portal.models import User
from carbon_portal.notifications import notify
from carbon_portal.roles import BUREAU_ROLES, Role
from registry.models import DeadlineReminder, Membership

from ..choices import AssignmentKind, AssignmentStatus, DeterminationStatus, RequestStatus
from ..models import Determination, InformationRequest, ReviewAssignment

REVIEW_STEPS = (7, 3, 1)
UNIT_STEPS = (3, 1)
OVERDUE = 0  # days_before of the overdue flag: sent once the due date has passed

# Per kind of assignment, so each language's message names the kind in that language.
REVIEW_DUE = {
    AssignmentKind.REVIEW: (
        _("Reminder: technical review of %(org)s's %(year)s report due %(due)s"),
        _(
            "The technical review of the %(year)s annual emission report of %(org)s is due on %(due)s "
            "(%(days)s day(s) left). Submit the technical review report in the portal by then (Art. 18)."
        ),
    ),
    AssignmentKind.REEXAMINATION: (
        _("Reminder: re-examination of %(org)s's %(year)s report due %(due)s"),
        _(
            "The re-examination of the %(year)s annual emission report of %(org)s is due on %(due)s "
            "(%(days)s day(s) left). Submit the re-examination report in the portal by then (Art. 20)."
        ),
    ),
}
REVIEW_OVERDUE = {
    AssignmentKind.REVIEW: (
        _("Overdue: technical review of %(org)s's %(year)s report by %(agency)s"),
        _(
            "%(agency)s has not submitted the technical review of the %(year)s annual emission report of %(org)s, "
            "due on %(due)s. Follow it up, or reassign the review with a reason."
        ),
    ),
    AssignmentKind.REEXAMINATION: (
        _("Overdue: re-examination of %(org)s's %(year)s report by %(agency)s"),
        _(
            "%(agency)s has not submitted the re-examination of the %(year)s annual emission report of %(org)s, "
            "due on %(due)s. Follow it up, or reassign the re-examination with a reason."
        ),
    ),
}


@dataclass(frozen=True)
class Due:
    """One reminder that may be due: to whom (staff of `organisation_id`, or the bureau), about what."""

    organisation_id: int  # the book's key; the agency, the unit, or the agency late with a review
    deadline: str  # the code in the book, naming the object: at most 40 characters
    year: int
    due_date: date
    days_before: int
    kind: str
    subject: object
    body: object
    params: dict
    url: str = ""


def step(due_date: date, today: date, steps: Iterable[int]) -> int | None:
    """The reminder step due today: the nearest one not past, or None outside the window."""
    days = (due_date - today).days
    within = [s for s in steps if 0 <= days <= s]
    return min(within) if within else None


def _url(name: str, *args, query: str = "") -> str:
    """A link for the message; none when the page is not (yet) in the URLconf."""
    try:
        url = reverse(name, args=args)
    except NoReverseMatch:
        return ""
    return f"{url}?{query}" if query else url


def _staff(organisation_ids: set[int], role: str) -> dict[int, list[User]]:
    """Active staff per organisation, in one query."""
    found: dict[int, list[User]] = defaultdict(list)
    memberships = Membership.objects.filter(
        organisation_id__in=organisation_ids, role=role, is_active=True, user__is_active=True
    ).select_related("user")
    for membership in memberships:
        found[membership.organisation_id].append(membership.user)
    return found


def _bureau_staff() -> list[User]:
    return list(
        User.objects.filter(is_active=True, memberships__role__in=BUREAU_ROLES, memberships__is_active=True)
        .distinct()
        .order_by("pk")
    )


def _already_sent(dues: list[Due]) -> set[tuple]:
    codes = {due.deadline for due in dues}
    return set(
        DeadlineReminder.objects.filter(deadline__in=codes).values_list(
            "organisation_id", "deadline", "year", "days_before"
        )
    )


def _send(dues: list[Due], recipients_of) -> int:
    """Books and sends each due reminder not yet in the book; returns how many went out. A reminder
    without recipients is not booked, so it goes out once someone can receive it."""
    sent_before = _already_sent(dues)
    sent = 0
    for due in dues:
        if (due.organisation_id, due.deadline, due.year, due.days_before) in sent_before:
            continue
        recipients = recipients_of(due)
        if not recipients:
            continue
        try:
            with transaction.atomic():
                DeadlineReminder.objects.create(
                    organisation_id=due.organisation_id,
                    deadline=due.deadline,
                    year=due.year,
                    due_date=due.due_date,
                    days_before=due.days_before,
                    recipients=",".join(sorted(user.email for user in recipients))[:5000],
                )
                notify(
                    recipients=recipients,
                    kind=due.kind,
                    subject=due.subject,
                    body=due.body,
                    params=due.params,
                    url=due.url,
                )
        except IntegrityError:
            continue  # booked by a concurrent run
        sent += 1
    return sent


def _review_dues(today: date) -> list[Due]:
    assignments = ReviewAssignment.objects.filter(
        status=AssignmentStatus.ASSIGNED, due_date__gte=today, due_date__lte=today + timedelta(max(REVIEW_STEPS))
    ).select_related("organisation", "agency")
    dues = []
    for assignment in assignments:
        days = step(assignment.due_date, today, REVIEW_STEPS)
        if days is None:
            continue
        subject, body = REVIEW_DUE[assignment.kind]
        dues.append(
            Due(
                organisation_id=assignment.agency_id,
                deadline=f"review:{assignment.pk}",
                year=assignment.year,
                due_date=assignment.due_date,
                days_before=days,
                kind="verification.review_due",
                subject=subject,
                body=body,
                params={
                    "org": assignment.organisation.name_zh,
                    "year": assignment.year,
                    "due": assignment.due_date.isoformat(),
                    "days": (assignment.due_date - today).days,
                },
                url=_url("verification:workspace_report", assignment.pk),
            )
        )
    return dues


def _request_dues(today: date) -> list[Due]:
    requests = InformationRequest.objects.filter(
        status=RequestStatus.OPEN,
        assignment__status=AssignmentStatus.ASSIGNED,
        reply_due_date__gte=today,
        reply_due_date__lte=today + timedelta(max(UNIT_STEPS)),
    ).select_related("assignment__organisation", "assignment__agency")
    dues = []
    for info_request in requests:
        days = step(info_request.reply_due_date, today, UNIT_STEPS)
        if days is None:
            continue
        assignment = info_request.assignment
        dues.append(
            Due(
                organisation_id=assignment.organisation_id,
                deadline=f"info_request:{info_request.pk}",
                year=assignment.year,
                due_date=info_request.reply_due_date,
                days_before=days,
                kind="verification.info_request_due",
                subject=_("Reminder: reply to \u201c%(subject)s\u201d due %(due)s"),
                body=_(
                    "%(agency)s asked %(org)s for more information for the technical review of its %(year)s report "
                    "(\u201c%(subject)s\u201d). Reply in the portal by %(due)s (%(days)s day(s) left)."
                ),
                params={
                    "subject": info_request.subject,
                    "agency": assignment.agency.name_zh,
                    "org": assignment.organisation.name_zh,
                    "year": assignment.year,
                    "due": info_request.reply_due_date.isoformat(),
                    "days": (info_request.reply_due_date - today).days,
                },
                url=_url("verification:request_detail", info_request.pk),
            )
        )
    return dues


def _objection_dues(today: date) -> list[Due]:
    determinations = (
        Determination.objects.filter(
            status=DeterminationStatus.APPROVED,
            objection_deadline__gte=today,
            objection_deadline__lte=today + timedelta(max(UNIT_STEPS)),
            objections__isnull=True,
        )
        .select_related("organisation")
        .distinct()
    )
    dues = []
    for determination in determinations:
        days = step(determination.objection_deadline, today, UNIT_STEPS)
        if days is None:
            continue
        dues.append(
            Due(
                organisation_id=determination.organisation_id,
                deadline=f"objection_window:{determination.pk}",
                year=determination.year,
                due_date=determination.objection_deadline,
                days_before=days,
                kind="verification.objection_window",
                subject=_("Reminder: objections to %(reference)s close %(due)s"),
                body=_(
                    "The bureau determined the %(year)s emissions of %(org)s at %(tonnes)s tCO2e (%(reference)s). "
                    "An objection with supporting files may be filed in the portal until %(due)s (%(days)s day(s) "
                    "left, Art. 20)."
                ),
                params={
                    "reference": determination.reference,
                    "year": determination.year,
                    "org": determination.organisation.name_zh,
                    "tonnes": determination.emissions_tco2e,
                    "due": determination.objection_deadline.isoformat(),
                    "days": (determination.objection_deadline - today).days,
                },
            )
        )
    return dues


def due_date_reminders_send(*, today: date) -> dict[str, int]:
    """Sends the reminders due `today` to agencies (reviews) and units (requests for information,
    objection windows), each once; returns how many of each went out."""
    reviews, requests, objections = _review_dues(today), _request_dues(today), _objection_dues(today)
    agency_staff = _staff({due.organisation_id for due in reviews}, Role.AGENCY_STAFF)
    unit_staff = _staff({due.organisation_id for due in requests + objections}, Role.UNIT_STAFF)
    return {
        "review": _send(reviews, lambda due: agency_staff.get(due.organisation_id, [])),
        "info_request": _send(requests, lambda due: unit_staff.get(due.organisation_id, [])),
        "objection_window": _send(objections, lambda due: unit_staff.get(due.organisation_id, [])),
    }


def _overdue_due(assignment: ReviewAssignment) -> Due:
    subject, body = REVIEW_OVERDUE[assignment.kind]
    if assignment.kind == AssignmentKind.REVIEW:
        url = _url("verification:review_list", assignment.year, query="state=overdue")
    else:
        url = _url("verification:objection_list")
    return Due(
        organisation_id=assignment.agency_id,
        deadline=f"review_overdue:{assignment.pk}",
        year=assignment.year,
        due_date=assignment.due_date,
        days_before=OVERDUE,
        kind="verification.review_overdue",
        subject=subject,
        body=body,
        params={
            "org": assignment.organisation.name_zh,
            "agency": assignment.agency.name_zh,
            "year": assignment.year,
            "due": assignment.due_date.isoformat(),
        },
        url=url,
    )


def overdue_reviews_flag(*, today: date) -> int:
    """Flags to the bureau's staff, once per assignment, each assigned review (or re-examination)
    past its due date; returns how many were flagged."""
    assignments = ReviewAssignment.objects.filter(status=AssignmentStatus.ASSIGNED, due_date__lt=today).select_related(
        "organisation", "agency"
    )
    dues = [_overdue_due(assignment) for assignment in assignments]
    if not dues:
        return 0
    bureau = _bureau_staff()
    return _send(dues, lambda due: bureau)
