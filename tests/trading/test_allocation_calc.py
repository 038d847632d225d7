"""The allocation arithmetic, worked by hand (DOMAIN.md "Allowances")."""

import doctest
from decimal import Decimal as D

import pytest

from trading import allocation as calc


def test_benchmark_is_output_times_benchmark():
    # 50,000 t of product at 0.85 tCO2 per t
    assert calc.benchmark_t(D("50000"), D("0.85")) == D("42500")


def test_intensity_is_output_times_mean_base_intensity_times_factor():
    # 2023: 1,000 t / 2,000 = 0.5; 2024: 900 t / 2,000 = 0.45; mean 0.475; 2,100 x 0.475 x 0.98 = 977.55
    intensities = [D("1000") / D("2000"), D("900") / D("2000")]
    assert calc.intensity_t(D("2100"), intensities, D("0.98")) == D("977.55")


def test_base_intensity_is_the_mean_of_each_years_intensity():
    # not total emissions / total output: (1000/2000 + 900/1000) / 2 = 0.7, whereas 1900/3000 = 0.633
    assert calc.base_intensity([D("1000"), D("900")], [D("2000"), D("1000")]) == D("0.7")


def test_historical_is_base_year_average_times_factor():
    assert calc.historical_t([D("10000"), D("11000"), D("12000")], D("0.97")) == D("10670")


def test_coefficient_multiplies_before_rounding():
    assert calc.apply_coefficient(D("10670"), D("1.02")) == D("10883.4")


def test_split_with_an_eight_percent_paid_share():
    # 10,883.4 -> 10,883 t; 8 % = 870.64 -> 871 paid; 10,012 free
    assert calc.split(D("10883.4"), D("8")) == (D("10012"), D("871"))


@pytest.mark.parametrize(
    ("total", "share", "free", "paid"),
    [
        (D("12.5"), D("0"), D("13"), D("0")),  # the total rounds half up
        (D("12.49"), D("0"), D("12"), D("0")),
        (D("15"), D("10"), D("13"), D("2")),  # 1.5 paid rounds half up
        (D("14"), D("10"), D("13"), D("1")),  # 1.4 paid rounds down
        (D("0.4"), D("8"), D("0"), D("0")),
        (D("1000"), D("100"), D("0"), D("1000")),
    ],
)
def test_split_rounds_half_up_and_adds_up(total, share, free, paid):
    assert calc.split(total, share) == (free, paid)
    assert free + paid == calc.whole_tonnes(total)


def test_split_refuses_a_negative_total():
    with pytest.raises(ValueError):
        calc.split(D("-1"), D("0"))


def test_docstring_examples_hold():
    failures, tests = doctest.testmod(calc)
    assert tests > 5
    assert failures == 0
