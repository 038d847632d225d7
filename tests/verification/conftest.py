import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english(client):
    """Assert on the English source strings whatever translations the catalogue holds."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def agency(alice, dave):
    """dave's agency, reviewing in YEAR."""
    from carbon_portal.roles import Role
    from registry.models import Organisation

    from .helpers import reviewing

    return reviewing(Organisation.objects.get(memberships__user=dave, memberships__role=Role.AGENCY_STAFF), alice)


@pytest.fixture
def evidence(carol, unit):
    """A draft report of `unit` for YEAR with one electricity line and one evidence file."""
    from tests.reporting.helpers import add_electricity, draft, facility

    from .helpers import add_evidence

    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    return add_evidence(carol, report)


@pytest.fixture
def report(carol, evidence):
    """The submitted report of `unit` for YEAR."""
    from tests.reporting.helpers import submit

    return submit(carol, evidence.report)


@pytest.fixture
def assignment(alice, report, agency):
    """The review of `report` assigned to dave's agency."""
    from verification.services import assignment_create

    return assignment_create(actor=alice, report=report, agency=agency)
