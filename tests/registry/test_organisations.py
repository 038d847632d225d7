import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from carbon_portal.models import AuditEntry
from registry import services
from registry.models import Industry, Organisation
from tests.factories import make_uscc

pytestmark = pytest.mark.django_db


def _fields(**over):
    data = {
        "uscc": make_uscc(),
        "name_zh": "上海示例化工有限公司",
        "name_en": "Example Chemical Co.",
        "org_type": "enterprise",
        "industry": Industry.objects.get(code="C26"),
        "district": "jinshan",
        "address": "金山区",
    }
    return data | over


def test_bureau_registers_an_organisation_and_the_act_is_audited(alice):
    org = services.organisation_create(actor=alice, **_fields())
    entry = AuditEntry.objects.get(verb="organisation.create")
    assert entry.actor == alice and entry.target_id == str(org.pk)


def test_unit_staff_cannot_register_organisations(carol):
    with pytest.raises(PermissionDenied):
        services.organisation_create(actor=carol, **_fields())


def test_duplicate_credit_code_is_refused_and_nothing_saved(alice, unit):
    before = Organisation.objects.count()
    with pytest.raises(ValidationError):
        services.organisation_create(actor=alice, **_fields(uscc=unit.uscc))
    assert Organisation.objects.count() == before


def test_credit_code_is_normalised_to_capitals(alice):
    code = make_uscc()
    org = services.organisation_create(actor=alice, **_fields(uscc=code.lower()))
    assert org.uscc == code


def test_unit_staff_may_edit_only_its_names_and_address(carol, unit):
    services.organisation_update(actor=carol, organisation=unit, address="新地址")
    with pytest.raises(ValidationError):
        services.organisation_update(actor=carol, organisation=unit, district="pudong")
    unit.refresh_from_db()
    assert unit.address == "新地址" and unit.district == "jinshan"


def test_unit_staff_cannot_edit_another_organisation(erin, unit):
    with pytest.raises(PermissionDenied):
        services.organisation_update(actor=erin, organisation=unit, address="x")


def test_criterion_revision_keeps_the_old_version(alice):
    from registry.models import InclusionCriterion, IndustryGroup

    group = IndustryGroup.objects.get(code="chemical")
    old = InclusionCriterion.objects.get(group=group, effective_from_year=2026, superseded_at__isnull=True)
    new = services.criterion_revise(
        actor=alice,
        group=group,
        effective_from_year=2026,
        regulated_threshold_tco2e=9000,
        reporting_threshold_tco2e=4000,
        legal_basis_zh="Test notice",
    )
    old.refresh_from_db()
    assert old.superseded_at is not None and new.version == old.version + 1


def test_criterion_with_reporting_above_regulated_threshold_is_refused(alice):
    from registry.models import IndustryGroup

    with pytest.raises(ValidationError):
        services.criterion_revise(
            actor=alice,
            group=IndustryGroup.objects.get(code="chemical"),
            effective_from_year=2027,
            regulated_threshold_tco2e=1000,
            reporting_threshold_tco2e=5000,
            legal_basis_zh="x",
        )


def test_year_settings_change_is_a_new_version(alice):
    from datetime import date

    from registry.selectors import year_settings

    v1 = year_settings(2026)
    v2 = services.year_settings_revise(
        actor=alice, year=2026, note="Notice 2026-12", surrender_deadline=date(2027, 8, 31)
    )
    assert v2.version == v1.version + 1
    assert year_settings(2026).surrender_deadline == date(2027, 8, 31)
    assert v2.report_due_date == v1.report_due_date


def test_a_determined_figure_is_not_replaced_by_a_reported_one(alice, unit):
    from decimal import Decimal

    services.emission_record_set(
        actor=alice, organisation=unit, year=2025, emissions_tco2e=Decimal(100), source="determined"
    )
    rec = services.emission_record_set(
        actor=alice, organisation=unit, year=2025, emissions_tco2e=Decimal(5), source="reported"
    )
    assert rec.emissions_tco2e == Decimal(100)
