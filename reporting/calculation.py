"""The emission factor method of the annual report (Measures Art. 15-16; DOMAIN.md "Reporting").

    fuel combustion        = consumption x NCV x carbon content per heat unit x oxidation rate x 44/12
    purchased electricity  = MWh x grid factor
    purchased heat         = GJ x heat factor
    non-CO2 gases          = tonnes of gas x GWP
    biomass CO2            reported, but not counted in the total

Pure functions: nothing here reads the database. A factor arrives as a `FactorSnapshot`, the
frozen copy of a library row that a report line keeps, so a later revision of the library never
changes a filed figure. All arithmetic is Decimal at full precision; a float is refused. Figures
are rounded in one place only, `reported_tonnes`, when they are reported.
"""

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import EmissionCategory, FactorKind, Gas
from .units import parse_activity, to_factor_unit

# Enough digits that 44/12 and long products never lose a reported digit, whatever the caller's
# decimal context is.
_EXACT = Context(prec=34)
TONNES = Decimal("0.001")
_CO2_PER_C = (Decimal(44), Decimal(12))  # molar masses: multiply by 44, then divide by 12 last
_TJ_PER_GJ = Decimal("0.001")


def reported_tonnes(value: Decimal) -> Decimal:
    """THE rounding rule: reported figures are tonnes to 0.001 t, rounded half up.

    Everything before this keeps full precision; totals are summed exactly and rounded once, so a
    total can differ from the sum of its rounded lines by a few thousandths of a tonne.
    """
    return value.quantize(TONNES, rounding=ROUND_HALF_UP)


def _exact(value, name: str) -> Decimal:
    if not isinstance(value, Decimal):
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
    return value


def fuel_combustion_tco2(
    consumption: Decimal, ncv_gj_per_unit: Decimal, carbon_content_tc_per_tj: Decimal, oxidation_rate: Decimal
) -> Decimal:
    """consumption x NCV x carbon content x oxidation rate x 44/12, in tCO2.

    Units: consumption (t or 10^4 Nm3) x NCV (GJ per that unit) = GJ; x carbon content (tC/TJ)
    x 0.001 (TJ per GJ) = tC; x oxidation rate = tC oxidised; x 44/12 (CO2 per C) = tCO2.
    """
    with localcontext(_EXACT):
        gj = _exact(consumption, "consumption") * _exact(ncv_gj_per_unit, "ncv_gj_per_unit")
        tc = gj * _exact(carbon_content_tc_per_tj, "carbon_content_tc_per_tj") * _TJ_PER_GJ
        oxidised = tc * _exact(oxidation_rate, "oxidation_rate")
        return oxidised * _CO2_PER_C[0] / _CO2_PER_C[1]


def purchased_electricity_tco2(mwh: Decimal, ef_tco2_per_mwh: Decimal) -> Decimal:
    """MWh x grid factor (tCO2/MWh)."""
    with localcontext(_EXACT):
        return _exact(mwh, "mwh") * _exact(ef_tco2_per_mwh, "ef_tco2_per_mwh")


def purchased_heat_tco2(gj: Decimal, ef_tco2_per_gj: Decimal) -> Decimal:
    """GJ x heat factor (tCO2/GJ)."""
    with localcontext(_EXACT):
        return _exact(gj, "gj") * _exact(ef_tco2_per_gj, "ef_tco2_per_gj")


def non_co2_tco2e(tonnes_gas: Decimal, gwp: Decimal) -> Decimal:
    """Tonnes of a non-CO2 gas x its global warming potential = tCO2e."""
    with localcontext(_EXACT):
        return _exact(tonnes_gas, "tonnes_gas") * _exact(gwp, "gwp")


@dataclass(frozen=True)
class FactorSnapshot:
    """A library factor as it stood when a line was calculated: the copy a report line freezes."""

    code: str
    kind: str
    version: int
    activity_unit: str
    gas: str = Gas.CO2
    is_biomass: bool = False
    ncv_gj_per_unit: Decimal | None = None
    carbon_content_tc_per_tj: Decimal | None = None
    oxidation_rate: Decimal | None = None
    ef_tco2_per_mwh: Decimal | None = None
    ef_tco2_per_gj: Decimal | None = None
    gwp: Decimal | None = None
    ef_tco2_per_t: Decimal | None = None
    valid_from_year: int | None = None
    valid_to_year: int | None = None
    source: str = ""

    def as_json(self) -> dict:
        """JSON-safe (Decimals as strings, never floats), to store in a report line."""
        return {k: str(v) if isinstance(v, Decimal) else v for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, data: dict) -> "FactorSnapshot":
        decimals = {"ncv_gj_per_unit", "carbon_content_tc_per_tj", "oxidation_rate"}
        decimals |= {"ef_tco2_per_mwh", "ef_tco2_per_gj", "gwp", "ef_tco2_per_t"}
        return cls(**{k: Decimal(v) if k in decimals and v is not None else v for k, v in data.items()})


@dataclass(frozen=True)
class Line:
    """One calculated emission line: a facility's source, its gas, and tCO2e at full precision."""

    facility_code: str
    category: str
    gas: str
    emissions_tco2e: Decimal
    is_biomass: bool = False
    activity: Decimal | None = None  # in the factor's unit
    activity_unit: str = ""
    factor: FactorSnapshot | None = None

    @property
    def reported_tco2e(self) -> Decimal:
        return reported_tonnes(self.emissions_tco2e)

    @property
    def is_biomass_co2(self) -> bool:
        """Biomass CO2 is reported but not counted; biomass CH4 and N2O count like any other."""
        return self.is_biomass and self.gas == Gas.CO2


_CATEGORY = {
    FactorKind.FUEL_COMBUSTION: EmissionCategory.FUEL_COMBUSTION,
    FactorKind.PURCHASED_ELECTRICITY: EmissionCategory.PURCHASED_ELECTRICITY,
    FactorKind.PURCHASED_HEAT: EmissionCategory.PURCHASED_HEAT,
    FactorKind.GWP: EmissionCategory.NON_CO2,
    FactorKind.PROCESS: EmissionCategory.PROCESS,
}


def _emissions(factor: FactorSnapshot, amount: Decimal) -> Decimal:
    if factor.kind == FactorKind.FUEL_COMBUSTION:
        return fuel_combustion_tco2(
            amount, factor.ncv_gj_per_unit, factor.carbon_content_tc_per_tj, factor.oxidation_rate
        )
    if factor.kind == FactorKind.PURCHASED_ELECTRICITY:
        return purchased_electricity_tco2(amount, factor.ef_tco2_per_mwh)
    if factor.kind == FactorKind.PURCHASED_HEAT:
        return purchased_heat_tco2(amount, factor.ef_tco2_per_gj)
    if factor.kind == FactorKind.GWP:
        return non_co2_tco2e(amount, factor.gwp)
    if factor.kind == FactorKind.PROCESS:
        return process_line(facility_code="", amount=amount, ef_tco2_per_unit=factor.ef_tco2_per_t).emissions_tco2e
    raise ValueError(f"unknown factor kind {factor.kind!r}")


def calculate_line(*, facility_code: str, factor: FactorSnapshot, amount, unit: str) -> Line:
    """Activity data in `unit` for one facility and source, through the formula of its factor.

    Refuses (translated ValidationError) activity data that is not a number, is negative, or is
    in a unit that does not fit the factor (kWh against a heat factor, say).
    """
    converted = to_factor_unit(parse_activity(amount), unit, factor.activity_unit)
    return Line(
        facility_code=facility_code,
        category=_CATEGORY[factor.kind],
        gas=factor.gas,
        emissions_tco2e=_emissions(factor, converted),
        is_biomass=factor.is_biomass,
        activity=converted,
        activity_unit=factor.activity_unit,
        factor=factor,
    )


def process_line(*, facility_code: str, amount, ef_tco2_per_unit: Decimal, unit: str = "") -> Line:
    """Process emissions: material x its own factor (tCO2 per unit of material), per DOMAIN.md."""
    material = parse_activity(amount)
    if not isinstance(ef_tco2_per_unit, Decimal) or ef_tco2_per_unit < 0:
        raise ValidationError(_("An emission factor cannot be negative."), code="negative_factor")
    with localcontext(_EXACT):
        tonnes = material * ef_tco2_per_unit
    return Line(facility_code, EmissionCategory.PROCESS, Gas.CO2, tonnes, activity=material, activity_unit=unit)


@dataclass(frozen=True)
class Totals:
    """Reported totals (0.001 t). Biomass CO2 is in `biomass_tco2` and in no other figure."""

    total_tco2e: Decimal
    biomass_tco2: Decimal
    by_facility: dict[str, Decimal] = field(default_factory=dict)
    by_gas: dict[str, Decimal] = field(default_factory=dict)
    by_category: dict[str, Decimal] = field(default_factory=dict)


def totals(lines) -> Totals:
    """Totals per facility, gas and category and the grand total, all excluding biomass CO2.

    Summed at full precision, then each figure rounded once by `reported_tonnes`.
    """
    total, biomass = Decimal(0), Decimal(0)
    by_facility: dict[str, Decimal] = defaultdict(Decimal)
    by_gas: dict[str, Decimal] = defaultdict(Decimal)
    by_category: dict[str, Decimal] = defaultdict(Decimal)
    with localcontext(_EXACT):
        for line in lines:
            if line.is_biomass_co2:
                biomass += line.emissions_tco2e
                continue
            total += line.emissions_tco2e
            by_facility[line.facility_code] += line.emissions_tco2e
            by_gas[line.gas] += line.emissions_tco2e
            by_category[line.category] += line.emissions_tco2e

    def rounded(figures: dict[str, Decimal]) -> dict[str, Decimal]:
        return {key: reported_tonnes(value) for key, value in figures.items()}

    return Totals(
        total_tco2e=reported_tonnes(total),
        biomass_tco2=reported_tonnes(biomass),
        by_facility=rounded(by_facility),
        by_gas=rounded(by_gas),
        by_category=rounded(by_category),
    )
