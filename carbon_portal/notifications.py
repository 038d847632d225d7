"""Messages to users: an inbox in the portal, and the same message by email.

Text is rendered at the time of the event in both languages and stored, so the inbox reads in
the reader's language later and a changed catalogue never rewrites what was said. Emails go out
after the transaction commits, through Celery; a message whose email failed (or whose broker was
down) is retried by the beat until sent.
"""

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation

from .models import Notification, User

logger = logging.getLogger(__name__)
MAX_EMAIL_ATTEMPT_AGE = timedelta(days=3)


def _render(text, params: dict | None) -> dict[str, str]:
    """`text` is a lazy translation; %-params are filled in each language."""
    out = {}
    for field, language in (("zh", "zh-hans"), ("en", "en")):
        with translation.override(language):
            rendered = str(text)
            out[field] = rendered % params if params else rendered
    return out


def notify(
    *, recipients: Iterable[User], kind: str, subject, body, params: dict | None = None, url: str = ""
) -> list[Notification]:
    """One message per distinct active recipient; emailed after commit."""
    people = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not people:
        return []
    subject_text, body_text = _render(subject, params), _render(body, params)
    rows = Notification.objects.bulk_create(
        Notification(
            recipient=user,
            kind=kind,
            subject_zh=subject_text["zh"][:300],
            subject_en=subject_text["en"][:300],
            body_zh=body_text["zh"],
            body_en=body_text["en"],
            url=url,
        )
        for user in people.values()
    )
    ids = [row.pk for row in rows]
    transaction.on_commit(lambda: _send_later(ids))
    return rows


def _send_later(ids: list[int]) -> None:
    from .tasks import email_notifications

    try:
        email_notifications.delay(ids)
    except Exception:  # broker down: the beat retries unsent messages
        logger.warning("notification emails %s queued for retry: broker unavailable", ids, exc_info=True)


def email_pending(ids: list[int] | None = None) -> int:
    """Emails messages not yet emailed (all recent ones, or `ids`); returns how many were sent."""
    pending = Notification.objects.filter(
        emailed_at__isnull=True, created_at__gte=timezone.now() - MAX_EMAIL_ATTEMPT_AGE
    )
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    sent = 0
    for note in pending.select_related("recipient"):
        link = f"{settings.PORTAL_BASE_URL.rstrip('/')}{note.url}" if note.url else ""
        text = "\n\n".join(part for part in (note.body_zh, link, "—", note.subject_en, note.body_en) if part)
        try:
            send_mail(note.subject_zh, text, settings.DEFAULT_FROM_EMAIL, [note.recipient.email])
        except Exception:
            logger.warning("email for notification %s failed; will retry", note.pk, exc_info=True)
            continue
        Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(emailed_at=timezone.now())
        sent += 1
    return sent


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def inbox(user):
    return Notification.objects.filter(recipient=user)


def mark_read(user, notification_id: int | None = None) -> int:
    """Marks one of the user's messages, or all of them, read."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
