"""Requests for information from the reviewing agency to the unit (Art. 18), as pages.

The agency lists and opens threads from its workspace; the unit answers from "Requests from
reviewers"; the bureau reads any thread. A thread, a file or an assignment the user may not reach
is not found (404). Files are sent as attachments after the same check as the thread.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from carbon_portal.files import KINDS, kinds_label
from carbon_portal.forms import add_service_error
from carbon_portal.permissions import organisation_ids_of
from carbon_portal.private_files import file_response
from carbon_portal.roles import Role

from ..choices import AssignmentStatus, RequestStatus
from ..models import IN_FORCE
from ..selectors import requests as selectors
from ..services import requests as services

# Forms


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked by the service, all or none kept."""

    def __init__(self, *args, **kwargs):
        accept = ",".join(ext for k in services.FILE_KINDS for ext in KINDS[k].extensions)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _files_help() -> str:
    return _("%(types)s, at most %(size)s each and %(count)s files per message.") % {
        "types": kinds_label(services.FILE_KINDS),
        "size": filesizeformat(settings.UPLOAD_MAX_BYTES),
        "count": services.MAX_FILES_PER_MESSAGE,
    }


def _date_field(label, help_text) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class MessageForm(forms.Form):
    body = forms.CharField(label=gettext_lazy("Message"), max_length=10000, widget=forms.Textarea(attrs={"rows": 6}))
    files = MultipleFileField(label=gettext_lazy("Files"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _files_help()


class AgencyMessageForm(MessageForm):
    reply_due_date = _date_field(
        gettext_lazy("Reply due"),
        gettext_lazy("Not in the past and not after the review is due. Leave empty for five working days."),
    )


class RequestForm(AgencyMessageForm):
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200)
    field_order = ["subject", "body", "files", "reply_due_date"]


class ReplyDueForm(forms.Form):
    prefix = "due"  # the message form on the same page has its own reply_due_date
    reply_due_date = forms.DateField(
        label=gettext_lazy("New reply due date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


# Helpers


def _assignment(user, assignment_id: int):
    assignment = selectors.workspace_assignment(user, assignment_id)
    if assignment is None:
        raise Http404(_("No such review assignment."))
    return assignment


def _thread(user, request_id: int):
    info_request = selectors.thread(user, request_id)
    if info_request is None:
        raise Http404(_("No such request for information."))
    return info_request


def _thread_url(info_request) -> str:
    return reverse("verification:request_detail", args=[info_request.pk])


def _message_form(side: str, info_request, data=None, files=None):
    if side == selectors.AGENCY:
        initial = {"reply_due_date": services.default_reply_due(info_request.assignment)}
        return AgencyMessageForm(data, files, initial=initial)
    return MessageForm(data, files)


def _render_thread(request, info_request, *, side: str, form=None, due_form=None):
    writable = (
        side in (selectors.AGENCY, selectors.UNIT)
        and info_request.status != RequestStatus.CLOSED
        and info_request.assignment.status in IN_FORCE
    )
    context = {
        "info_request": info_request,
        "assignment": info_request.assignment,
        "side": side,
        "thread_messages": selectors.thread_messages(info_request),
        # A refused message is shown again with its error even on a thread closed meanwhile.
        "form": form if form is not None else (_message_form(side, info_request) if writable else None),
        "due_form": due_form
        if due_form is not None
        else ReplyDueForm(initial={"reply_due_date": info_request.reply_due_date}),
        "can_close": side == selectors.AGENCY and info_request.status != RequestStatus.CLOSED,
        "can_move_due": side == selectors.AGENCY and info_request.status == RequestStatus.OPEN,
        "row": selectors.RequestRow(info_request, timezone.localdate()),
    }
    return render(request, "verification/request_detail.html", context)


# Agency: the threads of one assignment, and a new request


@login_required
@require_GET
def request_list(request, assignment_id: int):
    assignment = _assignment(request.user, assignment_id)
    context = {
        "assignment": assignment,
        "rows": selectors.assignment_requests(assignment),
        "can_open": selectors.is_reviewing_agency(request.user, assignment)
        and assignment.status == AssignmentStatus.ASSIGNED,
    }
    return render(request, "verification/request_list.html", context)


@login_required
def request_new(request, assignment_id: int):
    assignment = _assignment(request.user, assignment_id)
    if not selectors.is_reviewing_agency(request.user, assignment):
        raise PermissionDenied(_("Only the reviewing agency's staff open requests for information."))
    if request.method == "POST":
        form = RequestForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                info_request = services.request_open(
                    actor=request.user,
                    assignment=assignment,
                    subject=data["subject"],
                    body=data["body"],
                    files=data["files"],
                    reply_due_date=data["reply_due_date"],
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, _("Request sent to the unit."))
                return redirect(_thread_url(info_request))
    else:
        form = RequestForm(initial={"reply_due_date": services.default_reply_due(assignment)})
    context = {"assignment": assignment, "form": form, "can_open": assignment.status == AssignmentStatus.ASSIGNED}
    return render(request, "verification/request_new.html", context)


# The thread: everyone allowed reads it; the agency and the unit write in it


@login_required
def request_detail(request, request_id: int):
    info_request = _thread(request.user, request_id)
    side = selectors.side_of(request.user, info_request)
    if request.method != "POST":
        return _render_thread(request, info_request, side=side)
    if side not in (selectors.AGENCY, selectors.UNIT):
        raise PermissionDenied(_("The bureau reads requests for information; it does not write in them."))
    form = _message_form(side, info_request, request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if side == selectors.AGENCY:
                services.request_follow_up(
                    actor=request.user,
                    info_request=info_request,
                    body=data["body"],
                    files=data["files"],
                    reply_due_date=data["reply_due_date"],
                )
            else:
                services.request_answer(
                    actor=request.user, info_request=info_request, body=data["body"], files=data["files"]
                )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Message sent."))
            return redirect(_thread_url(info_request) + "#latest")
    return _render_thread(request, info_request, side=side, form=form)


@login_required
@require_POST
def request_close(request, request_id: int):
    info_request = _thread(request.user, request_id)
    if selectors.side_of(request.user, info_request) != selectors.AGENCY:
        raise PermissionDenied(_("Only the reviewing agency closes a request for information."))
    try:
        services.request_close(actor=request.user, info_request=info_request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Request closed."))
    return redirect(_thread_url(info_request))


@login_required
@require_POST
def request_reply_due(request, request_id: int):
    info_request = _thread(request.user, request_id)
    side = selectors.side_of(request.user, info_request)
    if side != selectors.AGENCY:
        raise PermissionDenied(_("Only the reviewing agency sets the reply due date."))
    form = ReplyDueForm(request.POST)
    if form.is_valid():
        try:
            services.request_set_reply_due(
                actor=request.user, info_request=info_request, reply_due_date=form.cleaned_data["reply_due_date"]
            )
        except ValidationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Reply due date changed."))
            return redirect(_thread_url(info_request))
    return _render_thread(request, info_request, side=side, due_form=form)


@login_required
@require_GET
def request_file(request, request_id: int, file_id: int):
    """Whoever may read the thread, and nobody else, downloads its files."""
    item = selectors.thread_file(_thread(request.user, request_id), file_id)
    if item is None:
        raise Http404(_("No such file."))
    return file_response(item.stored_path, filename=item.original_name, kind=item.kind)


# The unit: every request to its organisations


@login_required
@require_GET
def request_inbox(request):
    if not organisation_ids_of(request.user, Role.UNIT_STAFF):
        raise PermissionDenied(_("Only a unit's staff receive requests for information."))
    context = {
        "rows": selectors.unit_requests(request.user),
        "several_units": len(organisation_ids_of(request.user, Role.UNIT_STAFF)) > 1,
    }
    return render(request, "verification/request_inbox.html", context)
