from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carbon_portal import audit
from carbon_portal.permissions import is_bureau, require_bureau

from ..choices import EmissionSource
from ..models import (
    Contact,
    EmissionRecord,
    Facility,
    InclusionCriterion,
    IndustryGroup,
    Membership,
    Organisation,
    YearSettings,
)
from ..permissions import require_organisation_access
from ..validators import normalise_uscc

ORGANISATION_FIELDS = ("uscc", "name_zh", "name_en", "org_type", "industry", "district", "address")
# A lower-ranked source never overwrites a higher one: a determination is final.
_SOURCE_RANK = {EmissionSource.HISTORICAL: 0, EmissionSource.REPORTED: 1, EmissionSource.DETERMINED: 2}


@transaction.atomic
def organisation_create(*, actor, **fields) -> Organisation:
    """Registers an organisation under a valid, unused credit code (GB 32100-2015)."""
    require_bureau(actor)
    fields["uscc"] = normalise_uscc(fields.get("uscc", ""))
    org = Organisation(**{k: v for k, v in fields.items() if k in ORGANISATION_FIELDS})
    org.full_clean()
    org.save()
    audit.record(actor=actor, verb="organisation.create", target=org, data={"uscc": org.uscc})
    return org


@transaction.atomic
def organisation_update(*, actor, organisation: Organisation, **fields) -> Organisation:
    """The bureau may change any field; a unit's own staff may change its names and address."""
    require_organisation_access(actor, organisation)
    allowed = ORGANISATION_FIELDS if is_bureau(actor) else ("name_en", "address")
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    changed = {}
    for key, value in fields.items():
        if key not in allowed:
            raise ValidationError({key: _("You may not change this field.")})
        if key == "uscc":
            value = normalise_uscc(value)
        if getattr(org, key) != value:
            changed[key] = str(value)
            setattr(org, key, value)
    org.full_clean()
    org.save()
    if changed:
        audit.record(actor=actor, verb="organisation.update", target=org, data=changed)
    return org


@transaction.atomic
def facility_create(
    *, actor, organisation: Organisation, code: str, name_zh: str, district: str, name_en: str = "", address: str = ""
) -> Facility:
    require_organisation_access(actor, organisation)
    facility = Facility(
        organisation=organisation, code=code, name_zh=name_zh, name_en=name_en, district=district, address=address
    )
    facility.full_clean()
    facility.save()
    audit.record(actor=actor, verb="facility.create", target=facility, data={"organisation": organisation.uscc})
    return facility


@transaction.atomic
def contact_create(
    *,
    actor,
    organisation: Organisation,
    name: str,
    position: str = "",
    phone: str = "",
    email: str = "",
    is_primary: bool = False,
) -> Contact:
    require_organisation_access(actor, organisation)
    contact = Contact(
        organisation=organisation, name=name, position=position, phone=phone, email=email, is_primary=is_primary
    )
    contact.full_clean()
    contact.save()
    audit.record(actor=actor, verb="contact.create", target=organisation, data={"name": name})
    return contact


@transaction.atomic
def membership_grant(*, actor, user, role: str, organisation: Organisation | None = None) -> Membership:
    require_bureau(actor)
    membership = Membership(user=user, organisation=organisation, role=role)
    membership.full_clean()
    membership.save()
    audit.record(
        actor=actor,
        verb="membership.grant",
        target=user,
        data={"role": role, "organisation": organisation.uscc if organisation else None},
    )
    return membership


@transaction.atomic
def emission_record_set(
    *, actor, organisation: Organisation, year: int, emissions_tco2e: Decimal, source: str
) -> EmissionRecord:
    """Keeps the most authoritative figure per year: a report never replaces a determination."""
    if emissions_tco2e < 0:
        raise ValidationError({"emissions_tco2e": _("Emissions cannot be negative.")})
    record = EmissionRecord.objects.select_for_update().filter(organisation=organisation, year=year).first()
    if record and _SOURCE_RANK[record.source] > _SOURCE_RANK[source]:
        return record
    old = record.emissions_tco2e if record else None
    if record is None:
        record = EmissionRecord(organisation=organisation, year=year)
    record.emissions_tco2e, record.source, record.recorded_at = emissions_tco2e, source, timezone.now()
    record.full_clean()
    record.save()
    audit.record(
        actor=actor,
        verb="emissions.record",
        target=organisation,
        data={"year": year, "tco2e": str(emissions_tco2e), "source": source, "previous": str(old)},
    )
    return record


@transaction.atomic
def criterion_revise(
    *,
    actor,
    group: IndustryGroup,
    effective_from_year: int,
    regulated_threshold_tco2e: Decimal,
    reporting_threshold_tco2e: Decimal,
    legal_basis_zh: str,
    legal_basis_en: str = "",
) -> InclusionCriterion:
    """Art. 9 ¶2: a change to the criteria is a new version; the old one stays as history."""
    require_bureau(actor)
    current = (
        InclusionCriterion.objects.select_for_update()
        .filter(group=group, effective_from_year=effective_from_year, superseded_at__isnull=True)
        .first()
    )
    last_version = (
        InclusionCriterion.objects.filter(group=group, effective_from_year=effective_from_year)
        .order_by("-version")
        .values_list("version", flat=True)
        .first()
        or 0
    )
    new = InclusionCriterion(
        group=group,
        effective_from_year=effective_from_year,
        regulated_threshold_tco2e=regulated_threshold_tco2e,
        reporting_threshold_tco2e=reporting_threshold_tco2e,
        legal_basis_zh=legal_basis_zh,
        legal_basis_en=legal_basis_en,
        version=last_version + 1,
        created_by=actor,
    )
    new.full_clean(validate_constraints=False)
    if reporting_threshold_tco2e > regulated_threshold_tco2e:
        raise ValidationError(
            {"reporting_threshold_tco2e": _("The reporting threshold cannot be above the regulated threshold.")}
        )
    if current:
        current.superseded_at = timezone.now()
        current.save(update_fields=["superseded_at"])
    new.save()
    audit.record(
        actor=actor,
        verb="criterion.revise",
        target=group,
        data={
            "effective_from_year": effective_from_year,
            "version": new.version,
            "regulated_tco2e": str(regulated_threshold_tco2e),
            "reporting_tco2e": str(reporting_threshold_tco2e),
        },
    )
    return new


@transaction.atomic
def year_settings_revise(*, actor, year: int, note: str, **values) -> YearSettings:
    """A new version of a year's settings, starting from the version in force."""
    require_bureau(actor)
    current = YearSettings.objects.select_for_update().filter(year=year).order_by("-version").first()
    base = {}
    if current:
        base = {
            f.name: getattr(current, f.name)
            for f in YearSettings._meta.concrete_fields
            if f.name not in {"id", "year", "version", "note", "created_by", "created_at"}
        }
    base.update(values)
    new = YearSettings(year=year, version=(current.version + 1) if current else 1, note=note, created_by=actor, **base)
    new.full_clean()
    new.save()
    audit.record(
        actor=actor,
        verb="year_settings.revise",
        target=new,
        data={k: str(v) for k, v in values.items()} | {"note": note},
    )
    return new
