"""The report and its technical review side by side, line by line (Art. 18): what the bureau
compares before it determines, and the figures a determination keeps as they stood then."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from reporting import selectors as report_selectors
from reporting.calculation import reported_tonnes
from reporting.choices import EmissionCategory
from reporting.models import AnnualReport

from ..models import Determination, ReviewedLine, ReviewReport
from .triggers import flags, previous_year_tco2e

UNREPORTED = "unreported"  # the category of the review's row for sources the report left out


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


@dataclass
class LineComparison:
    """One source line: the reported figure, the reviewed one, and the difference (tCO2e)."""

    facility: str
    facility_name: str
    source: str
    category: str
    gas: str
    is_biomass: bool
    reported_tco2e: Decimal | None
    reviewed_tco2e: Decimal | None

    @property
    def difference_tco2e(self) -> Decimal | None:
        if self.reviewed_tco2e is None:
            return None
        return self.reviewed_tco2e - (self.reported_tco2e or Decimal(0))

    @property
    def category_label(self) -> str:
        if self.category == UNREPORTED:
            return _("Sources the report left out")
        return str(dict(EmissionCategory.choices).get(self.category, self.category))

    def as_json(self) -> dict:
        return {
            "facility": self.facility,
            "facility_name": self.facility_name,
            "source": self.source,
            "category": self.category,
            "gas": self.gas,
            "is_biomass": self.is_biomass,
            "reported_tco2e": _text(self.reported_tco2e),
            "reviewed_tco2e": _text(self.reviewed_tco2e),
            "difference_tco2e": _text(self.difference_tco2e),
        }

    @classmethod
    def from_json(cls, data: dict) -> "LineComparison":
        return cls(
            data.get("facility", ""),
            data.get("facility_name", ""),
            data.get("source", ""),
            data.get("category", ""),
            data.get("gas", ""),
            bool(data.get("is_biomass")),
            _decimal(data.get("reported_tco2e")),
            _decimal(data.get("reviewed_tco2e")),
        )


@dataclass
class Comparison:
    lines: list[LineComparison]
    reported_tco2e: Decimal | None  # the report's total, biomass CO2 excluded
    reviewed_tco2e: Decimal | None  # the review's frozen total

    @property
    def difference_tco2e(self) -> Decimal | None:
        if self.reported_tco2e is None or self.reviewed_tco2e is None:
            return None
        return self.reviewed_tco2e - self.reported_tco2e


def compare(report: AnnualReport | None, review: ReviewReport | None) -> Comparison:
    """The report's lines with the review's figure of each, in two queries. The review's sources
    the report left out come last, as one row."""
    lines = list(report_selectors.report_lines(report)) if report else []
    reviewed = {}
    if review is not None:
        reviewed = {row.report_line_id: row for row in ReviewedLine.objects.filter(review=review)}
    rows = [
        LineComparison(
            line.facility.code,
            line.facility.name_zh,
            line.source_description,
            line.category,
            line.gas,
            line.is_biomass,
            line.reported_tco2e,
            reported_tonnes(reviewed[line.pk].emissions_tco2e) if line.pk in reviewed else None,
        )
        for line in lines
    ]
    if review is not None and review.unreported_tco2e:
        source = review.unreported_note or _("Sources found in the review")
        rows.append(LineComparison("", "", source, UNREPORTED, "", False, None, review.unreported_tco2e))
    reported = report_selectors.report_totals(report, lines).total_tco2e if report else None
    return Comparison(rows, reported, review.reviewed_total_tco2e if review else None)


def frozen_comparison(determination: Determination) -> Comparison:
    """The lines and totals as they stood when the determination was prepared."""
    figures = determination.figures or {}
    return Comparison(
        [LineComparison.from_json(row) for row in figures.get("lines", [])],
        _decimal(figures.get("reported_tco2e")),
        _decimal(figures.get("reviewed_tco2e")),
    )


def frozen_figures(
    *,
    organisation_id: int,
    year: int,
    report: AnnualReport | None,
    review: ReviewReport | None,
    emissions_tco2e: Decimal,
    extra: dict | None = None,
) -> dict:
    """The figures a determination keeps (`triggers.determination_flags` reads the two totals)."""
    comparison = compare(report, review)
    reviewed = comparison.reviewed_tco2e if comparison.reviewed_tco2e is not None else emissions_tco2e
    found = flags(
        organisation_id=organisation_id, year=year, reported_tco2e=comparison.reported_tco2e, reviewed_tco2e=reviewed
    )
    return {
        "reported_tco2e": _text(comparison.reported_tco2e),
        "reviewed_tco2e": _text(comparison.reviewed_tco2e),
        "lines": [line.as_json() for line in comparison.lines],
        "previous_year_tco2e": _text(previous_year_tco2e(organisation_id, year)),
        "flags": [{"trigger": str(flag.trigger), "message": flag.message} for flag in found],
    } | (extra or {})
