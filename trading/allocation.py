"""The allocation arithmetic (DOMAIN.md "Allowances", Art. 10): pure functions on Decimals, no
database. A unit's allocation is its method's figure times its incentive coefficient, rounded
half up to whole tonnes, then split into the free part and the paid part sold at auction.

Nothing is rounded until the total: rounding the pieces first would let the sum drift by a
tonne per unit, which across a thousand units is a thousand tonnes the plan never allowed."""

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

ONE = Decimal(1)
HUNDRED = Decimal(100)


def _d(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def whole_tonnes(value) -> Decimal:
    """Round half up to whole tonnes.

    >>> whole_tonnes(Decimal("10.5")), whole_tonnes(Decimal("10.49"))
    (Decimal('11'), Decimal('10'))
    """
    return _d(value).quantize(ONE, rounding=ROUND_HALF_UP)


def mean(values: Sequence) -> Decimal:
    """The arithmetic mean.

    >>> mean([Decimal("100"), Decimal("110"), Decimal("120")])
    Decimal('110')
    """
    if not values:
        raise ValueError("mean of nothing")
    return sum((_d(v) for v in values), Decimal(0)) / len(values)


def benchmark_t(output, benchmark) -> Decimal:
    """Benchmark method: output x benchmark (t per unit of output).

    >>> benchmark_t(Decimal("50000"), Decimal("0.85"))   # 50,000 t of product at 0.85 t/t
    Decimal('42500.00')
    """
    return _d(output) * _d(benchmark)


def base_intensity(base_emissions: Sequence, base_outputs: Sequence) -> Decimal:
    """The mean of the base years' emissions / output.

    >>> base_intensity([Decimal("1000"), Decimal("900")], [Decimal("2000"), Decimal("2000")])
    Decimal('0.475')
    """
    if len(base_emissions) != len(base_outputs) or not base_emissions:
        raise ValueError("one output per base year")
    return mean([_d(e) / _d(o) for e, o in zip(base_emissions, base_outputs, strict=True)])


def intensity_t(output, base_intensities: Sequence, factor) -> Decimal:
    """Historical intensity method: output x base intensity x decline factor, where the base
    intensity is the mean of the base years' intensities (emissions / output).

    >>> intensity_t(Decimal("2100"), [Decimal("0.5"), Decimal("0.45")], Decimal("0.98"))  # 2100 x 0.475 x 0.98
    Decimal('977.55000')
    """
    return _d(output) * mean(base_intensities) * _d(factor)


def historical_t(base_emissions: Sequence, factor) -> Decimal:
    """Historical emissions method: the base years' average emissions x decline factor.

    >>> historical_t([Decimal("10000"), Decimal("11000"), Decimal("12000")], Decimal("0.97"))
    Decimal('10670.00')
    """
    return mean(base_emissions) * _d(factor)


def apply_coefficient(amount, coefficient) -> Decimal:
    """The unit's incentive adjustment coefficient (1 when it has none).

    >>> apply_coefficient(Decimal("10670"), Decimal("1.02"))
    Decimal('10883.40')
    """
    return _d(amount) * _d(coefficient)


def split(total, paid_share_pct) -> tuple[Decimal, Decimal]:
    """(free, paid) in whole tonnes: the total rounded half up; paid = the total x the share,
    rounded half up; free = the rest, so free + paid is always the rounded total.

    >>> split(Decimal("10883.40"), Decimal("8"))    # 10,883 t; 8 % = 870.64 -> 871 paid
    (Decimal('10012'), Decimal('871'))
    >>> split(Decimal("12.5"), Decimal("0"))
    (Decimal('13'), Decimal('0'))
    """
    rounded = whole_tonnes(total)
    if rounded < 0:
        raise ValueError("an allocation is never negative")
    paid = whole_tonnes(rounded * _d(paid_share_pct) / HUNDRED)
    return rounded - paid, paid
