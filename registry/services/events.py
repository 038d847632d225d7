"""Art. 14 and 22: mergers, splits, shutdowns and relocations, reflected in the next list."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from carbon_portal import audit
from carbon_portal.permissions import require_bureau

from ..choices import EventKind, OrganisationStatus
from ..models import Facility, FacilityTransfer, Organisation, OrganisationEvent
from ..signals import organisation_event_recorded


def _require_active(org: Organisation) -> None:
    if org.status != OrganisationStatus.ACTIVE:
        raise ValidationError(
            _("%(name)s is no longer active (%(status)s).") % {"name": org.name, "status": org.get_status_display()}
        )


@transaction.atomic
def organisation_merge(
    *, actor, organisation: Organisation, surviving: Organisation, effective_date: date, note: str = ""
) -> OrganisationEvent:
    """Art. 14 ¶1: the merged unit's facilities (and, in trading, its allowances) go to the survivor."""
    require_bureau(actor)
    if organisation.pk == surviving.pk:
        raise ValidationError({"surviving_organisation": _("A unit cannot merge into itself.")})
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    _require_active(org)
    _require_active(surviving)
    event = OrganisationEvent.objects.create(
        kind=EventKind.MERGER,
        organisation=org,
        surviving_organisation=surviving,
        effective_date=effective_date,
        note=note,
        recorded_by=actor,
    )
    for facility in org.facilities.select_for_update():
        FacilityTransfer.objects.create(
            event=event, facility=facility, to_organisation=surviving, emissions_share=Decimal(0)
        )
    org.facilities.update(organisation=surviving)
    org.status, org.status_effective_date, org.merged_into = OrganisationStatus.MERGED, effective_date, surviving
    org.save()
    audit.record(
        actor=actor,
        verb="organisation.merge",
        target=org,
        data={"surviving": surviving.uscc, "effective_date": effective_date},
    )
    organisation_event_recorded.send(sender=OrganisationEvent, event=event, actor=actor)
    return event


@transaction.atomic
def organisation_split(
    *,
    actor,
    organisation: Organisation,
    effective_date: date,
    transfers: list[tuple[Facility, Organisation, Decimal]],
    note: str = "",
) -> OrganisationEvent:
    """Art. 14 ¶2: facilities pass to new owners, each with its share of the unit's emissions."""
    require_bureau(actor)
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    _require_active(org)
    if not transfers:
        raise ValidationError(_("A split must move at least one facility."))
    total = sum((t[2] for t in transfers), Decimal(0))
    if total > 1:
        raise ValidationError(_("The shares of emissions moved add up to more than 100%."))
    event = OrganisationEvent.objects.create(
        kind=EventKind.SPLIT, organisation=org, effective_date=effective_date, note=note, recorded_by=actor
    )
    for facility, target, share in transfers:
        if facility.organisation_id != org.pk:
            raise ValidationError(
                _("Facility %(code)s does not belong to %(name)s.") % {"code": facility.code, "name": org.name}
            )
        if target.pk == org.pk:
            raise ValidationError(_("A facility must move to another organisation."))
        transfer = FacilityTransfer(event=event, facility=facility, to_organisation=target, emissions_share=share)
        transfer.full_clean()
        transfer.save()
        Facility.objects.filter(pk=facility.pk).update(organisation=target)
    audit.record(
        actor=actor,
        verb="organisation.split",
        target=org,
        data={
            "effective_date": effective_date,
            "transfers": [{"facility": f.code, "to": t.uscc, "share": str(s)} for f, t, s in transfers],
        },
    )
    organisation_event_recorded.send(sender=OrganisationEvent, event=event, actor=actor)
    return event


@transaction.atomic
def organisation_close(
    *, actor, organisation: Organisation, kind: str, effective_date: date, note: str = ""
) -> OrganisationEvent:
    """Art. 22: a unit that shuts down or leaves Shanghai drops off the lists after this year,
    but still reports and surrenders for the current year."""
    require_bureau(actor)
    statuses = {EventKind.SHUTDOWN: OrganisationStatus.CLOSED, EventKind.RELOCATION: OrganisationStatus.RELOCATED}
    if kind not in statuses:
        raise ValidationError({"kind": _("Choose shutdown or relocation.")})
    org = Organisation.objects.select_for_update().get(pk=organisation.pk)
    _require_active(org)
    event = OrganisationEvent.objects.create(
        kind=kind, organisation=org, effective_date=effective_date, note=note, recorded_by=actor
    )
    org.status, org.status_effective_date = statuses[kind], effective_date
    org.save()
    org.facilities.update(is_active=False)
    audit.record(actor=actor, verb=f"organisation.{kind}", target=org, data={"effective_date": effective_date})
    return event
