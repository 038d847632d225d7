"""The determination notice (碳排放量审定通知书, Art. 18 ¶1 and Art. 20): the PDF the unit receives
when a determination of its emissions is approved.

The content is built from the figures frozen in the determination, as plain data (codes, not
labels), so its hash does not depend on the language it is printed in; the template prints that
same data with labels. It is requested when the determination is approved (see
services/determinations.py), rendered by Celery after commit like every portal document.
"""

from django.utils import timezone

from carbon_portal import documents
from carbon_portal.workdays import working_days_between

from .choices import DeterminationBasis, DeterminationStatus

NOTICE_KIND = "determination_notice"


def register_renderers() -> None:
    """Called from VerificationConfig.ready(); safe to call again."""
    documents.register_renderer(NOTICE_KIND, render_notice)


def notice_filename(determination) -> str:
    return f"{determination.reference}.pdf"


def _version(determination) -> int:
    """1 for the first determination of the year; each re-examination's result counts one more."""
    version, current = 1, determination
    while current.replaces_id:
        version, current = version + 1, current.replaces
    return version


def _window_working_days(determination) -> int | None:
    """The objection window as granted, counted back from the dates on the notice itself."""
    if not (determination.approved_at and determination.objection_deadline):
        return None
    return working_days_between(timezone.localdate(determination.approved_at), determination.objection_deadline)


def notice_content(determination) -> dict:
    """Everything the notice shows; its canonical JSON is what the content hash covers."""
    figures = determination.figures or {}
    org = determination.organisation
    return {
        "document": "determination_notice",
        "reference": determination.reference,
        "version": _version(determination),
        "organisation": {"name_zh": org.name_zh, "name_en": org.name_en, "uscc": org.uscc},
        "year": determination.year,
        "basis": determination.basis,
        "emissions_tco2e": str(determination.emissions_tco2e),
        "reported_tco2e": figures.get("reported_tco2e"),
        "reviewed_tco2e": figures.get("reviewed_tco2e"),
        "lines": [
            {key: line.get(key) for key in ("facility", "source", "category", "gas", "is_biomass")}
            | {key: line.get(key) for key in ("reported_tco2e", "reviewed_tco2e", "difference_tco2e")}
            for line in figures.get("lines", [])
        ],
        "report": determination.report.reference if determination.report_id else None,
        "review": determination.review.reference if determination.review_id else None,
        "replaces": determination.replaces.reference if determination.replaces_id else None,
        "reasoning": determination.reasoning,
        "estimate_method": determination.estimate_method,
        "approved_by": str(determination.approved_by) if determination.approved_by_id else None,
        "approved_at": determination.approved_at,
        "objection_deadline": determination.objection_deadline,
        "objection_window_working_days": _window_working_days(determination),
    }


def render_notice(determination) -> tuple[str, dict]:
    # Imported here: selectors import this module for NOTICE_KIND.
    from .selectors.determinations import LineComparison

    content = notice_content(determination)
    context = {
        "doc": content,
        "reference": content["reference"],
        "version": content["version"],
        "rows": [LineComparison.from_json(line) for line in content["lines"]],
        "basis_label": DeterminationBasis(content["basis"]).label,
        "is_draft": determination.status not in (DeterminationStatus.APPROVED, DeterminationStatus.SUPERSEDED),
    }
    return documents.render_html("verification/pdf/determination_notice.html", content=content, context=context)
