"""Re-examination triggers use the year's thresholds (defaults: report vs review 10% or 100,000 t;
year on year 20%)."""

from decimal import Decimal as D

import pytest

from registry.models import YearSettings
from verification.choices import ReexamTrigger
from verification.selectors.triggers import change_pct, report_vs_review_flag, year_on_year_flag

SETTINGS = YearSettings(year=2026)  # model defaults: 10%, 100,000 t, 20%


def test_change_is_signed_and_undefined_without_a_base():
    assert change_pct(D("90"), D("100")) == D("-10")
    assert change_pct(D("5"), D("0")) is None


@pytest.mark.parametrize(
    ("reported", "reviewed", "flagged"),
    [
        (D("1000"), D("1100"), False),  # exactly 10%: not beyond the threshold
        (D("1000"), D("1100.001"), True),
        (D("1000"), D("899"), True),
        (D("2000000"), D("2100001"), True),  # 5% but more than 100,000 t
    ],
)
def test_report_vs_review_fires_beyond_either_threshold(reported, reviewed, flagged):
    flag = report_vs_review_flag(reported, reviewed, SETTINGS)
    assert (flag is not None) is flagged
    if flag:
        assert flag.trigger == ReexamTrigger.REPORT_VS_REVIEW


def test_year_on_year_fires_beyond_twenty_per_cent_either_way():
    assert year_on_year_flag(D("120"), D("100"), SETTINGS) is None
    assert year_on_year_flag(D("121"), D("100"), SETTINGS).trigger == ReexamTrigger.YEAR_ON_YEAR
    assert year_on_year_flag(D("79"), D("100"), SETTINGS) is not None
    assert year_on_year_flag(D("79"), None, SETTINGS) is None


def test_thresholds_come_from_the_year_settings():
    strict = YearSettings(year=2026, reexam_year_on_year_pct=D("5"))
    assert year_on_year_flag(D("106"), D("100"), strict) is not None
