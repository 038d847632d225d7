"""Reporting's one permission gate: who may see, and who may file, which annual reports and plans."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from carbon_portal.permissions import is_bureau, organisation_ids_of
from carbon_portal.roles import Role

from .models import AnnualReport, QualityPlan


def filing_organisation_ids(user) -> frozenset[int]:
    """Organisations a user files reports for: those whose unit staff they are (Art. 16)."""
    return organisation_ids_of(user, Role.UNIT_STAFF)


def reports_for(user) -> QuerySet[AnnualReport]:
    """Reports a user may see: all for the bureau, their organisations' for unit staff, none otherwise."""
    if is_bureau(user):
        return AnnualReport.objects.all()
    return AnnualReport.objects.filter(organisation_id__in=filing_organisation_ids(user))


def may_file(user, organisation_id: int) -> bool:
    return organisation_id in filing_organisation_ids(user)


def require_filer(user, organisation_id: int) -> None:
    """Only the unit's own staff write its report; the bureau reads it (agency compiling comes later)."""
    if not may_file(user, organisation_id):
        raise PermissionDenied(_("Only the unit's own staff may file its emission report."))


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
