"""Reads of the monthly key parameters (National (10)): the year to date, the projection for the
year and the bureau's overview. They drive early warning, so `projections` is the one place the
projected annual emissions are worked out, for one unit or many in a fixed number of queries.

Projection method: the mean of the months that have a figure filed, times 12. A month with no
figure is left out of the mean, not counted as zero (the pages say so).
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Context, Decimal, localcontext

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.dates import MONTHS as MONTH_NAMES
from django.utils.translation import gettext as _

from registry.choices import EmissionSource, EntryCategory, ListStatus
from registry.models import EmissionRecord, ListEntry, Organisation
from registry.selectors import name_or_code

from ..calculation import Line, reported_tonnes
from ..choices import ReportStatus
from ..models import AnnualReport, MonthlyActivity, ReportLine
from ..permissions import active_grants_for, filing_organisation_ids
from . import is_required_to_report, report_totals

FIRST_YEAR = 2013  # Shanghai's pilot market began reporting in 2013
MONTHS = range(1, 13)
_EXACT = Context(prec=34)  # sums of 12-decimal tonnes never lose a digit


def today() -> date:
    """The portal's local date: what counts as a month in the future (tests pin it)."""
    return timezone.localdate()


def open_months(year: int) -> list[int]:
    """The months of `year` a figure may be filed for: none in the future, none before 2013."""
    now = today()
    if year < FIRST_YEAR or year > now.year:
        return []
    return list(range(1, (now.month if year == now.year else 12) + 1))


def _listed(years) -> Q:
    """List entries of regulated or reporting units on the published lists of `years`: the rule of
    `is_required_to_report`, for many units in one query."""
    return Q(
        regulated_list__year__in=list(years),
        regulated_list__status=ListStatus.PUBLISHED,
        is_removed=False,
        category__in=[EntryCategory.REGULATED, EntryCategory.REPORTING],
    )


def may_file_monthly(organisation_id: int, year: int) -> bool:
    """A unit on the published list of `year` or of the year before: the list for Y is published
    early in Y, so a unit on last year's list files its monthly figures for Y meanwhile."""
    return is_required_to_report(organisation_id, year) or is_required_to_report(organisation_id, year - 1)


def current_rows(organisation_id: int, year: int) -> QuerySet[MonthlyActivity]:
    """The figures in force: one per source and month."""
    return (
        MonthlyActivity.objects.filter(organisation_id=organisation_id, year=year, superseded_at__isnull=True)
        .select_related("facility", "filed_by")
        .order_by("month", "facility__code", "source_description", "id")
    )


def superseded_rows(organisation_id: int, year: int) -> QuerySet[MonthlyActivity]:
    """Figures replaced by a later filing or withdrawn: kept on record, newest change first."""
    return (
        MonthlyActivity.objects.filter(organisation_id=organisation_id, year=year, superseded_at__isnull=False)
        .select_related("facility", "filed_by")
        .order_by("-superseded_at", "-id")
    )


@dataclass
class MonthFigure:
    """One month of the grid. `total_tco2e` is None when nothing is filed for the month."""

    month: int
    total_tco2e: Decimal | None = None
    biomass_tco2: Decimal = Decimal("0.000")
    sources: int = 0
    is_open: bool = True  # False: a month in the future

    @property
    def is_filed(self) -> bool:
        return self.sources > 0

    @property
    def label(self) -> str:
        return str(MONTH_NAMES[self.month])


@dataclass
class YearToDate:
    """The figures filed so far in a year, biomass CO2 apart and outside every total."""

    organisation_id: int
    year: int
    months: list[MonthFigure]
    total_tco2e: Decimal  # year to date, summed exactly and rounded once
    biomass_tco2: Decimal
    exact_tco2e: Decimal = field(repr=False, default=Decimal(0))
    last_filed_at: datetime | None = None

    @property
    def months_filed(self) -> list[int]:
        return [m.month for m in self.months if m.is_filed]


@dataclass
class Projection:
    """Projected emissions for the whole year from the monthly figures, and last year's to compare."""

    organisation_id: int
    year: int
    year_to_date: YearToDate
    projected_tco2e: Decimal | None  # None until a month is filed
    previous_tco2e: Decimal | None = None
    previous_source: str = ""  # how last year's figure was established, translated

    @property
    def months_covered(self) -> int:
        return len(self.year_to_date.months_filed)

    @property
    def change_percent(self) -> Decimal | None:
        """The projection against last year's figure, in per cent to one decimal."""
        if self.projected_tco2e is None or not self.previous_tco2e:
            return None
        change = (self.projected_tco2e - self.previous_tco2e) / self.previous_tco2e * 100
        return change.quantize(Decimal("0.1"))


def _year_to_date(organisation_id: int, year: int, rows) -> YearToDate:
    """`rows`: (month, gas, is_biomass, emissions_tco2e, filed_at) of the current figures."""
    open_ = set(open_months(year))
    exact = {m: Decimal(0) for m in MONTHS}
    biomass = {m: Decimal(0) for m in MONTHS}
    sources = {m: 0 for m in MONTHS}
    last = None
    with localcontext(_EXACT):
        for month, gas, is_biomass, tonnes, filed_at in rows:
            # The engine's rule: biomass CO2 is reported but not counted (its CH4 and N2O are).
            if Line("", "", gas, tonnes, is_biomass=is_biomass).is_biomass_co2:
                biomass[month] += tonnes
            else:
                exact[month] += tonnes
            sources[month] += 1
            last = filed_at if last is None or filed_at > last else last
        months = [
            MonthFigure(
                m,
                reported_tonnes(exact[m]) if sources[m] else None,
                reported_tonnes(biomass[m]),
                sources[m],
                m in open_,
            )
            for m in MONTHS
        ]
        total = sum(exact.values(), Decimal(0))
        return YearToDate(
            organisation_id,
            year,
            months,
            reported_tonnes(total),
            reported_tonnes(sum(biomass.values(), Decimal(0))),
            total,
            last,
        )


_ROW_FIELDS = ("organisation_id", "month", "gas", "is_biomass", "emissions_tco2e", "filed_at")


def _rows_by_organisation(year: int, organisation_ids) -> dict[int, list[tuple]]:
    found: dict[int, list[tuple]] = {org_id: [] for org_id in organisation_ids}
    rows = MonthlyActivity.objects.filter(
        year=year, superseded_at__isnull=True, organisation_id__in=list(organisation_ids)
    ).values_list(*_ROW_FIELDS)
    for org_id, *rest in rows:
        found[org_id].append(tuple(rest))
    return found


def year_to_date(organisation_id: int, year: int) -> YearToDate:
    """Months filed, each month's total (tCO2e, biomass CO2 excluded) and the year-to-date total."""
    return _year_to_date(organisation_id, year, _rows_by_organisation(year, [organisation_id])[organisation_id])


def _previous_totals(year: int, organisation_ids) -> dict[int, tuple[Decimal, str]]:
    """Last year's emissions on record (determined outranks reported, see the registry), or else
    the total of a submitted report for that year."""
    labels = dict(EmissionSource.choices)
    found = {
        org_id: (tonnes, str(labels.get(source, source)))
        for org_id, tonnes, source in EmissionRecord.objects.filter(
            year=year - 1, organisation_id__in=list(organisation_ids)
        ).values_list("organisation_id", "emissions_tco2e", "source")
    }
    missing = [org_id for org_id in organisation_ids if org_id not in found]
    if missing:
        reports = AnnualReport.objects.filter(
            year=year - 1, status=ReportStatus.SUBMITTED, organisation_id__in=missing
        ).prefetch_related(Prefetch("lines", queryset=ReportLine.objects.select_related("facility")))
        for report in reports:
            figures = report_totals(report, report.lines.all())
            found[report.organisation_id] = (figures.total_tco2e, _("Submitted report"))
    return found


def _project(ytd: YearToDate) -> Decimal | None:
    filed = len(ytd.months_filed)
    if not filed:
        return None
    with localcontext(_EXACT):
        return reported_tonnes(ytd.exact_tco2e / filed * 12)


def projections(year: int, organisation_ids) -> dict[int, Projection]:
    """Projected annual tCO2e per unit = mean of the months with a figure x 12. Four queries at
    most, whatever the number of units: for the overview and for early warning."""
    organisation_ids = list(dict.fromkeys(organisation_ids))
    rows = _rows_by_organisation(year, organisation_ids)
    previous = _previous_totals(year, organisation_ids)
    found = {}
    for org_id in organisation_ids:
        ytd = _year_to_date(org_id, year, rows[org_id])
        prev_tonnes, prev_source = previous.get(org_id, (None, ""))
        found[org_id] = Projection(org_id, year, ytd, _project(ytd), prev_tonnes, prev_source)
    return found


def projection(organisation_id: int, year: int) -> Projection:
    """One unit's projection for the year, with last year's figure to compare."""
    return projections(year, [organisation_id])[organisation_id]


@dataclass
class OverviewRow:
    organisation: Organisation
    projection: Projection

    @property
    def year_to_date(self) -> YearToDate:
        return self.projection.year_to_date


def bureau_monthly_overview(year: int, q: str = "") -> list[OverviewRow]:
    """Every unit filing monthly figures for the year (listed for it or the year before, or with
    figures on record), by name, with the year to date and projection. Fixed number of queries."""
    listed = ListEntry.objects.filter(_listed([year, year - 1]), organisation_id=OuterRef("pk"))
    filed = MonthlyActivity.objects.filter(organisation_id=OuterRef("pk"), year=year)
    organisations = Organisation.objects.filter(Q(Exists(listed)) | Q(Exists(filed))).order_by("name_zh", "pk")
    if q:
        organisations = organisations.filter(name_or_code(q))
    organisations = list(organisations)
    found = projections(year, [org.pk for org in organisations])
    return [OverviewRow(org, found[org.pk]) for org in organisations]


@dataclass
class MonthlyYear:
    """A row of the unit's index page: an organisation and a year it may file monthly figures for."""

    organisation: Organisation
    year: int
    is_own: bool = True  # False: compiled by the user's agency under the unit's grant


def unit_monthly_years(user) -> list[MonthlyYear]:
    """This year and last year for each of the user's units that may file them, and the units and
    years that granted the user's agency access."""
    this_year = today().year
    years = [this_year, this_year - 1]
    org_ids = filing_organisation_ids(user)
    entries = ListEntry.objects.filter(
        _listed([this_year, this_year - 1, this_year - 2]),
        organisation_id__in=org_ids,
    ).values_list("organisation_id", "regulated_list__year")
    keys = {(org_id, y) for org_id, listed_year in entries for y in years if y in (listed_year, listed_year + 1)}
    grants = active_grants_for(user).filter(year__in=years).exclude(organisation_id__in=org_ids)
    keys |= {(org_id, y) for org_id, y in grants.values_list("organisation_id", "year")}
    organisations = Organisation.objects.in_bulk({org_id for org_id, _y in keys})
    rows = [MonthlyYear(organisations[org_id], y, org_id in org_ids) for org_id, y in keys]
    return sorted(rows, key=lambda row: (-row.year, row.organisation.name_zh))
