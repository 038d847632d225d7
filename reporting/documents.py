"""PDFs of the annual emission report (Art. 16) and the data quality control plan (Art. 15).

The content of each PDF is built here as plain data (codes, not labels), so its hash does not
depend on the language it is printed in; the templates print that same data, with labels.
A version's PDF is requested when it is submitted or decided; anyone who may see it may ask for
one when there is none, and for a draft at any time (a draft PDF is watermarked).
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from carbon_portal import documents
from carbon_portal.models import GeneratedDocument

from . import selectors
from .choices import (
    ActivityUnit,
    DeterminationMethod,
    EmissionCategory,
    MeasurementFrequency,
    PlanSection,
    PlanStatus,
    ReportStatus,
)
from .models import AnnualReport, QualityPlan
from .models.factors import plain_decimal
from .permissions import plans_for, reports_for

REPORT_KIND = "reporting.report"
PLAN_KIND = "reporting.plan"
# The figures of a frozen factor a report prints, in this order.
FACTOR_FIELDS = (
    "ncv_gj_per_unit",
    "carbon_content_tc_per_tj",
    "oxidation_rate",
    "ef_tco2_per_mwh",
    "ef_tco2_per_gj",
    "ef_tco2_per_t",
    "gwp",
)


def register_renderers() -> None:
    """Called from ReportingConfig.ready(); safe to call again."""
    documents.register_renderer(REPORT_KIND, render_report)
    documents.register_renderer(PLAN_KIND, render_plan)


def _organisation(org) -> dict:
    return {"name_zh": org.name_zh, "name_en": org.name_en, "uscc": org.uscc}


# The annual emission report


def _report_line(line) -> dict:
    snapshot = line.factor_snapshot
    return {
        "facility_code": line.facility.code,
        "facility_name": line.facility.name_zh,
        "category": line.category,
        "source": line.source_description,
        "activity": plain_decimal(line.activity_amount),
        "activity_unit": line.activity_unit,
        "factor_code": line.factor_code,
        "factor_version": line.factor_version,
        "factor_source": line.factor_source,
        "factor_values": {name: snapshot[name] for name in FACTOR_FIELDS if snapshot.get(name)},
        "gas": line.gas,
        "is_biomass": line.is_biomass,
        "tco2e": str(line.reported_tco2e),
    }


def report_content(report: AnnualReport) -> dict:
    """Everything the report's PDF shows; its canonical JSON is what the content hash covers."""
    lines = list(selectors.report_lines(report))
    totals = selectors.report_totals(report, lines)
    return {
        "document": "annual_emission_report",
        "reference": report.reference,
        "organisation": _organisation(report.organisation),
        "year": report.year,
        "version": report.version,
        "status": report.status,
        "corrects": report.corrects.reference if report.corrects_id else None,
        "correction_reason": report.correction_reason,
        "compiled_by_agency": report.compiled_by_agency.name_zh if report.compiled_by_agency_id else None,
        "declaration": {
            "by": report.declared_by_name,
            "declared_at": report.declared_at,
            "submitted_at": report.submitted_at,
        },
        "production": {
            "product": report.product_name,
            "output": plain_decimal(report.product_output) if report.product_output is not None else None,
            "unit": report.product_unit,
        },
        "lines": [_report_line(line) for line in lines],
        "totals": {
            "total_tco2e": str(totals.total_tco2e),
            "biomass_tco2": str(totals.biomass_tco2),
            "by_facility": {code: str(value) for code, value in totals.by_facility.items()},
            "by_gas": {gas: str(value) for gas, value in totals.by_gas.items()},
            "by_category": {category: str(value) for category, value in totals.by_category.items()},
        },
    }


def _factor_labels() -> dict[str, str]:
    emission_factor = _("Emission factor")
    return {
        "ncv_gj_per_unit": _("Net calorific value"),
        "carbon_content_tc_per_tj": _("Carbon content per heat unit"),
        "oxidation_rate": _("Oxidation rate"),
        "ef_tco2_per_mwh": emission_factor,
        "ef_tco2_per_gj": emission_factor,
        "ef_tco2_per_t": emission_factor,
        "gwp": _("GWP"),
    }


def render_report(report: AnnualReport) -> tuple[str, dict]:
    content = report_content(report)
    labels = _factor_labels()
    rows = [
        line
        | {
            "category_label": EmissionCategory(line["category"]).label,
            "unit_label": ActivityUnit(line["activity_unit"]).label,
            "factor_figures": [
                (labels[name], plain_decimal(Decimal(value))) for name, value in line["factor_values"].items()
            ],
        }
        for line in content["lines"]
    ]
    facilities = {line["facility_code"]: line["facility_name"] for line in content["lines"]}
    totals = content["totals"]
    context = {
        "doc": content,
        "rows": rows,
        "reference": content["reference"],
        "version": content["version"],
        "is_draft": content["status"] == ReportStatus.DRAFT,
        "status_label": ReportStatus(content["status"]).label,
        "facility_totals": [(code, facilities.get(code, ""), value) for code, value in totals["by_facility"].items()],
        "category_totals": [
            (label, totals["by_category"][value])
            for value, label in EmissionCategory.choices
            if value in totals["by_category"]
        ],
    }
    return documents.render_html("reporting/pdf/report.html", content=content, context=context)


# The data quality control plan


def _plan_parameter(row) -> dict:
    return {
        "facility_code": row.facility.code,
        "facility_name": row.facility.name_zh,
        "emission_source": row.emission_source,
        "parameter": row.parameter_name,
        "method": row.method,
        "frequency": row.frequency,
        "responsible_person": row.responsible_person,
        "instrument": row.instrument_name,
        "calibration_date": row.calibration_date,
    }


def _decision(plan: QualityPlan) -> dict | None:
    """The bureau's decision on this version; only a returned plan is revised, and so superseded."""
    if plan.decided_at is None:
        return None
    outcome = PlanStatus.ACCEPTED if plan.status == PlanStatus.ACCEPTED else PlanStatus.RETURNED
    return {"outcome": outcome, "decided_at": plan.decided_at}


def plan_content(plan: QualityPlan) -> dict:
    """Everything the plan's PDF shows, the bureau's decision and comments on this version included."""
    return {
        "document": "data_quality_control_plan",
        "reference": plan.reference,
        "organisation": _organisation(plan.organisation),
        "year": plan.year,
        "version": plan.version,
        "status": plan.status,
        "revises": plan.revises.reference if plan.revises_id else None,
        "submitted_at": plan.submitted_at,
        "boundary": plan.boundary,
        "responsibilities": {"name": plan.responsible_name, "contact": plan.responsible_contact},
        "parameters": [_plan_parameter(row) for row in selectors.plan_parameters(plan)],
        "decision": _decision(plan),
        "comments": [
            {"section": c.section, "comment": c.comment, "at": c.created_at}
            for c in plan.comments.order_by("created_at", "id")
        ],
    }


def render_plan(plan: QualityPlan) -> tuple[str, dict]:
    content = plan_content(plan)
    rows = [
        row
        | {
            "method_label": DeterminationMethod(row["method"]).label,
            "frequency_label": MeasurementFrequency(row["frequency"]).label,
        }
        for row in content["parameters"]
    ]
    comments = [c | {"section_label": PlanSection(c["section"]).label} for c in content["comments"]]
    context = {
        "doc": content,
        "rows": rows,
        "comments": comments,
        "reference": content["reference"],
        "version": content["version"],
        "is_draft": content["status"] == PlanStatus.DRAFT,
        "status_label": PlanStatus(content["status"]).label,
        "decision_label": PlanStatus(content["decision"]["outcome"]).label if content["decision"] else "",
    }
    return documents.render_html("reporting/pdf/plan.html", content=content, context=context)


# Requests


def _filename(target) -> str:
    return f"{target.reference}-draft.pdf" if target.is_editable else f"{target.reference}.pdf"


def _require_sees_report(actor, report: AnnualReport) -> None:
    if not reports_for(actor).filter(pk=report.pk).exists():
        raise PermissionDenied(_("You may not see this report."))


def _require_sees_plan(actor, plan: QualityPlan) -> None:
    if not plans_for(actor).filter(pk=plan.pk).exists():
        raise PermissionDenied(_("You may not see this data quality control plan."))


def report_pdf_request(*, actor, report: AnnualReport) -> GeneratedDocument | None:
    """Renders the report's PDF after commit. Call it after a status change (submission)."""
    _require_sees_report(actor, report)
    return documents.document_request(kind=REPORT_KIND, target=report, filename=_filename(report), actor=actor)


def plan_pdf_request(*, actor, plan: QualityPlan) -> GeneratedDocument | None:
    """Renders the plan's PDF after commit. Call it after a status change (submission, decision)."""
    _require_sees_plan(actor, plan)
    return documents.document_request(kind=PLAN_KIND, target=plan, filename=_filename(plan), actor=actor)


def _since(target) -> datetime | None:
    """Documents requested before the version's last status change show an earlier state (a draft):
    they are not this version's PDF any more."""
    if isinstance(target, QualityPlan):
        return target.decided_at or target.submitted_at
    return target.submitted_at


@dataclass
class DocumentPanel:
    """What the page says about a report's or plan's PDF: being prepared, ready, failed, or none."""

    latest: GeneratedDocument | None
    ready: GeneratedDocument | None
    is_draft: bool
    download_url: str
    status_url: str
    prepare_url: str
    page_url: str

    @property
    def is_pending(self) -> bool:
        return self.latest is not None and self.latest.status == GeneratedDocument.Status.PENDING

    @property
    def is_waiting_for_the_queue(self) -> bool:
        return self.is_pending and self.latest.message == documents.BROKER_DOWN

    @property
    def has_failed(self) -> bool:
        return self.latest is not None and self.latest.status == GeneratedDocument.Status.FAILED

    @property
    def can_prepare(self) -> bool:
        """Anyone who sees the page, when no PDF of this version exists or is coming, or for a draft."""
        return not self.is_pending and (self.is_draft or self.ready is None)


def _panel(target, kind: str, names: tuple[str, str, str, str]) -> DocumentPanel:
    since = _since(target)
    found = list(documents.documents_of(target, kind, since=since)[:20])
    download, status, prepare, page = (reverse(f"reporting:{name}", args=[target.pk]) for name in names)
    return DocumentPanel(
        latest=found[0] if found else None,
        ready=next((d for d in found if d.status == GeneratedDocument.Status.READY), None),
        is_draft=target.is_editable,
        download_url=download,
        status_url=status,
        prepare_url=prepare,
        page_url=page,
    )


def report_document_panel(report: AnnualReport) -> DocumentPanel:
    return _panel(report, REPORT_KIND, ("report_pdf", "report_pdf_status", "report_pdf_prepare", "report_detail"))


def plan_document_panel(plan: QualityPlan) -> DocumentPanel:
    return _panel(plan, PLAN_KIND, ("plan_pdf", "plan_pdf_status", "plan_pdf_prepare", "plan_detail"))


def report_ready_document(report: AnnualReport) -> GeneratedDocument | None:
    return documents.latest_ready_document(report, REPORT_KIND, since=_since(report))


def plan_ready_document(plan: QualityPlan) -> GeneratedDocument | None:
    return documents.latest_ready_document(plan, PLAN_KIND, since=_since(plan))


def _require_preparable(panel: DocumentPanel) -> None:
    if panel.is_pending:
        raise ValidationError(_("The PDF is already being prepared."))
    if not panel.can_prepare:
        raise ValidationError(_("The PDF of this version is ready to download."))


@transaction.atomic
def report_pdf_prepare(*, actor, report: AnnualReport) -> GeneratedDocument:
    """On request of anyone who sees the report: its PDF, when none exists or it is a draft."""
    _require_sees_report(actor, report)
    report = AnnualReport.objects.select_for_update().get(pk=report.pk)
    _require_preparable(report_document_panel(report))
    return report_pdf_request(actor=actor, report=report)


@transaction.atomic
def plan_pdf_prepare(*, actor, plan: QualityPlan) -> GeneratedDocument:
    """On request of anyone who sees the plan: its PDF, when none exists or it is a draft."""
    _require_sees_plan(actor, plan)
    plan = QualityPlan.objects.select_for_update().get(pk=plan.pk)
    _require_preparable(plan_document_panel(plan))
    return plan_pdf_request(actor=actor, plan=plan)
