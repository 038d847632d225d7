"""Art. 16: draft, fill in, declare and submit the annual emission report; correct it by a new version."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from carbon_portal import audit
from registry.choices import EmissionSource
from registry.models import Facility, Organisation
from registry.services import emission_record_set

from .. import notices, selectors
from ..choices import ReportStatus
from ..documents import report_pdf_request
from ..models import AnnualReport, EmissionFactor, ReportLine
from ..permissions import granting_agency_id, may_file, require_compiler, require_filer
from ..sources import check_source
from ..transitions import EDITABLE, can_move
from . import evidence as evidence_services


def _locked(report: AnnualReport) -> AnnualReport:
    return AnnualReport.objects.select_for_update().select_related("organisation").get(pk=report.pk)


def _require_editable(report: AnnualReport) -> None:
    if report.status not in EDITABLE:
        raise ValidationError(
            _(
                "This report is %(status)s and can no longer be changed. To change a submitted report, start a correction."
            )
            % {"status": report.get_status_display()}
        )


def _set_status(report: AnnualReport, new: str, *, actor, verb: str, data: dict | None = None) -> None:
    if not can_move(report.status, new):
        raise ValidationError(
            _("A report that is %(status)s cannot become %(new)s.")
            % {"status": report.get_status_display(), "new": ReportStatus(new).label}
        )
    old = report.status
    report.status = new
    report.save()
    audit.record(actor=actor, verb=verb, target=report, data={"from": old, "to": new} | (data or {}))


def _note_compiler(report: AnnualReport, actor) -> None:
    """An agency writing under a grant has compiled a report this year (Art. 19): recorded once,
    on the report, and never cleared."""
    if report.compiled_by_agency_id or may_file(actor, report.organisation_id):
        return
    agency_id = granting_agency_id(actor, report.organisation_id, report.year)
    if agency_id is not None:
        report.compiled_by_agency_id = agency_id
        report.save(update_fields=["compiled_by_agency"])
        audit.record(actor=actor, verb="report.compiled_by_agency", target=report, data={"agency": agency_id})


def _next_version(organisation_id: int, year: int) -> int:
    found = AnnualReport.objects.filter(organisation_id=organisation_id, year=year).aggregate(v=Max("version"))["v"]
    return (found or 0) + 1


@transaction.atomic
def report_create_draft(*, actor, organisation: Organisation, year: int) -> AnnualReport:
    """Art. 16 ¶1, ¶3: only a unit on the year's published list reports, one draft at a time."""
    require_compiler(actor, organisation.pk, year)
    # Lock the unit so that two clicks cannot both start a draft.
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    if not selectors.is_required_to_report(organisation.pk, year):
        raise ValidationError(
            _(
                "%(name)s is not on the published %(year)s list of regulated or reporting units, "
                "so it has no annual emission report to file for %(year)s (Art. 16)."
            )
            % {"name": organisation.name, "year": year}
        )
    existing = AnnualReport.objects.filter(organisation=organisation, year=year).exclude(status=ReportStatus.SUPERSEDED)
    if existing.filter(status=ReportStatus.DRAFT).exists():
        raise ValidationError(_("A draft %(year)s report already exists: continue that one.") % {"year": year})
    if existing.filter(status=ReportStatus.SUBMITTED).exists():
        raise ValidationError(
            _("The %(year)s report has been submitted: to change it, start a correction.") % {"year": year}
        )
    report = AnnualReport(
        organisation=organisation, year=year, version=_next_version(organisation.pk, year), created_by=actor
    )
    report.full_clean()
    report.save()
    _note_compiler(report, actor)
    audit.record(actor=actor, verb="report.create", target=report, data={"year": year, "version": report.version})
    return report


@transaction.atomic
def report_production_update(
    *, actor, report: AnnualReport, product_name: str, product_output: Decimal | None, product_unit: str
) -> AnnualReport:
    """The production data of the report: the main product and its output in the year."""
    report = _locked(report)
    require_compiler(actor, report.organisation_id, report.year)
    _require_editable(report)
    _note_compiler(report, actor)
    report.product_name, report.product_output, report.product_unit = product_name.strip(), product_output, product_unit
    report.full_clean(validate_constraints=False)
    report.save()
    audit.record(
        actor=actor,
        verb="report.production",
        target=report,
        data={"product": report.product_name, "output": str(product_output), "unit": product_unit},
    )
    return report


def _build_line(
    report: AnnualReport,
    *,
    facility: Facility,
    category: str,
    factor_code: str,
    activity_amount,
    activity_unit: str,
    source_description: str,
    is_biomass: bool,
) -> ReportLine:
    """Calculates one line with the factor valid in the report's year, freezes that factor on it, saves it."""
    try:
        factor = selectors.factor_for(factor_code, report.year)
    except ValidationError as exc:
        raise ValidationError({"factor_code": exc.messages}) from exc
    row = _line_for(
        report,
        facility=facility,
        category=category,
        factor=factor,
        activity_amount=activity_amount,
        activity_unit=activity_unit,
        source_description=source_description,
        is_biomass=is_biomass,
    )
    row.full_clean(validate_constraints=False)
    row.save()
    return row


def _line_for(
    report: AnnualReport,
    *,
    facility: Facility,
    category: str,
    factor: EmissionFactor,
    activity_amount,
    activity_unit: str,
    source_description: str,
    is_biomass: bool,
) -> ReportLine:
    """One line calculated with `factor` and a frozen copy of it, checked but not saved: the form
    saves it at once, the spreadsheet import (services/imports.py) all rows in one insert."""
    checked = check_source(
        organisation_id=report.organisation_id,
        facility=facility,
        category=category,
        factor=factor,
        activity_amount=activity_amount,
        activity_unit=activity_unit,
        source_description=source_description,
        is_biomass=is_biomass,
    )
    return ReportLine(
        report=report,
        factor_source=factor.source_zh,
        reported_tco2e=checked.line.reported_tco2e,
        **checked.row_fields(),
    )


@transaction.atomic
def report_line_add(
    *,
    actor,
    report: AnnualReport,
    facility: Facility,
    category: str,
    factor_code: str,
    activity_amount,
    activity_unit: str,
    source_description: str,
    is_biomass: bool = False,
) -> ReportLine:
    """Art. 16; DOMAIN.md "Reporting": activity x the factor valid in the report's year, frozen on the line."""
    report = _locked(report)
    require_compiler(actor, report.organisation_id, report.year)
    _require_editable(report)
    _note_compiler(report, actor)
    line = _build_line(
        report,
        facility=facility,
        category=category,
        factor_code=factor_code,
        activity_amount=activity_amount,
        activity_unit=activity_unit,
        source_description=source_description,
        is_biomass=is_biomass,
    )
    audit.record(
        actor=actor,
        verb="report.line_add",
        target=report,
        data={
            "line": line.pk,
            "facility": facility.code,
            "factor": f"{line.factor_code} v{line.factor_version}",
            "activity": f"{line.activity_amount} {line.activity_unit}",
            "emissions_tco2e": str(line.emissions_tco2e),
        },
    )
    return line


@transaction.atomic
def report_line_remove(*, actor, line: ReportLine) -> None:
    report = _locked(line.report)
    require_compiler(actor, report.organisation_id, report.year)
    _require_editable(report)
    _note_compiler(report, actor)
    data = {"line": line.pk, "source": line.source_description, "emissions_tco2e": str(line.emissions_tco2e)}
    line.delete()
    audit.record(actor=actor, verb="report.line_remove", target=report, data=data)


@transaction.atomic
def report_submit(*, actor, report: AnnualReport, declaration_confirmed: bool, declared_by_name: str) -> AnnualReport:
    """Art. 16: the responsible person declares the report true, and it is locked. Submitting a
    correction marks the version it corrects superseded."""
    report = _locked(report)
    require_filer(actor, report.organisation_id)
    _require_editable(report)
    errors = {}
    if not declaration_confirmed:
        errors["declaration_confirmed"] = _("Confirm the declaration that the report is true, accurate and complete.")
    if not declared_by_name.strip():
        errors["declared_by_name"] = _("Enter the name of the responsible person making the declaration.")
    if errors:
        raise ValidationError(errors)
    if not report.lines.exists():
        raise ValidationError(_("Add at least one emission source before submitting the report."))
    now = timezone.now()
    if report.corrects_id:
        previous = AnnualReport.objects.select_for_update().get(pk=report.corrects_id)
        previous.superseded_at = now
        _set_status(previous, ReportStatus.SUPERSEDED, actor=actor, verb="report.supersede", data={"by": report.pk})
    report.declared_by, report.declared_by_name, report.declared_at = actor, declared_by_name.strip(), now
    report.submitted_at = now
    totals = selectors.report_totals(report)
    _set_status(
        report,
        ReportStatus.SUBMITTED,
        actor=actor,
        verb="report.submit",
        data={
            "reference": report.reference,
            "declared_by": report.declared_by_name,
            "total_tco2e": str(totals.total_tco2e),
            "biomass_tco2": str(totals.biomass_tco2),
        },
    )
    # The reported total becomes the unit's emissions on record for the year, unless the bureau
    # has already determined a figure (the registry keeps the most authoritative one).
    emission_record_set(
        actor=actor,
        organisation=report.organisation,
        year=report.year,
        emissions_tco2e=totals.total_tco2e,
        source=EmissionSource.REPORTED,
    )
    notices.report_submitted(report, totals)
    report_pdf_request(actor=actor, report=report)
    return report


@transaction.atomic
def report_correction_start(*, actor, report: AnnualReport, reason: str) -> AnnualReport:
    """A submitted report is corrected by a new draft version: the activity data is copied and
    recalculated with the factors valid for the year now, and the reason is kept."""
    report = _locked(report)
    require_filer(actor, report.organisation_id)
    if report.status != ReportStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be corrected."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say what the correction changes and why.")})
    if AnnualReport.objects.filter(
        organisation_id=report.organisation_id, year=report.year, status=ReportStatus.DRAFT
    ).exists():
        raise ValidationError(_("A draft %(year)s report already exists: continue that one.") % {"year": report.year})
    new = AnnualReport.objects.create(
        organisation=report.organisation,
        year=report.year,
        version=_next_version(report.organisation_id, report.year),
        corrects=report,
        correction_reason=reason.strip(),
        product_name=report.product_name,
        product_output=report.product_output,
        product_unit=report.product_unit,
        created_by=actor,
    )
    for line in selectors.report_lines(report):
        _build_line(
            new,
            facility=line.facility,
            category=line.category,
            factor_code=line.factor_code,
            activity_amount=line.activity_amount,
            activity_unit=line.activity_unit,
            source_description=line.source_description,
            is_biomass=line.is_biomass,
        )
    evidence_services.evidence_copy(actor=actor, source=report, target=new)
    audit.record(
        actor=actor,
        verb="report.correction_start",
        target=new,
        data={"corrects": report.pk, "version": new.version, "reason": new.correction_reason},
    )
    return new


@transaction.atomic
def report_abandon(*, actor, report: AnnualReport) -> AnnualReport:
    """A draft the unit will not submit is abandoned, not deleted: it stays on record with its
    lines, and a new draft may be started (a correction draft leaves its submitted version current)."""
    report = _locked(report)
    require_filer(actor, report.organisation_id)
    if report.status != ReportStatus.DRAFT:
        raise ValidationError(_("Only a draft can be abandoned."))
    report.abandoned_at = timezone.now()
    _set_status(report, ReportStatus.ABANDONED, actor=actor, verb="report.abandon", data={"version": report.version})
    return report
