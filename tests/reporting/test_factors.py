"""The emission factor library: seeded from DOMAIN.md, chosen by the report's year, versioned."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from carbon_portal.models import AuditEntry
from reporting import selectors, services
from reporting.calculation import calculate_line
from reporting.models import ALL_VALUE_FIELDS, EmissionFactor

pytestmark = pytest.mark.django_db
D = Decimal


def revise(actor, **overrides):
    """A new version of Shanghai's electricity factor from 2022, as the bureau would enter it."""
    fields = {
        "code": "sh_grid_electricity",
        "kind": "purchased_electricity",
        "name_zh": "上海市外购电力",
        "name_en": "Shanghai purchased electricity",
        "activity_unit": "mwh",
        "ef_tco2_per_mwh": D("0.5"),
        "valid_from_year": 2022,
        "valid_to_year": None,
        "source_zh": "沪环气〔2026〕1号",
    }
    return services.emission_factor_revise(actor=actor, **(fields | overrides))


def value(code, year, field):
    return getattr(selectors.factor_for(code, year), field)


# Seed data: exactly the DOMAIN.md table


def test_seed_has_every_factor_of_the_domain_table():
    assert EmissionFactor.objects.count() == 16
    assert set(EmissionFactor.objects.values_list("code", flat=True)) == {
        "raw_coal",
        "natural_gas",
        "diesel",
        "gasoline",
        "fuel_oil",
        "lpg",
        "sh_grid_electricity",
        "national_grid_electricity",
        "sh_purchased_heat",
        "gwp_ch4_sar",
        "gwp_n2o_sar",
        "gwp_ch4_ar5",
        "gwp_n2o_ar5",
    }


@pytest.mark.parametrize(
    ("code", "ncv", "carbon", "oxidation", "unit"),
    [
        ("raw_coal", "20.908", "26.37", "0.94", "t"),
        ("natural_gas", "389.31", "15.3", "0.99", "10k_nm3"),
        ("diesel", "42.652", "20.2", "0.98", "t"),
        ("gasoline", "43.070", "18.9", "0.98", "t"),
        ("fuel_oil", "41.816", "21.1", "0.98", "t"),
        ("lpg", "50.179", "17.2", "0.98", "t"),
    ],
)
def test_seeded_fuel_defaults(code, ncv, carbon, oxidation, unit):
    f = selectors.factor_for(code, 2025)
    assert (f.ncv_gj_per_unit, f.carbon_content_tc_per_tj, f.oxidation_rate) == (D(ncv), D(carbon), D(oxidation))
    assert f.activity_unit == unit and f.source_en == "National accounting guideline defaults"


@pytest.mark.parametrize(
    ("code", "year", "field", "expected"),
    [
        ("sh_grid_electricity", 2021, "ef_tco2_per_mwh", "0.788"),
        ("sh_grid_electricity", 2022, "ef_tco2_per_mwh", "0.42"),
        ("sh_grid_electricity", 2030, "ef_tco2_per_mwh", "0.42"),
        ("sh_purchased_heat", 2021, "ef_tco2_per_gj", "0.11"),
        ("sh_purchased_heat", 2022, "ef_tco2_per_gj", "0.06"),
        ("national_grid_electricity", 2021, "ef_tco2_per_mwh", "0.5568"),
        ("national_grid_electricity", 2022, "ef_tco2_per_mwh", "0.5366"),
        ("gwp_ch4_sar", 2025, "gwp", "21"),
        ("gwp_n2o_sar", 2025, "gwp", "310"),
        ("gwp_ch4_ar5", 2025, "gwp", "28"),
        ("gwp_n2o_ar5", 2025, "gwp", "265"),
    ],
)
def test_seeded_factor_valid_in_a_year(code, year, field, expected):
    assert value(code, year, field) == D(expected)


def test_shanghai_2022_factors_cite_their_notice():
    for code in ("sh_grid_electricity", "sh_purchased_heat"):
        assert selectors.factor_for(code, 2022).source_zh == "沪环气〔2022〕34号"


def test_every_seeded_value_is_a_decimal():
    for factor in EmissionFactor.objects.all():
        values = [getattr(factor, name) for name in ALL_VALUE_FIELDS if getattr(factor, name) is not None]
        assert values and all(type(v) is Decimal for v in values)


# Selection by the report's year


def test_a_report_uses_the_electricity_factor_of_its_year():
    """10,000 MWh: 2021 at 0.788 = 7,880 t; 2022 at 0.42 = 4,200 t."""
    lines = {
        year: calculate_line(
            facility_code="F1",
            factor=selectors.factor_for("sh_grid_electricity", year).snapshot(),
            amount="10000",
            unit="mwh",
        )
        for year in (2021, 2022)
    }
    assert lines[2021].reported_tco2e == D("7880.000")
    assert lines[2022].reported_tco2e == D("4200.000")
    assert lines[2021].factor.ef_tco2_per_mwh == D("0.788")


def test_a_factor_from_another_year_is_refused():
    """The national grid figures are for 2021 and 2022 only."""
    with pytest.raises(ValidationError) as exc:
        selectors.factor_for("national_grid_electricity", 2023)
    assert exc.value.messages == ["No emission factor for national_grid_electricity is valid in 2023."]


def test_an_unknown_code_is_refused():
    with pytest.raises(ValidationError):
        selectors.factor_for("unobtainium", 2023)


def test_factors_in_force_for_a_year():
    codes_2023 = list(selectors.factors_in_force(2023).values_list("code", "valid_from_year"))
    assert ("sh_grid_electricity", 2022) in codes_2023
    assert ("sh_grid_electricity", None) not in codes_2023
    assert "national_grid_electricity" not in {code for code, _ in codes_2023}
    assert len(codes_2023) == 12  # 6 fuels, Shanghai electricity and heat, 4 GWPs


# Versions


def test_revision_creates_a_new_version_and_keeps_the_old(alice):
    old = selectors.factor_for("sh_grid_electricity", 2023)
    new = revise(alice)
    old.refresh_from_db()
    assert (new.version, old.version) == (2, 1)
    assert old.superseded_at is not None and new.superseded_at is None
    assert selectors.factor_for("sh_grid_electricity", 2023) == new
    assert selectors.factor_for("sh_grid_electricity", 2021).ef_tco2_per_mwh == D("0.788")  # untouched
    history = list(selectors.factor_history("sh_grid_electricity"))
    assert [(f.valid_from_year, f.version) for f in history] == [(None, 1), (2022, 1), (2022, 2)]


def test_revision_is_audited(alice):
    new = revise(alice)
    entry = AuditEntry.objects.get(verb="emission_factor.revise")
    assert entry.actor == alice and entry.target_id == str(new.pk)
    assert entry.data["ef_tco2_per_mwh"] == "0.5" and entry.data["version"] == 2


def test_a_calculated_line_keeps_the_factor_it_was_calculated_with(alice):
    snapshot = selectors.factor_for("sh_grid_electricity", 2023).snapshot()
    line = calculate_line(facility_code="F1", factor=snapshot, amount="10000", unit="mwh")
    revise(alice)
    assert line.factor.ef_tco2_per_mwh == D("0.42") and line.reported_tco2e == D("4200.000")


def test_a_new_code_starts_at_version_one(alice):
    coke = services.emission_factor_revise(
        actor=alice,
        code="coke",
        kind="fuel_combustion",
        name_zh="焦炭",
        activity_unit="t",
        ncv_gj_per_unit=D("28.435"),
        carbon_content_tc_per_tj=D("29.5"),
        oxidation_rate=D("0.93"),
        source_zh="测试",
    )
    assert coke.version == 1 and selectors.factor_for("coke", 2025) == coke


def test_non_bureau_cannot_revise(carol, dave):
    for user in (carol, dave):
        with pytest.raises(PermissionDenied):
            revise(user)
    assert EmissionFactor.objects.filter(code="sh_grid_electricity").count() == 2


def test_overlapping_periods_are_refused_until_the_earlier_one_is_closed(alice):
    with pytest.raises(ValidationError) as exc:
        revise(alice, valid_from_year=2026, ef_tco2_per_mwh=D("0.38"))
    assert "overlap the version valid 2022 onwards" in exc.value.messages[0]
    revise(alice, valid_to_year=2025, ef_tco2_per_mwh=D("0.42"))  # close 2022-
    revise(alice, valid_from_year=2026, ef_tco2_per_mwh=D("0.38"))
    assert value("sh_grid_electricity", 2025, "ef_tco2_per_mwh") == D("0.42")
    assert value("sh_grid_electricity", 2026, "ef_tco2_per_mwh") == D("0.38")


def test_a_code_keeps_its_kind(alice):
    with pytest.raises(ValidationError) as exc:
        revise(alice, kind="purchased_heat", activity_unit="gj", ef_tco2_per_mwh=None, ef_tco2_per_gj=D("0.1"))
    assert "code" in exc.value.message_dict


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ncv_gj_per_unit": D("1")}, "ncv_gj_per_unit"),  # not a value of electricity
        ({"ef_tco2_per_mwh": None}, "ef_tco2_per_mwh"),  # its own value missing
        ({"ef_tco2_per_mwh": D("-0.1")}, "ef_tco2_per_mwh"),
        ({"activity_unit": "gj"}, "activity_unit"),
        ({"gas": "CH4"}, "gas"),
        ({"is_biomass": True}, "is_biomass"),
        ({"valid_from_year": 2024, "valid_to_year": 2023}, "valid_to_year"),
    ],
)
def test_a_factor_that_does_not_fit_its_kind_is_refused(alice, overrides, field):
    with pytest.raises(ValidationError) as exc:
        revise(alice, **overrides)
    assert field in exc.value.message_dict
    assert EmissionFactor.objects.filter(code="sh_grid_electricity").count() == 2


def test_an_oxidation_rate_above_one_is_refused(alice):
    with pytest.raises(ValidationError) as exc:
        services.emission_factor_revise(
            actor=alice,
            code="raw_coal",
            kind="fuel_combustion",
            name_zh="原煤",
            activity_unit="t",
            ncv_gj_per_unit=D("20.908"),
            carbon_content_tc_per_tj=D("26.37"),
            oxidation_rate=D("1.2"),
            source_zh="测试",
        )
    assert "oxidation_rate" in exc.value.message_dict


# The database holds what it can


def _raw(**fields):
    base = {
        "code": "sh_grid_electricity",
        "kind": "purchased_electricity",
        "name_zh": "x",
        "activity_unit": "mwh",
        "ef_tco2_per_mwh": D("0.4"),
        "source_zh": "x",
    }
    with transaction.atomic():
        EmissionFactor.objects.create(**(base | fields))


@pytest.mark.parametrize(
    "fields",
    [
        {"valid_from_year": 2022},  # a second current version for the same code and year
        {"valid_from_year": None, "version": 5},  # a second current open-start period
        {"valid_from_year": 2030, "ef_tco2_per_mwh": D("-1")},
        {"valid_from_year": 2030, "valid_to_year": 2029},
        {"valid_from_year": 2030, "ef_tco2_per_gj": D("1")},
        {"valid_from_year": 2030, "ef_tco2_per_mwh": None},
    ],
)
def test_database_refuses_what_the_service_would(fields):
    with pytest.raises(IntegrityError):
        _raw(**fields)
