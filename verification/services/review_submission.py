"""Art. 18: the agency submits its complete technical review, which freezes its total and finishes
the assignment; the bureau may return a submitted review for correction until a determination
based on it has gone for approval, and the agency's next version replaces it."""

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carbon_portal import audit
from carbon_portal.permissions import is_bureau
from reporting.models import ReportLine

from ..choices import AssignmentStatus, DeterminationStatus, ReexamStatus, ReviewConclusion, ReviewStatus
from ..models import Determination, ReExamination, ReviewAssignment, ReviewedLine, ReviewReport
from ..selectors.reviews import reviewed_totals
from ..transitions import ASSIGNMENT_TRANSITIONS, REEXAM_TRANSITIONS, REVIEW_TRANSITIONS, move
from .review_access import locked_draft
from .review_notices import notify_returned, notify_submitted


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
    review, assignment = locked_draft(actor, review)
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
    notify_submitted(review, assignment)
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
    notify_returned(review, assignment)
    return review
