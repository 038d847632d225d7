"""The bureau determines each unit's emissions for a year (Art. 18-20; DOMAIN.md "Verification").

One bureau user prepares a determination on the report and its technical review, on a documented
conservative estimate when the unit filed no report, or on a re-examination's review; a second
bureau user approves it (four eyes). Only approval puts a determination in force: it writes the
emissions on record, sends the unit its notice and starts the objection window. A
re-examination's determination supersedes the one it re-examined; both stay on record.

    draft --submit--> pending --approve--> approved --(re-examination approved)--> superseded
      ^                  |
      +-----return-------+

What a determination rests on is found and checked in determination_basis; who is told of a return
or an approval, in determination_notices.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carbon_portal import audit, documents
from carbon_portal.formatting import format_tco2e
from carbon_portal.permissions import is_bureau, is_bureau_approver
from carbon_portal.workdays import add_working_days
from registry.choices import EmissionSource
from registry.models import Organisation
from registry.selectors import year_settings
from registry.services import emission_record_set

from ..choices import DeterminationBasis, DeterminationStatus, ObjectionStatus, ReexamStatus
from ..documents import NOTICE_KIND, notice_filename
from ..models import Determination, Objection, ReExamination, ReviewReport
from ..selectors import determinations as selectors
from ..transitions import DETERMINATION_TRANSITIONS, OBJECTION_TRANSITIONS, REEXAM_TRANSITIONS, move
from .determination_basis import (
    Basis,  # noqa: F401
    find_basis,
    freeze_figures,
    require_basis_current,
    require_nothing_in_force,
)
from .determination_notices import notify_approved, notify_returned

TRANSITIONS = DETERMINATION_TRANSITIONS  # the table lives in verification.transitions


def _now():
    """The moment of a state change (tests pin it to check the objection deadline)."""
    return timezone.now()


def _require_bureau(actor) -> None:
    if not is_bureau(actor):
        raise PermissionDenied(_("Only bureau staff determine emissions."))


def _require_status(determination: Determination, status: str, message: str) -> None:
    if determination.status != status:
        raise ValidationError(message)


def _move(determination: Determination, status: str) -> None:
    """Every status change goes through the table: nothing reaches APPROVED but from PENDING."""
    move(
        determination,
        status,
        DETERMINATION_TRANSITIONS,
        message=_("A determination cannot go from %(from)s to %(to)s."),
    )


def _figure(value) -> Decimal:
    try:
        figure = Decimal(str(value)) if value is not None else None
    except InvalidOperation:
        figure = None
    if figure is None or not figure.is_finite():
        raise ValidationError({"emissions_tco2e": _("Give the determined emissions in tCO2e.")})
    if figure < 0:
        raise ValidationError({"emissions_tco2e": _("Emissions cannot be negative.")})
    if figure.as_tuple().exponent < -3:
        raise ValidationError({"emissions_tco2e": _("Give the emissions to at most 0.001 t.")})
    return figure


def _reasoning(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"reasoning": _("Say how the bureau arrived at this figure.")})
    return text


def _lock(determination: Determination) -> Determination:
    return Determination.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=determination.pk)


def _estimate_method(basis: str, method: str) -> str:
    method = (method or "").strip()
    if basis == DeterminationBasis.ESTIMATE and not method:
        raise ValidationError(
            {"estimate_method": _("Describe the estimate: the data used and why the figure is conservative.")}
        )
    return method


@transaction.atomic
def determination_prepare(
    *,
    actor,
    organisation: Organisation,
    year: int,
    emissions_tco2e: Decimal,
    reasoning: str,
    basis: str,
    review: ReviewReport | None = None,
    estimate_method: str = "",
    reexamination: ReExamination | None = None,
) -> Determination:
    """Art. 18 ¶1: a draft determination on the report and its review, on a documented conservative
    estimate for a unit that filed no report, or on a re-examination's review (Art. 20)."""
    _require_bureau(actor)
    organisation = Organisation.objects.select_for_update(of=("self",)).get(pk=organisation.pk)
    emissions_tco2e, reasoning = _figure(emissions_tco2e), _reasoning(reasoning)
    estimate_method = _estimate_method(basis, estimate_method)
    if Determination.objects.filter(organisation=organisation, year=year, status__in=selectors.OPEN).exists():
        raise ValidationError(
            _("A determination of %(unit)s for %(year)s is already being prepared: change that one.")
            % {"unit": organisation.name, "year": year}
        )
    found = find_basis(organisation, year, basis, review=review, reexamination=reexamination)
    determination = Determination(
        organisation=organisation,
        year=year,
        basis=basis,
        report=found.report,
        review=found.review,
        reexamination=found.reexamination,
        replaces=found.replaces,
        emissions_tco2e=emissions_tco2e,
        reasoning=reasoning,
        estimate_method=estimate_method,
        prepared_by=actor,
        prepared_at=_now(),
    )
    freeze_figures(determination, found)
    determination.full_clean()
    determination.save()
    audit.record(
        actor=actor,
        verb="determination.prepare",
        target=determination,
        data={"basis": basis, "tco2e": str(emissions_tco2e), "review": found.review.pk if found.review else None},
    )
    return determination


@transaction.atomic
def determination_update(
    *,
    actor,
    determination: Determination,
    emissions_tco2e: Decimal,
    reasoning: str,
    estimate_method: str = "",
    basis: str | None = None,
) -> Determination:
    """A draft only. The basis is looked up again (a correction or a new review since), and whoever
    changes the figures becomes its preparer: the approver must be someone else."""
    _require_bureau(actor)
    determination = _lock(determination)
    _require_status(determination, DeterminationStatus.DRAFT, _("Only a draft determination can be changed."))
    basis = basis or determination.basis
    emissions_tco2e, reasoning = _figure(emissions_tco2e), _reasoning(reasoning)
    estimate_method = _estimate_method(basis, estimate_method)
    if basis != determination.basis and DeterminationBasis.REEXAMINATION in (basis, determination.basis):
        raise ValidationError({"basis": _("A re-examination's determination keeps its basis.")})
    found = find_basis(
        determination.organisation,
        determination.year,
        basis,
        review=None,  # the review in force now
        reexamination=determination.reexamination,
    )
    determination.basis, determination.report, determination.review = basis, found.report, found.review
    determination.emissions_tco2e, determination.reasoning = emissions_tco2e, reasoning
    determination.estimate_method = estimate_method
    determination.prepared_by, determination.prepared_at = actor, _now()
    freeze_figures(determination, found)
    determination.full_clean()
    determination.save()
    audit.record(
        actor=actor,
        verb="determination.update",
        target=determination,
        data={"basis": basis, "tco2e": str(emissions_tco2e)},
    )
    return determination


@transaction.atomic
def determination_submit(*, actor, determination: Determination) -> Determination:
    """Sends the draft to a second bureau user for approval."""
    _require_bureau(actor)
    determination = _lock(determination)
    _require_status(determination, DeterminationStatus.DRAFT, _("Only a draft determination can be sent for approval."))
    require_basis_current(determination)
    _move(determination, DeterminationStatus.PENDING)
    determination.submitted_at = _now()
    determination.returned_reason = ""
    determination.save()
    audit.record(actor=actor, verb="determination.submit", target=determination, data={})
    return determination


def _require_second_user(actor, determination: Determination) -> None:
    if actor.pk == determination.prepared_by_id:
        raise ValidationError(
            _(
                "A second bureau user must approve: you prepared this determination, so another bureau user "
                "approves or returns it."
            )
        )
    # As for the regulated-unit list: the second pair of eyes holds the bureau approver role.
    if not is_bureau_approver(actor):
        raise ValidationError(_("Only a bureau approver may approve or return a determination."))


@transaction.atomic
def determination_return(*, actor, determination: Determination, reason: str) -> Determination:
    """The approver sends it back to draft, saying why."""
    _require_bureau(actor)
    determination = _lock(determination)
    _require_status(
        determination, DeterminationStatus.PENDING, _("Only a determination awaiting approval can be returned.")
    )
    _require_second_user(actor, determination)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the determination goes back.")})
    _move(determination, DeterminationStatus.DRAFT)
    determination.returned_reason = reason
    determination.submitted_at = None
    determination.save()
    audit.record(actor=actor, verb="determination.return", target=determination, data={"reason": reason})
    notify_returned(determination, approver=actor, reason=reason)
    return determination


def _supersede(*, actor, determination: Determination, now) -> None:
    """A re-examination's result replaces the determination re-examined, which stays on record; the
    re-examination and the objection that started it (if any) are decided."""
    old = Determination.objects.select_for_update(of=("self",)).get(pk=determination.replaces_id)
    if old.status != DeterminationStatus.APPROVED:
        raise ValidationError(_("The determination re-examined is no longer in force."))
    _move(old, DeterminationStatus.SUPERSEDED)
    old.superseded_at = now
    old.save()
    reexam = (
        ReExamination.objects.select_for_update(of=("self",))
        .select_related("objection")
        .get(pk=determination.reexamination_id)
    )
    move(reexam, ReexamStatus.DECIDED, REEXAM_TRANSITIONS)
    reexam.closed_at = now
    reexam.save()
    decision = _(
        "Re-examined: the %(year)s emissions are determined at %(tco2e)s tCO2e (previously %(old)s tCO2e), "
        "by determination %(reference)s."
    ) % {
        "year": determination.year,
        "tco2e": format_tco2e(determination.emissions_tco2e),
        "old": format_tco2e(old.emissions_tco2e),
        "reference": determination.reference,
    }
    # The objection that started it, and any other still waiting on the replaced determination
    # (filed while an own-motion re-examination was under way), are answered by the result.
    waiting = Objection.objects.select_for_update(of=("self",)).filter(
        determination=old, status__in=[ObjectionStatus.FILED, ObjectionStatus.REEXAMINING]
    )
    for objection in waiting:
        move(objection, ObjectionStatus.DECIDED, OBJECTION_TRANSITIONS)
        objection.decided_by, objection.decided_at = actor, now
        objection.decision_text = decision
        objection.save()
    audit.record(
        actor=actor,
        verb="determination.supersede",
        target=old,
        data={"by": determination.pk, "reexamination": reexam.pk},
    )


@transaction.atomic
def determination_approve(*, actor, determination: Determination) -> Determination:
    """Four eyes: a bureau user other than its preparer puts the determination in force. The
    emissions go on record as determined, the unit gets its notice and the objection window runs
    for the year's number of working days (Art. 20)."""
    _require_bureau(actor)
    determination = _lock(determination)
    _require_status(
        determination,
        DeterminationStatus.PENDING,
        _("Only a determination awaiting approval can be approved: send it for approval first."),
    )
    _require_second_user(actor, determination)
    require_basis_current(determination)
    settings = year_settings(determination.year)
    if settings is None:
        raise ValidationError(
            _("Set the objection window for %(year)s in the year settings first.") % {"year": determination.year}
        )
    now = _now()
    if determination.replaces_id:
        _supersede(actor=actor, determination=determination, now=now)
    else:
        require_nothing_in_force(determination.organisation, determination.year)
    _move(determination, DeterminationStatus.APPROVED)
    determination.approved_by, determination.approved_at = actor, now
    # Art. 20: the bureau determines the emissions on the re-examination's results; that determination
    # closes the procedure, so it opens no new objection window.
    if determination.basis == DeterminationBasis.REEXAMINATION:
        determination.objection_deadline = None
    else:
        determination.objection_deadline = add_working_days(
            timezone.localdate(now), settings.objection_window_working_days
        )
    determination.save()
    emission_record_set(
        actor=actor,
        organisation=determination.organisation,
        year=determination.year,
        emissions_tco2e=determination.emissions_tco2e,
        source=EmissionSource.DETERMINED,
    )
    audit.record(
        actor=actor,
        verb="determination.approve",
        target=determination,
        data={
            "tco2e": str(determination.emissions_tco2e),
            "objection_deadline": determination.objection_deadline.isoformat()
            if determination.objection_deadline
            else None,
            "replaces": determination.replaces_id,
        },
    )
    documents.document_request(
        kind=NOTICE_KIND, target=determination, filename=notice_filename(determination), actor=actor
    )
    notify_approved(determination)
    return determination


@transaction.atomic
def determination_notice_request(*, actor, determination: Determination):
    """Prepares the notice PDF again when none is ready or being prepared: after a failed rendering,
    or for determinations written in bulk (the demo) that asked for none. The bureau and the unit's
    own staff may ask; the content is the determination's, whoever asks."""
    determination = _lock(determination)
    if not selectors.determinations_for(actor).filter(pk=determination.pk).exists():
        raise PermissionDenied(_("You may not see this determination."))
    if determination.status not in (DeterminationStatus.APPROVED, DeterminationStatus.SUPERSEDED):
        raise ValidationError(_("Only an approved determination has a notice."))
    if determination.pk in selectors.pending_notices([determination.pk]):
        return None
    return documents.document_request(
        kind=NOTICE_KIND, target=determination, filename=notice_filename(determination), actor=actor
    )
