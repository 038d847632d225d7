"""Reporting reads. Pages start here, never from a raw model manager."""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from registry.choices import EntryCategory, ListStatus
from registry.models import ListEntry, Organisation
from registry.selectors import year_settings

from ..calculation import Line, Totals, totals
from ..choices import EmissionCategory, FactorKind, PlanSection, PlanStatus, ReportStatus
from ..models import (
    AnnualReport,
    CompilationGrant,
    EmissionFactor,
    PlanParameter,
    PlanSectionComment,
    QualityPlan,
    ReportLine,
)
from ..permissions import active_grants_for, filing_organisation_ids, plans_for, reports_for


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
    grant: CompilationGrant | None = None  # the agency compiling it, if the unit granted access
    is_own: bool = True  # False: an agency's row, compiled under the unit's grant

    @property
    def latest(self) -> AnnualReport | None:
        return self.versions[0] if self.versions else None

    @property
    def can_start(self) -> bool:
        """No draft and nothing submitted: every version so far was abandoned, or there is none."""
        return not any(r.status in (ReportStatus.DRAFT, ReportStatus.SUBMITTED) for r in self.versions)

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
    # Units that granted the user's agency access: their years appear as the agency's rows.
    granted = list(
        active_grants_for(user).exclude(organisation_id__in=org_ids).select_related("organisation", "agency")
    )
    grants = {
        (g.organisation_id, g.year): g
        for g in CompilationGrant.objects.filter(organisation_id__in=org_ids, revoked_at__isnull=True).select_related(
            "agency"
        )
    }
    reports = (
        reports_for(user)
        .filter(organisation_id__in=set(org_ids) | {g.organisation_id for g in granted})
        .order_by("-version")
    )
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
        key = (entry.organisation_id, year)
        rows.append(ReportYear(entry.organisation, year, due[year], by_key.get(key, []), grants.get(key)))
    for grant in granted:
        key = (grant.organisation_id, grant.year)
        if grant.year not in due:
            found = year_settings(grant.year)
            due[grant.year] = found.report_due_date if found else None
        rows.append(ReportYear(grant.organisation, grant.year, due[grant.year], by_key.get(key, []), grant, False))
    return rows


def category_totals(figures: Totals) -> list[tuple[str, object]]:
    """Totals per category with their labels, in the order of EmissionCategory."""
    return [
        (label, figures.by_category[value]) for value, label in EmissionCategory.choices if value in figures.by_category
    ]


# Data quality control plans (Art. 15)


def _plan_list_entries(organisation_ids, years) -> QuerySet[ListEntry]:
    return ListEntry.objects.filter(
        organisation_id__in=organisation_ids,
        regulated_list__year__in=years,
        regulated_list__status=ListStatus.PUBLISHED,
        is_removed=False,
        category=EntryCategory.REGULATED,
    )


def is_required_to_plan(organisation_id: int, year: int) -> bool:
    """Art. 15: a regulated unit files the plan for year Y+1 during year Y, usually before the Y+1
    list is published. So a unit may file the plan for `year` when it is a regulated unit, not
    removed, on the published list of `year` or of the year before."""
    return _plan_list_entries([organisation_id], [year, year - 1]).exists()


def plan_due_date(year: int):
    """The plan covering `year` is due by the date set for that year (31 Dec of the year before)."""
    found = year_settings(year)
    return found.plan_due_date if found else None


def plan_parameters(plan: QualityPlan) -> QuerySet[PlanParameter]:
    return plan.parameters.select_related("facility").order_by("facility__code", "id")


def plan_comments_by_section(plan: QualityPlan, comments=None) -> dict[str, list]:
    """The bureau's comments on this version, by section (an empty list for a section without)."""
    comments = plan.comments.select_related("author") if comments is None else comments
    found: dict[str, list] = {section: [] for section in PlanSection.values}
    for comment in comments:
        found[comment.section].append(comment)
    return found


def plan_page_comments(plan: QualityPlan) -> dict[str, list]:
    """The comments a plan page shows, in one query: the plan's own, or, on a revision, those the
    returned version it revises received, which the revision answers."""
    rows = list(
        PlanSectionComment.objects.filter(plan_id__in=[plan.pk, plan.revises_id or plan.pk]).select_related("author")
    )
    own = [row for row in rows if row.plan_id == plan.pk]
    return plan_comments_by_section(plan, own or rows)


@dataclass
class PlanYear:
    """A row of the unit's plans page: one organisation's plan for one year and its versions."""

    organisation: Organisation
    year: int
    due_date: object
    versions: list[QualityPlan] = field(default_factory=list)

    @property
    def latest(self) -> QualityPlan | None:
        return self.versions[0] if self.versions else None


def unit_plan_years(user) -> list[PlanYear]:
    """Every year a user's organisations file a plan for (listed that year or the year before)."""
    org_ids = filing_organisation_ids(user)
    keys: dict[tuple[int, int], Organisation] = {}
    entries = _plan_list_entries(org_ids, range(1, 10000)).select_related("organisation", "regulated_list")
    for entry in entries:
        for year in (entry.regulated_list.year, entry.regulated_list.year + 1):
            keys[(entry.organisation_id, year)] = entry.organisation
    plans = plans_for(user).filter(organisation_id__in=org_ids).select_related("organisation").order_by("-version")
    by_key: dict[tuple[int, int], list[QualityPlan]] = {}
    for plan in plans:
        by_key.setdefault((plan.organisation_id, plan.year), []).append(plan)
        keys.setdefault((plan.organisation_id, plan.year), plan.organisation)
    due = {year: plan_due_date(year) for year in {year for _org, year in keys}}
    rows = [PlanYear(org, year, due[year], by_key.get((org.pk, year), [])) for (_id, year), org in keys.items()]
    return sorted(rows, key=lambda row: (-row.year, row.organisation.name_zh))


@dataclass
class ComparedRow:
    """One parameter across two versions: `state` is same, changed, added or removed."""

    state: str
    old: PlanParameter | None
    new: PlanParameter | None


def compare_plan_parameters(old_rows, new_rows) -> list[ComparedRow]:
    """Matches rows by facility, source and parameter; marks what differs between the versions."""
    old_by_key = {row.key: row for row in old_rows}
    rows = []
    for new in new_rows:
        old = old_by_key.pop(new.key, None)
        if old is None:
            rows.append(ComparedRow("added", None, new))
        else:
            rows.append(ComparedRow("same" if old.compared_values() == new.compared_values() else "changed", old, new))
    rows.extend(ComparedRow("removed", old, None) for old in old_by_key.values())
    return rows


def previous_plan_version(plan: QualityPlan) -> QualityPlan | None:
    return (
        QualityPlan.objects.filter(organisation_id=plan.organisation_id, year=plan.year, version__lt=plan.version)
        .order_by("-version")
        .first()
    )


def plan_versions(plan: QualityPlan) -> QuerySet[QualityPlan]:
    return QualityPlan.objects.filter(organisation_id=plan.organisation_id, year=plan.year).order_by("version")


def awaiting_plans() -> QuerySet[QualityPlan]:
    return QualityPlan.objects.filter(status=PlanStatus.SUBMITTED)
