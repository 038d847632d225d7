"""Reporting reads. Pages start here, never from a raw model manager."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from registry.choices import EntryCategory, ListStatus
from registry.models import ListEntry, Organisation
from registry.selectors import name_or_code, year_settings

from .calculation import Line, Totals, totals
from .choices import EmissionCategory, FactorKind, ReportStatus
from .models import AnnualReport, EmissionFactor, ReportLine
from .permissions import filing_organisation_ids, reports_for


def _valid_in(year: int) -> Q:
    """An empty year leaves the period open on that side."""
    starts = Q(valid_from_year__isnull=True) | Q(valid_from_year__lte=year)
    ends = Q(valid_to_year__isnull=True) | Q(valid_to_year__gte=year)
    return starts & ends


def current_factors() -> QuerySet[EmissionFactor]:
    return EmissionFactor.objects.filter(superseded_at__isnull=True)


def factor_for(code: str, year: int) -> EmissionFactor:
    """DOMAIN.md: a factor applies by the report's year. The current version valid in `year`."""
    factor = (
        current_factors()
        .filter(_valid_in(year), code=code)
        .order_by(F("valid_from_year").desc(nulls_last=True))
        .first()
    )
    if factor is None:
        raise ValidationError(
            _("No emission factor for %(code)s is valid in %(year)s."),
            code="no_factor",
            params={"code": code, "year": year},
        )
    return factor


def factors_in_force(year: int) -> QuerySet[EmissionFactor]:
    """Every factor a report for `year` would use: the current versions valid in that year."""
    return current_factors().filter(_valid_in(year)).order_by("kind", "code")


def factor_history(code: str) -> QuerySet[EmissionFactor]:
    """Every version of a factor, superseded ones included, oldest period and version first."""
    return (
        EmissionFactor.objects.filter(code=code)
        .select_related("created_by")
        .order_by(F("valid_from_year").asc(nulls_first=True), "version")
    )


@dataclass
class KindGroup:
    kind: str
    label: str
    current: list[EmissionFactor] = field(default_factory=list)
    history: list[EmissionFactor] = field(default_factory=list)


def by_kind(factors) -> list[KindGroup]:
    """Factors grouped by kind in the order of FactorKind, current and superseded apart."""
    groups = {kind: KindGroup(kind, str(label)) for kind, label in FactorKind.choices}
    for factor in factors:
        group = groups[factor.kind]
        (group.history if factor.superseded_at else group.current).append(factor)
    return list(groups.values())


def factor_library() -> list[KindGroup]:
    """The whole library for the bureau's page, in one query."""
    rows = EmissionFactor.objects.select_related("created_by").order_by(
        "code", F("valid_from_year").asc(nulls_first=True), "version"
    )
    return by_kind(rows)


# Annual emission reports (Art. 16)


def is_required_to_report(organisation_id: int, year: int) -> bool:
    """Art. 16 ¶1 and ¶3: regulated and reporting units on the year's published list, not removed."""
    return ListEntry.objects.filter(
        regulated_list__year=year,
        regulated_list__status=ListStatus.PUBLISHED,
        organisation_id=organisation_id,
        is_removed=False,
        category__in=[EntryCategory.REGULATED, EntryCategory.REPORTING],
    ).exists()


def report_lines(report: AnnualReport) -> QuerySet[ReportLine]:
    return report.lines.select_related("facility").order_by("facility__code", "id")


def report_totals(report: AnnualReport, lines=None) -> Totals:
    """Totals per facility, gas and category; biomass CO2 apart and outside the total."""
    lines = report_lines(report) if lines is None else lines
    return totals(
        Line(
            facility_code=line.facility.code,
            category=line.category,
            gas=line.gas,
            emissions_tco2e=line.emissions_tco2e,
            is_biomass=line.is_biomass,
        )
        for line in lines
    )


@dataclass
class ReportYear:
    """A row of the unit's reports page: one organisation's duty for one year and its filings."""

    organisation: Organisation
    year: int
    due_date: object
    versions: list[AnnualReport] = field(default_factory=list)

    @property
    def latest(self) -> AnnualReport | None:
        return self.versions[0] if self.versions else None

    @property
    def has_draft(self) -> bool:
        return any(r.status == ReportStatus.DRAFT for r in self.versions)


def unit_report_years(user) -> list[ReportYear]:
    """Every year a user's organisations must report (published lists), with their versions."""
    org_ids = filing_organisation_ids(user)
    entries = (
        ListEntry.objects.filter(
            organisation_id__in=org_ids,
            regulated_list__status=ListStatus.PUBLISHED,
            is_removed=False,
            category__in=[EntryCategory.REGULATED, EntryCategory.REPORTING],
        )
        .select_related("organisation", "regulated_list")
        .order_by("-regulated_list__year", "organisation__name_zh")
    )
    reports = reports_for(user).filter(organisation_id__in=org_ids).order_by("-version")
    by_key: dict[tuple[int, int], list[AnnualReport]] = {}
    for report in reports:
        by_key.setdefault((report.organisation_id, report.year), []).append(report)
    due: dict[int, object] = {}
    rows = []
    for entry in entries:
        year = entry.regulated_list.year
        if year not in due:
            found = year_settings(year)
            due[year] = found.report_due_date if found else None
        rows.append(ReportYear(entry.organisation, year, due[year], by_key.get((entry.organisation_id, year), [])))
    return rows


def bureau_reports(*, year: int, q: str = "", status: str = "") -> QuerySet[AnnualReport]:
    """The bureau's list of a year's reports, every version, filtered by unit and status."""
    qs = (
        AnnualReport.objects.filter(year=year)
        .select_related("organisation")
        .order_by("organisation__name_zh", "-version")
    )
    if q:
        qs = qs.filter(name_or_code(q, prefix="organisation__"))
    if status:
        qs = qs.filter(status=status)
    return qs


def category_totals(figures: Totals) -> list[tuple[str, object]]:
    """Totals per category with their labels, in the order of EmissionCategory."""
    return [
        (label, figures.by_category[value]) for value, label in EmissionCategory.choices if value in figures.by_category
    ]
