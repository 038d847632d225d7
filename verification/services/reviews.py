"""Art. 18: the agency's technical review report of an assigned annual report: the signed PDF, the
reviewed figure of every source line (recalculated here with the line's frozen factor), findings
and a conclusion. Submitted once complete; the bureau may return it for correction, and the
agency's next version replaces it while the returned one stays on record.

Only the staff of the agency holding the assignment now write its review, and only while the
assignment is assigned (not done, not withdrawn). Every refusal is a translated ValidationError
and saves nothing.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carbon_portal import audit, private_files
from carbon_portal.files import check_upload
from carbon_portal.models import User
from carbon_portal.notifications import notify
from carbon_portal.permissions import is_bureau, organisation_ids_of
from carbon_portal.roles import Role
from reporting.calculation import TONNES, calculate_line
from reporting.models import ReportLine
from reporting.models.factors import VALUE_FIELDS
from reporting.sources import EXACT_STEP
from reporting.units import parse_activity

from ..choices import (
    AssignmentStatus,
    DeterminationStatus,
    FindingKind,
    ReexamStatus,
    ReviewConclusion,
    ReviewStatus,
)
from ..models import Determination, Finding, ReExamination, ReviewAssignment, ReviewedLine, Reviewer, ReviewReport
from ..permissions import assignments_for
from ..selectors.reviews import reviewed_totals
from ..transitions import ASSIGNMENT_TRANSITIONS, REEXAM_TRANSITIONS, REVIEW_TRANSITIONS, move

STORAGE_AREA = "reviews"
NOTE_MAX = 500
MAX_TONNES = Decimal(10) ** 13  # what a 16-digit column with 3 decimal places holds


# Access and state


def _assignment(actor, assignment_id: int) -> ReviewAssignment:
    """The assignment, locked, if the actor is staff of the agency holding it now."""
    agencies = organisation_ids_of(actor, Role.AGENCY_STAFF)
    found = (
        assignments_for(actor)
        .filter(pk=assignment_id, agency_id__in=agencies)
        .select_for_update(of=("self",))
        .select_related("organisation", "agency")
        .first()
    )
    if found is None:
        raise PermissionDenied(_("Only the staff of the agency assigned this review may write it."))
    return found


def _require_assigned(assignment: ReviewAssignment) -> None:
    if assignment.status != AssignmentStatus.ASSIGNED:
        raise ValidationError(_("The review of this report has been submitted and can no longer be changed."))


def _draft(actor, review: ReviewReport) -> tuple[ReviewReport, ReviewAssignment]:
    """The review locked, and its assignment, if the actor may change it now: a draft of an
    assignment their agency holds and has not finished."""
    review = ReviewReport.objects.select_for_update(of=("self",)).get(pk=review.pk)
    assignment = _assignment(actor, review.assignment_id)
    _require_assigned(assignment)
    if review.status != ReviewStatus.DRAFT:
        raise ValidationError(
            _("Version %(version)s of this review is %(status)s and can no longer be changed.")
            % {"version": review.version, "status": review.get_status_display().lower()}
        )
    return review, assignment


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
    assignment = _assignment(actor, assignment.pk)
    _require_assigned(assignment)
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
    review, _assignment_ = _draft(actor, review)
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
    review, assignment = _draft(actor, review)
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
    review, _assignment_ = _draft(actor, review)
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
    review, _assignment_ = _draft(actor, finding.review)
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
    review, _assignment_ = _draft(actor, review)
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


# Submission, and the bureau's return


def _submission_problems(review: ReviewReport, assignment: ReviewAssignment, rows: list[ReviewedLine]) -> dict:
    problems = {}
    if not review.document_sha256:
        problems["document"] = _("Upload the signed technical review report (PDF).")
    reviewer = review.reviewer
    if reviewer is None or not reviewer.is_active or reviewer.agency_id != assignment.agency_id:
        problems["reviewer"] = _("Choose the lead reviewer, an active reviewer of your agency.")
    if not review.conclusion:
        problems["conclusion"] = _("Choose the conclusion of the review.")
    as_reported = all(
        (row.activity_amount, row.emissions_tco2e) == (row.report_line.activity_amount, row.report_line.emissions_tco2e)
        for row in rows
    )
    if review.conclusion == ReviewConclusion.CONFIRMED and not (as_reported and not review.unreported_tco2e):
        problems["conclusion"] = _(
            "The reviewed figures differ from the reported ones, or there are unreported emissions: "
            'choose "%(corrected)s" instead of "%(confirmed)s".'
        ) % {"corrected": ReviewConclusion.CORRECTED.label, "confirmed": ReviewConclusion.CONFIRMED.label}
    if ReportLine.objects.filter(report_id=review.report_id).count() != len(rows):
        problems[NON_FIELD_ERRORS] = _(
            "Some source lines of the report have no reviewed figure: start the review again."
        )
    return problems


def _set_reexamination(actor, assignment: ReviewAssignment, *, old: str, new: str) -> None:
    """A re-examination's review is in (or, returned, awaited again)."""
    if not assignment.reexamination_id:
        return
    reexam = ReExamination.objects.select_for_update(of=("self",)).get(pk=assignment.reexamination_id)
    if reexam.status == old:
        move(reexam, new, REEXAM_TRANSITIONS)
        reexam.save(update_fields=["status"])
        audit.record(actor=actor, verb="reexamination.status", target=reexam, data={"from": old, "to": new})


@transaction.atomic
def review_submit(*, actor, review: ReviewReport) -> ReviewReport:
    """Art. 18: a complete review (signed PDF, lead reviewer, conclusion; "confirmed" only when
    every line stands as reported and nothing was left out) is submitted and its total frozen: the
    reviewed lines without biomass CO2, rounded once, plus the unreported emissions. The assignment
    is done and the bureau user who assigned it is told."""
    review, assignment = _draft(actor, review)
    rows = list(review.lines.select_related("report_line__facility"))
    problems = _submission_problems(review, assignment, rows)
    if problems:
        raise ValidationError(problems)
    review.reviewed_total_tco2e = reviewed_totals(rows).total_tco2e + review.unreported_tco2e
    move(review, ReviewStatus.SUBMITTED, REVIEW_TRANSITIONS)
    move(assignment, AssignmentStatus.DONE, ASSIGNMENT_TRANSITIONS)
    review.submitted_by, review.submitted_at = actor, timezone.now()
    review.save()
    assignment.save(update_fields=["status"])
    _set_reexamination(actor, assignment, old=ReexamStatus.OPEN, new=ReexamStatus.REVIEWED)
    audit.record(
        actor=actor,
        verb="review.submit",
        target=review,
        data={
            "version": review.version,
            "conclusion": review.conclusion,
            "reviewed_total_tco2e": str(review.reviewed_total_tco2e),
            "sha256": review.document_sha256,
        },
    )
    _notify_submitted(review, assignment)
    return review


@transaction.atomic
def review_return(*, actor, review: ReviewReport, reason: str) -> ReviewReport:
    """The bureau returns a submitted review for correction, with its reason, until a determination
    based on it has gone for approval. The assignment is open again for the agency's next version."""
    if not is_bureau(actor):
        raise PermissionDenied(_("Only the bureau returns a technical review for correction."))
    review = ReviewReport.objects.select_for_update(of=("self",)).get(pk=review.pk)
    if review.status != ReviewStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted review can be returned for correction."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what the agency must correct.")})
    if Determination.objects.filter(review=review).exclude(status=DeterminationStatus.DRAFT).exists():
        raise ValidationError(
            _("A determination based on this review has been sent for approval: the review can no longer be returned.")
        )
    assignment = (
        ReviewAssignment.objects.select_for_update(of=("self",))
        .select_related("agency", "reexamination")
        .get(pk=review.assignment_id)
    )
    if assignment.reexamination and assignment.reexamination.status in (ReexamStatus.CANCELLED, ReexamStatus.DECIDED):
        raise ValidationError(
            _("The re-examination this review was made for is closed: the review can no longer be returned.")
        )
    move(review, ReviewStatus.RETURNED, REVIEW_TRANSITIONS)
    review.returned_by, review.returned_at = actor, timezone.now()
    review.return_reason = reason
    review.save()
    if assignment.status == AssignmentStatus.DONE:
        move(assignment, AssignmentStatus.ASSIGNED, ASSIGNMENT_TRANSITIONS)
        assignment.save(update_fields=["status"])
    _set_reexamination(actor, assignment, old=ReexamStatus.REVIEWED, new=ReexamStatus.OPEN)
    audit.record(actor=actor, verb="review.return", target=review, data={"version": review.version, "reason": reason})
    _notify_returned(review, assignment)
    return review


# Messages


def _agency_staff(agency_id: int):
    return User.objects.filter(
        is_active=True,
        memberships__organisation_id=agency_id,
        memberships__role=Role.AGENCY_STAFF,
        memberships__is_active=True,
    ).distinct()


def _params(review: ReviewReport, assignment: ReviewAssignment) -> dict:
    return {
        "reference": review.reference,
        "version": review.version,
        "agency": assignment.agency.name_zh,
        "unit": assignment.organisation.name_zh,
        "year": assignment.year,
    }


def _notify_submitted(review: ReviewReport, assignment: ReviewAssignment) -> None:
    notify(
        recipients=[assignment.assigned_by],
        kind="verification.review_submitted",
        subject=gettext_lazy("Technical review received: %(reference)s"),
        body=gettext_lazy(
            "%(agency)s submitted version %(version)s of its technical review of the %(year)s report of %(unit)s. "
            "Reviewed emissions: %(total)s tCO2e."
        ),
        params=_params(review, assignment) | {"total": f"{review.reviewed_total_tco2e:,.3f}"},
        url=reverse("verification:review_detail", args=[review.pk]),
    )


def _notify_returned(review: ReviewReport, assignment: ReviewAssignment) -> None:
    notify(
        recipients=_agency_staff(assignment.agency_id),
        kind="verification.review_returned",
        subject=gettext_lazy("Technical review returned for correction: %(reference)s"),
        body=gettext_lazy(
            "The bureau returned version %(version)s of your technical review of the %(year)s report of %(unit)s "
            "for correction: %(reason)s Revise the review and submit it again."
        ),
        params=_params(review, assignment) | {"reason": review.return_reason},
        url=reverse("verification:review_edit", args=[assignment.pk]),
    )
