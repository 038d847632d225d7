"""Reminders of verification due dates (agencies: reviews 7, 3, 1 days ahead; units: requests for
information and objection windows 3, 1 days ahead) and overdue reviews flagged to the bureau, each
sent once."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.utils import timezone

from carbon_portal.models import Notification
from registry.models import DeadlineReminder
from verification import tasks
from verification.choices import (
    AssignmentKind,
    AssignmentStatus,
    DeterminationBasis,
    DeterminationStatus,
    ObjectionStatus,
    ReexamTrigger,
    RequestStatus,
)
from verification.models import Determination, InformationRequest, Objection, ReExamination, ReviewAssignment
from verification.services.reminders import due_date_reminders_send, overdue_reviews_flag, step

pytestmark = pytest.mark.django_db


MINE = ["verification.review_due", "verification.info_request_due", "verification.objection_window"]
MINE += ["verification.review_overdue"]


def mine(user):
    """The user's reminders (the fixtures' own notices, such as the report's receipt, left out)."""
    return Notification.objects.filter(recipient=user, kind__in=MINE).order_by("pk")


def kinds(user) -> list[str]:
    return list(mine(user).values_list("kind", flat=True))


def days_before(due: date, days: int) -> date:
    return due - timedelta(days=days)


def info_request(assignment, dave, *, due: date, status=RequestStatus.OPEN):
    return InformationRequest.objects.create(
        assignment=assignment, subject="Meter calibration records", status=status, reply_due_date=due, opened_by=dave
    )


def in_force(unit, alice, bob, *, deadline: date, status=DeterminationStatus.APPROVED):
    approved = status == DeterminationStatus.APPROVED
    return Determination.objects.create(
        organisation=unit,
        year=2026,
        basis=DeterminationBasis.ESTIMATE,
        estimate_method="Highest of the last three years",
        status=status,
        emissions_tco2e=D("12000"),
        reasoning="Test",
        prepared_by=alice,
        approved_by=bob if approved else None,
        approved_at=timezone.now() if approved else None,
        objection_deadline=deadline,
    )


def withdraw(assignment, alice):
    assignment.status = AssignmentStatus.WITHDRAWN
    assignment.withdrawn_by, assignment.withdrawn_at = alice, timezone.now()
    assignment.withdrawal_reason = "Reassigned"
    assignment.save()


def test_the_step_is_the_nearest_one_not_past():
    due = date(2027, 4, 30)
    assert [step(due, days_before(due, n), (7, 3, 1)) for n in (8, 7, 5, 3, 2, 1, 0, -1)] == [
        None,
        7,
        7,
        3,
        3,
        1,
        1,
        None,
    ]


# -- agencies: reviews due --


def test_the_agency_is_reminded_seven_days_before_the_review_is_due(assignment, dave, carol):
    sent = due_date_reminders_send(today=days_before(assignment.due_date, 7))
    assert sent["review"] == 1 and kinds(dave) == ["verification.review_due"] and kinds(carol) == []
    note = mine(dave).get()
    assert "technical review" in note.subject_en and assignment.due_date.isoformat() in note.body_en
    assert note.subject_zh and note.url.endswith(f"/reviews/{assignment.pk}/")


def test_a_second_run_the_same_day_sends_nothing(assignment, dave):
    today = days_before(assignment.due_date, 7)
    due_date_reminders_send(today=today)
    assert due_date_reminders_send(today=today)["review"] == 0
    assert kinds(dave) == ["verification.review_due"]


def test_each_step_is_sent_once(assignment, dave):
    for n in (7, 6, 5, 4, 3, 2, 1, 0):
        due_date_reminders_send(today=days_before(assignment.due_date, n))
    assert len(kinds(dave)) == 3
    steps = DeadlineReminder.objects.filter(deadline=f"review:{assignment.pk}").values_list("days_before", flat=True)
    assert sorted(steps) == [1, 3, 7]


def test_a_missed_day_is_caught_up_with_the_nearest_step_only(assignment, dave):
    due_date_reminders_send(today=days_before(assignment.due_date, 2))
    assert list(DeadlineReminder.objects.values_list("days_before", flat=True)) == [3]


def test_nothing_is_sent_for_a_withdrawn_assignment(assignment, dave, alice):
    withdraw(assignment, alice)
    assert due_date_reminders_send(today=days_before(assignment.due_date, 7))["review"] == 0
    assert kinds(dave) == []


def test_nothing_is_sent_once_the_review_is_submitted(assignment, dave):
    assignment.status = AssignmentStatus.DONE
    assignment.save()
    assert due_date_reminders_send(today=days_before(assignment.due_date, 1))["review"] == 0


def test_the_agency_is_reminded_of_a_re_examination_too(assignment, report, agency, unit, dave, alice, bob):
    assignment.status = AssignmentStatus.DONE
    assignment.save()
    reexam = ReExamination.objects.create(
        determination=in_force(unit, alice, bob, deadline=date(2027, 6, 10)),
        trigger=ReexamTrigger.OTHER,
        reason="Doubt",
        opened_by=alice,
    )
    ReviewAssignment.objects.create(
        organisation=unit,
        year=report.year,
        kind=AssignmentKind.REEXAMINATION,
        reexamination=reexam,
        report=report,
        agency=agency,
        due_date=date(2027, 7, 1),
        assigned_by=alice,
    )
    assert due_date_reminders_send(today=date(2027, 6, 28))["review"] == 1
    assert "re-examination" in mine(dave).get().subject_en


# -- units: requests for information --


def test_the_unit_is_reminded_to_reply_three_days_ahead(assignment, dave, carol, erin):
    request = info_request(assignment, dave, due=date(2027, 4, 10))
    sent = due_date_reminders_send(today=date(2027, 4, 7))
    assert sent["info_request"] == 1 and kinds(carol) == ["verification.info_request_due"] and kinds(erin) == []
    note = mine(carol).get()
    assert "Meter calibration records" in note.body_en and note.url.endswith(f"/requests/{request.pk}/")
    assert due_date_reminders_send(today=date(2027, 4, 7))["info_request"] == 0
    due_date_reminders_send(today=date(2027, 4, 9))
    assert kinds(carol) == ["verification.info_request_due"] * 2


def test_nothing_is_sent_for_a_closed_or_answered_request(assignment, dave, alice, carol):
    info_request(assignment, dave, due=date(2027, 4, 10), status=RequestStatus.CLOSED)
    info_request(assignment, dave, due=date(2027, 4, 10), status=RequestStatus.ANSWERED)
    assert due_date_reminders_send(today=date(2027, 4, 9))["info_request"] == 0
    assert kinds(carol) == []


def test_nothing_is_sent_for_a_request_of_a_withdrawn_assignment(assignment, dave, alice, carol):
    info_request(assignment, dave, due=date(2027, 4, 10))
    withdraw(assignment, alice)
    assert due_date_reminders_send(today=date(2027, 4, 9))["info_request"] == 0


# -- units: objection windows --


def test_the_unit_is_reminded_before_the_objection_window_closes(unit, carol, alice, bob):
    determination = in_force(unit, alice, bob, deadline=date(2027, 6, 10))
    assert due_date_reminders_send(today=date(2027, 6, 7))["objection_window"] == 1
    assert due_date_reminders_send(today=date(2027, 6, 7))["objection_window"] == 0
    assert due_date_reminders_send(today=date(2027, 6, 9))["objection_window"] == 1
    note = mine(carol).first()
    assert determination.reference in note.subject_en and "2027-06-10" in note.body_en
    assert kinds(alice) == []


def test_no_objection_reminder_once_the_unit_has_objected(unit, carol, alice, bob):
    determination = in_force(unit, alice, bob, deadline=date(2027, 6, 10))
    Objection.objects.create(
        determination=determination,
        status=ObjectionStatus.FILED,
        reasons="The meter was miscalibrated",
        filed_by=carol,
        decision_due_date=date(2027, 6, 24),
    )
    assert due_date_reminders_send(today=date(2027, 6, 9))["objection_window"] == 0


def test_no_objection_reminder_for_a_determination_not_in_force(unit, carol, alice, bob):
    in_force(unit, alice, bob, deadline=date(2027, 6, 10), status=DeterminationStatus.PENDING)
    assert due_date_reminders_send(today=date(2027, 6, 9))["objection_window"] == 0


# -- the bureau: overdue reviews --


def test_an_overdue_review_is_flagged_to_every_bureau_user_once(assignment, alice, bob, dave):
    day_after = assignment.due_date + timedelta(days=1)
    assert overdue_reviews_flag(today=assignment.due_date) == 0  # due today is not overdue
    assert overdue_reviews_flag(today=day_after) == 1
    assert overdue_reviews_flag(today=day_after) == 0
    assert overdue_reviews_flag(today=day_after + timedelta(days=5)) == 0
    assert kinds(alice) == kinds(bob) == ["verification.review_overdue"] and kinds(dave) == []
    note = mine(alice).get()
    assert "state=overdue" in note.url and assignment.agency.name_zh in note.body_en


def test_a_withdrawn_or_submitted_review_is_not_flagged(assignment, alice):
    withdraw(assignment, alice)
    assert overdue_reviews_flag(today=assignment.due_date + timedelta(days=3)) == 0
    assert kinds(alice) == []


def test_the_tasks_use_today(assignment, dave, alice, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: days_before(assignment.due_date, 7))
    assert tasks.send_due_date_reminders() == {"review": 1, "info_request": 0, "objection_window": 0}
    monkeypatch.setattr(timezone, "localdate", lambda *args: assignment.due_date + timedelta(days=1))
    assert tasks.flag_overdue_reviews() == 1
