"""Messages the plan workflow sends to the unit's staff (inbox and email)."""

import pytest
from django.core import mail

from carbon_portal.models import Notification
from reporting import services

from .helpers import submitted_plan

pytestmark = pytest.mark.django_db


def test_submitting_a_plan_sends_the_unit_a_receipt(carol, unit):
    plan = submitted_plan(carol, unit)
    note = Notification.objects.get(recipient=carol, kind="reporting.plan_submitted")
    assert plan.reference in note.subject_en


def test_returning_a_plan_tells_the_unit_which_sections_to_change_in_both_languages(carol, alice, unit):
    plan = submitted_plan(carol, unit)
    services.plan_return(actor=alice, plan=plan, comments={"boundary": "Include boiler 4."})
    note = Notification.objects.get(recipient=carol, kind="reporting.plan_returned")
    assert "Emission boundary" in note.body_en
    assert "排放边界" in note.body_zh


def test_accepting_a_plan_tells_the_unit(carol, alice, unit):
    plan = submitted_plan(carol, unit)
    services.plan_accept(actor=alice, plan=plan)
    assert Notification.objects.filter(recipient=carol, kind="reporting.plan_accepted").exists()


def test_the_decision_is_emailed_once_committed(carol, alice, unit, django_capture_on_commit_callbacks):
    plan = submitted_plan(carol, unit)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.plan_accept(actor=alice, plan=plan)
    assert [m.to for m in mail.outbox] == [[carol.email]]
    assert plan.reference in mail.outbox[0].body or plan.reference in mail.outbox[0].subject


def test_other_units_staff_hear_nothing(carol, erin, alice, unit):
    plan = submitted_plan(carol, unit)
    services.plan_accept(actor=alice, plan=plan)
    assert not Notification.objects.filter(recipient=erin).exists()


def test_the_bureau_dashboard_counts_plans_awaiting_a_decision(carol, alice, unit, client_for):
    submitted_plan(carol, unit)
    page = client_for(alice).get("/dashboard/")
    assert "Accept or return 1 data quality control plan for 2027" in page.text


def test_the_unit_dashboard_asks_to_revise_a_returned_plan(carol, alice, unit, client_for):
    plan = submitted_plan(carol, unit)
    services.plan_return(actor=alice, plan=plan, comments={"boundary": "Include boiler 4."})
    page = client_for(carol).get("/dashboard/")
    assert "Revise the returned data quality control plan for 2027" in page.text
