"""Verification's tasks on each user's dashboard: what waits for them, linked, with its due date."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carbon_portal.roles import Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.reporting.helpers import YEAR
from verification import dashboard
from verification.choices import DeterminationBasis, DeterminationStatus
from verification.models import Determination
from verification.services.requests import request_open

pytestmark = pytest.mark.django_db


def determined(org, alice, bob, *, status=DeterminationStatus.APPROVED, **fields):
    approved = status == DeterminationStatus.APPROVED
    return Determination.objects.create(
        organisation=org,
        year=YEAR,
        status=status,
        basis=DeterminationBasis.ESTIMATE,
        estimate_method="Highest of the last three years, plus 10%",
        emissions_tco2e=D("4321.000"),
        reasoning="Test",
        prepared_by=alice,
        approved_by=bob if approved else None,
        approved_at=timezone.now() if approved else None,
        **fields,
    )


def titles(user):
    return [task.title for task in dashboard.tasks_for(user)]


def test_an_approver_is_asked_to_approve_what_another_user_prepared(alice, bob, unit):
    determined(unit, alice, bob, status=DeterminationStatus.PENDING)
    assert any("Approve or return 1 determination" in t for t in titles(bob))
    assert not any("Approve" in t for t in titles(alice))  # the preparer, and not an approver


def test_the_assigned_agency_is_asked_for_its_review_with_the_due_date(dave, assignment):
    [task] = [t for t in dashboard.tasks_for(dave) if "Review the" in t.title]
    assert task.due == assignment.due_date
    assert task.url == reverse("verification:review_edit", args=[assignment.pk])


def test_the_unit_is_asked_to_answer_an_open_request(carol, dave, assignment):
    request_open(actor=dave, assignment=assignment, subject="Meter calibration", body="Please send the certificate.")
    assert any("Meter calibration" in t for t in titles(carol))


def test_the_unit_sees_its_determination_while_the_objection_window_is_open(carol, alice, bob, unit):
    determined(unit, alice, bob, objection_deadline=timezone.localdate() + timedelta(days=3))
    assert any("4321.000" in t for t in titles(carol))


def test_a_closed_objection_window_is_no_longer_a_task(carol, alice, bob, unit):
    determined(unit, alice, bob, objection_deadline=timezone.localdate() - timedelta(days=1))
    assert not any("determined" in t for t in titles(carol))


def test_another_unit_sees_nothing_of_it(erin, alice, bob, unit):
    determined(unit, alice, bob, objection_deadline=timezone.localdate() + timedelta(days=3))
    assert not any("4321" in t for t in titles(erin))


def test_the_unit_tasks_take_the_same_queries_for_1_and_5_determinations(carol, alice, bob, unit):
    def count():
        with CaptureQueriesContext(connection) as queries:
            dashboard.tasks_for(carol)
        return len(queries)

    determined(unit, alice, bob, objection_deadline=timezone.localdate() + timedelta(days=3))
    count()  # warm the per-user role cache
    one = count()
    for _ in range(4):
        org = OrganisationFactory()
        MembershipFactory(user=carol, organisation=org, role=Role.UNIT_STAFF)
        determined(org, alice, bob, objection_deadline=timezone.localdate() + timedelta(days=3))
    assert count() == one


def test_the_dashboard_page_lists_the_task(client_for, bob, alice, unit):
    determined(unit, alice, bob, status=DeterminationStatus.PENDING)
    assert "Approve or return 1 determination" in client_for(bob).get(reverse("dashboard")).text


def test_unrelated_users_get_no_verification_tasks(db):
    assert dashboard.tasks_for(UserFactory()) == []
