"""Fixtures of the exchange's tests (tests/trading/test_exchange*.py): the exchange, ivy its staff,
and an API client per user. Imported by those modules by name."""

from datetime import date

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from carbon_portal.roles import Role
from registry.choices import OrganisationType
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


@pytest.fixture
def exchange_org(db):
    return OrganisationFactory(
        name_zh="上海环境能源交易所",
        name_en="Shanghai Environment and Energy Exchange",
        org_type=OrganisationType.EXCHANGE,
        industry=None,
    )


@pytest.fixture
def ivy(exchange_org):
    """Staff of the exchange: reports the agreement transfers concluded on it."""
    user = UserFactory(email="ivy@cneeex.example.cn", full_name="Ivy (exchange)")
    MembershipFactory(user=user, organisation=exchange_org, role=Role.EXCHANGE_STAFF)
    return user


@pytest.fixture
def token_for():
    """A client authenticated by an API token, as the exchange's own system would be."""

    def _as(user):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
        return client

    return _as


def yesterday() -> date:
    return timezone.localdate().fromordinal(timezone.localdate().toordinal() - 1)
