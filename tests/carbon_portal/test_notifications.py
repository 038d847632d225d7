"""The inbox and its emails."""

import pytest
from django.core import mail
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from carbon_portal.models import Notification
from carbon_portal.notifications import email_pending, notify, unread_count
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _send(user, **kwargs):
    fields = {"kind": "test", "subject": _("Messages"), "body": _("You have no messages."), "url": "/dashboard/"}
    return notify(recipients=[user], **(fields | kwargs))


def test_a_message_is_kept_in_both_languages():
    note = _send(UserFactory())[0]
    assert note.subject_en == "Messages"
    assert note.subject_zh != note.subject_en


def test_the_email_goes_out_after_commit(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        _send(user)
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert Notification.objects.get(recipient=user).emailed_at is not None


def test_a_failed_email_is_retried_later(monkeypatch, django_capture_on_commit_callbacks):
    user = UserFactory()

    def broken(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr("carbon_portal.notifications.send_mail", broken)
    with django_capture_on_commit_callbacks(execute=True):
        _send(user)
    assert Notification.objects.get(recipient=user).emailed_at is None
    monkeypatch.undo()
    assert email_pending() == 1
    assert Notification.objects.get(recipient=user).emailed_at is not None


def test_inactive_users_get_nothing():
    assert _send(UserFactory(is_active=False)) == []


def test_opening_a_message_marks_it_read_and_follows_its_link(client):
    user = UserFactory()
    note = _send(user)[0]
    client.force_login(user)
    assert unread_count(user) == 1
    response = client.get(reverse("inbox_open", args=[note.pk]))
    assert response["Location"] == "/dashboard/"
    assert unread_count(user) == 0


def test_a_link_off_the_portal_is_not_followed(client):
    user = UserFactory()
    note = _send(user, url="https://evil.example.com/")[0]
    client.force_login(user)
    assert client.get(reverse("inbox_open", args=[note.pk]))["Location"] == reverse("inbox")


def test_another_users_message_is_not_found(client):
    note = _send(UserFactory())[0]
    client.force_login(UserFactory())
    assert client.get(reverse("inbox_open", args=[note.pk])).status_code == 404


def test_the_unread_count_shows_in_the_navigation(client):
    user = UserFactory()
    _send(user)
    _send(user)
    client.force_login(user)
    page = client.get(reverse("inbox"), HTTP_ACCEPT_LANGUAGE="en")
    assert b'<span class="badge"' in page.content
    client.post(reverse("inbox_mark_all_read"))
    assert unread_count(user) == 0
