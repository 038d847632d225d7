"""The bureau's risk ranking of a year's submitted reports, to direct review effort where a figure
looks anomalous (Art. 18, 20; DOMAIN.md "Verification", "Per-year settings").

Three components, each an absolute deviation in per cent divided by the year's re-examination
threshold for that kind of difference, so 1.00 means "exactly at the threshold":

- year on year: |change on the previous year's figure| / reexam_year_on_year_pct. The previous
  figure is the approved determination of year - 1, else the emissions on record.
- against peers: |intensity / peers' median intensity - 1| x 100 / reexam_year_on_year_pct, where
  intensity = total / output of the main product and peers are the other units of the same
  industry reporting output in the same unit (at least MIN_PEERS of them). An intensity may stray
  from the industry's as far as emissions may stray from last year's before it counts as one
  threshold.
- report vs review: |reviewed - reported| / reported / reexam_report_vs_review_pct, once a
  technical review has been submitted.

Each component is capped at CAP thresholds so one extreme figure cannot hide the others; the score
is their sum (0 to 3 x CAP). A component without data scores 0 and says why. A row is flagged when
any component is beyond its threshold: the year-on-year and report-vs-review flags are those of
`triggers` (the latter also fires on tonnage), the peer flag when its deviation exceeds the
year-on-year threshold.

A fixed number of queries whatever the number of reports: the reports (with unit and industry),
their lines, last year's determinations, last year's records, the reviews, the year's settings.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from carbon_portal.formatting import format_tco2e
from registry.models import EmissionRecord, YearSettings
from registry.selectors import year_settings
from reporting.calculation import Line, totals
from reporting.choices import Gas
from reporting.models import AnnualReport, ReportLine
from reporting.models.factors import plain_decimal

from ..choices import AssignmentKind, DeterminationStatus, ReviewStatus
from ..models import Determination, ReviewReport
from . import reports_to_review
from .triggers import change_pct, report_vs_review_flag, year_on_year_flag

YEAR_ON_YEAR, PEERS, REVIEW_GAP = "year_on_year", "peers", "review_gap"
COMPONENTS = [
    (YEAR_ON_YEAR, gettext_lazy("Year on year")),
    (PEERS, gettext_lazy("Intensity against peers")),
    (REVIEW_GAP, gettext_lazy("Report vs review")),
]
CAP = Decimal("3.00")  # a component counts for at most three thresholds
MIN_PEERS = 3  # other units of the same industry and output unit needed for a median
DETERMINED, ON_RECORD = "determined", "on_record"  # where the previous year's figure comes from
HUNDRED = Decimal(100)
POINTS = Decimal("0.01")
RATIO = Decimal("0.001")
INTENSITY = Decimal("0.000001")
NONE = Decimal("0.00")  # the points of a component without data


@dataclass(frozen=True)
class Component:
    """One part of the score, with the figures behind it or why there are none."""

    key: str
    label: str
    deviation_pct: Decimal | None  # absolute, in per cent; None without data
    threshold_pct: Decimal
    points: Decimal  # deviation / threshold, capped at CAP; 0 without data
    flagged: bool
    reason: str


@dataclass
class RiskRow:
    report: AnnualReport
    total_tco2e: Decimal
    previous_tco2e: Decimal | None
    previous_basis: str  # DETERMINED, ON_RECORD or ""
    change_pct: Decimal | None
    intensity: Decimal | None
    peer_count: int
    peer_median: Decimal | None
    peer_ratio: Decimal | None
    reviewed_tco2e: Decimal | None
    gap_pct: Decimal | None
    components: tuple[Component, ...]
    score: Decimal
    rank: int = 0  # in the whole year's ranking, before any filter

    @property
    def organisation(self):
        return self.report.organisation

    @property
    def is_flagged(self) -> bool:
        return any(component.flagged for component in self.components)

    def component(self, key: str) -> Component:
        return next(component for component in self.components if component.key == key)


@dataclass
class RiskRanking:
    year: int
    settings: YearSettings
    settings_missing: bool  # the year has no settings: the model's default thresholds apply
    rows: list[RiskRow]  # ranked, after the filters
    total: int  # reports ranked, before the filters
    flagged: int  # flagged reports, before the filters


def report_totals_bulk(report_ids) -> dict[int, Decimal]:
    """Each report's total by `reporting.calculation.totals` (the rule of `report_totals`): biomass
    CO2 left out in SQL, the rest summed at full precision and rounded once, in one query. The sum
    is not a SQL SUM: on SQLite that is floating point and could move the third decimal."""
    by_report: dict[int, list[Line]] = {pk: [] for pk in report_ids}
    rows = (
        ReportLine.objects.filter(report_id__in=by_report)
        .exclude(is_biomass=True, gas=Gas.CO2)
        .values_list("report_id", "category", "gas", "emissions_tco2e", "is_biomass")
    )
    for report_id, category, gas, emissions, is_biomass in rows.iterator(chunk_size=2000):
        by_report[report_id].append(Line("", category, gas, emissions, is_biomass))
    return {report_id: totals(lines).total_tco2e for report_id, lines in by_report.items()}


def previous_figures(organisation_ids, year: int) -> dict[int, tuple[Decimal, str]]:
    """The previous year's figure per unit: the approved determination, else the one on record."""
    found = {
        org_id: (tonnes, ON_RECORD)
        for org_id, tonnes in EmissionRecord.objects.filter(
            organisation_id__in=organisation_ids, year=year - 1
        ).values_list("organisation_id", "emissions_tco2e")
    }
    determined = Determination.objects.filter(
        organisation_id__in=organisation_ids, year=year - 1, status=DeterminationStatus.APPROVED
    ).values_list("organisation_id", "emissions_tco2e")
    found.update({org_id: (tonnes, DETERMINED) for org_id, tonnes in determined})
    return found


def reviewed_totals(report_ids) -> dict[int, Decimal]:
    """The reviewed total of the latest submitted technical review of each report (not a
    re-examination's review: the gap is between the report and its first review)."""
    reviews = (
        ReviewReport.objects.filter(
            report_id__in=report_ids, status=ReviewStatus.SUBMITTED, assignment__kind=AssignmentKind.REVIEW
        )
        .order_by("submitted_at", "pk")
        .values_list("report_id", "reviewed_total_tco2e")
    )
    return dict(reviews)  # the latest wins


def median(values: list[Decimal]) -> Decimal:
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def pct_change(new: Decimal | None, old: Decimal | None) -> Decimal | None:
    """`triggers.change_pct` to 0.01 %, as shown and scored."""
    pct = change_pct(new, old)
    return None if pct is None else pct.quantize(POINTS, rounding=ROUND_HALF_UP)


def _points(deviation_pct: Decimal, threshold_pct: Decimal) -> Decimal:
    if threshold_pct <= 0:
        return CAP if deviation_pct > 0 else NONE
    return min(deviation_pct / threshold_pct, CAP).quantize(POINTS, rounding=ROUND_HALF_UP)


def _label(key: str) -> str:
    return str(dict(COMPONENTS)[key])


def basis_label_of(basis: str) -> str:
    return {DETERMINED: _("determined"), ON_RECORD: _("on record")}.get(basis, "")


def _year_on_year(total, previous, basis, year, settings) -> tuple[Component, Decimal | None]:
    threshold = settings.reexam_year_on_year_pct
    if previous is None:
        reason = _("No figure for %(year)s: neither a determination nor emissions on record.") % {"year": year - 1}
        return Component(YEAR_ON_YEAR, _label(YEAR_ON_YEAR), None, threshold, NONE, False, reason), None
    pct = pct_change(total, previous)
    if pct is None:
        reason = _("The %(year)s figure is zero: no change can be computed.") % {"year": year - 1}
        return Component(YEAR_ON_YEAR, _label(YEAR_ON_YEAR), None, threshold, NONE, False, reason), None
    basis_label = basis_label_of(basis)
    reason = _("%(pct)s%% on %(year)s (%(previous)s tCO2e, %(basis)s); the threshold is %(max)s%%.") % {
        "pct": f"{pct:+}",
        "year": year - 1,
        "previous": format_tco2e(previous),
        "basis": basis_label,
        "max": threshold,
    }
    flagged = year_on_year_flag(total, previous, settings) is not None
    component = Component(
        YEAR_ON_YEAR, _label(YEAR_ON_YEAR), abs(pct), threshold, _points(abs(pct), threshold), flagged, reason
    )
    return component, pct


def _no_peers(threshold: Decimal, reason: str) -> Component:
    return Component(PEERS, _label(PEERS), None, threshold, NONE, False, reason)


def _peers(report, intensity, peer_values, settings) -> tuple[Component, Decimal | None, Decimal | None]:
    threshold = settings.reexam_year_on_year_pct
    if intensity is None:
        return _no_peers(threshold, _("The report gives no output of its main product.")), None, None
    if report.organisation.industry_id is None:
        return _no_peers(threshold, _("No industry is recorded for the unit.")), None, None
    if len(peer_values) < MIN_PEERS:
        reason = _(
            "Not enough peers: %(n)s other unit(s) of the industry report output in %(unit)s; %(min)s are needed."
        ) % {"n": len(peer_values), "unit": report.product_unit.strip(), "min": MIN_PEERS}
        return _no_peers(threshold, reason), None, None
    middle = median(peer_values)
    if middle == 0:
        return _no_peers(threshold, _("The peers' median intensity is zero.")), middle, None
    ratio = intensity / middle
    deviation = (abs(ratio - 1) * HUNDRED).quantize(POINTS, rounding=ROUND_HALF_UP)
    reason = _(
        "%(intensity)s tCO2e per %(unit)s is %(ratio)s x the median of %(n)s peers (%(median)s); "
        "the threshold is %(max)s%% either way."
    ) % {
        "intensity": plain_decimal(intensity.quantize(INTENSITY)),
        "unit": report.product_unit.strip(),
        "ratio": ratio.quantize(RATIO),
        "n": len(peer_values),
        "median": plain_decimal(middle.quantize(INTENSITY)),
        "max": threshold,
    }
    component = Component(
        PEERS, _label(PEERS), deviation, threshold, _points(deviation, threshold), deviation > threshold, reason
    )
    return component, middle, ratio.quantize(RATIO)


def _review_gap(total, reviewed, settings) -> tuple[Component, Decimal | None]:
    threshold = settings.reexam_report_vs_review_pct
    if reviewed is None:
        reason = _("No technical review has been submitted yet.")
        return Component(REVIEW_GAP, _label(REVIEW_GAP), None, threshold, NONE, False, reason), None
    pct = pct_change(reviewed, total)
    flag = report_vs_review_flag(total, reviewed, settings)
    if pct is None:  # nothing reported: any reviewed emissions are off the scale
        deviation, points = None, CAP if reviewed else NONE
    else:
        deviation, points = abs(pct), _points(abs(pct), threshold)
    reason = (
        flag.message
        if flag
        else _("Reviewed %(reviewed)s tCO2e against %(reported)s reported (%(pct)s%%); the threshold is %(max)s%%.")
        % {
            "reviewed": format_tco2e(reviewed),
            "reported": format_tco2e(total),
            "pct": "—" if pct is None else f"{pct:+}",
            "max": threshold,
        }
    )
    return Component(REVIEW_GAP, _label(REVIEW_GAP), deviation, threshold, points, flag is not None, reason), pct


def intensity_of(report: AnnualReport, total: Decimal) -> Decimal | None:
    """Total emissions per unit of the main product; None without a positive output and a unit."""
    if not report.product_output or not report.product_unit.strip():
        return None
    return total / report.product_output


def _peer_key(report: AnnualReport) -> tuple[int, str] | None:
    if report.organisation.industry_id is None:
        return None
    return report.organisation.industry_id, report.product_unit.strip().lower()


def _peer_groups(reports, intensities) -> dict[tuple[int, str], list[tuple[int, Decimal]]]:
    groups: dict[tuple[int, str], list[tuple[int, Decimal]]] = {}
    for report in reports:
        key, value = _peer_key(report), intensities[report.pk]
        if key is not None and value is not None:
            groups.setdefault(key, []).append((report.pk, value))
    return groups


def _row(report, total, previous, reviewed, peer_values, intensity, settings) -> RiskRow:
    tonnes, basis = previous or (None, "")
    yoy, pct = _year_on_year(total, tonnes, basis, report.year, settings)
    peers, peer_median, ratio = _peers(report, intensity, peer_values, settings)
    gap, gap_pct = _review_gap(total, reviewed, settings)
    components = (yoy, peers, gap)
    return RiskRow(
        report=report,
        total_tco2e=total,
        previous_tco2e=tonnes,
        previous_basis=basis,
        change_pct=pct,
        intensity=intensity,
        peer_count=len(peer_values),
        peer_median=peer_median,
        peer_ratio=ratio,
        reviewed_tco2e=reviewed,
        gap_pct=gap_pct,
        components=components,
        score=sum((c.points for c in components), NONE),
    )


def _matches(row: RiskRow, q: str) -> bool:
    org = row.organisation
    q = q.strip()
    return q.lower() in org.name_zh.lower() or q.lower() in org.name_en.lower() or org.uscc == q.upper()


def risk_ranking(year: int, *, industry: str = "", flagged_only: bool = False, q: str = "") -> RiskRanking:
    """Every submitted report of `year` (the version in force), scored and ranked, highest first.
    Peers and ranks are taken over the whole year; the filters only choose the rows shown."""
    settings = year_settings(year)
    missing = settings is None
    settings = settings or YearSettings(year=year)  # the documented defaults: 10% and 20%
    reports = list(reports_to_review(year).select_related("organisation__industry").order_by("pk"))
    ids = [report.pk for report in reports]
    report_totals = report_totals_bulk(ids)
    previous = previous_figures([report.organisation_id for report in reports], year)
    reviewed = reviewed_totals(ids)
    intensities = {report.pk: intensity_of(report, report_totals[report.pk]) for report in reports}
    groups = _peer_groups(reports, intensities)
    rows = []
    for report in reports:
        group = groups.get(_peer_key(report), []) if intensities[report.pk] is not None else []
        peer_values = [value for pk, value in group if pk != report.pk]
        rows.append(
            _row(
                report,
                report_totals[report.pk],
                previous.get(report.organisation_id),
                reviewed.get(report.pk),
                peer_values,
                intensities[report.pk],
                settings,
            )
        )
    rows.sort(key=lambda row: (-row.score, -row.total_tco2e, row.organisation.name_zh, row.report.pk))
    for rank, row in enumerate(rows, start=1):
        row.rank = rank
    shown = rows
    if industry:
        shown = [row for row in shown if row.organisation.industry and row.organisation.industry.code == industry]
    if flagged_only:
        shown = [row for row in shown if row.is_flagged]
    if q.strip():
        shown = [row for row in shown if _matches(row, q)]
    return RiskRanking(year, settings, missing, shown, len(rows), sum(1 for row in rows if row.is_flagged))
