from decimal import Decimal

from registry import services
from registry.models import Industry, RegulatedList
from tests.factories import EmissionRecordFactory, OrganisationFactory


def emitter(tonnes, *, year=2025, industry="C26", **kwargs):
    """An organisation with emissions on record for one year."""
    org = OrganisationFactory(industry=Industry.objects.get(code=industry), **kwargs)
    EmissionRecordFactory(organisation=org, year=year, emissions_tco2e=Decimal(tonnes))
    return org


def compile_list(actor, year, capture, **kwargs) -> RegulatedList:
    """Compile through the service and run the Celery job (eager) after commit."""
    with capture(execute=True):
        rl = services.regulated_list_compile(actor=actor, year=year, **kwargs)
    rl.refresh_from_db()
    return rl


def entry_of(rl, org):
    return rl.entries.filter(organisation=org).first()
