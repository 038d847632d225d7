"""The audit trail: services call `record` explicitly, in their own transaction."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import AuditEntry


def record(*, actor, verb: str, target: models.Model, data: dict[str, Any] | None = None) -> AuditEntry:
    label = str(actor) if actor is not None else "system"
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_label=label[:200],
        verb=verb,
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        target_id=str(target.pk),
        target_label=str(target)[:300],
        data=data or {},
    )


def entries_for(target: models.Model):
    """The history of one object, newest first."""
    return AuditEntry.objects.filter(
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=False),
        target_id=str(target.pk),
    ).select_related("actor")
