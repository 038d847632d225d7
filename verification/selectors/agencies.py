"""Reads for the public directory of technical service agencies and the bureau's upkeep of it.
Every list here runs a fixed number of queries, whatever the number of agencies."""

from dataclasses import dataclass

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language

from registry.choices import OrganisationStatus, OrganisationType
from registry.models import Organisation
from registry.selectors import name_or_code

from ..choices import BusinessLine
from ..models import AgencyProfile, AgencyUnitLink, AgencyYearLine, Reviewer

FIRST_YEAR = 2013  # Shanghai's pilot market began in 2013
RECENT_YEARS = 3  # the directory shows the current year and this many before it


def this_year() -> int:
    return timezone.localdate().year


def directory_years(year: int | None = None) -> list[int]:
    """The years whose business lines the directory shows, oldest first."""
    year = year or this_year()
    return list(range(year - RECENT_YEARS, year + 1))


def qualifications(profile: AgencyProfile) -> str:
    """In the reader's language: English when they read English and the text exists, else Chinese."""
    if (get_language() or "").startswith("en") and profile.qualifications_en.strip():
        return profile.qualifications_en
    return profile.qualifications_zh


def _active_reviewer_count() -> Coalesce:
    # A subquery, not a join: a join would multiply rows with the year-line filter below.
    counts = (
        Reviewer.objects.filter(agency_id=OuterRef("organisation_id"), is_active=True)
        .order_by()
        .values("agency_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def directory(*, q: str = "", year: int | None = None, line: str = "") -> QuerySet[AgencyProfile]:
    """Listed profiles of active agencies, with their recent business lines and active reviewers."""
    profiles = AgencyProfile.objects.filter(
        is_listed=True,
        organisation__org_type=OrganisationType.AGENCY,
        organisation__status=OrganisationStatus.ACTIVE,
    )
    if q.strip():
        profiles = profiles.filter(name_or_code(q.strip(), prefix="organisation__"))
    if year and line in BusinessLine.values:
        declared = AgencyYearLine.objects.filter(agency_id=OuterRef("organisation_id"), year=year, line=line)
        profiles = profiles.filter(Exists(declared))
    recent = AgencyYearLine.objects.filter(year__in=directory_years()).order_by("year")
    return (
        profiles.select_related("organisation")
        .annotate(active_reviewers=_active_reviewer_count())
        .prefetch_related(Prefetch("organisation__year_lines", queryset=recent, to_attr="recent_lines"))
        .order_by("organisation__name_zh", "pk")
    )


@dataclass(frozen=True)
class DirectoryRow:
    profile: AgencyProfile
    organisation: Organisation
    lines: list  # one per year of `directory_years()`: an AgencyYearLine or None
    active_reviewers: int


def directory_rows(profiles, years: list[int]) -> list[DirectoryRow]:
    """Rows of `directory()` (or a page of it) with each year's line in the column of its year."""
    rows = []
    for profile in profiles:
        by_year = {line.year: line for line in profile.organisation.recent_lines}
        rows.append(
            DirectoryRow(
                profile=profile,
                organisation=profile.organisation,
                lines=[by_year.get(year) for year in years],
                active_reviewers=profile.active_reviewers,
            )
        )
    return rows


@dataclass(frozen=True)
class AgencyDetail:
    profile: AgencyProfile
    organisation: Organisation
    qualifications: str
    lines: list[AgencyYearLine]
    reviewers: list[Reviewer]


def agency_detail(organisation_id: int, *, include_unlisted: bool = False) -> AgencyDetail:
    """One agency's directory page; 404 unless it is a listed, active agency (the bureau may preview)."""
    profiles = AgencyProfile.objects.select_related("organisation").filter(
        organisation__org_type=OrganisationType.AGENCY
    )
    if not include_unlisted:
        profiles = profiles.filter(is_listed=True, organisation__status=OrganisationStatus.ACTIVE)
    profile = get_object_or_404(profiles, organisation_id=organisation_id)
    organisation = profile.organisation
    return AgencyDetail(
        profile=profile,
        organisation=organisation,
        qualifications=qualifications(profile),
        lines=list(organisation.year_lines.order_by("-year")),
        reviewers=list(organisation.reviewers.filter(is_active=True).order_by("name")),
    )


def admin_agencies(*, q: str = "") -> QuerySet[Organisation]:
    """Every agency organisation, whatever its status, with its profile and this year's line."""
    line_now = AgencyYearLine.objects.filter(agency_id=OuterRef("pk"), year=this_year()).values("line")[:1]
    agencies = Organisation.objects.filter(org_type=OrganisationType.AGENCY)
    if q.strip():
        agencies = agencies.filter(name_or_code(q.strip()))
    return agencies.select_related("agency_profile").annotate(line_now=Subquery(line_now)).order_by("name_zh", "pk")


def profile_of(agency: Organisation) -> AgencyProfile | None:
    return AgencyProfile.objects.filter(organisation=agency).first()


def year_lines_of(agency: Organisation) -> QuerySet[AgencyYearLine]:
    return AgencyYearLine.objects.filter(agency=agency).select_related("recorded_by").order_by("-year")


def reviewers_of(agency: Organisation) -> QuerySet[Reviewer]:
    """Active reviewers first, then those who left."""
    return Reviewer.objects.filter(agency=agency).select_related("user").order_by("-is_active", "name")


def links_of(agency: Organisation) -> QuerySet[AgencyUnitLink]:
    """Current ties first (no end year), then by the year they began, newest first."""
    return (
        AgencyUnitLink.objects.filter(agency=agency)
        .select_related("organisation", "recorded_by")
        .order_by(F("to_year").asc(nulls_first=True), "-from_year", "pk")
    )
