"""Requests for more information from the reviewing agency to the unit (Art. 18): a tracked thread.

The assigned agency opens a request and may write again; the unit answers; only the agency closes
it, and a closed thread takes no more messages. The bureau reads every thread and writes none.
Each message may carry files, checked by their content (carbon_portal.files) and kept by their
SHA-256 outside the web root (carbon_portal.private_files). A message is saved whole or not at all:
one refused file refuses the message and every other file with it.
"""

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carbon_portal import audit, private_files
from carbon_portal.files import CheckedUpload, check_upload
from carbon_portal.notifications import notify
from carbon_portal.roles import Role
from carbon_portal.workdays import add_working_days
from reporting.notices import staff_of

from ..choices import AssignmentStatus, RequestStatus
from ..models import IN_FORCE, InformationFile, InformationMessage, InformationRequest, ReviewAssignment
from ..selectors.requests import AGENCY, UNIT, is_reviewing_agency, side_of
from ..transitions import REQUEST_TRANSITIONS, move

FILE_KINDS = ("pdf", "xlsx", "png", "jpg")
MAX_FILES_PER_MESSAGE = 10
REPLY_WORKING_DAYS = 5
STORAGE_AREA = "requests"

# Who moves a thread where: the table lives in verification.transitions.
TRANSITIONS = REQUEST_TRANSITIONS


def default_reply_due(assignment: ReviewAssignment, *, today: date | None = None) -> date:
    """Five working days from today, but never after the review itself is due."""
    today = today or timezone.localdate()
    return min(add_working_days(today, REPLY_WORKING_DAYS), assignment.due_date)


def _check_reply_due(assignment: ReviewAssignment, day: date, today: date) -> None:
    if day < today:
        raise ValidationError({"reply_due_date": _("The reply due date cannot be in the past.")}, code="reply_due_past")
    if day > assignment.due_date:
        raise ValidationError(
            {
                "reply_due_date": _("The reply due date cannot be after the review is due (%(due)s).")
                % {"due": assignment.due_date.strftime("%Y-%m-%d")}
            },
            code="reply_due_late",
        )


def _plain_name(name: str) -> str:
    """The name as shown and sent back in Content-Disposition: no control characters."""
    return "".join(ch for ch in name if ch.isprintable()).strip() or "file"


def _check_files(uploads) -> list[CheckedUpload]:
    """Every file checked before anything is stored; all refusals reported together."""
    uploads = list(uploads or [])
    if len(uploads) > MAX_FILES_PER_MESSAGE:
        raise ValidationError(
            {"files": _("Attach at most %(max)s files to one message.") % {"max": MAX_FILES_PER_MESSAGE}},
            code="too_many",
        )
    checked, errors = [], []
    for upload in uploads:
        try:
            checked.append(check_upload(upload, allowed=FILE_KINDS, max_bytes=settings.UPLOAD_MAX_BYTES))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({"files": errors})
    return checked


def _clean_text(errors: dict, field: str, value: str, message) -> str:
    value = (value or "").strip()
    if not value:
        errors[field] = ValidationError(message, code="required")
    return value


def _add_message(*, actor, info_request: InformationRequest, organisation_id: int, body: str, checked):
    message = InformationMessage.objects.create(
        request=info_request, author=actor, author_organisation_id=organisation_id, body=body
    )
    for upload in checked:
        stored_path, sha256 = private_files.store_bytes(upload.content, area=STORAGE_AREA, suffix=upload.kind)
        InformationFile.objects.create(
            message=message,
            original_name=_plain_name(upload.name),
            kind=upload.kind,
            size_bytes=upload.size,
            sha256=sha256,
            stored_path=stored_path,
        )
    return message


def _audit_data(message: InformationMessage, checked, **extra) -> dict:
    return {
        "message": message.pk,
        "files": [{"name": _plain_name(c.name), "kind": c.kind, "sha256": c.sha256} for c in checked],
        **extra,
    }


def _locked(info_request: InformationRequest) -> InformationRequest:
    return (
        InformationRequest.objects.select_for_update(of=("self",))
        .select_related("assignment", "assignment__organisation", "assignment__agency")
        .get(pk=info_request.pk)
    )


def _set_status(info_request: InformationRequest, to: str) -> None:
    if info_request.status == RequestStatus.CLOSED:
        raise ValidationError(
            _("This request was closed on %(at)s: no more messages can be added. Open a new request if you need more.")
            % {"at": timezone.localtime(info_request.closed_at).strftime("%Y-%m-%d")},
            code="closed",
        )
    move(info_request, to, REQUEST_TRANSITIONS)


def _require_side(actor, info_request: InformationRequest, side: str) -> None:
    if side_of(actor, info_request) != side:
        if side == AGENCY:
            raise PermissionDenied(_("Only the reviewing agency's staff may do this."))
        raise PermissionDenied(_("Only the unit's staff may answer a request for information."))
    if info_request.assignment.status not in IN_FORCE:
        # The agency lost the review when it was reassigned: nobody is left to read an answer.
        raise ValidationError(
            _("The review was reassigned to another agency: this request takes no more messages."),
            code="withdrawn",
        )


# Notifications


def _thread_url(info_request: InformationRequest) -> str:
    return reverse("verification:request_detail", args=[info_request.pk])


def _params(info_request: InformationRequest) -> dict:
    assignment = info_request.assignment
    return {
        "subject": info_request.subject,
        "agency": assignment.agency.name_zh,
        "org": assignment.organisation.name_zh,
        "year": assignment.year,
        "due": info_request.reply_due_date.strftime("%Y-%m-%d"),
    }


def _tell_unit(info_request: InformationRequest, kind: str, subject, body) -> None:
    notify(
        recipients=staff_of(info_request.assignment.organisation_id, Role.UNIT_STAFF),
        kind=kind,
        subject=subject,
        body=body,
        params=_params(info_request),
        url=_thread_url(info_request),
    )


def _tell_agency(info_request: InformationRequest) -> None:
    notify(
        recipients=staff_of(info_request.assignment.agency_id, Role.AGENCY_STAFF),
        kind="verification.request_answered",
        subject=gettext_lazy("Answered: %(subject)s"),
        body=gettext_lazy(
            "%(org)s answered your request for information on its %(year)s report: %(subject)s. "
            "Read the answer and close the request, or ask again."
        ),
        params=_params(info_request),
        url=_thread_url(info_request),
    )


# Services


@transaction.atomic
def request_open(
    *,
    actor,
    assignment: ReviewAssignment,
    subject: str,
    body: str,
    files=(),
    reply_due_date: date | None = None,
    today: date | None = None,
) -> InformationRequest:
    """Art. 18: the assigned agency asks the unit for more information while it reviews; the unit
    replies by the date set (by default five working days, never after the review is due)."""
    today = today or timezone.localdate()
    assignment = ReviewAssignment.objects.select_related("organisation", "agency").get(pk=assignment.pk)
    if not is_reviewing_agency(actor, assignment):
        raise PermissionDenied(_("Only the reviewing agency's staff may do this."))
    if assignment.status != AssignmentStatus.ASSIGNED:
        raise ValidationError(
            _("Requests for information can be opened only while the review is under way."), code="not_assigned"
        )
    errors: dict = {}
    subject = _clean_text(errors, "subject", subject, _("Give the request a subject."))
    body = _clean_text(errors, "body", body, _("Write what you need from the unit."))
    reply_due_date = reply_due_date or default_reply_due(assignment, today=today)
    try:
        _check_reply_due(assignment, reply_due_date, today)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    try:
        checked = _check_files(files)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    info_request = InformationRequest(
        assignment=assignment, subject=subject[:200], reply_due_date=reply_due_date, opened_by=actor
    )
    info_request.full_clean()
    info_request.save()
    message = _add_message(
        actor=actor, info_request=info_request, organisation_id=assignment.agency_id, body=body, checked=checked
    )
    audit.record(
        actor=actor,
        verb="info_request.open",
        target=info_request,
        data=_audit_data(message, checked, assignment=assignment.pk, reply_due=reply_due_date.isoformat()),
    )
    _tell_unit(
        info_request,
        "verification.request_opened",
        gettext_lazy("Request for information: %(subject)s"),
        gettext_lazy(
            "%(agency)s, reviewing the %(year)s emission report of %(org)s, asks for more information: "
            "%(subject)s. Please reply by %(due)s."
        ),
    )
    return info_request


@transaction.atomic
def request_follow_up(
    *,
    actor,
    info_request: InformationRequest,
    body: str,
    files=(),
    reply_due_date: date | None = None,
    today: date | None = None,
) -> InformationMessage:
    """The agency writes again: the request is open again, with a new reply due date."""
    today = today or timezone.localdate()
    info_request = _locked(info_request)
    _require_side(actor, info_request, AGENCY)
    _set_status(info_request, RequestStatus.OPEN)
    assignment = info_request.assignment
    errors: dict = {}
    body = _clean_text(errors, "body", body, _("Write your message."))
    reply_due_date = reply_due_date or default_reply_due(assignment, today=today)
    try:
        _check_reply_due(assignment, reply_due_date, today)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    try:
        checked = _check_files(files)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    info_request.reply_due_date = reply_due_date
    info_request.save(update_fields=["status", "reply_due_date"])
    message = _add_message(
        actor=actor, info_request=info_request, organisation_id=assignment.agency_id, body=body, checked=checked
    )
    audit.record(
        actor=actor,
        verb="info_request.follow_up",
        target=info_request,
        data=_audit_data(message, checked, reply_due=reply_due_date.isoformat()),
    )
    _tell_unit(
        info_request,
        "verification.request_follow_up",
        gettext_lazy("New message on the request for information: %(subject)s"),
        gettext_lazy(
            "%(agency)s wrote again on its request for information about the %(year)s emission report of "
            "%(org)s: %(subject)s. Please reply by %(due)s."
        ),
    )
    return message


@transaction.atomic
def request_answer(*, actor, info_request: InformationRequest, body: str, files=()) -> InformationMessage:
    """The unit answers, with files if it has them; the agency hears of it. The unit cannot close."""
    info_request = _locked(info_request)
    _require_side(actor, info_request, UNIT)
    _set_status(info_request, RequestStatus.ANSWERED)
    errors: dict = {}
    body = _clean_text(errors, "body", body, _("Write your answer."))
    try:
        checked = _check_files(files)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    info_request.save(update_fields=["status"])
    message = _add_message(
        actor=actor,
        info_request=info_request,
        organisation_id=info_request.assignment.organisation_id,
        body=body,
        checked=checked,
    )
    audit.record(actor=actor, verb="info_request.answer", target=info_request, data=_audit_data(message, checked))
    _tell_agency(info_request)
    return message


@transaction.atomic
def request_close(*, actor, info_request: InformationRequest) -> InformationRequest:
    """Only the agency closes a request; a closed thread takes no more messages."""
    info_request = _locked(info_request)
    _require_side(actor, info_request, AGENCY)
    previous = info_request.status
    _set_status(info_request, RequestStatus.CLOSED)
    info_request.closed_by, info_request.closed_at = actor, timezone.now()
    info_request.save(update_fields=["status", "closed_by", "closed_at"])
    audit.record(actor=actor, verb="info_request.close", target=info_request, data={"from": previous})
    _tell_unit(
        info_request,
        "verification.request_closed",
        gettext_lazy("Closed: request for information %(subject)s"),
        gettext_lazy(
            "%(agency)s closed its request for information about the %(year)s report of %(org)s: %(subject)s."
        ),
    )
    return info_request


@transaction.atomic
def request_set_reply_due(
    *, actor, info_request: InformationRequest, reply_due_date: date, today: date | None = None
) -> InformationRequest:
    """The agency moves the reply due date of an open request: not into the past, not after the review."""
    today = today or timezone.localdate()
    info_request = _locked(info_request)
    _require_side(actor, info_request, AGENCY)
    if info_request.status != RequestStatus.OPEN:
        raise ValidationError(
            _("The reply due date can be changed only while the request awaits the unit's reply."), code="not_open"
        )
    _check_reply_due(info_request.assignment, reply_due_date, today)
    previous = info_request.reply_due_date
    info_request.reply_due_date = reply_due_date
    info_request.save(update_fields=["reply_due_date"])
    audit.record(
        actor=actor,
        verb="info_request.reply_due",
        target=info_request,
        data={"from": previous.isoformat(), "to": reply_due_date.isoformat()},
    )
    _tell_unit(
        info_request,
        "verification.request_reply_due",
        gettext_lazy("New reply date for the request for information: %(subject)s"),
        gettext_lazy("%(agency)s now asks for your reply to %(subject)s by %(due)s."),
    )
    return info_request
