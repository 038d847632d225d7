import os
import socket

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP

from carbon_portal.roles import Role
from tests.factories import (
    AgencyFactory,
    BureauFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)

IN_CI = os.environ.get("CI", "").lower() == "true"
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Tests that need a real service skip without it on a laptop, and fail in CI."""
    if not _reachable(host, port):
        if IN_CI:
            pytest.fail(f"{name} at {host}:{port} is required in CI but unreachable")
        pytest.skip(f"{name} not reachable at {host}:{port}")


@pytest.fixture(autouse=True)
def _service_markers(request):
    from django.conf import settings

    if request.node.get_closest_marker("postgres"):
        if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
            if IN_CI:
                pytest.fail("CI must run the suite on PostgreSQL (set DATABASE_URL)")
            pytest.skip("needs DATABASE_URL pointing at PostgreSQL")
    if request.node.get_closest_marker("redis"):
        require_service("Redis", "127.0.0.1", 6379)


@pytest.fixture(autouse=True)
def _language_reset():
    """The test client's LocaleMiddleware leaves the last request's language active in the process:
    each test starts from the default language, whatever ran before it on the same worker."""
    yield
    from django.utils import translation

    translation.deactivate()


@pytest.fixture
def bureau_org(db):
    return BureauFactory()


def _with_totp(user):
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, TOTP_SECRET)
    return user


@pytest.fixture
def alice(bureau_org):
    """Bureau staff, with TOTP set up."""
    user = UserFactory(email="alice@sthj.sh.gov.cn", full_name="Alice (bureau)")
    MembershipFactory(user=user, organisation=bureau_org, role=Role.BUREAU_STAFF)
    return _with_totp(user)


@pytest.fixture
def bob(bureau_org):
    """Bureau approver, with TOTP set up: the second pair of eyes."""
    user = UserFactory(email="bob@sthj.sh.gov.cn", full_name="Bob (approver)")
    MembershipFactory(user=user, organisation=bureau_org, role=Role.BUREAU_APPROVER)
    return _with_totp(user)


@pytest.fixture
def unit(db):
    return OrganisationFactory(name_zh="上海金山石化示例有限公司", name_en="Jinshan Petrochemical Example Co.")


@pytest.fixture
def carol(unit):
    """Staff of `unit`."""
    user = UserFactory(email="carol@unit.example.cn", full_name="Carol (unit)")
    MembershipFactory(user=user, organisation=unit, role=Role.UNIT_STAFF)
    return user


@pytest.fixture
def other_unit(db):
    return OrganisationFactory(name_zh="上海另一家化工有限公司", name_en="Another Chemical Co.")


@pytest.fixture
def erin(other_unit):
    """Staff of another unit: must never see `unit`'s data."""
    user = UserFactory(email="erin@other.example.cn", full_name="Erin (other unit)")
    MembershipFactory(user=user, organisation=other_unit, role=Role.UNIT_STAFF)
    return user


@pytest.fixture
def dave(db):
    """Technical service agency staff."""
    agency = AgencyFactory()
    user = UserFactory(email="dave@agency.example.cn", full_name="Dave (agency)")
    MembershipFactory(user=user, organisation=agency, role=Role.AGENCY_STAFF)
    return user


@pytest.fixture
def client_for(client):
    """A logged-in test client for a user (MFA is satisfied by force_login)."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def celery_broker():
    """Point Celery at a real broker URL (not eager) for one test, then restore eager mode."""
    import contextlib

    from kombu import pools as kombu_pools

    from carbon_portal.celery import app

    def _reset_pools():
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        # kombu keeps producer and connection pools per broker URL in process-wide registries:
        # drop them too, or the next publish to the same URL fails with "Acquire on closed pool".
        app.amqp._producer_pool = None
        kombu_pools.reset()

    @contextlib.contextmanager
    def _use(url):
        old_url, old_eager = app.conf.broker_url, app.conf.task_always_eager
        app.conf.broker_url, app.conf.task_always_eager = url, False
        _reset_pools()
        try:
            yield app
        finally:
            app.conf.broker_url, app.conf.task_always_eager = old_url, old_eager
            _reset_pools()

    return _use


def _flushes_the_database(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Tests with real transactions end by flushing the database, which removes the reference data
    the migrations loaded: they run last on each worker. pytest-django orders them so, but
    pytest-playwright regroups every test parametrised by browser afterwards; put them back."""
    items.sort(key=_flushes_the_database)
