"""Art. 18: the agency's technical review report of an assigned annual report: the signed PDF, the
reviewed figure of every source line (recalculated here with the line's frozen factor), findings
and a conclusion. Submitted once complete; the bureau may return it for correction, and the
agency's next version replaces it while the returned one stays on record.

Only the staff of the agency holding the assignment now write its review, and only while the
assignment is assigned (not done, not withdrawn). Every refusal is a translated ValidationError
and saves nothing.

Who may write is checked in review_access; submission and the bureau's return are in
review_submission, the messages they send in review_notices.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from carbon_portal import audit, private_files
from carbon_portal.files import check_upload
from reporting.calculation import TONNES, calculate_line
from reporting.models import ReportLine
from reporting.models.factors import VALUE_FIELDS
from reporting.sources import EXACT_STEP
from reporting.units import parse_activity

from ..choices import FindingKind, ReviewConclusion, ReviewStatus
from ..models import Finding, ReviewAssignment, ReviewedLine, Reviewer, ReviewReport
from .review_access import locked_assignment, locked_draft, require_assigned
from .review_submission import review_return, review_submit  # noqa: F401

STORAGE_AREA = "reviews"
NOTE_MAX = 500
MAX_TONNES = Decimal(10) ** 13  # what a 16-digit column with 3 decimal places holds


def _line_label(line: ReportLine) -> str:
    return f"{line.facility.code} · {line.source_description}"


def _tonnes(value, field: str, *, signed: bool = False) -> Decimal | None:
    """A figure in tonnes to 0.001 t, or a ValidationError keyed by `field`."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float):
        raise TypeError("tonnes must be a Decimal, int or str, never a float")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationError({field: _("Give a number of tonnes, e.g. 1250.5.")})
    if amount < 0 and not signed:
        raise ValidationError({field: _("This figure cannot be negative.")})
    # The size first: quantizing a huge figure would overflow the decimal context.
    if abs(amount) >= MAX_TONNES or amount != amount.quantize(TONNES, rounding=ROUND_HALF_UP):
        raise ValidationError({field: _("Give tonnes with at most 3 decimal places, below 10 trillion.")})
    return amount


# Starting, and revising a returned review


def _next_version(assignment: ReviewAssignment) -> int:
    return (assignment.reviews.aggregate(v=Max("version"))["v"] or 0) + 1


def _fill(review: ReviewReport, previous: ReviewReport | None) -> None:
    """A reviewed line per source line: the previous version's figure, or else the reported one."""
    before = {row.report_line_id: row for row in previous.lines.all()} if previous else {}
    rows = []
    for line in ReportLine.objects.filter(report_id=review.report_id).order_by("facility__code", "id"):
        kept = before.get(line.pk)
        rows.append(
            ReviewedLine(
                review=review,
                report_line=line,
                activity_amount=kept.activity_amount if kept else line.activity_amount,
                emissions_tco2e=kept.emissions_tco2e if kept else line.emissions_tco2e,
                note=kept.note if kept else "",
            )
        )
    ReviewedLine.objects.bulk_create(rows)
    if previous:
        Finding.objects.bulk_create(
            Finding(
                review=review,
                kind=finding.kind,
                report_line_id=finding.report_line_id,
                description=finding.description,
                effect_tco2e=finding.effect_tco2e,
                is_resolved=finding.is_resolved,
            )
            for finding in previous.findings.order_by("id")
        )


@transaction.atomic
def review_start(*, actor, assignment: ReviewAssignment) -> ReviewReport:
    """Art. 18: the agency's draft review of the assigned report, one open version at a time; the
    open draft if there is one. After the bureau returned a version, the next one starts from its
    figures, findings and conclusion (the signed PDF must be uploaded again). Reviews and
    re-examinations alike."""
    assignment = locked_assignment(actor, assignment.pk)
    require_assigned(assignment)
    latest = assignment.reviews.order_by("-version").first()
    if latest is not None and latest.status == ReviewStatus.DRAFT:
        return latest
    if latest is not None and latest.status == ReviewStatus.SUBMITTED:
        raise ValidationError(_("The review of this report has been submitted and can no longer be changed."))
    review = ReviewReport(
        assignment=assignment, report_id=assignment.report_id, version=_next_version(assignment), created_by=actor
    )
    if latest is not None:  # returned: carry the work over
        review.reviewer_id, review.conclusion = latest.reviewer_id, latest.conclusion
        review.conclusion_text, review.unreported_tco2e = latest.conclusion_text, latest.unreported_tco2e
        review.unreported_note = latest.unreported_note
    review.save()
    _fill(review, latest)
    audit.record(
        actor=actor,
        verb="review.start",
        target=review,
        data={"assignment": assignment.pk, "version": review.version, "revises": latest.pk if latest else None},
    )
    return review


review_revise = review_start  # the same act after a return: the next version


# The draft's content


def _recalculated(row: ReviewedLine, amount) -> Decimal:
    """The line's emissions from the reviewed activity, with the factor frozen on the report line:
    a revision of the factor library since never changes a reviewed figure. Every kind goes through
    its own formula (a process line: material x its own tCO2 per tonne, `ef_tco2_per_t`)."""
    line = row.report_line
    snapshot = line.snapshot
    needed = VALUE_FIELDS.get(snapshot.kind)
    if needed is None or any(getattr(snapshot, name) is None for name in needed):
        raise ValidationError(
            _("The factor frozen on this line lacks the figures needed to recalculate it."), code="no_factor"
        )
    calculated = calculate_line(
        facility_code=line.facility.code, factor=snapshot, amount=amount, unit=line.activity_unit
    )
    return calculated.emissions_tco2e.quantize(EXACT_STEP, rounding=ROUND_HALF_UP)


def _line_id(key) -> int | None:
    try:
        return int(key)
    except (TypeError, ValueError):
        return None


@transaction.atomic
def review_save_lines(*, actor, review: ReviewReport, figures: dict) -> ReviewReport:
    """Reviewed activity data per source line ({report line id: (amount, note)}), each line's
    emissions recalculated here with its frozen factor. All rows or none: a refusal names its line."""
    review, _assignment_ = locked_draft(actor, review)
    rows = {row.report_line_id: row for row in review.lines.select_related("report_line__facility")}
    unknown = [str(key) for key in figures if _line_id(key) not in rows]
    if unknown:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _(
                    "There are reviewed figures for lines that do not exist in the reviewed report: %(ids)s."
                )
                % {"ids": ", ".join(unknown)}
            }
        )
    errors, changes = {}, {}
    for key, (amount, note) in figures.items():
        row = rows[_line_id(key)]
        label = _line_label(row.report_line)
        note = (note or "").strip()
        try:
            emissions = _recalculated(row, amount)
            activity = parse_activity(amount)
        except ValidationError as exc:
            errors[f"activity_{row.report_line_id}"] = [
                _("%(line)s: %(error)s") % {"line": label, "error": message} for message in exc.messages
            ]
            continue
        if len(note) > NOTE_MAX:
            errors[f"note_{row.report_line_id}"] = _("%(line)s: keep the note under %(max)s characters.") % {
                "line": label,
                "max": NOTE_MAX,
            }
            continue
        if (activity, emissions, note) != (row.activity_amount, row.emissions_tco2e, row.note):
            row.activity_amount, row.emissions_tco2e, row.note = activity, emissions, note
            changes[row.report_line_id] = {"activity": str(activity), "emissions_tco2e": str(emissions)}
    if errors:
        raise ValidationError(errors)
    ReviewedLine.objects.bulk_update(
        [rows[line_id] for line_id in changes], ["activity_amount", "emissions_tco2e", "note"]
    )
    if changes:
        audit.record(actor=actor, verb="review.lines", target=review, data={"lines": changes})
    return review


@transaction.atomic
def review_update(
    *,
    actor,
    review: ReviewReport,
    reviewer: Reviewer | None,
    conclusion: str,
    conclusion_text: str,
    unreported_tco2e,
    unreported_note: str,
) -> ReviewReport:
    """The lead reviewer (an active reviewer of the agency), the conclusion, and the emissions of
    sources the report left out altogether, with what they are."""
    review, assignment = locked_draft(actor, review)
    errors = {}
    if reviewer is not None and not (reviewer.agency_id == assignment.agency_id and reviewer.is_active):
        errors["reviewer"] = _("Choose an active reviewer of your agency.")
    conclusion = conclusion or ""
    if conclusion and conclusion not in ReviewConclusion.values:
        errors["conclusion"] = _("Choose one of the conclusions listed.")
    try:
        unreported = _tonnes(unreported_tco2e, "unreported_tco2e") or Decimal(0)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        unreported = Decimal(0)
    unreported_note = (unreported_note or "").strip()
    if unreported and not unreported_note:
        errors["unreported_note"] = _("Say which sources the report left out and how their emissions were found.")
    if errors:
        raise ValidationError(errors)
    review.reviewer = reviewer
    review.conclusion, review.conclusion_text = conclusion, (conclusion_text or "").strip()
    review.unreported_tco2e, review.unreported_note = unreported, unreported_note
    review.save(update_fields=["reviewer", "conclusion", "conclusion_text", "unreported_tco2e", "unreported_note"])
    audit.record(
        actor=actor,
        verb="review.update",
        target=review,
        data={
            "reviewer": reviewer.pk if reviewer else None,
            "conclusion": conclusion,
            "unreported_tco2e": str(unreported),
        },
    )
    return review


@transaction.atomic
def finding_add(
    *,
    actor,
    review: ReviewReport,
    kind: str,
    description: str,
    report_line: ReportLine | None = None,
    effect_tco2e=None,
) -> Finding:
    """A non-conformity, misstatement or observation, on a line of the reviewed report or on the
    report as a whole, with its effect on emissions if known (negative: it lowers them)."""
    review, _assignment_ = locked_draft(actor, review)
    errors = {}
    if kind not in FindingKind.values:
        errors["kind"] = _("Choose the kind of finding.")
    description = (description or "").strip()
    if not description:
        errors["description"] = _("Describe the finding.")
    if report_line is not None and report_line.report_id != review.report_id:
        errors["report_line"] = _("This source line is not a line of the reviewed report.")
    try:
        effect = _tonnes(effect_tco2e, "effect_tco2e", signed=True)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    finding = Finding.objects.create(
        review=review, kind=kind, description=description, report_line=report_line, effect_tco2e=effect
    )
    audit.record(
        actor=actor,
        verb="review.finding_add",
        target=review,
        data={"finding": finding.pk, "kind": kind, "line": report_line.pk if report_line else None},
    )
    return finding


@transaction.atomic
def finding_remove(*, actor, finding: Finding) -> None:
    review, _assignment_ = locked_draft(actor, finding.review)
    data = {"finding": finding.pk, "kind": finding.kind, "description": finding.description[:200]}
    Finding.objects.filter(pk=finding.pk, review=review).delete()
    audit.record(actor=actor, verb="review.finding_remove", target=review, data=data)


def _plain_name(name: str) -> str:
    """The name as shown and sent back in Content-Disposition: no control characters."""
    return ("".join(ch for ch in name if ch.isprintable()).strip() or "review.pdf")[:200]


@transaction.atomic
def review_attach_document(*, actor, review: ReviewReport, uploaded_file) -> ReviewReport:
    """The signed technical review report: a PDF by its content, not only its name. Replaces the
    draft's previous document (the stored bytes stay: a returned version may share them)."""
    review, _assignment_ = locked_draft(actor, review)
    try:
        checked = check_upload(uploaded_file, allowed=("pdf",), max_bytes=settings.UPLOAD_MAX_BYTES)
    except ValidationError as exc:
        raise ValidationError({"document": exc.messages}) from exc
    stored_path, sha256 = private_files.store_bytes(checked.content, area=STORAGE_AREA, suffix="pdf")
    replaced = review.document_name
    review.document_path, review.document_sha256 = stored_path, sha256
    review.document_name, review.document_size = _plain_name(checked.name), checked.size
    review.save(update_fields=["document_path", "document_sha256", "document_name", "document_size"])
    audit.record(
        actor=actor,
        verb="review.document",
        target=review,
        data={"name": review.document_name, "sha256": sha256, "size_bytes": checked.size, "replaces": replaced},
    )
    return review
