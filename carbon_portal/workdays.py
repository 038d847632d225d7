"""Chinese working days, for windows the rules count in working days (objections: 7, decisions: 10).

chinese-calendar knows the State Council's holiday and make-up working-day notices; it raises
NotImplementedError for a year whose notice it does not have yet, and then we fall back to
Monday-Friday rather than refuse to compute a legal deadline.
"""

from datetime import date, timedelta

import chinese_calendar


def is_working_day(day: date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (start itself not counted)."""
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            left -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`; 0 when end <= start."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count
