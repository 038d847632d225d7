"""Art. 16: the evidence behind a report's figures (invoices, meter readings, lab reports), attached
to the draft by those who fill it in, read-only once submitted, carried over to a correction.

Files are checked by their content (carbon_portal.files) and kept by their SHA-256 outside the web
root (carbon_portal.private_files). A stored file may belong to several versions of a report, so
removing evidence deletes the row only, never the bytes: the submitted version keeps its file.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from carbon_portal import audit, private_files
from carbon_portal.files import check_upload

from ..models import AnnualReport, ReportEvidence
from ..permissions import require_compiler

# Imported as a module, not by name: reports.py may import this module while it is itself loading.
from . import reports as report_services

EVIDENCE_KINDS = ("pdf", "xlsx", "png", "jpg")
MAX_FILES_PER_REPORT = 50
STORAGE_AREA = "evidence"


def _audit_data(evidence: ReportEvidence) -> dict:
    return {
        "evidence": evidence.pk,
        "name": evidence.original_name,
        "kind": evidence.kind,
        "size_bytes": evidence.size_bytes,
        "sha256": evidence.sha256,
    }


def _plain_name(name: str) -> str:
    """The name as shown and sent back in Content-Disposition: no control characters."""
    return "".join(ch for ch in name if ch.isprintable()).strip() or "evidence"


def _check_room_for_one_more(report: AnnualReport) -> None:
    if report.evidence.count() >= MAX_FILES_PER_REPORT:
        raise ValidationError(
            _("A report can have at most %(max)s evidence files. Remove one before adding another.")
            % {"max": MAX_FILES_PER_REPORT},
            code="too_many",
        )


def _check_not_attached_already(report: AnnualReport, sha256: str, name: str) -> None:
    same = report.evidence.filter(sha256=sha256).first()
    if same is not None:
        raise ValidationError(
            {
                "file": ValidationError(
                    _("%(name)s is already attached to this report as %(existing)s.")
                    % {"name": name, "existing": same.original_name},
                    code="duplicate",
                )
            }
        )


@transaction.atomic
def evidence_add(*, actor, report: AnnualReport, uploaded_file, description: str) -> ReportEvidence:
    """Art. 16: a draft's evidence, added by its compilers; the file is refused unless its content
    is a PDF, workbook or image within the size limit. A refusal stores nothing."""
    report = report_services._locked(report)
    require_compiler(actor, report.organisation_id, report.year)
    report_services._require_editable(report)
    _check_room_for_one_more(report)
    errors = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = ValidationError(
            _("Say what the file shows, e.g. electricity invoices for 2026."), code="required"
        )
    try:
        checked = check_upload(uploaded_file, allowed=EVIDENCE_KINDS, max_bytes=settings.UPLOAD_MAX_BYTES)
    except ValidationError as exc:
        errors["file"] = exc
    if errors:
        raise ValidationError(errors)
    _check_not_attached_already(report, checked.sha256, checked.name)
    report_services._note_compiler(report, actor)
    stored_path, sha256 = private_files.store_bytes(checked.content, area=STORAGE_AREA, suffix=checked.kind)
    evidence = ReportEvidence(
        report=report,
        description=description,
        original_name=_plain_name(checked.name),
        kind=checked.kind,
        size_bytes=checked.size,
        sha256=sha256,
        stored_path=stored_path,
        uploaded_by=actor,
    )
    evidence.full_clean()
    evidence.save()
    audit.record(actor=actor, verb="report.evidence_add", target=report, data=_audit_data(evidence))
    return evidence


@transaction.atomic
def evidence_remove(*, actor, evidence: ReportEvidence) -> None:
    """Only from a draft. The stored file stays: another version of the report may share it."""
    report = report_services._locked(evidence.report)
    require_compiler(actor, report.organisation_id, report.year)
    report_services._require_editable(report)
    report_services._note_compiler(report, actor)
    data = _audit_data(evidence)
    evidence.delete()
    audit.record(actor=actor, verb="report.evidence_remove", target=report, data=data)


@transaction.atomic
def evidence_copy(*, actor, source: AnnualReport, target: AnnualReport) -> list[ReportEvidence]:
    """A correction starts with the evidence of the version it corrects: new rows pointing at the
    same stored files, keeping who uploaded each and when. Files already on the target are skipped,
    so copying twice adds nothing."""
    target = report_services._locked(target)
    require_compiler(actor, target.organisation_id, target.year)
    report_services._require_editable(target)
    if target.corrects_id != source.pk:
        raise ValidationError(_("Evidence is carried over only to a correction of the same report."))
    present = set(target.evidence.values_list("sha256", flat=True))
    copies = [
        ReportEvidence(
            report=target,
            description=item.description,
            original_name=item.original_name,
            kind=item.kind,
            size_bytes=item.size_bytes,
            sha256=item.sha256,
            stored_path=item.stored_path,
            uploaded_by_id=item.uploaded_by_id,
            uploaded_at=item.uploaded_at,
        )
        for item in source.evidence.order_by("uploaded_at", "id")
        if item.sha256 not in present
    ]
    ReportEvidence.objects.bulk_create(copies)
    if copies:
        audit.record(
            actor=actor,
            verb="report.evidence_copy",
            target=target,
            data={"from": source.pk, "files": [{"name": c.original_name, "sha256": c.sha256} for c in copies]},
        )
    return copies
