"""The demo seed: a valid, Shanghai-wide population, deterministic and safe to run twice.

A seed writes through the services (some 12,000 queries), so one test seeds once and checks
each property in its own helper, then seeds again to show nothing is duplicated.
"""

import io

import pytest
from allauth.mfa.models import Authenticator
from django.core.management import call_command
from stdnum.cn import uscc

from registry import demo
from registry.choices import District, ListStatus, OrganisationType
from registry.models import EmissionRecord, Membership, Organisation, RegulatedList
from registry.reference import INDUSTRIES

UNITS = 210


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", units=UNITS, seed=7, stdout=out)
    return out.getvalue()


def population_is_valid_and_covers_every_district_and_industry():
    orgs = Organisation.objects.all()
    codes = set(orgs.values_list("uscc", flat=True))
    assert len(codes) >= 200
    assert all(uscc.is_valid(code) for code in codes)
    assert {u.uscc for u in demo.build_plan(units=UNITS, seed=7).units} <= codes
    assert set(orgs.values_list("district", flat=True)) == set(District.values)
    assert set(orgs.exclude(industry=None).values_list("industry__code", flat=True)) == {c for c, *_ in INDUSTRIES}
    types = set(orgs.values_list("org_type", flat=True))
    assert {OrganisationType.AGENCY, OrganisationType.PUBLIC_INSTITUTION, OrganisationType.BUREAU} <= types
    assert set(EmissionRecord.objects.values_list("year", flat=True)) == {2023, 2024, 2025}
    assert Membership.objects.filter(role="agency_staff").count() > len(demo.build_plan(units=UNITS).agencies)


def bureau_users_have_one_totp_each_and_the_admin_is_a_bureau_superuser():
    totp = Authenticator.objects.filter(type=Authenticator.Type.TOTP)
    assert sorted(totp.values_list("user__email", flat=True)) == sorted([demo.ADMIN, demo.ALICE, demo.BOB])
    admin = totp.get(user__email=demo.ADMIN).user
    assert admin.is_superuser and admin.is_staff and admin.memberships.filter(organisation__org_type="bureau")


def lists_2025_and_2026_are_published_by_four_eyes_and_2027_is_alices_draft():
    for year in (2025, 2026):
        published = RegulatedList.objects.get(year=year)
        assert published.status == ListStatus.PUBLISHED
        assert published.compiled_by.email == demo.ALICE and published.approved_by.email == demo.BOB
    draft = RegulatedList.objects.get(year=2027)
    assert draft.status == ListStatus.DRAFT and draft.compiled_by.email == demo.ALICE
    assert 90 <= draft.entries.filter(category="regulated").count() <= 160
    assert draft.entries.filter(category="reporting").count() >= 20


@pytest.mark.django_db
def test_seeding_twice_gives_one_valid_population_with_a_published_and_a_draft_list():
    output = seed()
    population_is_valid_and_covers_every_district_and_industry()
    bureau_users_have_one_totp_each_and_the_admin_is_a_bureau_superuser()
    lists_2025_and_2026_are_published_by_four_eyes_and_2027_is_alices_draft()
    assert demo.ALICE in output and demo.TOTP_SECRET in output and demo.DEMO_PASSWORD in output

    counts = (Organisation.objects.count(), EmissionRecord.objects.count(), Membership.objects.count())
    seed()
    assert (Organisation.objects.count(), EmissionRecord.objects.count(), Membership.objects.count()) == counts
    bureau_users_have_one_totp_each_and_the_admin_is_a_bureau_superuser()
    lists_2025_and_2026_are_published_by_four_eyes_and_2027_is_alices_draft()


def test_same_seed_gives_the_same_credit_codes():
    first = [u.uscc for u in demo.build_plan(units=UNITS, seed=7).units]
    assert first == [u.uscc for u in demo.build_plan(units=UNITS, seed=7).units]
    assert first != [u.uscc for u in demo.build_plan(units=UNITS, seed=8).units]
