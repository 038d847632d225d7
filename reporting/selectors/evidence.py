"""Reads of a report's evidence files. The caller has already found the report through
`reports_for(user)`, so every row here belongs to a report the user may see."""

from django.db.models import QuerySet

from ..models import AnnualReport, ReportEvidence


def report_evidence(report: AnnualReport) -> QuerySet[ReportEvidence]:
    """The report's files in upload order, with their uploaders (one query for the list)."""
    return report.evidence.select_related("uploaded_by").order_by("uploaded_at", "id")


def evidence_of(report: AnnualReport, evidence_id: int) -> ReportEvidence | None:
    """One file of this report; another report's file is not found."""
    return report.evidence.filter(pk=evidence_id).first()
