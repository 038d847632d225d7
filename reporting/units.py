"""Activity data: parsing and unit conversion, exact and pure (DOMAIN.md "Reporting").

A factor is expressed per one unit of activity (GJ/t, tCO2/MWh, ...). Activity data may be
entered in a related unit and is converted exactly; a unit of another quantity is refused, so
kWh can never meet a heat factor. Nothing here touches the database.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import ActivityUnit, FactorKind

# The units a factor of each kind may be expressed in (the factor library refuses others).
FACTOR_UNITS: dict[str, tuple[str, ...]] = {
    FactorKind.FUEL_COMBUSTION: (ActivityUnit.TONNE, ActivityUnit.NM3_10K),
    FactorKind.PURCHASED_ELECTRICITY: (ActivityUnit.MWH,),
    FactorKind.PURCHASED_HEAT: (ActivityUnit.GJ,),
    FactorKind.GWP: (ActivityUnit.TONNE,),  # tonnes of the gas
    FactorKind.PROCESS: (ActivityUnit.TONNE,),  # tonnes of the material (limestone, say)
}

# For each factor unit: the units activity data may arrive in, and the exact multiplier into it.
# 10^4 kWh = 10 MWh, so 7.88 tCO2 per 10^4 kWh = 0.788 tCO2/MWh.
CONVERSIONS: dict[str, dict[str, Decimal]] = {
    ActivityUnit.TONNE: {ActivityUnit.TONNE: Decimal(1)},
    ActivityUnit.NM3_10K: {ActivityUnit.NM3_10K: Decimal(1), ActivityUnit.NM3: Decimal("0.0001")},
    ActivityUnit.MWH: {
        ActivityUnit.MWH: Decimal(1),
        ActivityUnit.KWH: Decimal("0.001"),
        ActivityUnit.KWH_10K: Decimal(10),
    },
    ActivityUnit.GJ: {ActivityUnit.GJ: Decimal(1), ActivityUnit.MJ: Decimal("0.001")},
}


# What a report line stores (reporting.models.reports.ACTIVITY: 20 digits, 6 after the point).
ACTIVITY_DECIMAL_PLACES = 6
MAX_ACTIVITY = Decimal(10) ** 14


def unit_label(unit: str) -> str:
    return str(ActivityUnit(unit).label) if unit in ActivityUnit.values else unit


def units_accepted(factor_unit: str) -> list[str]:
    """The units activity data for a factor in `factor_unit` may be entered in."""
    return list(CONVERSIONS.get(factor_unit, {}))


def parse_activity(value) -> Decimal:
    """Activity data as an exact, finite, non-negative Decimal, or a translated error.

    A float is a programming error, not user input: it is refused with TypeError, because its
    binary value is not the figure the unit declared.
    """
    if isinstance(value, float):
        raise TypeError("activity data must be a Decimal, int or str, never a float")
    amount = None
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int | str) and not isinstance(value, bool):  # True is not 1 tonne of coal
        try:
            amount = Decimal(str(value).strip())
        except InvalidOperation:
            amount = None
    if amount is None or not amount.is_finite():
        raise ValidationError(_("Activity data must be a number."), code="not_a_number")
    if amount < 0:
        raise ValidationError(_("Activity data cannot be negative."), code="negative")
    if amount >= MAX_ACTIVITY:
        raise ValidationError(
            _("%(amount)s is too large to be one source's activity data for a year: check the figure and its unit."),
            code="too_large",
            params={"amount": f"{amount:,.0f}" if amount < Decimal("1e30") else f"{amount:.3E}"},
        )
    if amount != amount.quantize(Decimal(1).scaleb(-ACTIVITY_DECIMAL_PLACES), rounding="ROUND_DOWN"):
        raise ValidationError(
            _("Give activity data with at most %(places)s decimal places."),
            code="too_precise",
            params={"places": ACTIVITY_DECIMAL_PLACES},
        )
    return amount


def to_factor_unit(amount: Decimal, unit: str, factor_unit: str) -> Decimal:
    """`amount` in `unit`, converted exactly into the unit the factor is expressed in."""
    multiplier = CONVERSIONS.get(factor_unit, {}).get(unit)
    if multiplier is None:
        raise ValidationError(
            _("Activity data in %(unit)s does not fit a factor expressed per %(factor_unit)s."),
            code="unit_mismatch",
            params={"unit": unit_label(unit), "factor_unit": unit_label(factor_unit)},
        )
    return amount * multiplier
