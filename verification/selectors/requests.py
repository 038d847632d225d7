"""Reads for requests for information (Art. 18): who may see which thread, and the lists.

The reviewing agency reaches a thread only through `assignments_for(user)`, so it loses every
thread of an assignment withdrawn from it; the unit reaches the threads about its own reports; the
bureau reads them all. Anything else is not found.
"""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.utils import timezone

from carbon_portal.permissions import is_bureau, organisation_ids_of
from carbon_portal.roles import Role

from ..choices import RequestStatus
from ..models import IN_FORCE, InformationFile, InformationMessage, InformationRequest, ReviewAssignment
from ..permissions import assignments_for

# The side a user takes on a thread: the agency asks, the unit answers, the bureau reads.
AGENCY, UNIT, BUREAU = "agency", "unit", "bureau"


def is_reviewing_agency(user, assignment: ReviewAssignment) -> bool:
    """The user is staff of the agency holding this assignment now (not withdrawn)."""
    return assignment.status in IN_FORCE and assignment.agency_id in organisation_ids_of(user, Role.AGENCY_STAFF)


def is_unit_of(user, assignment: ReviewAssignment) -> bool:
    return assignment.organisation_id in organisation_ids_of(user, Role.UNIT_STAFF)


def side_of(user, info_request: InformationRequest) -> str | None:
    assignment = info_request.assignment
    if is_reviewing_agency(user, assignment):
        return AGENCY
    if is_unit_of(user, assignment):
        return UNIT
    if is_bureau(user):
        return BUREAU
    return None


def visible_requests(user) -> QuerySet[InformationRequest]:
    if is_bureau(user):
        return InformationRequest.objects.all()
    return InformationRequest.objects.filter(
        Q(assignment__in=assignments_for(user).values("pk"))
        | Q(assignment__organisation_id__in=organisation_ids_of(user, Role.UNIT_STAFF))
    )


def _with_assignment(qs: QuerySet[InformationRequest]) -> QuerySet[InformationRequest]:
    return qs.select_related(
        "assignment",
        "assignment__organisation",
        "assignment__agency",
        "assignment__report",
        "assignment__report__organisation",
        "opened_by",
        "closed_by",
    )


def thread(user, request_id: int) -> InformationRequest | None:
    """One thread the user may read; None for anything else (the view says 404)."""
    return _with_assignment(visible_requests(user)).filter(pk=request_id).first()


def thread_messages(info_request: InformationRequest) -> list[InformationMessage]:
    """Oldest first, each with its author, side and files, in three queries."""
    return list(
        info_request.messages.select_related("author", "author_organisation")
        .prefetch_related(Prefetch("files", queryset=InformationFile.objects.order_by("id")))
        .order_by("created_at", "id")
    )


def thread_file(info_request: InformationRequest, file_id: int) -> InformationFile | None:
    """A file of this thread; another thread's file is not found."""
    return InformationFile.objects.filter(pk=file_id, message__request=info_request).first()


def workspace_assignment(user, assignment_id: int) -> ReviewAssignment | None:
    """An assignment whose threads the user may list: its agency now, or the bureau."""
    return (
        assignments_for(user)
        .select_related("organisation", "agency", "report", "report__organisation")
        .filter(pk=assignment_id)
        .first()
    )


def _with_counts(qs: QuerySet[InformationRequest]) -> QuerySet[InformationRequest]:
    return qs.annotate(message_count=Count("messages", distinct=True), last_message_at=Max("messages__created_at"))


@dataclass
class RequestRow:
    """One thread on a list, flagged when the unit's reply is late."""

    request: InformationRequest
    today: date

    @property
    def is_overdue(self) -> bool:
        return (
            self.request.status == RequestStatus.OPEN
            and self.request.assignment.status in IN_FORCE
            and self.request.reply_due_date < self.today
        )

    @property
    def days_overdue(self) -> int:
        return (self.today - self.request.reply_due_date).days


def assignment_requests(assignment: ReviewAssignment, *, today: date | None = None) -> list[RequestRow]:
    """The threads of one assignment, newest first."""
    today = today or timezone.localdate()
    qs = _with_counts(_with_assignment(assignment.information_requests.all())).order_by("-opened_at", "-pk")
    return [RequestRow(item, today) for item in qs]


def unit_requests(user, *, today: date | None = None) -> list[RequestRow]:
    """Every request to the user's organisations: awaiting a reply first, soonest due first."""
    today = today or timezone.localdate()
    qs = _with_counts(
        _with_assignment(
            InformationRequest.objects.filter(
                assignment__organisation_id__in=organisation_ids_of(user, Role.UNIT_STAFF)
            )
        )
    )
    rows = [RequestRow(item, today) for item in qs]
    order = {RequestStatus.OPEN: 0, RequestStatus.ANSWERED: 1, RequestStatus.CLOSED: 2}
    rows.sort(key=lambda row: (order.get(row.request.status, 3), row.request.reply_due_date, -row.request.pk))
    return rows


def request_counts(assignment: ReviewAssignment) -> dict[str, int]:
    """How many threads of the assignment are in each status, in one query."""
    counts = assignment.information_requests.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status=RequestStatus.OPEN)),
        answered=Count("pk", filter=Q(status=RequestStatus.ANSWERED)),
    )
    return {key: value or 0 for key, value in counts.items()}
