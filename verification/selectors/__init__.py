"""Verification reads."""

from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from registry.choices import OrganisationStatus, OrganisationType
from registry.models import Organisation
from registry.selectors import year_settings
from reporting.choices import ReportStatus
from reporting.models import AnnualReport
from reporting.selectors.access import agencies_that_compiled

from ..choices import AssignmentKind, BusinessLine
from ..models import IN_FORCE, AgencyUnitLink, AgencyYearLine, ReviewAssignment


def review_due_date(year: int) -> date | None:
    found = year_settings(year)
    return found.review_due_date if found else None


def reviewing_agencies(year: int) -> QuerySet[Organisation]:
    """Active agencies whose business line for `year` is technical review."""
    return Organisation.objects.filter(
        org_type=OrganisationType.AGENCY,
        status=OrganisationStatus.ACTIVE,
        year_lines__year=year,
        year_lines__line=BusinessLine.REVIEWING,
    ).order_by("name_zh")


def ineligibility(agency: Organisation, organisation_id: int, year: int, *, compiled=None, links=None) -> list[str]:
    """Why `agency` may not review the unit's report of `year` (Art. 19); empty when it may.
    `compiled` and `links` may be passed in by callers checking many pairs at once."""
    reasons = []
    if agency.org_type != OrganisationType.AGENCY or agency.status != OrganisationStatus.ACTIVE:
        reasons.append(_("%(agency)s is not an active technical service agency.") % {"agency": agency.name})
        return reasons
    line = AgencyYearLine.objects.filter(agency=agency, year=year).values_list("line", flat=True).first()
    if line != BusinessLine.REVIEWING:
        reasons.append(
            _("%(agency)s has not declared technical review as its business line for %(year)s.")
            % {"agency": agency.name, "year": year}
        )
    compiled = agencies_that_compiled(year) if compiled is None else compiled
    if agency.pk in compiled:
        reasons.append(
            _(
                "%(agency)s compiled a Shanghai emission report for %(year)s, so it may not review any report "
                "of that year (Art. 19)."
            )
            % {"agency": agency.name, "year": year}
        )
    if links is None:
        links = AgencyUnitLink.objects.filter(agency=agency, organisation_id=organisation_id)
    for link in links:
        if link.agency_id == agency.pk and link.organisation_id == organisation_id and link.covers(year):
            reasons.append(
                _("%(agency)s is tied to the unit (%(kind)s: %(description)s), so it may not review it (Art. 19).")
                % {"agency": agency.name, "kind": link.get_kind_display(), "description": link.description}
            )
    return reasons


def reports_to_review(year: int) -> QuerySet[AnnualReport]:
    """The year's submitted reports (the current version of each unit)."""
    return AnnualReport.objects.filter(year=year, status=ReportStatus.SUBMITTED).select_related("organisation")


def current_assignments(year: int) -> QuerySet[ReviewAssignment]:
    return ReviewAssignment.objects.filter(year=year, status__in=IN_FORCE, kind=AssignmentKind.REVIEW).select_related(
        "organisation", "agency", "report"
    )


def agency_loads(year: int) -> dict[int, int]:
    """Current assignments per agency in `year`."""
    rows = current_assignments(year).values("agency_id").annotate(n=Count("id"))
    return {row["agency_id"]: row["n"] for row in rows}


def unassigned_reports(year: int) -> QuerySet[AnnualReport]:
    assigned = ReviewAssignment.objects.filter(year=year, status__in=IN_FORCE, kind=AssignmentKind.REVIEW).values(
        "organisation_id"
    )
    return reports_to_review(year).exclude(Q(organisation_id__in=assigned)).order_by("organisation__name_zh")
