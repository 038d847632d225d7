"""Requests for information from the reviewing agency to the unit (Art. 18): a tracked thread with
files. The agency opens, writes again and closes; the unit answers; the bureau reads; anyone else
gets 404, including the agency whose assignment was withdrawn."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carbon_portal.models import AuditEntry, Notification
from carbon_portal.roles import Role
from carbon_portal.workdays import add_working_days
from tests.carbon_portal.test_files import EXE, pdf_bytes, png_bytes
from tests.factories import AgencyFactory, OrganisationFactory
from tests.reporting.helpers import add_electricity, draft, facility, submit
from verification.choices import RequestStatus
from verification.models import InformationFile, InformationMessage, InformationRequest
from verification.services import assignment_create, assignment_reassign
from verification.services.requests import (
    request_answer,
    request_close,
    request_follow_up,
    request_open,
    request_set_reply_due,
)

from .helpers import reviewing, staff_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def assignment(assignment):
    """The review of `report`, due well after today so reply dates have room."""
    assignment.due_date = timezone.localdate() + timedelta(days=60)
    assignment.save(update_fields=["due_date"])
    return assignment


@pytest.fixture
def frank(alice):
    """Staff of another reviewing agency."""
    return staff_of(reviewing(AgencyFactory(), alice))


def pdf(name="meter-readings.pdf"):
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def png(name="meter.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def exe(name="readings.pdf"):
    return SimpleUploadedFile(name, EXE, content_type="application/pdf")


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def assigned_report(alice, agency):
    """Another unit's submitted report, assigned to `agency` and due in 60 days."""
    org = OrganisationFactory()
    staff = staff_of(org, Role.UNIT_STAFF)
    report = draft(staff, org)
    add_electricity(staff, report, facility(org))
    assignment = assignment_create(actor=alice, report=submit(staff, report), agency=agency)
    assignment.due_date = timezone.localdate() + timedelta(days=60)
    assignment.save(update_fields=["due_date"])
    return assignment


def open_request(dave, assignment, **kwargs):
    kwargs.setdefault("subject", "Electricity invoices")
    kwargs.setdefault("body", "Please send the December invoice.")
    return request_open(actor=dave, assignment=assignment, **kwargs)


def thread_url(info_request):
    return reverse("verification:request_detail", args=[info_request.pk])


def file_url(item):
    return reverse("verification:request_file", args=[item.message.request_id, item.pk])


def stored_files(private_root):
    """What requests stored (the report's evidence lives in another area)."""
    area = private_root / "requests"
    return [p for p in area.rglob("*") if p.is_file()] if area.exists() else []


# Transitions


def test_the_agency_opens_a_request_with_files_due_in_five_working_days(dave, assignment):
    info_request = open_request(dave, assignment, files=[pdf(), png()])
    assert info_request.status == RequestStatus.OPEN
    assert info_request.reply_due_date == add_working_days(timezone.localdate(), 5)
    message = info_request.messages.get()
    assert message.author == dave and message.author_organisation_id == assignment.agency_id
    assert sorted(message.files.values_list("kind", flat=True)) == ["pdf", "png"]


def test_the_units_answer_makes_the_request_answered(carol, dave, assignment):
    info_request = open_request(dave, assignment)
    message = request_answer(actor=carol, info_request=info_request, body="Attached.", files=[pdf()])
    info_request.refresh_from_db()
    assert info_request.status == RequestStatus.ANSWERED
    assert message.author_organisation_id == assignment.organisation_id


def test_the_agency_writing_again_reopens_the_request(carol, dave, assignment):
    info_request = open_request(dave, assignment)
    request_answer(actor=carol, info_request=info_request, body="Attached.")
    request_follow_up(actor=dave, info_request=info_request, body="The invoice for November too, please.")
    info_request.refresh_from_db()
    assert info_request.status == RequestStatus.OPEN
    assert info_request.messages.count() == 3


def test_the_agency_closes_the_request(carol, dave, assignment):
    info_request = open_request(dave, assignment)
    request_answer(actor=carol, info_request=info_request, body="Attached.")
    request_close(actor=dave, info_request=info_request)
    info_request.refresh_from_db()
    assert info_request.status == RequestStatus.CLOSED
    assert info_request.closed_by == dave and info_request.closed_at is not None


def test_the_unit_cannot_close_a_request(client_for, carol, dave, assignment):
    info_request = open_request(dave, assignment)
    with pytest.raises(PermissionDenied):
        request_close(actor=carol, info_request=info_request)
    response = client_for(carol).post(reverse("verification:request_close", args=[info_request.pk]))
    assert response.status_code == 403
    info_request.refresh_from_db()
    assert info_request.status == RequestStatus.OPEN


def test_writing_to_a_closed_thread_is_refused(carol, dave, assignment):
    info_request = open_request(dave, assignment)
    request_close(actor=dave, info_request=info_request)
    with pytest.raises(ValidationError, match="closed"):
        request_answer(actor=carol, info_request=info_request, body="Late answer")
    with pytest.raises(ValidationError, match="closed"):
        request_follow_up(actor=dave, info_request=info_request, body="One more thing")
    assert info_request.messages.count() == 1


def test_writing_to_a_closed_thread_shows_a_clear_error_and_keeps_the_text(client_for, carol, dave, assignment):
    info_request = open_request(dave, assignment)
    request_close(actor=dave, info_request=info_request)
    response = client_for(carol).post(thread_url(info_request), {"body": "Late answer"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "no more messages can be added" in content
    assert "Late answer" in content
    assert info_request.messages.count() == 1


def test_the_bureau_cannot_write_in_a_thread(client_for, alice, dave, assignment):
    info_request = open_request(dave, assignment)
    with pytest.raises(PermissionDenied):
        request_answer(actor=alice, info_request=info_request, body="Bureau here")
    assert client_for(alice).post(thread_url(info_request), {"body": "Bureau here"}).status_code == 403
    assert info_request.messages.count() == 1


def test_a_request_is_opened_only_while_the_review_is_under_way(dave, assignment):
    assignment.status = "done"
    assignment.save(update_fields=["status"])
    with pytest.raises(ValidationError, match="only while the review is under way"):
        open_request(dave, assignment)


# Reply due date


def test_a_reply_due_date_in_the_past_is_refused(dave, assignment):
    yesterday = timezone.localdate() - timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        open_request(dave, assignment, reply_due_date=yesterday)
    assert "reply_due_date" in exc.value.error_dict
    assert not InformationRequest.objects.exists()


def test_a_reply_due_date_after_the_review_is_due_is_refused(dave, assignment):
    with pytest.raises(ValidationError, match="after the review is due"):
        open_request(dave, assignment, reply_due_date=assignment.due_date + timedelta(days=1))


def test_the_default_reply_date_never_passes_the_review_due_date(dave, assignment):
    assignment.due_date = timezone.localdate() + timedelta(days=2)
    assignment.save(update_fields=["due_date"])
    assert open_request(dave, assignment).reply_due_date == assignment.due_date


def test_the_agency_moves_the_reply_date_later_but_not_into_the_past(dave, assignment):
    info_request = open_request(dave, assignment)
    later = timezone.localdate() + timedelta(days=20)
    request_set_reply_due(actor=dave, info_request=info_request, reply_due_date=later)
    info_request.refresh_from_db()
    assert info_request.reply_due_date == later
    with pytest.raises(ValidationError, match="past"):
        request_set_reply_due(
            actor=dave, info_request=info_request, reply_due_date=timezone.localdate() - timedelta(days=1)
        )


def test_the_reply_date_form_refuses_a_past_date(client_for, dave, assignment):
    info_request = open_request(dave, assignment)
    url = reverse("verification:request_reply_due", args=[info_request.pk])
    yesterday = timezone.localdate() - timedelta(days=1)
    response = client_for(dave).post(url, {"due-reply_due_date": yesterday.isoformat()})
    assert response.status_code == 200
    assert "cannot be in the past" in response.content.decode()
    later = timezone.localdate() + timedelta(days=9)
    assert client_for(dave).post(url, {"due-reply_due_date": later.isoformat()}).status_code == 302
    info_request.refresh_from_db()
    assert info_request.reply_due_date == later


def test_the_new_request_form_refuses_a_past_reply_date_and_keeps_the_input(client_for, dave, assignment):
    yesterday = timezone.localdate() - timedelta(days=1)
    url = reverse("verification:request_new", args=[assignment.pk])
    response = client_for(dave).post(
        url, {"subject": "Gas meter", "body": "Calibration certificate?", "reply_due_date": yesterday.isoformat()}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "cannot be in the past" in content
    assert "Gas meter" in content and "Calibration certificate?" in content
    assert not InformationRequest.objects.exists()


# Access


def test_the_pages_work_for_the_agency_the_unit_and_the_bureau(client_for, alice, carol, dave, assignment):
    info_request = open_request(dave, assignment, files=[pdf()])
    item = InformationFile.objects.get()
    for user in (dave, carol, alice):
        client = client_for(user)
        response = client.get(thread_url(info_request))
        assert response.status_code == 200
        assert "Please send the December invoice." in response.content.decode()
        assert body(client.get(file_url(item))) == pdf_bytes()


def test_the_bureau_sees_the_thread_without_any_form(client_for, alice, dave, assignment):
    info_request = open_request(dave, assignment)
    content = client_for(alice).get(thread_url(info_request)).content.decode()
    assert "<textarea" not in content
    assert reverse("verification:request_close", args=[info_request.pk]) not in content


def test_only_the_agency_sees_the_close_button(client_for, carol, dave, assignment):
    info_request = open_request(dave, assignment)
    close_url = reverse("verification:request_close", args=[info_request.pk])
    assert close_url in client_for(dave).get(thread_url(info_request)).content.decode()
    assert close_url not in client_for(carol).get(thread_url(info_request)).content.decode()


def test_a_unit_of_another_organisation_gets_404(client_for, erin, dave, assignment):
    info_request = open_request(dave, assignment, files=[pdf()])
    client = client_for(erin)
    assert client.get(thread_url(info_request)).status_code == 404
    assert client.post(thread_url(info_request), {"body": "Hello"}).status_code == 404
    assert client.get(file_url(InformationFile.objects.get())).status_code == 404


def test_another_agency_gets_404(client_for, frank, dave, assignment):
    info_request = open_request(dave, assignment, files=[pdf()])
    client = client_for(frank)
    for url in (
        thread_url(info_request),
        file_url(InformationFile.objects.get()),
        reverse("verification:request_list", args=[assignment.pk]),
        reverse("verification:request_new", args=[assignment.pk]),
        reverse("verification:request_close", args=[info_request.pk]),
    ):
        response = client.post(url) if url.endswith("/close/") else client.get(url)
        assert response.status_code == 404, url


def test_a_withdrawn_assignment_is_404_for_the_old_agency(client_for, alice, carol, dave, assignment):
    info_request = open_request(dave, assignment, files=[pdf()])
    assignment_reassign(actor=alice, assignment=assignment, agency=reviewing(AgencyFactory(), alice), reason="Ill")
    client = client_for(dave)
    for url in (
        thread_url(info_request),
        file_url(InformationFile.objects.get()),
        reverse("verification:request_list", args=[assignment.pk]),
    ):
        assert client.get(url).status_code == 404, url
    with pytest.raises(PermissionDenied):
        request_follow_up(actor=dave, info_request=info_request, body="Still there?")


def test_the_unit_cannot_answer_once_the_review_was_reassigned(alice, carol, dave, assignment):
    info_request = open_request(dave, assignment)
    assignment_reassign(actor=alice, assignment=assignment, agency=reviewing(AgencyFactory(), alice), reason="Ill")
    with pytest.raises(ValidationError, match="reassigned"):
        request_answer(actor=carol, info_request=info_request, body="Here it is")


def test_anonymous_users_are_sent_to_sign_in(client, dave, assignment):
    info_request = open_request(dave, assignment)
    for url in (thread_url(info_request), reverse("verification:request_inbox")):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_the_unit_list_is_for_unit_staff_only(client_for, dave, alice):
    for user in (dave, alice):
        assert client_for(user).get(reverse("verification:request_inbox")).status_code == 403


def test_a_file_of_another_thread_is_404_through_this_thread(client_for, dave, assignment):
    first = open_request(dave, assignment)
    open_request(dave, assignment, subject="Second", files=[pdf()])
    other_file = InformationFile.objects.get()
    url = reverse("verification:request_file", args=[first.pk, other_file.pk])
    assert client_for(dave).get(url).status_code == 404


# Files


def test_a_renamed_executable_is_refused_and_nothing_is_saved(dave, assignment, private_root):
    with pytest.raises(ValidationError) as exc:
        open_request(dave, assignment, files=[pdf(), exe()])
    assert "does not contain what its name says" in " ".join(exc.value.messages)
    assert not InformationRequest.objects.exists()
    assert not InformationMessage.objects.exists()
    assert not InformationFile.objects.exists()
    assert stored_files(private_root) == []


def test_a_refused_file_in_an_answer_saves_neither_message_nor_files(carol, dave, assignment, private_root):
    info_request = open_request(dave, assignment)
    with pytest.raises(ValidationError):
        request_answer(actor=carol, info_request=info_request, body="Attached.", files=[pdf(), exe()])
    info_request.refresh_from_db()
    assert info_request.status == RequestStatus.OPEN
    assert info_request.messages.count() == 1
    assert stored_files(private_root) == []


def test_the_upload_form_shows_the_refusal(client_for, carol, dave, assignment):
    info_request = open_request(dave, assignment)
    response = client_for(carol).post(thread_url(info_request), {"body": "Attached.", "files": [pdf(), exe()]})
    assert response.status_code == 200
    assert "does not contain what its name says" in response.content.decode()
    assert info_request.messages.count() == 1


def test_several_files_are_uploaded_through_the_form(client_for, carol, dave, assignment, private_root):
    info_request = open_request(dave, assignment)
    response = client_for(carol).post(thread_url(info_request), {"body": "Both.", "files": [pdf(), png()]})
    assert response.status_code == 302
    message = info_request.messages.last()
    assert message.files.count() == 2
    assert all(private_root.joinpath(item.stored_path).is_file() for item in message.files.all())


def test_files_are_served_as_attachments(client_for, carol, dave, assignment):
    open_request(dave, assignment, files=[pdf("invoice.pdf")])
    response = client_for(carol).get(file_url(InformationFile.objects.get()))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"] and "invoice.pdf" in response["Content-Disposition"]


# Notifications and audit


def test_the_unit_is_told_when_the_agency_writes(carol, dave, assignment):
    open_request(dave, assignment)
    note = Notification.objects.get(recipient=carol, kind__startswith="verification.")
    assert note.kind == "verification.request_opened"
    assert "Electricity invoices" in note.subject_en
    assert not Notification.objects.filter(recipient=dave, kind__startswith="verification.").exists()


def test_the_agency_is_told_when_the_unit_answers(carol, dave, assignment):
    info_request = open_request(dave, assignment)
    request_answer(actor=carol, info_request=info_request, body="Attached.")
    note = Notification.objects.get(recipient=dave, kind__startswith="verification.")
    assert note.kind == "verification.request_answered"
    assert note.url == thread_url(info_request)


def test_the_unit_is_told_when_the_agency_writes_again(carol, dave, assignment):
    info_request = open_request(dave, assignment)
    request_follow_up(actor=dave, info_request=info_request, body="And November?")
    assert Notification.objects.filter(recipient=carol, kind="verification.request_follow_up").count() == 1


def test_every_write_is_audited(carol, dave, assignment):
    info_request = open_request(dave, assignment)
    request_answer(actor=carol, info_request=info_request, body="Attached.")
    request_follow_up(actor=dave, info_request=info_request, body="And November?")
    request_set_reply_due(
        actor=dave, info_request=info_request, reply_due_date=timezone.localdate() + timedelta(days=10)
    )
    request_close(actor=dave, info_request=info_request)
    verbs = list(AuditEntry.objects.filter(target_id=str(info_request.pk)).values_list("verb", flat=True))
    for verb in ("open", "answer", "follow_up", "reply_due", "close"):
        assert f"info_request.{verb}" in verbs


# Pages


def test_the_thread_shows_messages_oldest_first(client_for, carol, dave, assignment):
    info_request = open_request(dave, assignment)
    request_answer(actor=carol, info_request=info_request, body="Answer from the unit.")
    content = client_for(carol).get(thread_url(info_request)).content.decode()
    assert content.index("Please send the December invoice.") < content.index("Answer from the unit.")


def test_the_agency_opens_a_request_through_the_form(client_for, carol, dave, assignment):
    url = reverse("verification:request_new", args=[assignment.pk])
    client = client_for(dave)
    assert client.get(url).status_code == 200
    response = client.post(url, {"subject": "Gas meter", "body": "Calibration certificate?", "files": [pdf()]})
    info_request = InformationRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == thread_url(info_request)
    assert info_request.messages.get().files.count() == 1


def test_the_unit_list_flags_an_overdue_reply(client_for, carol, dave, assignment):
    info_request = open_request(dave, assignment)
    InformationRequest.objects.filter(pk=info_request.pk).update(
        reply_due_date=timezone.localdate() - timedelta(days=2)
    )
    content = client_for(carol).get(reverse("verification:request_inbox")).content.decode()
    assert thread_url(info_request) in content
    assert "Reply overdue by 2 days" in content


def test_the_unit_list_shows_only_its_own_organisations_requests(client_for, erin, dave, assignment):
    info_request = open_request(dave, assignment)
    content = client_for(erin).get(reverse("verification:request_inbox")).content.decode()
    assert thread_url(info_request) not in content


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_unit_list_runs_the_same_queries_for_1_and_10_requests(client_for, carol, dave, assignment):
    client = client_for(carol)
    url = reverse("verification:request_inbox")
    open_request(dave, assignment, files=[pdf()])
    client.get(url)
    one = count_queries(client, url)
    for i in range(9):
        open_request(dave, assignment, subject=f"Question {i}")
    assert count_queries(client, url) == one
    assert client.get(url).content.decode().count("/verification/requests/") >= 10


def test_the_agency_list_runs_the_same_queries_for_1_and_10_requests(client_for, dave, assignment):
    client = client_for(dave)
    url = reverse("verification:request_list", args=[assignment.pk])
    open_request(dave, assignment)
    client.get(url)
    one = count_queries(client, url)
    for i in range(9):
        open_request(dave, assignment, subject=f"Question {i}")
    assert count_queries(client, url) == one


def test_the_workspace_partial_counts_and_links(client_for, rf, dave, assignment):
    from django.template.loader import render_to_string

    open_request(dave, assignment)
    request = rf.get("/")
    request.user = dave
    html = render_to_string("verification/_workspace_requests.html", {"assignment": assignment}, request=request)
    assert "Requests for information" in html
    assert reverse("verification:request_list", args=[assignment.pk]) in html
    assert reverse("verification:request_new", args=[assignment.pk]) in html
    assert "1 awaiting its reply" in html


def test_another_units_assignment_is_unrelated(alice, agency, dave, carol):
    """A unit's staff never answer a request about another unit's report."""
    other = assigned_report(alice, agency)
    info_request = open_request(dave, other)
    with pytest.raises(PermissionDenied):
        request_answer(actor=carol, info_request=info_request, body="Not ours")
