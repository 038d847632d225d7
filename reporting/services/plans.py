"""Art. 15: draft, submit and revise the data quality control plan; the bureau accepts or returns it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from carbon_portal import audit
from registry.models import Facility, Organisation

from .. import notices, selectors
from ..choices import PlanSection, PlanStatus
from ..documents import plan_pdf_request
from ..models import PlanParameter, PlanSectionComment, QualityPlan
from ..permissions import require_plan_decider, require_plan_filer
from ..transitions import PLAN_EDITABLE, plan_can_move

PARAMETER_FIELDS = [
    "emission_source",
    "parameter_name",
    "method",
    "frequency",
    "responsible_person",
    "instrument_name",
    "calibration_date",
]


def _locked(plan: QualityPlan) -> QualityPlan:
    return QualityPlan.objects.select_for_update().select_related("organisation").get(pk=plan.pk)


def _require_editable(plan: QualityPlan) -> None:
    if plan.status not in PLAN_EDITABLE:
        raise ValidationError(
            _("This plan is %(status)s and can no longer be changed.") % {"status": plan.get_status_display()}
        )


def _set_status(plan: QualityPlan, new: str, *, actor, verb: str, data: dict | None = None) -> None:
    if not plan_can_move(plan.status, new):
        raise ValidationError(
            _("A plan that is %(status)s cannot become %(new)s.")
            % {"status": plan.get_status_display(), "new": PlanStatus(new).label}
        )
    old = plan.status
    plan.status = new
    plan.save()
    audit.record(actor=actor, verb=verb, target=plan, data={"from": old, "to": new} | (data or {}))


def _next_version(organisation_id: int, year: int) -> int:
    found = QualityPlan.objects.filter(organisation_id=organisation_id, year=year).aggregate(v=Max("version"))["v"]
    return (found or 0) + 1


@transaction.atomic
def plan_create_draft(*, actor, organisation: Organisation, year: int) -> QualityPlan:
    """Art. 15: a regulated unit on the published list files one plan per year it covers."""
    require_plan_filer(actor, organisation.pk)
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    if not selectors.is_required_to_plan(organisation.pk, year):
        raise ValidationError(
            _(
                "%(name)s is not a regulated unit on the published %(before)s or %(year)s list, "
                "so it has no data quality control plan to file for %(year)s (Art. 15)."
            )
            % {"name": organisation.name, "year": year, "before": year - 1}
        )
    if QualityPlan.objects.filter(organisation=organisation, year=year).exclude(status=PlanStatus.SUPERSEDED).exists():
        raise ValidationError(_("A %(year)s plan already exists: continue with that one.") % {"year": year})
    plan = QualityPlan(
        organisation=organisation, year=year, version=_next_version(organisation.pk, year), created_by=actor
    )
    plan.full_clean()
    plan.save()
    audit.record(actor=actor, verb="plan.create", target=plan, data={"year": year, "version": plan.version})
    return plan


@transaction.atomic
def plan_update_boundary(*, actor, plan: QualityPlan, boundary: str) -> QualityPlan:
    """The emission boundary: which sites, facilities and sources the plan covers."""
    plan = _locked(plan)
    require_plan_filer(actor, plan.organisation_id)
    _require_editable(plan)
    plan.boundary = boundary.strip()
    plan.full_clean(validate_constraints=False)
    plan.save()
    audit.record(actor=actor, verb="plan.boundary", target=plan, data={"boundary": plan.boundary})
    return plan


@transaction.atomic
def plan_update_responsibilities(
    *, actor, plan: QualityPlan, responsible_name: str, responsible_contact: str
) -> QualityPlan:
    """The person responsible for the plan's data quality and how to reach them."""
    plan = _locked(plan)
    require_plan_filer(actor, plan.organisation_id)
    _require_editable(plan)
    plan.responsible_name, plan.responsible_contact = responsible_name.strip(), responsible_contact.strip()
    plan.full_clean(validate_constraints=False)
    plan.save()
    audit.record(
        actor=actor,
        verb="plan.responsibilities",
        target=plan,
        data={"name": plan.responsible_name, "contact": plan.responsible_contact},
    )
    return plan


def _build_parameter(plan: QualityPlan, *, facility: Facility, **fields) -> PlanParameter:
    values = {name: fields.get(name) for name in PARAMETER_FIELDS}
    for name in ["emission_source", "parameter_name", "responsible_person", "instrument_name"]:
        values[name] = (values[name] or "").strip()
    row = PlanParameter(plan=plan, facility=facility, **values)
    row.full_clean(validate_constraints=False)
    row.save()
    return row


@transaction.atomic
def plan_parameter_add(*, actor, plan: QualityPlan, facility: Facility, **fields) -> PlanParameter:
    """Art. 15: a parameter's determination method and frequency; a measured one names its
    instrument and the instrument's calibration date."""
    plan = _locked(plan)
    require_plan_filer(actor, plan.organisation_id)
    _require_editable(plan)
    row = _build_parameter(plan, facility=facility, **fields)
    audit.record(
        actor=actor,
        verb="plan.parameter_add",
        target=plan,
        data={"parameter": row.pk, "facility": facility.code, "source": row.emission_source, "method": row.method},
    )
    return row


@transaction.atomic
def plan_parameter_remove(*, actor, parameter: PlanParameter) -> None:
    plan = _locked(parameter.plan)
    require_plan_filer(actor, plan.organisation_id)
    _require_editable(plan)
    data = {"parameter": parameter.pk, "source": parameter.emission_source, "name": parameter.parameter_name}
    parameter.delete()
    audit.record(actor=actor, verb="plan.parameter_remove", target=plan, data=data)


@transaction.atomic
def plan_submit(*, actor, plan: QualityPlan) -> QualityPlan:
    """Art. 15: a complete plan (boundary, parameters, responsible person) goes to the bureau."""
    plan = _locked(plan)
    require_plan_filer(actor, plan.organisation_id)
    _require_editable(plan)
    missing = []
    if not plan.boundary:
        missing.append(_("Describe the emission boundary before submitting the plan."))
    if not plan.parameters.exists():
        missing.append(_("Add at least one parameter before submitting the plan."))
    if not plan.has_responsibilities:
        missing.append(_("Name the responsible person and their contact before submitting the plan."))
    if missing:
        raise ValidationError(missing)
    plan.submitted_by, plan.submitted_at = actor, timezone.now()
    _set_status(plan, PlanStatus.SUBMITTED, actor=actor, verb="plan.submit", data={"reference": plan.reference})
    notices.plan_submitted(plan)
    plan_pdf_request(actor=actor, plan=plan)
    return plan


@transaction.atomic
def plan_accept(*, actor, plan: QualityPlan) -> QualityPlan:
    """Art. 15: the bureau accepts the plan; the unit monitors the year by it."""
    require_plan_decider(actor)
    plan = _locked(plan)
    plan.decided_by, plan.decided_at = actor, timezone.now()
    _set_status(plan, PlanStatus.ACCEPTED, actor=actor, verb="plan.accept", data={"reference": plan.reference})
    notices.plan_accepted(plan)
    plan_pdf_request(actor=actor, plan=plan)
    return plan


@transaction.atomic
def plan_return(*, actor, plan: QualityPlan, comments: dict[str, str]) -> QualityPlan:
    """Art. 15: the bureau returns the plan with a comment on at least one section."""
    require_plan_decider(actor)
    plan = _locked(plan)
    given = {section: (comments.get(section) or "").strip() for section in PlanSection.values}
    given = {section: text for section, text in given.items() if text}
    if not given:
        raise ValidationError(_("Write a comment on at least one section to say what the unit must change."))
    plan.decided_by, plan.decided_at = actor, timezone.now()
    _set_status(plan, PlanStatus.RETURNED, actor=actor, verb="plan.return", data={"comments": given})
    PlanSectionComment.objects.bulk_create(
        PlanSectionComment(plan=plan, section=section, comment=text, author=actor) for section, text in given.items()
    )
    notices.plan_returned(plan, [PlanSection(section).label for section in given])
    plan_pdf_request(actor=actor, plan=plan)
    return plan


@transaction.atomic
def plan_revise(*, actor, plan: QualityPlan) -> QualityPlan:
    """A returned plan is revised as a new draft version with its content copied; the returned
    version is superseded and kept for comparison."""
    plan = _locked(plan)
    require_plan_filer(actor, plan.organisation_id)
    if plan.status != PlanStatus.RETURNED:
        raise ValidationError(_("Only a returned plan can be revised."))
    _set_status(plan, PlanStatus.SUPERSEDED, actor=actor, verb="plan.supersede")
    new = QualityPlan.objects.create(
        organisation=plan.organisation,
        year=plan.year,
        version=_next_version(plan.organisation_id, plan.year),
        revises=plan,
        boundary=plan.boundary,
        responsible_name=plan.responsible_name,
        responsible_contact=plan.responsible_contact,
        created_by=actor,
    )
    for row in selectors.plan_parameters(plan):
        _build_parameter(new, facility=row.facility, **{name: getattr(row, name) for name in PARAMETER_FIELDS})
    audit.record(actor=actor, verb="plan.revise", target=new, data={"revises": plan.pk, "version": new.version})
    return new
