"""The emission factor method worked by hand (DOMAIN.md "Reporting"; Measures Art. 15-16).

Every expected figure is written out step by step from the DOMAIN.md table so that a reader can
check it on paper. Carbon content is per TJ and NCV per GJ, hence the "/ 1000". Reported figures
are tonnes to 0.001 t, rounded half up. These tests need no database.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from reporting.calculation import (
    FactorSnapshot,
    Line,
    calculate_line,
    fuel_combustion_tco2,
    non_co2_tco2e,
    process_line,
    purchased_electricity_tco2,
    purchased_heat_tco2,
    reported_tonnes,
    totals,
)
from reporting.choices import EmissionCategory, FactorKind, Gas

D = Decimal


def fuel(code, unit, ncv, carbon, oxidation, *, biomass=False) -> FactorSnapshot:
    return FactorSnapshot(
        code=code,
        kind=FactorKind.FUEL_COMBUSTION,
        version=1,
        activity_unit=unit,
        is_biomass=biomass,
        ncv_gj_per_unit=D(ncv),
        carbon_content_tc_per_tj=D(carbon),
        oxidation_rate=D(oxidation),
    )


RAW_COAL = fuel("raw_coal", "t", "20.908", "26.37", "0.94")
NATURAL_GAS = fuel("natural_gas", "10k_nm3", "389.31", "15.3", "0.99")
DIESEL = fuel("diesel", "t", "42.652", "20.2", "0.98")
GASOLINE = fuel("gasoline", "t", "43.070", "18.9", "0.98")
FUEL_OIL = fuel("fuel_oil", "t", "41.816", "21.1", "0.98")
LPG = fuel("lpg", "t", "50.179", "17.2", "0.98")
# DOMAIN.md gives no biomass figures: round made-up values that are easy to check by hand.
WOOD = fuel("wood_pellets", "t", "10", "30", "1", biomass=True)
SH_GRID_2022 = FactorSnapshot(
    "sh_grid_electricity", FactorKind.PURCHASED_ELECTRICITY, 1, "mwh", ef_tco2_per_mwh=D("0.42")
)
SH_GRID_2021 = FactorSnapshot(
    "sh_grid_electricity", FactorKind.PURCHASED_ELECTRICITY, 1, "mwh", ef_tco2_per_mwh=D("0.788")
)
SH_HEAT_2022 = FactorSnapshot("sh_purchased_heat", FactorKind.PURCHASED_HEAT, 1, "gj", ef_tco2_per_gj=D("0.06"))
CH4_SAR = FactorSnapshot("gwp_ch4_sar", FactorKind.GWP, 1, "t", gas=Gas.CH4, gwp=D(21))
CH4_AR5 = FactorSnapshot("gwp_ch4_ar5", FactorKind.GWP, 1, "t", gas=Gas.CH4, gwp=D(28))


def reported(factor, amount, unit, facility="F1") -> Decimal:
    return calculate_line(facility_code=facility, factor=factor, amount=amount, unit=unit).reported_tco2e


# Fuel combustion: consumption x NCV x carbon content x oxidation rate x 44/12


def test_raw_coal():
    """1,000 t x 20.908 GJ/t = 20,908 GJ; x 26.37 tC/TJ / 1000 = 551.34396 tC;
    x 0.94 = 518.2633224 tC; x 44/12 = 1,900.2988488 tCO2 -> 1,900.299 t."""
    exact = fuel_combustion_tco2(D(1000), D("20.908"), D("26.37"), D("0.94"))
    assert exact == D("1900.2988488")
    assert reported(RAW_COAL, "1000", "t") == D("1900.299")


def test_natural_gas():
    """100 x 10^4 Nm3 x 389.31 GJ/10^4 Nm3 = 38,931 GJ; x 15.3 / 1000 = 595.6443 tC;
    x 0.99 = 589.687857 tC; x 44/12 = 2,162.188809 tCO2 -> 2,162.189 t."""
    assert reported(NATURAL_GAS, "100", "10k_nm3") == D("2162.189")


def test_natural_gas_in_standard_cubic_metres_is_converted_exactly():
    """1,000,000 Nm3 = 100 x 10^4 Nm3: the same 2,162.189 t."""
    line = calculate_line(facility_code="F1", factor=NATURAL_GAS, amount="1000000", unit="nm3")
    assert line.activity == D(100) and line.reported_tco2e == D("2162.189")


def test_diesel():
    """500 t x 42.652 = 21,326 GJ; x 20.2 / 1000 = 430.7852 tC; x 0.98 = 422.169496 tC;
    x 44/12 = 1,547.95481866... tCO2 -> 1,547.955 t."""
    assert reported(DIESEL, "500", "t") == D("1547.955")


def test_gasoline():
    """200 t x 43.070 = 8,614 GJ; x 18.9 / 1000 = 162.8046 tC; x 0.98 = 159.548508 tC;
    x 44/12 = 585.011196 tCO2 -> 585.011 t."""
    assert reported(GASOLINE, "200", "t") == D("585.011")


def test_fuel_oil():
    """300 t x 41.816 = 12,544.8 GJ; x 21.1 / 1000 = 264.69528 tC; x 0.98 = 259.4013744 tC;
    x 44/12 = 951.1383728 tCO2 -> 951.138 t."""
    assert reported(FUEL_OIL, "300", "t") == D("951.138")


def test_lpg():
    """50 t x 50.179 = 2,508.95 GJ; x 17.2 / 1000 = 43.15394 tC; x 0.98 = 42.2908612 tC;
    x 44/12 = 155.06649106... tCO2 -> 155.066 t."""
    assert reported(LPG, "50", "t") == D("155.066")


# Purchased electricity and heat


def test_electricity_from_2022_at_042():
    """10,000 MWh x 0.42 tCO2/MWh = 4,200 t."""
    assert purchased_electricity_tco2(D(10000), D("0.42")) == D("4200.00")
    assert reported(SH_GRID_2022, "10000", "mwh") == D("4200.000")


def test_electricity_before_2022_at_0788():
    """10,000 MWh x 0.788 tCO2/MWh (7.88 tCO2 per 10^4 kWh) = 7,880 t."""
    assert reported(SH_GRID_2021, "10000", "mwh") == D("7880.000")


def test_electricity_in_kwh_and_ten_thousand_kwh():
    """2,500,000 kWh = 2,500 MWh = 250 x 10^4 kWh; x 0.42 = 1,050 t."""
    assert reported(SH_GRID_2022, "2500000", "kwh") == D("1050.000")
    assert reported(SH_GRID_2022, "250", "10k_kwh") == D("1050.000")


def test_heat():
    """5,000 GJ x 0.06 tCO2/GJ = 300 t; 5,000,000 MJ is the same 5,000 GJ."""
    assert purchased_heat_tco2(D(5000), D("0.06")) == D("300.00")
    assert reported(SH_HEAT_2022, "5000", "gj") == D("300.000")
    assert reported(SH_HEAT_2022, "5000000", "mj") == D("300.000")


# Non-CO2 gases through GWP


def test_methane_with_sar_gwp_21():
    """10 t CH4 x 21 = 210 tCO2e."""
    assert non_co2_tco2e(D(10), D(21)) == D(210)
    line = calculate_line(facility_code="F1", factor=CH4_SAR, amount="10", unit="t")
    assert (line.gas, line.category, line.reported_tco2e) == (Gas.CH4, EmissionCategory.NON_CO2, D("210.000"))


def test_methane_with_ar5_gwp_28():
    """10 t CH4 x 28 = 280 tCO2e."""
    assert reported(CH4_AR5, "10", "t") == D("280.000")


def test_process_emissions_use_the_materials_own_factor():
    """2,000 t limestone x 0.44 tCO2/t = 880 t (process category)."""
    line = process_line(facility_code="F1", amount="2000", ef_tco2_per_unit=D("0.44"), unit="t")
    assert (line.category, line.reported_tco2e) == (EmissionCategory.PROCESS, D("880.000"))


# Totals per facility, gas and category; biomass reported but excluded


def sample_lines() -> list[Line]:
    return [
        calculate_line(facility_code="F1", factor=RAW_COAL, amount="1000", unit="t"),  # 1,900.2988488
        calculate_line(facility_code="F1", factor=SH_GRID_2022, amount="10000", unit="mwh"),  # 4,200
        calculate_line(facility_code="F2", factor=SH_HEAT_2022, amount="5000", unit="gj"),  # 300
        calculate_line(facility_code="F2", factor=CH4_SAR, amount="10", unit="t"),  # 210 (CH4)
        calculate_line(facility_code="F2", factor=WOOD, amount="100", unit="t"),  # biomass: 110
    ]


def test_biomass_co2_is_reported_but_not_counted():
    """100 t wood x 10 GJ/t = 1,000 GJ; x 30 / 1000 = 30 tC; x 1 x 44/12 = 110 tCO2 of biomass.
    Total = 1,900.2988488 + 4,200 + 300 + 210 = 6,610.2988488 -> 6,610.299 t (the 110 t left out)."""
    result = totals(sample_lines())
    assert result.total_tco2e == D("6610.299")
    assert result.biomass_tco2 == D("110.000")


def test_totals_per_facility_gas_and_category():
    """F1 = 1,900.2988488 + 4,200 = 6,100.299; F2 = 300 + 210 = 510 (its biomass apart).
    CO2 = 1,900.2988488 + 4,200 + 300 = 6,400.299; CH4 = 210."""
    result = totals(sample_lines())
    assert result.by_facility == {"F1": D("6100.299"), "F2": D("510.000")}
    assert result.by_gas == {Gas.CO2: D("6400.299"), Gas.CH4: D("210.000")}
    assert result.by_category == {
        EmissionCategory.FUEL_COMBUSTION: D("1900.299"),
        EmissionCategory.PURCHASED_ELECTRICITY: D("4200.000"),
        EmissionCategory.PURCHASED_HEAT: D("300.000"),
        EmissionCategory.NON_CO2: D("210.000"),
    }


def test_methane_from_biomass_still_counts():
    """Only biomass CO2 is left out: CH4 from burning biomass counts like any other."""
    line = Line("F1", EmissionCategory.NON_CO2, Gas.CH4, D(5), is_biomass=True)
    assert totals([line]).total_tco2e == D("5.000")


def test_totals_are_summed_at_full_precision_and_rounded_once():
    """Three lines of 0.0004 t each round to 0.000 alone, but total 0.0012 -> 0.001."""
    lines = [Line("F1", EmissionCategory.PROCESS, Gas.CO2, D("0.0004")) for _ in range(3)]
    assert [line.reported_tco2e for line in lines] == [D("0.000")] * 3
    assert totals(lines).total_tco2e == D("0.001")


def test_rounding_is_half_up_to_a_kilogram():
    assert reported_tonnes(D("0.0005")) == D("0.001")  # half-even would give 0.000
    assert reported_tonnes(D("2.0025")) == D("2.003")
    assert reported_tonnes(D("2.00249")) == D("2.002")


def test_no_totals_for_no_lines():
    result = totals([])
    assert result.total_tco2e == D("0.000") and result.by_facility == {}


# Activity data refused


@pytest.mark.parametrize("amount", ["-1", D("-0.001"), -5])
def test_negative_activity_is_refused(amount):
    with pytest.raises(ValidationError) as exc:
        calculate_line(facility_code="F1", factor=RAW_COAL, amount=amount, unit="t")
    assert exc.value.messages == ["Activity data cannot be negative."]


@pytest.mark.parametrize("amount", ["", "abc", "1,000", "NaN", "Infinity", None, True, [1]])
def test_non_numeric_activity_is_refused(amount):
    with pytest.raises(ValidationError) as exc:
        calculate_line(facility_code="F1", factor=RAW_COAL, amount=amount, unit="t")
    assert exc.value.messages == ["Activity data must be a number."]


@pytest.mark.parametrize(
    ("factor", "unit"),
    [(SH_HEAT_2022, "mwh"), (SH_GRID_2022, "gj"), (RAW_COAL, "10k_nm3"), (NATURAL_GAS, "t"), (SH_GRID_2022, "xyz")],
)
def test_a_unit_that_does_not_fit_the_factor_is_refused(factor, unit):
    with pytest.raises(ValidationError) as exc:
        calculate_line(facility_code="F1", factor=factor, amount="1", unit=unit)
    assert exc.value.code == "unit_mismatch"
    assert "does not fit a factor expressed per" in exc.value.messages[0]


def test_unit_mismatch_message_is_translated():
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as exc:
        calculate_line(facility_code="F1", factor=SH_HEAT_2022, amount="1", unit="mwh")
    assert "does not fit" not in exc.value.messages[0]


# Never a float


def test_a_float_is_refused_as_activity_data():
    with pytest.raises(TypeError):
        calculate_line(facility_code="F1", factor=RAW_COAL, amount=1000.0, unit="t")


@pytest.mark.parametrize(
    "call",
    [
        lambda: fuel_combustion_tco2(D(1), 20.908, D("26.37"), D("0.94")),
        lambda: purchased_electricity_tco2(10000.0, D("0.42")),
        lambda: purchased_heat_tco2(D(1), 0.06),
        lambda: non_co2_tco2e(D(1), 21),
    ],
)
def test_a_float_or_int_factor_is_refused(call):
    with pytest.raises(TypeError):
        call()


def test_every_figure_is_a_decimal():
    lines = sample_lines()
    result = totals(lines)
    figures = [line.emissions_tco2e for line in lines] + [line.activity for line in lines]
    figures += [result.total_tco2e, result.biomass_tco2]
    figures += [*result.by_facility.values(), *result.by_gas.values(), *result.by_category.values()]
    assert all(type(value) is Decimal for value in figures)


def test_snapshot_survives_a_json_round_trip_without_floats():
    data = RAW_COAL.as_json()
    assert data["ncv_gj_per_unit"] == "20.908" and not any(isinstance(v, float) for v in data.values())
    assert FactorSnapshot.from_json(data) == RAW_COAL
