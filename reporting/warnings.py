"""Warnings that help a filer catch a slip before the bureau does (DOMAIN.md "Reporting").

A warning never blocks: impossible values (negative, not a number, wrong unit) are refused by the
calculation as errors; a warning says a figure is possible but unlikely, or has moved more than the
year's re-examination trigger allows without a question (Art. 18; YearSettings.reexam_year_on_year_pct).

Pure functions: they take a calculated line or a report's totals and the figures to compare with,
and read nothing from the database (reporting.selectors.warnings loads those).
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from carbon_portal.formatting import format_tonnes

from .calculation import Line, Totals
from .choices import ActivityUnit, EmissionCategory
from .units import unit_label

WARNING = "warning"  # probably a mistake: check it
NOTICE = "notice"  # worth a look, often right (a source that is new this year)

# Plausibility bounds for the activity data of ONE emission source of ONE unit in ONE year in
# Shanghai, in the factor's unit. Beyond them a figure is almost surely a slip (a unit or a few
# zeros wrong): Shanghai as a whole burns about 40 million t of coal and 10 billion Nm3 of gas and
# uses about 185 TWh of electricity a year, and its largest single plants stay well inside these.
MAX_FUEL_TONNES = Decimal(5_000_000)
MAX_GAS_10K_NM3 = Decimal(500_000)  # 5 billion Nm3
MAX_ELECTRICITY_MWH = Decimal(20_000_000)  # 20 TWh
MAX_HEAT_GJ = Decimal(50_000_000)
MAX_PROCESS_MATERIAL_TONNES = Decimal(10_000_000)
MAX_NON_CO2_GAS_TONNES = Decimal(100_000)  # tonnes of CH4, N2O, SF6... before the GWP
PLAUSIBLE_ACTIVITY: dict[tuple[str, str], Decimal] = {
    (EmissionCategory.FUEL_COMBUSTION, ActivityUnit.TONNE): MAX_FUEL_TONNES,
    (EmissionCategory.FUEL_COMBUSTION, ActivityUnit.NM3_10K): MAX_GAS_10K_NM3,
    (EmissionCategory.PURCHASED_ELECTRICITY, ActivityUnit.MWH): MAX_ELECTRICITY_MWH,
    (EmissionCategory.PURCHASED_HEAT, ActivityUnit.GJ): MAX_HEAT_GJ,
    (EmissionCategory.PROCESS, ActivityUnit.TONNE): MAX_PROCESS_MATERIAL_TONNES,
    (EmissionCategory.NON_CO2, ActivityUnit.TONNE): MAX_NON_CO2_GAS_TONNES,
}
# One source emitting more than this in a year would be among the largest emitters in the city.
MAX_LINE_TCO2E = Decimal(10_000_000)
# A regulated unit emits thousands of tonnes a year: its purchased electricity is never under
# 1 MWh, so "850 kWh" almost surely means 850 MWh.
MIN_REGULATED_KWH = Decimal(1_000)


@dataclass(frozen=True)
class Warning:
    """One non-blocking message; `code` names the rule, for tests and for styling."""

    code: str
    message: str
    severity: str = WARNING


def grouped(value: Decimal) -> str:
    """12000 -> '12,000', 0.012 -> '0.012': every digit entered, grouped by thousands."""
    return format(Decimal(value).normalize(), ",f")


def _percent(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def line_warnings(line: Line, *, entered_amount: Decimal, entered_unit: str, is_regulated: bool) -> list[Warning]:
    """Warnings on one calculated source: zero or implausible activity data, a huge figure, kWh for MWh."""
    found = []
    if entered_amount == 0:
        found.append(
            Warning(
                "zero_activity",
                _("The activity data is zero: remove the source if it did not run, or enter the figure."),
            )
        )
    bound = PLAUSIBLE_ACTIVITY.get((line.category, line.activity_unit))
    if bound is not None and line.activity is not None and line.activity > bound:
        found.append(
            Warning(
                "implausible_activity",
                _(
                    "%(amount)s %(unit)s is more than one source in Shanghai plausibly uses in a year "
                    "(%(bound)s %(unit)s). Check the unit and the number of zeros."
                )
                % {"amount": grouped(line.activity), "unit": unit_label(line.activity_unit), "bound": grouped(bound)},
            )
        )
    if line.emissions_tco2e > MAX_LINE_TCO2E:
        found.append(
            Warning(
                "implausible_emissions",
                _("%(tonnes)s tCO2e from one source is more than %(bound)s t: check the activity data and its unit.")
                % {"tonnes": format_tonnes(line.reported_tco2e), "bound": grouped(MAX_LINE_TCO2E)},
            )
        )
    if is_regulated and entered_unit == ActivityUnit.KWH and 0 < entered_amount < MIN_REGULATED_KWH:
        found.append(
            Warning(
                "kwh_looks_like_mwh",
                _(
                    "%(amount)s kWh is less than 1 MWh of electricity in a year, which is unlikely for a "
                    "regulated unit. Did you mean %(amount)s MWh?"
                )
                % {"amount": grouped(entered_amount)},
            )
        )
    return found


@dataclass(frozen=True)
class PreviousYear:
    """What the unit reported for the year before: a submitted report has a breakdown; an
    emissions record (historical statistics, a determination) has the total only."""

    year: int
    from_report: bool
    total_tco2e: Decimal
    by_category: dict[str, Decimal] = field(default_factory=dict)
    by_facility: dict[str, Decimal] = field(default_factory=dict)

    @property
    def basis(self) -> str:
        if self.from_report:
            return _("the submitted %(year)s report") % {"year": self.year}
        return _("the emissions on record for %(year)s") % {"year": self.year}


def change_pct(current: Decimal, previous: Decimal) -> Decimal | None:
    """Change against the previous figure in %, or None when there was nothing to compare with."""
    if not previous:
        return None
    return (current - previous) / previous * 100


def _compared(
    what: str,
    current: Decimal,
    previous: Decimal | None,
    basis: PreviousYear,
    threshold: Decimal,
    rising_only: bool,
    code: str,
):
    if previous is None or previous == 0:
        if current > 0 and basis.from_report:
            return Warning(
                f"{code}_new",
                _("%(what)s: %(tonnes)s tCO2e, and none in %(basis)s. Check this source is new this year.")
                % {"what": what, "tonnes": format_tonnes(current), "basis": basis.basis},
                NOTICE,
            )
        return None
    change = change_pct(current, previous)
    if abs(change) <= threshold or (rising_only and change < 0):
        return None
    if change > 0:
        text = _(
            "%(what)s: %(tonnes)s tCO2e is %(pct)s%% more than the %(previous)s tCO2e in %(basis)s, beyond "
            "the %(threshold)s%% year-on-year change at which the bureau may re-examine the report. "
            "Check the figures, or be ready to explain the change."
        )
    else:
        text = _(
            "%(what)s: %(tonnes)s tCO2e is %(pct)s%% less than the %(previous)s tCO2e in %(basis)s, beyond "
            "the %(threshold)s%% year-on-year change at which the bureau may re-examine the report. "
            "Check that no source is missing, or be ready to explain the change."
        )
    values = {"what": what, "tonnes": format_tonnes(current), "previous": format_tonnes(previous)}
    values |= {"pct": _percent(abs(change)), "basis": basis.basis, "threshold": grouped(threshold)}
    return Warning(code, text % values)


def year_on_year_warnings(
    current: Totals, previous: PreviousYear | None, threshold_pct: Decimal | None, *, rising_only: bool = False
) -> list[Warning]:
    """The report total, each category and each facility against the year before, beyond the
    year's threshold (strictly: a change of exactly the threshold passes).

    `rising_only` is for a draft being filled in, where every figure starts below last year's and
    only a rise says something.
    """
    if previous is None or threshold_pct is None:
        return []
    checks = [(_("Total emissions"), current.total_tco2e, previous.total_tco2e, "yoy_total")]
    if previous.from_report:
        for value, label in EmissionCategory.choices:
            if value in current.by_category or value in previous.by_category:
                now = current.by_category.get(value, Decimal(0))
                checks.append((str(label), now, previous.by_category.get(value), "yoy_category"))
        # A line previewed before its facility is chosen has no code: it has no facility to compare.
        codes = sorted((set(current.by_facility) | set(previous.by_facility)) - {""})
        for code in codes:
            what = _("Facility %(code)s") % {"code": code}
            now = current.by_facility.get(code, Decimal(0))
            checks.append((what, now, previous.by_facility.get(code), "yoy_facility"))
    found = []
    for what, now, before, code in checks:
        warning = _compared(what, now, before, previous, threshold_pct, rising_only, code)
        if warning is not None:
            found.append(warning)
    return found
