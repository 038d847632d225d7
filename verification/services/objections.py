"""A unit's objection to its determination (Art. 20 ¶1): filed within the window with reasons and
supporting files; the bureau rejects it with its decision in words, or accepts it and opens a
re-examination by a different agency, whose result replaces the determination."""

from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carbon_portal import audit, private_files
from carbon_portal.files import check_upload
from carbon_portal.models import User
from carbon_portal.notifications import notify
from carbon_portal.permissions import organisation_ids_of
from carbon_portal.roles import BUREAU_ROLES, Role
from carbon_portal.workdays import add_working_days
from registry.models import YearSettings
from registry.selectors import year_settings
from reporting.notices import staff_of

from ..choices import DeterminationBasis, DeterminationStatus, ObjectionStatus, ReexamStatus, ReexamTrigger
from ..models import Determination, Objection, ObjectionFile, ReExamination
from ..selectors.objections import OPEN_REEXAM
from ..transitions import OBJECTION_TRANSITIONS, move
from .reexaminations import notify_unit_opened, open_locked, require_in_force, require_reexaminer

OBJECTION_FILE_KINDS = ("pdf", "xlsx", "png", "jpg")
MAX_FILES = 20
STORAGE_AREA = "objections"


def _plain_name(name: str) -> str:
    return "".join(ch for ch in name if ch.isprintable()).strip() or "file"


def _decision_due(year: int, today):
    found = year_settings(year)
    days = (
        found.objection_decision_working_days
        if found
        else YearSettings._meta.get_field("objection_decision_working_days").default
    )
    return add_working_days(today, days)


def _require_window_open(determination: Determination, today) -> None:
    deadline = determination.objection_deadline
    if determination.basis == DeterminationBasis.REEXAMINATION:
        raise ValidationError(
            _(
                "This determination was made on a re-examination's results and is final: it cannot be objected to (Art. 20)."
            )
        )
    if deadline is None:
        raise ValidationError(_("No objection window is open for this determination."))
    if today > deadline:
        raise ValidationError(
            _("The objection window closed on %(date)s: an objection can no longer be filed (Art. 20).")
            % {"date": deadline.isoformat()},
            code="window_closed",
        )


def _checked_files(files: Sequence) -> list:
    if len(files) > MAX_FILES:
        message = _("Attach at most %(max)s files to an objection.") % {"max": MAX_FILES}
        raise ValidationError({"files": ValidationError(message, code="too_many")})
    checked, errors = [], []
    for upload in files:
        try:
            checked.append(check_upload(upload, allowed=OBJECTION_FILE_KINDS, max_bytes=settings.UPLOAD_MAX_BYTES))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({"files": errors})
    return checked


def _require_unit_staff(actor, determination: Determination) -> None:
    if determination.organisation_id not in organisation_ids_of(actor, Role.UNIT_STAFF):
        raise PermissionDenied(_("Only the unit's own staff may object to its determination."))


@transaction.atomic
def objection_file(
    *,
    actor,
    determination: Determination,
    reasons: str,
    claimed_tco2e: Decimal | None = None,
    files: Sequence = (),
) -> Objection:
    """Art. 20 ¶1: the unit objects to the determination in force, by the last day of its window, once,
    with its reasons and supporting files (PDF, workbook, images). A refused file saves nothing."""
    determination = (
        Determination.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=determination.pk)
    )
    _require_unit_staff(actor, determination)
    if determination.status != DeterminationStatus.APPROVED:
        raise ValidationError(_("Only a determination in force can be objected to."))
    today = timezone.localdate()
    _require_window_open(determination, today)
    if determination.objections.exists():
        raise ValidationError(_("Your unit has already objected to this determination."), code="duplicate")
    errors = {}
    reasons = (reasons or "").strip()
    if not reasons:
        errors["reasons"] = ValidationError(_("Give the reasons for the objection."), code="required")
    if claimed_tco2e is not None and claimed_tco2e < 0:
        errors["claimed_tco2e"] = ValidationError(_("Emissions cannot be negative."), code="negative")
    try:
        checked = _checked_files(files)
    except ValidationError as exc:
        errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    objection = Objection(
        determination=determination,
        reasons=reasons,
        claimed_tco2e=claimed_tco2e,
        filed_by=actor,
        decision_due_date=_decision_due(determination.year, today),
    )
    objection.full_clean()
    objection.save()
    stored = []
    for upload in checked:
        path, sha256 = private_files.store_bytes(upload.content, area=STORAGE_AREA, suffix=upload.kind)
        stored.append(
            ObjectionFile(
                objection=objection,
                original_name=_plain_name(upload.name),
                kind=upload.kind,
                size_bytes=upload.size,
                sha256=sha256,
                stored_path=path,
            )
        )
    ObjectionFile.objects.bulk_create(stored)
    audit.record(
        actor=actor,
        verb="objection.file",
        target=objection,
        data={
            "determination": determination.pk,
            "claimed_tco2e": None if claimed_tco2e is None else str(claimed_tco2e),
            "files": [{"name": f.original_name, "sha256": f.sha256} for f in stored],
            "decision_due": objection.decision_due_date.isoformat(),
        },
    )
    _notify_filed(objection)
    return objection


def _locked_objection(objection: Objection) -> Objection:
    return (
        Objection.objects.select_for_update(of=("self",))
        .select_related("determination__organisation")
        .get(pk=objection.pk)
    )


def _require_filed(objection: Objection) -> None:
    if objection.status != ObjectionStatus.FILED:
        raise ValidationError(
            _("This objection has already been dealt with (%(status)s).")
            % {"status": objection.get_status_display().lower()}
        )


@transaction.atomic
def objection_reject(*, actor, objection: Objection, decision_text: str) -> Objection:
    """The bureau rejects an objection, saying why in its decision; the determination stays in force."""
    require_reexaminer(actor)
    objection = _locked_objection(objection)
    _require_filed(objection)
    decision_text = (decision_text or "").strip()
    if not decision_text:
        raise ValidationError({"decision_text": _("Say why the objection is rejected.")})
    move(objection, ObjectionStatus.REJECTED, OBJECTION_TRANSITIONS)
    objection.decision_text = decision_text
    objection.decided_by, objection.decided_at = actor, timezone.now()
    objection.save(update_fields=["status", "decision_text", "decided_by", "decided_at"])
    audit.record(actor=actor, verb="objection.reject", target=objection, data={"decision": decision_text})
    _notify_rejected(objection)
    return objection


@transaction.atomic
def objection_accept(*, actor, objection: Objection, reason: str) -> ReExamination:
    """Art. 20 ¶1: the bureau accepts an objection and organises a re-examination. If one of its own
    motion is already under way for the determination, the objection joins it."""
    require_reexaminer(actor)
    objection = _locked_objection(objection)
    _require_filed(objection)
    determination = Determination.objects.select_for_update(of=("self",)).get(pk=objection.determination_id)
    require_in_force(determination)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what the re-examination is to look at.")})
    current = ReExamination.objects.select_for_update(of=("self",)).filter(
        determination=determination, status__in=OPEN_REEXAM
    )
    current = current.first()
    if current is not None and current.objection_id is None and current.status == ReexamStatus.OPEN:
        current.objection = objection
        current.save(update_fields=["objection"])
        reexam = current
        audit.record(actor=actor, verb="reexamination.join_objection", target=reexam, data={"objection": objection.pk})
        notify_unit_opened(reexam)
    else:
        reexam = open_locked(
            actor=actor,
            determination=determination,
            trigger=ReexamTrigger.OBJECTION,
            reason=reason,
            objection=objection,
        )
    move(objection, ObjectionStatus.REEXAMINING, OBJECTION_TRANSITIONS)
    objection.save(update_fields=["status"])
    audit.record(
        actor=actor, verb="objection.accept", target=objection, data={"reexamination": reexam.pk, "reason": reason}
    )
    return reexam


# -- messages --


def _bureau_staff():
    return User.objects.filter(
        is_active=True, memberships__role__in=BUREAU_ROLES, memberships__is_active=True
    ).distinct()


def _params(objection: Objection) -> dict:
    determination = objection.determination
    return {
        "org": determination.organisation.name_zh,
        "year": determination.year,
        "reference": determination.reference,
        "due": objection.decision_due_date.isoformat(),
    }


def _notify_filed(objection: Objection) -> None:
    params = _params(objection)
    notify(
        recipients=_bureau_staff(),
        kind="verification.objection_filed",
        subject=gettext_lazy("Objection filed: %(org)s, %(year)s emissions"),
        body=gettext_lazy(
            "%(org)s objected to the determination of its %(year)s emissions (%(reference)s). Decide by %(due)s: "
            "reject it with reasons, or accept it and have a different agency re-examine the year (Art. 20)."
        ),
        params=params,
        url=reverse("verification:objection_decide", args=[objection.pk]),
    )
    notify(
        recipients=staff_of(objection.determination.organisation_id),
        kind="verification.objection_received",
        subject=gettext_lazy("Received: your objection to %(reference)s"),
        body=gettext_lazy(
            "The bureau received the objection of %(org)s to the determination of its %(year)s emissions "
            "(%(reference)s). It will decide by %(due)s."
        ),
        params=params,
        url=reverse("verification:objection_detail", args=[objection.pk]),
    )


def _notify_rejected(objection: Objection) -> None:
    notify(
        recipients=staff_of(objection.determination.organisation_id),
        kind="verification.objection_rejected",
        subject=gettext_lazy("Objection rejected: %(reference)s"),
        body=gettext_lazy(
            "The bureau rejected the objection of %(org)s to the determination of its %(year)s emissions "
            "(%(reference)s): %(decision)s. The determination stays in force."
        ),
        params=_params(objection) | {"decision": objection.decision_text},
        url=reverse("verification:objection_detail", args=[objection.pk]),
    )
