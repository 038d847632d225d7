"""Generated documents: PDFs rendered by Celery after commit, kept in private storage.

A kind ("reporting.report", later determination notices and certificates) names a renderer that
the app owning the target registers at start-up. A renderer turns the target into HTML and the
content that HTML shows. The document's content hash is the SHA-256 of that content as canonical
JSON, not of the PDF bytes (which embed a creation time): two renderings of the same content carry
the same hash, and the hash printed on the paper can be checked against the portal's record.

A request writes a PENDING row in the caller's transaction; the task is sent after commit. If the
broker is down the row stays PENDING, marked so, and the beat task resends it. Rendering never
happens in a web request (only in eager mode, where Celery runs in-process by design), and a
failed rendering marks the row FAILED instead of raising.
"""

import contextvars
import hashlib
import json
import logging
from collections.abc import Callable
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from celery import current_app
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise
from kombu.exceptions import OperationalError

from . import audit, document_tasks, private_files
from .models import GeneratedDocument
from .pdf import html_to_pdf

log = logging.getLogger(__name__)
Status = GeneratedDocument.Status
Renderer = Callable[[models.Model], tuple[str, Any]]

AREA = "documents"
BROKER_DOWN = "broker unavailable"
_renderers: dict[str, Renderer] = {}


def register_renderer(kind: str, fn: Renderer) -> None:
    """`fn(target) -> (html, content)`. Registering the same function twice is harmless; a second,
    different renderer for a kind is a configuration error."""
    existing = _renderers.get(kind)
    if existing is not None and _name(existing) != _name(fn):
        raise ImproperlyConfigured(f"document kind {kind!r} already has the renderer {_name(existing)}")
    _renderers[kind] = fn


def _name(fn) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def renderer_for(kind: str) -> Renderer:
    try:
        return _renderers[kind]
    except KeyError:
        raise ImproperlyConfigured(f"no renderer registered for document kind {kind!r}")


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Promise):
        return str(value)
    raise TypeError(f"{type(value).__name__} has no canonical JSON form")


def canonical_json(content) -> bytes:
    """Sorted keys, no spaces, UTF-8, Decimals and dates as strings: one byte string per content."""
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain)
    return text.encode("utf-8")


def content_hash(content) -> str:
    return hashlib.sha256(canonical_json(content)).hexdigest()


def render_html(template_name: str, *, content, context: dict) -> tuple[str, Any]:
    """For renderers: the template gets `content_sha256` (to print) and `generated_at`."""
    extra = {"content_sha256": content_hash(content), "generated_at": timezone.now()}
    extra["portal_name"] = settings.PORTAL_NAME
    return render_to_string(template_name, {**context, **extra}), content


# Writes


_on_demand_only = contextvars.ContextVar("documents_on_demand_only", default=False)


@contextmanager
def on_demand_only():
    """Within this block filings ask for no PDF: a bulk writer (the demo seed files hundreds of
    reports) leaves each document to be prepared when someone asks for it on its page."""
    token = _on_demand_only.set(True)
    try:
        yield
    finally:
        _on_demand_only.reset(token)


@transaction.atomic
def document_request(*, kind: str, target: models.Model, filename: str, actor) -> GeneratedDocument | None:
    """A PENDING document of `target`; the rendering task is sent once the caller's transaction commits."""
    renderer_for(kind)  # an unknown kind fails here, in the caller, not later in a worker
    if _on_demand_only.get():
        return None
    document = GeneratedDocument.objects.create(
        kind=kind,
        target_type=ContentType.objects.get_for_model(target),
        target_id=str(target.pk),
        filename=filename,
        requested_by=actor if actor is not None and actor.pk else None,
    )
    audit.record(actor=actor, verb="document.request", target=target, data={"kind": kind, "document": document.pk})
    transaction.on_commit(lambda: document_send(document.pk), robust=True)
    return document


def document_send(document_id: int) -> bool:
    """Publish the rendering task; on a broker failure the document stays PENDING, marked for beat."""
    GeneratedDocument.objects.filter(pk=document_id, status=Status.PENDING, message=BROKER_DOWN).update(message="")
    try:
        if current_app.conf.task_always_eager:
            document_tasks.render_document.apply(args=[document_id])
        else:
            current_app.send_task(document_tasks.render_document.name, args=[document_id])
    except (OperationalError, ConnectionError, OSError) as exc:
        log.warning("broker unavailable, document %s waits: %s", document_id, exc)
        GeneratedDocument.objects.filter(pk=document_id, status=Status.PENDING).update(message=BROKER_DOWN)
        return False
    return True


def document_render(document_id: int) -> GeneratedDocument | None:
    """Render, store and mark READY; on any error mark FAILED with the reason and log it.

    Idempotent: the row is locked while it renders, and a document no longer PENDING is left alone,
    so a task delivered twice (a resend, a late ack) renders once."""
    with transaction.atomic():
        document = GeneratedDocument.objects.select_for_update().filter(pk=document_id).first()
        if document is None or document.status != Status.PENDING:
            return document
        try:
            with transaction.atomic():
                pdf, digest = _render(document)
                document.stored_path, document.file_sha256 = private_files.store_bytes(pdf, area=AREA, suffix="pdf")
        except Exception as exc:
            log.exception("document %s (%s %s) failed", document.pk, document.kind, document.target_id)
            document.status, document.message = Status.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
        else:
            document.status, document.message = Status.READY, ""
            document.content_sha256, document.size_bytes = digest, len(pdf)
        document.finished_at = timezone.now()
        document.save()
    return document


def _render(document: GeneratedDocument) -> tuple[bytes, str]:
    renderer = renderer_for(document.kind)
    target = document.target_type.get_object_for_this_type(pk=document.target_id)
    # Official documents print in the portal's language, whoever asked and in whatever language.
    with translation.override(settings.LANGUAGE_CODE):
        html, content = renderer(target)
    digest = content_hash(content)
    if digest not in html:
        raise ValueError("the rendered document does not print its content hash")
    return html_to_pdf(html, base_url=str(settings.BASE_DIR)), digest


def documents_resend_pending(*, older_than_seconds: int = 30, lost_after_seconds: int = 900) -> int:
    """Beat: resend documents whose broker was down, and those pending so long their task was lost."""
    now = timezone.now()
    broker_was_down = Q(message=BROKER_DOWN, created_at__lt=now - timezone.timedelta(seconds=older_than_seconds))
    lost = Q(created_at__lt=now - timezone.timedelta(seconds=lost_after_seconds))
    ids = list(
        GeneratedDocument.objects.filter(broker_was_down | lost, status=Status.PENDING).values_list("pk", flat=True)
    )
    for document_id in ids:
        document_send(document_id)
    return len(ids)


# Reads


def documents_of(target: models.Model, kind: str, *, since: datetime | None = None) -> QuerySet[GeneratedDocument]:
    """The target's documents of a kind, newest first; `since` leaves out those requested before
    (a PDF of the draft once the report is submitted, say)."""
    qs = GeneratedDocument.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk), kind=kind
    )
    if since is not None:
        qs = qs.filter(created_at__gte=since)
    return qs.order_by("-created_at", "-id")


def latest_document(target: models.Model, kind: str, *, since: datetime | None = None) -> GeneratedDocument | None:
    """The newest document of a kind, whatever its status."""
    return documents_of(target, kind, since=since).first()


def latest_ready_document(target: models.Model, kind: str, *, since: datetime | None = None):
    return documents_of(target, kind, since=since).filter(status=Status.READY).first()


def document_file_response(document: GeneratedDocument):
    """The stored PDF as a download. The caller has checked the user may see the target."""
    return private_files.file_response(document.stored_path, filename=document.filename, kind="pdf")
