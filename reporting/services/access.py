"""A unit grants a technical service agency access to compile its report for a year, and may
withdraw it (DOMAIN.md "Reporting"; the record feeds Art. 19's conflict-of-interest rule)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carbon_portal import audit
from registry.choices import OrganisationStatus, OrganisationType
from registry.models import Organisation

from .. import notices, selectors
from ..models import CompilationGrant
from ..permissions import require_filer


@transaction.atomic
def compilation_grant(*, actor, organisation: Organisation, agency: Organisation, year: int) -> CompilationGrant:
    """One agency at a time per unit and year; granting another first withdraws the current one."""
    require_filer(actor, organisation.pk)
    Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
    if agency.org_type != OrganisationType.AGENCY or agency.status != OrganisationStatus.ACTIVE:
        raise ValidationError({"agency": _("Choose an active technical service agency.")})
    if not selectors.is_required_to_report(organisation.pk, year):
        raise ValidationError(
            {
                "year": _("%(name)s has no annual emission report to file for %(year)s.")
                % {"name": organisation.name, "year": year}
            }
        )
    current = CompilationGrant.objects.filter(organisation=organisation, year=year, revoked_at__isnull=True).first()
    if current and current.agency_id == agency.pk:
        raise ValidationError(
            {"agency": _("%(agency)s already has access for %(year)s.") % {"agency": agency.name, "year": year}}
        )
    if current:
        _revoke(actor, current)
    grant = CompilationGrant.objects.create(organisation=organisation, agency=agency, year=year, granted_by=actor)
    audit.record(actor=actor, verb="report.grant", target=organisation, data={"agency": agency.pk, "year": year})
    notices.grant_changed(grant, granted=True)
    return grant


@transaction.atomic
def compilation_revoke(*, actor, grant: CompilationGrant) -> CompilationGrant:
    require_filer(actor, grant.organisation_id)
    grant = CompilationGrant.objects.select_for_update().select_related("organisation", "agency").get(pk=grant.pk)
    if grant.revoked_at:
        raise ValidationError(_("This access has already been withdrawn."))
    return _revoke(actor, grant)


def _revoke(actor, grant: CompilationGrant) -> CompilationGrant:
    grant.revoked_at, grant.revoked_by = timezone.now(), actor
    grant.save(update_fields=["revoked_at", "revoked_by"])
    audit.record(
        actor=actor,
        verb="report.grant_revoke",
        target=grant.organisation,
        data={"agency": grant.agency_id, "year": grant.year},
    )
    notices.grant_changed(grant, granted=False)
    return grant
