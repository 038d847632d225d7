"""Re-examinations (Art. 20): opened on a unit's objection or, when a trigger is flagged, on the
bureau's own motion; given to a different agency than any that reviewed the unit's year (Art. 19,
20); cancelled with a reason. The result is a new determination (prepared and approved in
services.determinations), which replaces the one re-examined; both stay on record."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carbon_portal import audit
from carbon_portal.notifications import notify
from carbon_portal.permissions import is_bureau
from carbon_portal.roles import Role
from carbon_portal.workdays import add_working_days
from registry.models import Organisation
from registry.selectors import year_settings
from reporting.choices import ReportStatus
from reporting.models import AnnualReport
from reporting.notices import staff_of

from ..choices import (
    AssignmentKind,
    AssignmentStatus,
    DeterminationStatus,
    ObjectionStatus,
    ReexamStatus,
    ReexamTrigger,
)
from ..models import IN_FORCE, Determination, Objection, ReExamination, ReviewAssignment
from ..selectors.objections import OPEN_REEXAM, reexam_ineligibility
from ..selectors.triggers import determination_flags
from ..transitions import ASSIGNMENT_TRANSITIONS, OBJECTION_TRANSITIONS, REEXAM_TRANSITIONS, move

# Triggers the bureau may name when it re-examines of its own motion; an objection's re-examination
# is opened by accepting the objection.
MOTION_TRIGGERS = (ReexamTrigger.REPORT_VS_REVIEW, ReexamTrigger.YEAR_ON_YEAR, ReexamTrigger.OTHER)
FLAGGED_TRIGGERS = (ReexamTrigger.REPORT_VS_REVIEW, ReexamTrigger.YEAR_ON_YEAR)


def require_reexaminer(user) -> None:
    if not is_bureau(user):
        raise PermissionDenied(_("Only the bureau organises re-examinations."))


def _locked_determination(determination: Determination) -> Determination:
    return Determination.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=determination.pk)


def require_in_force(determination: Determination) -> None:
    if determination.status != DeterminationStatus.APPROVED:
        raise ValidationError(_("Only a determination in force can be re-examined."))


def _require_none_open(determination: Determination) -> None:
    current = ReExamination.objects.filter(determination=determination, status__in=OPEN_REEXAM).first()
    if current is not None:
        raise ValidationError(
            _(
                "A re-examination of this determination is already under way (opened %(date)s): decide or "
                "cancel it first."
            )
            % {"date": timezone.localtime(current.opened_at).date().isoformat()}
        )


def open_locked(
    *, actor, determination: Determination, trigger: str, reason: str, objection: Objection | None = None
) -> ReExamination:
    """Opens a re-examination of a determination the caller has locked and checked."""
    _require_none_open(determination)
    reexam = ReExamination(
        determination=determination, objection=objection, trigger=trigger, reason=reason.strip(), opened_by=actor
    )
    reexam.full_clean()
    reexam.save()
    audit.record(
        actor=actor,
        verb="reexamination.open",
        target=reexam,
        data={"determination": determination.pk, "trigger": trigger, "objection": objection and objection.pk},
    )
    notify_unit_opened(reexam)
    return reexam


def _require_flagged(determination: Determination, trigger: str) -> None:
    if trigger not in FLAGGED_TRIGGERS:
        return
    if any(flag.trigger == trigger for flag in determination_flags(determination)):
        return
    settings = year_settings(determination.year)
    if settings is None:
        raise ValidationError(
            {"trigger": _("No re-examination thresholds are set for %(year)s.") % {"year": determination.year}}
        )
    raise ValidationError(
        {
            "trigger": _(
                "%(trigger)s is not flagged for this determination: the thresholds for %(year)s are a difference "
                "between report and review of more than %(pct)s%% or %(tonnes)s tCO2e, and a change on the "
                "previous year of more than %(yoy)s%%. Choose another trigger, with a reason."
            )
            % {
                "trigger": ReexamTrigger(trigger).label,
                "year": determination.year,
                "pct": settings.reexam_report_vs_review_pct,
                "tonnes": settings.reexam_report_vs_review_tco2e,
                "yoy": settings.reexam_year_on_year_pct,
            }
        }
    )


@transaction.atomic
def reexamination_open(*, actor, determination: Determination, trigger: str, reason: str) -> ReExamination:
    """Art. 20 ¶2: on its own motion the bureau re-examines a determination in force when the report
    and the review, or the year and the previous one, differ beyond the year's thresholds; or, for any
    other significant doubt, with its reason. An objection's re-examination comes from accepting it."""
    require_reexaminer(actor)
    determination = _locked_determination(determination)
    if trigger == ReexamTrigger.OBJECTION:
        raise ValidationError(
            {"trigger": _("A re-examination on an objection is opened by accepting the unit's objection.")}
        )
    if trigger not in MOTION_TRIGGERS:
        raise ValidationError({"trigger": _("Choose what gives cause for the re-examination.")})
    require_in_force(determination)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the determination is re-examined.")})
    _require_flagged(determination, trigger)
    return open_locked(actor=actor, determination=determination, trigger=trigger, reason=reason)


# -- assigning a different agency --


def _report_to_reexamine(determination: Determination) -> AnnualReport:
    if determination.report_id is not None:
        return determination.report
    current = AnnualReport.objects.filter(
        organisation_id=determination.organisation_id, year=determination.year, status=ReportStatus.SUBMITTED
    ).first()
    if current is None:
        raise ValidationError(
            _(
                "The %(year)s emissions of %(unit)s were estimated because no report was filed: the unit must file "
                "its %(year)s report before an agency can re-examine it."
            )
            % {"year": determination.year, "unit": determination.organisation.name}
        )
    return current


def reexam_due_date(reexam: ReExamination, today=None):
    """An objection's re-examination runs in the year's objection-decision working days; one of the
    bureau's own motion in the days it has to determine after a review."""
    settings = year_settings(reexam.determination.year)
    if settings is None:
        raise ValidationError(
            _("Set the year settings for %(year)s first: they give the re-examination's due date.")
            % {"year": reexam.determination.year}
        )
    today = today or timezone.localdate()
    if reexam.trigger == ReexamTrigger.OBJECTION:
        return add_working_days(today, settings.objection_decision_working_days)
    return today + timedelta(days=settings.determination_days)


def _require_eligible(agency: Organisation, determination: Determination) -> None:
    reasons = reexam_ineligibility(agency, determination.organisation_id, determination.year)
    if reasons:
        raise ValidationError({"agency": reasons})


def _locked_reexam(reexam: ReExamination) -> ReExamination:
    return (
        ReExamination.objects.select_for_update(of=("self",))
        .select_related("determination__organisation", "determination__report", "objection")
        .get(pk=reexam.pk)
    )


def _require_open(reexam: ReExamination) -> None:
    if reexam.status != ReexamStatus.OPEN:
        raise ValidationError(
            _("This re-examination is %(status)s: it can no longer be assigned.")
            % {"status": reexam.get_status_display().lower()}
        )


@transaction.atomic
def reexamination_assign(*, actor, reexamination: ReExamination, agency: Organisation) -> ReviewAssignment:
    """Art. 20: an eligible agency (Art. 19) that did not review or re-examine the unit's year before
    reviews the report again, by the re-examination's due date."""
    require_reexaminer(actor)
    reexam = _locked_reexam(reexamination)
    _require_open(reexam)
    current = (
        ReviewAssignment.objects.filter(reexamination=reexam, status__in=IN_FORCE).select_related("agency").first()
    )
    if current is not None:
        raise ValidationError(
            _("This re-examination is already assigned to %(agency)s: reassign it instead, with a reason.")
            % {"agency": current.agency.name}
        )
    determination = reexam.determination
    report = _report_to_reexamine(determination)
    _require_eligible(agency, determination)
    assignment = ReviewAssignment.objects.create(
        organisation=determination.organisation,
        year=determination.year,
        kind=AssignmentKind.REEXAMINATION,
        reexamination=reexam,
        report=report,
        agency=agency,
        due_date=reexam_due_date(reexam),
        assigned_by=actor,
    )
    audit.record(
        actor=actor,
        verb="reexamination.assign",
        target=reexam,
        data={"assignment": assignment.pk, "agency": agency.pk, "due": assignment.due_date.isoformat()},
    )
    _notify_agency(assignment)
    return assignment


@transaction.atomic
def reexamination_reassign(
    *, actor, assignment: ReviewAssignment, agency: Organisation, reason: str
) -> ReviewAssignment:
    """Withdraws the re-examination's assignment with a reason and gives it to another eligible agency."""
    require_reexaminer(actor)
    current = ReviewAssignment.objects.select_for_update(of=("self",)).get(pk=assignment.pk)
    if current.kind != AssignmentKind.REEXAMINATION:
        raise ValidationError(_("This is not a re-examination assignment."))
    reexam = _locked_reexam(current.reexamination)
    _require_open(reexam)
    if current.status != AssignmentStatus.ASSIGNED:
        raise ValidationError(_("This assignment is no longer with the agency: it cannot be reassigned."))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the re-examination goes to another agency.")})
    if agency.pk == current.agency_id:
        raise ValidationError({"agency": _("Choose another agency than the one assigned now.")})
    _require_eligible(agency, reexam.determination)
    move(current, AssignmentStatus.WITHDRAWN, ASSIGNMENT_TRANSITIONS)
    current.withdrawn_by, current.withdrawn_at = actor, timezone.now()
    current.withdrawal_reason = reason.strip()
    current.save()
    new = ReviewAssignment.objects.create(
        organisation_id=current.organisation_id,
        year=current.year,
        kind=AssignmentKind.REEXAMINATION,
        reexamination=reexam,
        report_id=current.report_id,
        agency=agency,
        due_date=reexam_due_date(reexam),
        assigned_by=actor,
        replaces=current,
    )
    audit.record(
        actor=actor,
        verb="reexamination.reassign",
        target=reexam,
        data={"from": current.agency_id, "to": agency.pk, "assignment": new.pk, "reason": current.withdrawal_reason},
    )
    _notify_agency(new)
    return new


# -- cancelling --


def _withdraw_assigned(actor, reexam: ReExamination, reason: str, now) -> int:
    """Withdraws the re-examination's assignment still with its agency, each through the table; one
    whose review is in (done) stays on record as it is."""
    assignments = list(
        ReviewAssignment.objects.select_for_update(of=("self",)).filter(
            reexamination=reexam, status=AssignmentStatus.ASSIGNED
        )
    )
    for assignment in assignments:
        move(assignment, AssignmentStatus.WITHDRAWN, ASSIGNMENT_TRANSITIONS)
        assignment.withdrawn_by, assignment.withdrawn_at = actor, now
        assignment.withdrawal_reason = _("Re-examination cancelled: %(reason)s") % {"reason": reason}
        assignment.save(update_fields=["status", "withdrawn_by", "withdrawn_at", "withdrawal_reason"])
    return len(assignments)


@transaction.atomic
def reexamination_cancel(*, actor, reexamination: ReExamination, reason: str) -> ReExamination:
    """A re-examination not yet decided may be cancelled with a reason: the agency's assignment is
    withdrawn, and an objection it came from is decided with that reason. The determination stays."""
    require_reexaminer(actor)
    reexam = _locked_reexam(reexamination)
    if reexam.status not in OPEN_REEXAM:
        raise ValidationError(
            _("This re-examination is %(status)s: it can no longer be cancelled.")
            % {"status": reexam.get_status_display().lower()}
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the re-examination is cancelled.")})
    if Determination.objects.filter(reexamination=reexam).exists():
        raise ValidationError(
            _("A determination on this re-examination is being prepared: discard it before cancelling.")
        )
    now = timezone.now()
    withdrawn = _withdraw_assigned(actor, reexam, reason, now)
    move(reexam, ReexamStatus.CANCELLED, REEXAM_TRANSITIONS)
    reexam.closed_at, reexam.cancel_reason = now, reason
    reexam.save(update_fields=["status", "closed_at", "cancel_reason"])
    if reexam.objection_id:
        objection = Objection.objects.select_for_update(of=("self",)).get(pk=reexam.objection_id)
        move(objection, ObjectionStatus.DECIDED, OBJECTION_TRANSITIONS)
        objection.decided_by, objection.decided_at = actor, now
        objection.decision_text = reason
        objection.save(update_fields=["status", "decided_by", "decided_at", "decision_text"])
    audit.record(
        actor=actor,
        verb="reexamination.cancel",
        target=reexam,
        data={"reason": reason, "objection": reexam.objection_id, "withdrawn_assignments": withdrawn},
    )
    _notify_unit_cancelled(reexam)
    return reexam


# -- messages --


def _params(reexam: ReExamination) -> dict:
    determination = reexam.determination
    return {
        "org": determination.organisation.name_zh,
        "year": determination.year,
        "reference": determination.reference,
        "trigger": reexam.get_trigger_display(),
    }


def notify_unit_opened(reexam: ReExamination) -> None:
    if reexam.objection_id:
        subject = gettext_lazy("Objection accepted: your %(year)s emissions are re-examined, %(reference)s")
    else:
        subject = gettext_lazy("Re-examination of your %(year)s emissions, %(reference)s")
    notify(
        recipients=staff_of(reexam.determination.organisation_id),
        kind="verification.reexamination_opened",
        subject=subject,
        body=gettext_lazy(
            "The bureau is re-examining the %(year)s emissions determined for %(org)s (%(reference)s), on the "
            "ground: %(trigger)s. A technical service agency other than the one that reviewed your report will "
            "review it again; the determination stays in force until the result replaces it (Art. 20)."
        ),
        params=_params(reexam),
        url=reverse("verification:objection_list"),
    )


def _notify_unit_cancelled(reexam: ReExamination) -> None:
    notify(
        recipients=staff_of(reexam.determination.organisation_id),
        kind="verification.reexamination_cancelled",
        subject=gettext_lazy("Re-examination of your %(year)s emissions cancelled, %(reference)s"),
        body=gettext_lazy(
            "The bureau cancelled the re-examination of the %(year)s emissions of %(org)s (%(reference)s): "
            "%(reason)s. The determination in force is unchanged."
        ),
        params=_params(reexam) | {"reason": reexam.cancel_reason},
        url=reverse("verification:objection_list"),
    )


def _notify_agency(assignment: ReviewAssignment) -> None:
    notify(
        recipients=staff_of(assignment.agency_id, Role.AGENCY_STAFF),
        kind="verification.reexamination_assigned",
        subject=gettext_lazy("Re-examination assigned: %(org)s, %(year)s"),
        body=gettext_lazy(
            "The bureau assigned your agency the re-examination of the %(year)s emission report of %(org)s, "
            "due %(due)s (Art. 20)."
        ),
        params={"org": assignment.organisation.name_zh, "year": assignment.year, "due": assignment.due_date},
        url=reverse("verification:workspace_list"),
    )
