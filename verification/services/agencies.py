"""The bureau keeps the public directory of technical service agencies: each agency's profile, its
business line per year, its reviewers and its ties to units (Art. 19; DOMAIN.md "Verification")."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carbon_portal import audit
from carbon_portal.permissions import require_bureau
from carbon_portal.roles import Role
from registry.choices import OrganisationStatus, OrganisationType
from registry.models import Membership, Organisation
from registry.selectors import LISTABLE_TYPES
from reporting.selectors.access import agencies_that_compiled

from ..choices import BusinessLine, LinkKind
from ..models import AgencyProfile, AgencyUnitLink, AgencyYearLine, ReviewAssignment, Reviewer


def _locked_agency(agency: Organisation) -> Organisation:
    """The agency's row, locked: writes about one agency happen one at a time."""
    agency = Organisation.objects.select_for_update(of=("self",)).get(pk=agency.pk)
    if agency.org_type != OrganisationType.AGENCY or agency.status != OrganisationStatus.ACTIVE:
        raise ValidationError(
            _("%(name)s is not an active technical service agency.") % {"name": agency.name},
        )
    return agency


def _required(**values: str) -> dict[str, str]:
    stripped = {name: (value or "").strip() for name, value in values.items()}
    missing = {name: _("This field is required.") for name, value in stripped.items() if not value}
    if missing:
        raise ValidationError(missing)
    return stripped


@transaction.atomic
def agency_profile_save(
    *,
    actor,
    agency: Organisation,
    registration_number: str,
    registered_on: date | None,
    qualifications_zh: str,
    qualifications_en: str,
    is_listed: bool,
) -> AgencyProfile:
    """Creates or updates what the public directory says of an agency."""
    require_bureau(actor)
    agency = _locked_agency(agency)
    values = _required(registration_number=registration_number, qualifications_zh=qualifications_zh)
    profile = AgencyProfile.objects.filter(organisation=agency).first()
    created = profile is None
    profile = profile or AgencyProfile(organisation=agency)
    profile.registration_number = values["registration_number"]
    profile.registered_on = registered_on
    profile.qualifications_zh = values["qualifications_zh"]
    profile.qualifications_en = (qualifications_en or "").strip()
    profile.is_listed = bool(is_listed)
    profile.updated_by, profile.updated_at = actor, timezone.now()
    profile.full_clean()
    profile.save()
    audit.record(
        actor=actor,
        verb="agency.profile_create" if created else "agency.profile_update",
        target=profile,
        data={
            "registration_number": profile.registration_number,
            "registered_on": registered_on.isoformat() if registered_on else None,
            "is_listed": profile.is_listed,
        },
    )
    return profile


def _line_refusal(agency: Organisation, year: int, current: str | None, line: str) -> str | None:
    """Why the agency's line for `year` may not become `line`, or None. Once the agency has compiled
    a report or been assigned a review in the year, that year's line is a fact on record (Art. 19)."""
    compiled = agency.pk in agencies_that_compiled(year)
    assigned = ReviewAssignment.objects.filter(agency=agency, year=year).exists()
    names = {"agency": agency.name, "year": year}
    if current is not None and compiled:
        return (
            _(
                "The %(year)s business line of %(agency)s can no longer change: it compiled a report of that year (Art. 19)."
            )
            % names
        )
    if current is not None and assigned:
        return (
            _(
                "The %(year)s business line of %(agency)s can no longer change: it has been assigned a review of that year."
            )
            % names
        )
    if line == BusinessLine.REVIEWING and compiled:
        return (
            _(
                "%(agency)s compiled a report of %(year)s, so technical review cannot be its line for that year (Art. 19)."
            )
            % names
        )
    if line == BusinessLine.COMPILING and assigned:
        return _("%(agency)s has been assigned a review of %(year)s, so its line for that year is review.") % names
    return None


@transaction.atomic
def agency_year_line_set(*, actor, agency: Organisation, year: int, line: str) -> AgencyYearLine:
    """One business line per agency and year: compiling or reviewing, never both (Art. 19)."""
    require_bureau(actor)
    agency = _locked_agency(agency)
    if line not in BusinessLine.values:
        raise ValidationError({"line": _("Choose compiling or technical review.")})
    existing = AgencyYearLine.objects.filter(agency=agency, year=year).first()
    if existing and existing.line == line:
        return existing
    refusal = _line_refusal(agency, year, existing.line if existing else None, line)
    if refusal:
        raise ValidationError({"line": refusal})
    record = existing or AgencyYearLine(agency=agency, year=year)
    record.line, record.recorded_by, record.recorded_at = line, actor, timezone.now()
    record.full_clean()
    record.save()
    audit.record(
        actor=actor,
        verb="agency.year_line_set",
        target=record,
        data={"year": year, "line": line, "previous": existing.line if existing else None},
    )
    return record


def _is_staff_of(user, agency: Organisation) -> bool:
    return Membership.objects.filter(
        user=user, organisation=agency, role=Role.AGENCY_STAFF, is_active=True, user__is_active=True
    ).exists()


@transaction.atomic
def reviewer_add(*, actor, agency: Organisation, name: str, certificate_number: str, user=None) -> Reviewer:
    """A reviewer who signs the agency's review reports; a portal account must be the agency's staff."""
    require_bureau(actor)
    agency = _locked_agency(agency)
    name = _required(name=name)["name"]
    certificate_number = (certificate_number or "").strip()
    if user is not None:
        if not _is_staff_of(user, agency):
            raise ValidationError(
                {"user": _("%(user)s is not staff of %(agency)s.") % {"user": user, "agency": agency.name}}
            )
        if Reviewer.objects.filter(agency=agency, user=user, is_active=True).exists():
            raise ValidationError({"user": _("%(user)s is already one of the agency's reviewers.") % {"user": user}})
    if certificate_number:
        holder = Reviewer.objects.filter(certificate_number__iexact=certificate_number, is_active=True).first()
        if holder:
            raise ValidationError(
                {
                    "certificate_number": _("Certificate %(number)s is already held by %(name)s, an active reviewer.")
                    % {"number": certificate_number, "name": holder.name}
                }
            )
    reviewer = Reviewer(agency=agency, user=user, name=name, certificate_number=certificate_number)
    reviewer.full_clean()
    reviewer.save()
    audit.record(
        actor=actor,
        verb="agency.reviewer_add",
        target=reviewer,
        data={"agency": agency.pk, "certificate_number": certificate_number, "user": user.pk if user else None},
    )
    return reviewer


@transaction.atomic
def reviewer_deactivate(*, actor, reviewer: Reviewer) -> Reviewer:
    """A reviewer who leaves stays on record, no longer active."""
    require_bureau(actor)
    reviewer = Reviewer.objects.select_for_update(of=("self",)).get(pk=reviewer.pk)
    if not reviewer.is_active:
        raise ValidationError(_("%(name)s is no longer an active reviewer.") % {"name": reviewer.name})
    reviewer.is_active = False
    reviewer.save(update_fields=["is_active"])
    audit.record(actor=actor, verb="agency.reviewer_deactivate", target=reviewer, data={"agency": reviewer.agency_id})
    return reviewer


def _years_in_order(from_year: int, to_year: int | None) -> None:
    if to_year is not None and to_year < from_year:
        raise ValidationError(
            {"to_year": _("The tie cannot end before the year it began (%(year)s).") % {"year": from_year}}
        )


@transaction.atomic
def agency_link_record(
    *,
    actor,
    agency: Organisation,
    organisation: Organisation,
    kind: str,
    description: str,
    from_year: int,
    to_year: int | None = None,
) -> AgencyUnitLink:
    """A tie between an agency and a unit: while it lasts, the agency may not review the unit (Art. 19)."""
    require_bureau(actor)
    agency = _locked_agency(agency)
    if organisation.pk == agency.pk or organisation.org_type not in LISTABLE_TYPES:
        raise ValidationError({"organisation": _("Choose a unit (an enterprise or institution), not an agency.")})
    if kind not in LinkKind.values:
        raise ValidationError({"kind": _("Choose the kind of tie.")})
    description = _required(description=description)["description"]
    _years_in_order(from_year, to_year)
    link = AgencyUnitLink(
        agency=agency,
        organisation=organisation,
        kind=kind,
        description=description,
        from_year=from_year,
        to_year=to_year,
        recorded_by=actor,
    )
    link.full_clean()
    link.save()
    audit.record(
        actor=actor,
        verb="agency.link_record",
        target=link,
        data={"agency": agency.pk, "unit": organisation.pk, "kind": kind, "from": from_year, "to": to_year},
    )
    return link


@transaction.atomic
def agency_link_end(*, actor, link: AgencyUnitLink, to_year: int) -> AgencyUnitLink:
    """Ends a tie with its last year; the tie is kept on record, never deleted."""
    require_bureau(actor)
    link = AgencyUnitLink.objects.select_for_update(of=("self",)).get(pk=link.pk)
    if link.to_year is not None:
        raise ValidationError(_("This tie already ended in %(year)s.") % {"year": link.to_year})
    _years_in_order(link.from_year, to_year)
    link.to_year = to_year
    link.full_clean()
    link.save(update_fields=["to_year"])
    audit.record(actor=actor, verb="agency.link_end", target=link, data={"to": to_year})
    return link
