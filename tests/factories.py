"""Factories for every test. The cast: alice (bureau staff), bob (bureau approver),
carol (unit staff), dave (agency staff), erin (another unit's staff)."""

import random
from decimal import Decimal

import factory
from stdnum.cn import uscc as uscc_std

from carbon_portal.models import User
from carbon_portal.roles import Role
from registry.choices import District, OrganisationType
from registry.models import EmissionRecord, Facility, Industry, Membership, Organisation

_rng = random.Random(20261121)
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def make_uscc(seed: int | None = None) -> str:
    """A well-formed Shanghai credit code with a correct check character."""
    rng = random.Random(seed) if seed is not None else _rng
    body = (
        "91310" + "".join(rng.choice("0123456789") for _ in range(3)) + "".join(rng.choice(_ALPHABET) for _ in range(9))
    )
    return body + uscc_std.calc_check_digit(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.cn")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    uscc = factory.LazyFunction(make_uscc)
    name_zh = factory.Sequence(lambda n: f"上海测试化工有限公司{n}")
    name_en = factory.Sequence(lambda n: f"Shanghai Test Chemical Co. {n}")
    org_type = OrganisationType.ENTERPRISE
    industry = factory.LazyFunction(lambda: Industry.objects.get(code="C26"))
    district = District.JINSHAN
    address = "金山区卫零路1号"


class BureauFactory(OrganisationFactory):
    name_zh = "上海市生态环境局"
    name_en = "Shanghai Municipal Bureau of Ecology and Environment"
    org_type = OrganisationType.BUREAU
    industry = None
    district = District.HUANGPU


class AgencyFactory(OrganisationFactory):
    name_zh = factory.Sequence(lambda n: f"上海碳核查技术服务有限公司{n}")
    org_type = OrganisationType.AGENCY
    industry = None


class FacilityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Facility

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"F{n:04d}")
    name_zh = factory.Sequence(lambda n: f"生产装置{n}")
    district = District.JINSHAN


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.UNIT_STAFF


class EmissionRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmissionRecord

    organisation = factory.SubFactory(OrganisationFactory)
    year = 2025
    emissions_tco2e = Decimal("15000.000")
    source = "historical"
