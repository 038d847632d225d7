"""Reads about agencies compiling reports on units' behalf."""

from django.db.models import QuerySet

from registry.choices import OrganisationStatus, OrganisationType
from registry.models import Organisation

from ..models import AnnualReport, CompilationGrant


def agencies_to_choose() -> QuerySet[Organisation]:
    return Organisation.objects.filter(org_type=OrganisationType.AGENCY, status=OrganisationStatus.ACTIVE).order_by(
        "name_zh"
    )


def grants_of(organisation_id: int, year: int) -> QuerySet[CompilationGrant]:
    """Every grant of the unit for the year, the current one first, then the withdrawn ones."""
    return (
        CompilationGrant.objects.filter(organisation_id=organisation_id, year=year)
        .select_related("agency", "granted_by", "revoked_by")
        .order_by("revoked_at", "-granted_at")
    )


def agencies_that_compiled(year: int) -> frozenset[int]:
    """Art. 19: agencies that compiled any Shanghai report of the year (wrote to it under a grant).
    The verification issue bars them from reviewing any report of that year."""
    return frozenset(
        AnnualReport.objects.filter(year=year, compiled_by_agency__isnull=False).values_list(
            "compiled_by_agency_id", flat=True
        )
    )
