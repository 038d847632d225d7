"""Reporting's one permission gate: who may see, and who may write, which annual reports and plans.

- Unit staff see and file their own organisation's reports and plans.
- An agency's staff see and fill in a unit's report of a year while the unit's compilation grant
  for that year is active; only the unit's staff declare and submit it (Art. 16).
- The bureau reads everything and decides on plans.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from carbon_portal.permissions import is_bureau, organisation_ids_of
from carbon_portal.roles import Role

from .models import AnnualReport, CompilationGrant, QualityPlan


def filing_organisation_ids(user) -> frozenset[int]:
    """Organisations a user files reports for: those whose unit staff they are (Art. 16)."""
    return organisation_ids_of(user, Role.UNIT_STAFF)


def agency_ids(user) -> frozenset[int]:
    """The technical service agencies a user works for."""
    return organisation_ids_of(user, Role.AGENCY_STAFF)


def active_grants_for(user) -> QuerySet[CompilationGrant]:
    """Active compilation grants to the user's agencies."""
    return CompilationGrant.objects.filter(agency_id__in=agency_ids(user), revoked_at__isnull=True)


def reports_for(user) -> QuerySet[AnnualReport]:
    """Reports a user may see: all for the bureau; their organisations' for unit staff; for agency
    staff, those of the units and years that granted their agency access; none otherwise."""
    if is_bureau(user):
        return AnnualReport.objects.all()
    visible = Q(organisation_id__in=filing_organisation_ids(user))
    if agency_ids(user):
        granted = active_grants_for(user).filter(organisation_id=OuterRef("organisation_id"), year=OuterRef("year"))
        visible |= Q(Exists(granted))
    return AnnualReport.objects.filter(visible)


def may_file(user, organisation_id: int) -> bool:
    """Unit staff of the organisation: they start, declare and submit its filings."""
    return organisation_id in filing_organisation_ids(user)


def granting_agency_id(user, organisation_id: int, year: int) -> int | None:
    """The user's agency holding the unit's active grant for the year, if any."""
    return (
        active_grants_for(user)
        .filter(organisation_id=organisation_id, year=year)
        .values_list("agency_id", flat=True)
        .first()
    )


def may_compile(user, organisation_id: int, year: int) -> bool:
    """Fill in the unit's report of the year: its own staff, or an agency it granted access."""
    return may_file(user, organisation_id) or granting_agency_id(user, organisation_id, year) is not None


def require_filer(user, organisation_id: int) -> None:
    """Only the unit's own staff declare and submit its report, or start a correction."""
    if not may_file(user, organisation_id):
        raise PermissionDenied(_("Only the unit's own staff may file its emission report."))


def require_compiler(user, organisation_id: int, year: int) -> None:
    if not may_compile(user, organisation_id, year):
        raise PermissionDenied(
            _(
                "Only the unit's own staff, or a technical service agency the unit has granted access "
                "for this year, may fill in this report."
            )
        )


def plans_for(user) -> QuerySet[QualityPlan]:
    """Data quality plans a user may see: all for the bureau, their organisations' for unit staff."""
    if is_bureau(user):
        return QualityPlan.objects.all()
    return QualityPlan.objects.filter(organisation_id__in=filing_organisation_ids(user))


def require_plan_filer(user, organisation_id: int) -> None:
    """Only the unit's own staff write its data quality plan (Art. 15)."""
    if not may_file(user, organisation_id):
        raise PermissionDenied(_("Only the unit's own staff may file its data quality control plan."))


def require_plan_decider(user) -> None:
    """Only the bureau accepts or returns a data quality plan (Art. 15)."""
    if not is_bureau(user):
        raise PermissionDenied(_("Only the bureau may accept or return a data quality control plan."))
