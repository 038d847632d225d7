"""Working-day windows count Chinese public holidays and make-up working days."""

from datetime import date

from carbon_portal.workdays import add_working_days, is_working_day, working_days_between


def test_national_day_holiday_is_not_a_working_day():
    assert not is_working_day(date(2026, 10, 1))


def test_seven_working_days_from_the_eve_of_national_day_skip_the_golden_week():
    assert add_working_days(date(2026, 9, 30), 7) == date(2026, 10, 15)


def test_weekends_are_skipped_in_an_ordinary_week():
    assert add_working_days(date(2026, 11, 20), 1) == date(2026, 11, 23)  # Friday -> Monday


def test_a_year_without_a_published_holiday_notice_falls_back_to_monday_to_friday():
    assert add_working_days(date(2040, 1, 5), 5) == date(2040, 1, 12)


def test_working_days_between_counts_the_end_but_not_the_start():
    assert working_days_between(date(2026, 11, 20), date(2026, 11, 24)) == 2
    assert working_days_between(date(2026, 11, 24), date(2026, 11, 20)) == 0
