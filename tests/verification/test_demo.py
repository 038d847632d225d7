"""The demo's 2025 verification cycle (verification/demo.py), in the smallest demo world.

As in tests/registry/test_seed_demo.py, the whole demo seed runs once (it writes through the
services, some thousands of queries) and each property is checked in its own helper; then the
verification step runs again and must add nothing.
"""

import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from registry import demo
from reporting.choices import ReportStatus
from reporting.models import AnnualReport
from verification.choices import (
    AssignmentKind,
    AssignmentStatus,
    DeterminationStatus,
    ObjectionStatus,
    RequestStatus,
    ReviewStatus,
)
from verification.demo import seed_verification
from verification.models import (
    IN_FORCE,
    Determination,
    InformationRequest,
    Objection,
    ReviewAssignment,
    ReviewReport,
)
from verification.selectors.determinations import year_determinations

YEAR = 2025


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", units=demo.minimum_units(), seed=7, stdout=out)
    return out.getvalue()


def every_submitted_report_is_assigned_and_all_but_daves_draft_reviewed():
    submitted = set(AnnualReport.objects.filter(year=YEAR, status=ReportStatus.SUBMITTED).values_list("pk", flat=True))
    assignments = ReviewAssignment.objects.filter(year=YEAR, kind=AssignmentKind.REVIEW, status__in=IN_FORCE)
    assert submitted and set(assignments.values_list("report_id", flat=True)) == submitted
    assert set(assignments.values_list("assigned_by__email", flat=True)) == {demo.ALICE}
    still_open = assignments.get(status=AssignmentStatus.ASSIGNED)
    assert still_open.agency.memberships.filter(user__email__startswith="dave@").exists()
    assert still_open.reviews.get().status == ReviewStatus.DRAFT
    assert still_open.information_requests.get().status == RequestStatus.OPEN
    reviews = ReviewReport.objects.filter(assignment__year=YEAR, status=ReviewStatus.SUBMITTED)
    assert reviews.count() == len(submitted) - 1
    assert all(r.submitted_at.date() <= date(2026, 4, 30) for r in reviews)
    assert InformationRequest.objects.filter(status=RequestStatus.ANSWERED).count() == 1


def bob_approved_alices_determinations_and_one_awaits_him():
    determinations = Determination.objects.filter(year=YEAR)
    approved = determinations.filter(status=DeterminationStatus.APPROVED)
    assert approved.exists()
    assert set(approved.values_list("prepared_by__email", "approved_by__email")) == {(demo.ALICE, demo.BOB)}
    pending = determinations.get(status=DeterminationStatus.PENDING)
    assert pending.prepared_by.email == demo.ALICE and pending.submitted_at is not None
    past = approved.filter(approved_at__date__lt=date(2026, 7, 1))
    assert past.exists()
    assert all(d.objection_deadline < timezone.localdate() for d in past)
    counts = year_determinations(YEAR).counts
    assert counts["ready"] >= 1 and counts["flagged"] >= 1


def carols_window_is_open_today():
    carol = Determination.objects.get(
        year=YEAR, status=DeterminationStatus.APPROVED, organisation__memberships__user__email__startswith="carol@"
    )
    assert carol.approved_at > timezone.now() - timedelta(hours=1)  # approved by this seed, today
    assert carol.objection_deadline >= timezone.localdate()
    assert not carol.objections.exists()


def another_unit_objected_with_a_pdf():
    objection = Objection.objects.get()
    assert objection.status == ObjectionStatus.FILED
    assert not objection.determination.organisation.memberships.filter(user__email__startswith="carol@").exists()
    assert objection.files.get().kind == "pdf"


def counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (ReviewAssignment, ReviewReport, InformationRequest, Determination, Objection)
    )


@pytest.mark.django_db
def test_the_demo_shows_the_2025_verification_cycle_and_a_second_run_adds_nothing():
    output = seed()
    assert "2025 determinations:" in output and "objections:" in output
    every_submitted_report_is_assigned_and_all_but_daves_draft_reviewed()
    bob_approved_alices_determinations_and_one_awaits_him()
    carols_window_is_open_today()
    another_unit_objected_with_a_pdf()

    before, lines = counts(), []
    seed_verification(log=lines.append)
    assert counts() == before
    assert any("already there" in line for line in lines)
    carols_window_is_open_today()
