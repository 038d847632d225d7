"""Reads behind the filer's live help on a report: the figures a warning compares with, and a
source calculated as it would be saved, without saving it. Each function runs a fixed number of
queries whatever the size of the report. The rules themselves are in reporting.warnings.
"""

from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from registry.choices import EntryCategory, ListStatus
from registry.models import EmissionRecord, ListEntry
from registry.selectors import year_settings

from .. import warnings as rules
from ..calculation import Line, Totals, calculate_line, totals
from ..choices import ReportStatus
from ..models import AnnualReport, EmissionFactor, ReportLine
from ..sources import refusal
from ..units import parse_activity, unit_label
from . import factor_for, report_lines


def previous_year(report: AnnualReport) -> rules.PreviousYear | None:
    """The unit's submitted report for the year before, or failing that its emissions on record."""
    year = report.year - 1
    rows = list(
        ReportLine.objects.filter(
            report__organisation_id=report.organisation_id, report__year=year, report__status=ReportStatus.SUBMITTED
        ).values_list("facility__code", "category", "gas", "emissions_tco2e", "is_biomass")
    )
    if rows:
        figures = totals(Line(code, category, gas, tonnes, biomass) for code, category, gas, tonnes, biomass in rows)
        return rules.PreviousYear(year, True, figures.total_tco2e, dict(figures.by_category), dict(figures.by_facility))
    record = EmissionRecord.objects.filter(organisation_id=report.organisation_id, year=year).first()
    if record is None:
        return None
    return rules.PreviousYear(year, False, record.emissions_tco2e)


def is_regulated(report: AnnualReport) -> bool:
    """A regulated unit (not merely a reporting one) on the report year's published list."""
    return ListEntry.objects.filter(
        regulated_list__year=report.year,
        regulated_list__status=ListStatus.PUBLISHED,
        organisation_id=report.organisation_id,
        is_removed=False,
        category=EntryCategory.REGULATED,
    ).exists()


def year_on_year_threshold(year: int) -> Decimal | None:
    found = year_settings(year)
    return found.reexam_year_on_year_pct if found else None


def as_line(row: ReportLine) -> Line:
    """A saved source as the calculation saw it: activity in the frozen factor's unit."""
    return Line(
        facility_code=row.facility.code,
        category=row.category,
        gas=row.gas,
        emissions_tco2e=row.emissions_tco2e,
        is_biomass=row.is_biomass,
        activity=row.activity_in_factor_unit,
        activity_unit=row.factor_snapshot.get("activity_unit", ""),
    )


def line_warnings(
    report: AnnualReport, line: Line, *, entered_amount: Decimal, entered_unit: str, is_saved: bool = False
) -> list:
    """Warnings on a source being added: its own figures, and whether with it the report would
    rise beyond the year-on-year threshold (a falling draft is only unfinished). A saved line is
    among the report's lines already, so it is not counted twice."""
    found = rules.line_warnings(
        line, entered_amount=entered_amount, entered_unit=entered_unit, is_regulated=is_regulated(report)
    )
    saved = [as_line(row) for row in report_lines(report)]
    projected = totals(saved if is_saved else [*saved, line])
    previous = previous_year(report)
    return found + rules.year_on_year_warnings(
        projected, previous, year_on_year_threshold(report.year), rising_only=True
    )


def report_warnings(report: AnnualReport, lines, figures: Totals, *, in_progress: bool = False) -> list:
    """Warnings on a whole report: each source's, then the year-on-year changes of its totals.
    `lines` are the report's saved lines with their facilities (selectors.report_lines).
    `in_progress`: a draft's page while it is filled in, where every total starts below last
    year's; only rises are flagged there, and falls wait for check-your-answers."""
    regulated = is_regulated(report)
    found = []
    for row in lines:
        about = _("Facility %(facility)s, %(source)s") % {
            "facility": row.facility.code,
            "source": row.source_description,
        }
        for warning in rules.line_warnings(
            as_line(row), entered_amount=row.activity_amount, entered_unit=row.activity_unit, is_regulated=regulated
        ):
            found.append(replace(warning, message=f"{about}: {warning.message}"))
    threshold = year_on_year_threshold(report.year)
    return found + rules.year_on_year_warnings(figures, previous_year(report), threshold, rising_only=in_progress)


@dataclass
class LinePreview:
    """A source calculated as report_line_add would calculate it, never saved."""

    is_complete: bool = False
    factor: EmissionFactor | None = None
    entered_amount: Decimal | None = None
    entered_unit: str = ""
    line: Line | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)  # (form field, message)
    warnings: list = field(default_factory=list)

    @property
    def conversion(self) -> str:
        """'12,000 kWh = 12 MWh', or '10,000 MWh' when entered in the factor's unit."""
        entered = f"{rules.grouped(self.entered_amount)} {unit_label(self.entered_unit)}"
        if self.entered_unit == self.line.activity_unit:
            return entered
        return f"{entered} = {rules.grouped(self.line.activity)} {unit_label(self.line.activity_unit)}"

    @property
    def tonnes(self) -> str:
        """Reported tCO2e to 3 d.p., as the saved line will show them."""
        return f"{self.line.reported_tco2e:,.3f}"


def _error(field_name: str, exc: ValidationError) -> list[tuple[str, str]]:
    return [(field_name, message) for message in exc.messages]


def line_preview(
    report: AnnualReport,
    *,
    facility=None,
    category: str = "",
    factor_code: str = "",
    activity_amount: str = "",
    activity_unit: str = "",
    is_biomass: bool = False,
) -> LinePreview:
    """The figure a source would get, with the refusals of the service (same messages) and the
    warnings. Until a factor, an amount and a unit are given there is nothing to calculate."""
    if not (factor_code and str(activity_amount).strip() and activity_unit):
        return LinePreview()
    preview = LinePreview(is_complete=True, entered_unit=activity_unit)
    try:
        preview.factor = factor_for(factor_code, report.year)
    except ValidationError as exc:
        preview.errors = _error("factor_code", exc)
        return preview
    try:
        preview.entered_amount = parse_activity(str(activity_amount).strip())
        # What the line's column can hold (20 digits, 6 decimals), with the messages the line's
        # own validation gives; beyond it the figures below could not be calculated exactly.
        ReportLine._meta.get_field("activity_amount").run_validators(preview.entered_amount)
        line = calculate_line(
            facility_code=facility.code if facility else "",
            factor=preview.factor.snapshot(),
            amount=preview.entered_amount,
            unit=activity_unit,
        )
    except ValidationError as exc:
        field_name = "activity_unit" if getattr(exc, "code", None) == "unit_mismatch" else "activity_amount"
        preview.errors = _error(field_name, exc)
        return preview
    preview.errors = _refusals(preview.factor, line, category, is_biomass)
    if preview.errors:
        return preview
    preview.line = replace(line, is_biomass=line.is_biomass or is_biomass)
    preview.warnings = line_warnings(
        report, preview.line, entered_amount=preview.entered_amount, entered_unit=activity_unit
    )
    return preview


def _refusals(factor: EmissionFactor, line: Line, category: str, is_biomass: bool) -> list[tuple[str, str]]:
    """The service's refusals of a calculable source (reporting.sources.refusal)."""
    refused = refusal(factor, line.category, category, is_biomass)
    return [refused] if refused else []
