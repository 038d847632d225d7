from datetime import date

import pytest
from django.core import mail

from registry import services
from registry.services.reminders import deadline_reminders_send
from tests.factories import EmissionRecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed_unit(unit, carol, alice, bob, django_capture_on_commit_callbacks):
    EmissionRecordFactory(organisation=unit, year=2025, emissions_tco2e=50000)
    with django_capture_on_commit_callbacks(execute=True):
        rl = services.regulated_list_compile(actor=alice, year=2026)
    services.regulated_list_submit(actor=alice, regulated_list=rl)
    services.regulated_list_approve(actor=bob, regulated_list=rl)
    return unit


def test_unit_staff_are_reminded_30_days_before_the_report_is_due(listed_unit, carol):
    assert deadline_reminders_send(today=date(2027, 3, 1)) == 1
    assert mail.outbox[0].to == [carol.email] and "2026" in mail.outbox[0].subject


def test_a_reminder_is_sent_once_however_often_the_job_runs(listed_unit):
    deadline_reminders_send(today=date(2027, 3, 1))
    assert deadline_reminders_send(today=date(2027, 3, 1)) == 0
    assert deadline_reminders_send(today=date(2027, 3, 2)) == 0
    assert len(mail.outbox) == 1


def test_a_missed_day_is_caught_up(listed_unit):
    assert deadline_reminders_send(today=date(2027, 3, 26)) == 1  # 5 days before: the 7-day step


def test_no_reminder_far_from_a_deadline(listed_unit):
    assert deadline_reminders_send(today=date(2027, 1, 15)) == 0


def test_reminder_is_written_in_chinese(listed_unit):
    deadline_reminders_send(today=date(2027, 3, 1))
    assert "提醒" in mail.outbox[0].subject
