"""Each verification workflow's table (verification/transitions.py), and the whole of it walked
through the real services (CONVENTIONS.md "Workflows": a test walks the whole table)."""

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from carbon_portal.roles import Role
from tests.factories import AgencyFactory
from tests.reporting.helpers import YEAR
from verification.choices import (
    AssignmentStatus,
    DeterminationBasis,
    DeterminationStatus,
    ObjectionStatus,
    ReexamStatus,
    ReexamTrigger,
    RequestStatus,
    ReviewStatus,
)
from verification.models import Reviewer
from verification.services import assignment_reassign
from verification.services import determinations as determination_services
from verification.services.objections import objection_accept, objection_file, objection_reject
from verification.services.reexaminations import reexamination_assign, reexamination_cancel, reexamination_open
from verification.services.requests import request_answer, request_close, request_follow_up
from verification.services.reviews import review_return, review_revise, review_start
from verification.transitions import (
    ASSIGNMENT_TRANSITIONS,
    DETERMINATION_TRANSITIONS,
    OBJECTION_TRANSITIONS,
    REEXAM_TRANSITIONS,
    REQUEST_TRANSITIONS,
    REVIEW_TRANSITIONS,
    can_move,
    move,
)

from .helpers import reviewing, staff_of
from .test_determinations import prepare
from .test_objections import determined
from .test_requests import open_request
from .test_reviews import assigned, submitted

pytestmark = pytest.mark.django_db

A, D, W = AssignmentStatus.ASSIGNED, AssignmentStatus.DONE, AssignmentStatus.WITHDRAWN


def pairs(table) -> set[tuple[str, str]]:
    return {(current, new) for current, targets in table.items() for new in targets}


def assert_exactly(table, statuses, allowed) -> None:
    assert set(table) == set(statuses)
    assert pairs(table) == allowed
    for current in statuses:
        for new in statuses:
            assert can_move(table, current, new) == ((current, new) in allowed), (current, new)


def status_of(obj) -> str:
    return type(obj).objects.values_list("status", flat=True).get(pk=obj.pk)


def steps(*histories) -> set[tuple[str, str]]:
    """The moves seen: each consecutive pair of statuses a row went through."""
    return {pair for history in histories for pair in zip(history, history[1:], strict=False)}


class Trail:
    """The statuses each tracked row went through, read back from the database after every step."""

    def __init__(self):
        self.rows, self.history = [], {}

    def track(self, obj):
        self.history[(type(obj), obj.pk)] = []
        self.rows.append(obj)
        self.step()
        return obj

    def step(self) -> None:
        for obj in self.rows:
            seen, status = self.history[(type(obj), obj.pk)], status_of(obj)
            if not seen or seen[-1] != status:
                seen.append(status)

    def of(self, obj) -> list[str]:
        return self.history[(type(obj), obj.pk)]


def refuses_every_move_outside_the_table(obj, table) -> None:
    """From the row's status now, each move its table does not allow is refused, and nothing changes."""
    before = status_of(obj)
    refused = [new for new in type(obj)._meta.get_field("status").choices if not can_move(table, before, new[0])]
    assert refused
    for new, _label in refused:
        with pytest.raises(ValidationError, match="cannot go from") as caught:
            move(obj, new, table)
        assert caught.value.code == "transition"
        assert obj.status == before
    obj.save()  # even saved after the refusals, the row holds what it held
    assert status_of(obj) == before


@pytest.fixture
def reviewer(agency):
    return Reviewer.objects.create(agency=agency, name="Wang Wu", certificate_number="CCV-001")


@pytest.fixture
def other_agency(alice):
    return reviewing(AgencyFactory(name_zh="乙审核机构"), alice)


@pytest.fixture
def frank(other_agency):
    """Staff of the agency that re-examines."""
    return staff_of(other_agency)


@pytest.fixture
def other_reviewer(other_agency):
    return Reviewer.objects.create(agency=other_agency, name="Li Si", certificate_number="CCV-002")


def whole_cycle(trail, *, alice, bob, carol, dave, frank, assignment, reviewer, other_agency, other_reviewer):
    """Every step once: the review returned and resubmitted; the determination returned, then approved;
    the unit objects; another agency re-examines (its review returned once); the re-examination's
    determination, approved, supersedes the first and decides the objection."""
    trail.track(assignment)
    first_review = trail.track(review_start(actor=dave, assignment=assignment))
    submitted(dave, first_review, reviewer)
    trail.step()
    review_return(actor=alice, review=first_review, reason="Recheck the meter.")
    trail.step()
    review = trail.track(review_revise(actor=dave, assignment=assignment))
    submitted(dave, review, reviewer)
    trail.step()

    first = trail.track(prepare(alice, review))
    determination_services.determination_submit(actor=alice, determination=first)
    trail.step()
    determination_services.determination_return(actor=bob, determination=first, reason="Check line 1.")
    trail.step()
    determination_services.determination_submit(actor=alice, determination=first)
    trail.step()
    determination_services.determination_approve(actor=bob, determination=first)
    trail.step()

    objection = trail.track(objection_file(actor=carol, determination=first, reasons="The meter was miscalibrated."))
    reexam = trail.track(objection_accept(actor=alice, objection=objection, reason="Check the meter."))
    trail.step()
    again = trail.track(reexamination_assign(actor=alice, reexamination=reexam, agency=other_agency))
    first_reexam_review = trail.track(review_start(actor=frank, assignment=again))
    submitted(frank, first_reexam_review, other_reviewer)
    trail.step()
    review_return(actor=alice, review=first_reexam_review, reason="Attach the calibration record.")
    trail.step()
    reexam_review = trail.track(review_revise(actor=frank, assignment=again))
    submitted(frank, reexam_review, other_reviewer)
    trail.step()

    final = trail.track(
        determination_services.determination_prepare(
            actor=alice,
            organisation=first.organisation,
            year=YEAR,
            emissions_tco2e=Decimal("4100.000"),
            reasoning="On the re-examination's review.",
            basis=DeterminationBasis.REEXAMINATION,
            reexamination=reexam,
        )
    )
    determination_services.determination_submit(actor=alice, determination=final)
    trail.step()
    determination_services.determination_approve(actor=bob, determination=final)
    trail.step()
    return SimpleNamespace(**{name: value for name, value in locals().items() if name != "trail"})


@pytest.fixture
def cycle(alice, bob, carol, dave, frank, assignment, reviewer, other_agency, other_reviewer):
    trail = Trail()
    done = whole_cycle(
        trail,
        alice=alice,
        bob=bob,
        carol=carol,
        dave=dave,
        frank=frank,
        assignment=assignment,
        reviewer=reviewer,
        other_agency=other_agency,
        other_reviewer=other_reviewer,
    )
    done.trail = trail
    return done


# Review assignments


def test_the_assignment_table_allows_exactly_its_moves():
    assert_exactly(ASSIGNMENT_TRANSITIONS, AssignmentStatus.values, {(A, D), (A, W), (D, A)})


def test_the_assignment_workflow_walks_its_table(alice, dave, assignment, reviewer, other_agency):
    """Submitted (done), returned (assigned again), then reassigned (withdrawn)."""
    trail = Trail()
    trail.track(assignment)
    review = submitted(dave, review_start(actor=dave, assignment=assignment), reviewer)
    trail.step()
    review_return(actor=alice, review=review, reason="Recheck the meter.")
    trail.step()
    new = assignment_reassign(actor=alice, assignment=assignment, agency=other_agency, reason="Workload")
    trail.step()
    assert trail.of(assignment) == [A, D, A, W]
    assert status_of(new) == A
    assert steps(trail.of(assignment)) == pairs(ASSIGNMENT_TRANSITIONS)


def test_cancelling_a_reexamination_withdraws_its_assignment_through_the_table(alice, bob, unit, report, other_agency):
    reexam = reexamination_open(
        actor=alice, determination=determined(unit, alice, bob, report=report), trigger=ReexamTrigger.OTHER, reason="x"
    )
    given = reexamination_assign(actor=alice, reexamination=reexam, agency=other_agency)
    reexamination_cancel(actor=alice, reexamination=reexam, reason="Doubt cleared.")
    given.refresh_from_db()
    assert (given.status, given.withdrawal_reason) == (W, "Re-examination cancelled: Doubt cleared.")


def test_an_assignment_move_outside_the_table_is_refused_and_changes_nothing(dave, assignment, reviewer):
    submitted(dave, review_start(actor=dave, assignment=assignment), reviewer)
    assignment.refresh_from_db()
    assert assignment.status == D
    refuses_every_move_outside_the_table(assignment, ASSIGNMENT_TRANSITIONS)  # done never goes to withdrawn


# Technical review reports


def test_the_review_table_allows_exactly_its_moves():
    assert_exactly(
        REVIEW_TRANSITIONS,
        ReviewStatus.values,
        {(ReviewStatus.DRAFT, ReviewStatus.SUBMITTED), (ReviewStatus.SUBMITTED, ReviewStatus.RETURNED)},
    )


def test_the_review_workflow_walks_its_table(alice, dave, assignment, reviewer):
    """A version is drafted, submitted and returned; the correction is the next version."""
    trail = Trail()
    first = trail.track(review_start(actor=dave, assignment=assignment))
    submitted(dave, first, reviewer)
    trail.step()
    review_return(actor=alice, review=first, reason="Recheck the meter.")
    trail.step()
    second = trail.track(review_revise(actor=dave, assignment=assignment))
    submitted(dave, second, reviewer)
    trail.step()
    assert trail.of(first) == [ReviewStatus.DRAFT, ReviewStatus.SUBMITTED, ReviewStatus.RETURNED]
    assert trail.of(second) == [ReviewStatus.DRAFT, ReviewStatus.SUBMITTED]
    assert steps(trail.of(first), trail.of(second)) == pairs(REVIEW_TRANSITIONS)


def test_a_review_move_outside_the_table_is_refused_and_changes_nothing(dave, assignment, reviewer):
    review = submitted(dave, review_start(actor=dave, assignment=assignment), reviewer)
    refuses_every_move_outside_the_table(review, REVIEW_TRANSITIONS)


# Requests for information


@pytest.fixture
def open_assignment(assignment):
    """The review, due well after today so reply dates have room."""
    assignment.due_date = timezone.localdate() + timedelta(days=60)
    assignment.save(update_fields=["due_date"])
    return assignment


def test_the_request_table_allows_exactly_its_moves():
    o, a, c = RequestStatus.OPEN, RequestStatus.ANSWERED, RequestStatus.CLOSED
    assert_exactly(REQUEST_TRANSITIONS, RequestStatus.values, {(o, o), (o, a), (o, c), (a, o), (a, a), (a, c)})


def test_the_request_workflow_walks_its_table(carol, dave, open_assignment):
    """The unit answers (twice), the agency writes again (twice) and closes; a second thread is
    closed once answered."""
    o, a, c = RequestStatus.OPEN, RequestStatus.ANSWERED, RequestStatus.CLOSED
    thread = open_request(dave, open_assignment)
    seen = [status_of(thread)]
    for act in (
        lambda: request_answer(actor=carol, info_request=thread, body="Attached."),
        lambda: request_answer(actor=carol, info_request=thread, body="And December."),
        lambda: request_follow_up(actor=dave, info_request=thread, body="November is missing."),
        lambda: request_follow_up(actor=dave, info_request=thread, body="Also October."),
        lambda: request_close(actor=dave, info_request=thread),
    ):
        act()
        seen.append(status_of(thread))
    other = open_request(dave, open_assignment, subject="Meter calibration")
    other_seen = [status_of(other)]
    request_answer(actor=carol, info_request=other, body="Calibrated in March.")
    other_seen.append(status_of(other))
    request_close(actor=dave, info_request=other)
    other_seen.append(status_of(other))
    assert seen == [o, a, a, o, o, c]
    assert other_seen == [o, a, c]
    assert steps(seen, other_seen) == pairs(REQUEST_TRANSITIONS)


def test_a_request_move_outside_the_table_is_refused_and_changes_nothing(dave, open_assignment):
    thread = request_close(actor=dave, info_request=open_request(dave, open_assignment))
    refuses_every_move_outside_the_table(thread, REQUEST_TRANSITIONS)


# Determinations


def test_the_determination_table_allows_exactly_its_moves():
    assert_exactly(
        DETERMINATION_TRANSITIONS,
        DeterminationStatus.values,
        {
            (DeterminationStatus.DRAFT, DeterminationStatus.PENDING),
            (DeterminationStatus.PENDING, DeterminationStatus.DRAFT),
            (DeterminationStatus.PENDING, DeterminationStatus.APPROVED),
            (DeterminationStatus.APPROVED, DeterminationStatus.SUPERSEDED),
        },
    )
    assert determination_services.TRANSITIONS is DETERMINATION_TRANSITIONS


def test_the_determination_workflow_walks_its_table(cycle):
    d, p, a, s = (
        DeterminationStatus.DRAFT,
        DeterminationStatus.PENDING,
        DeterminationStatus.APPROVED,
        DeterminationStatus.SUPERSEDED,
    )
    assert cycle.trail.of(cycle.first) == [d, p, d, p, a, s]
    assert cycle.trail.of(cycle.final) == [d, p, a]
    assert steps(cycle.trail.of(cycle.first), cycle.trail.of(cycle.final)) == pairs(DETERMINATION_TRANSITIONS)


def test_a_determination_move_outside_the_table_is_refused_and_changes_nothing(alice, dave, assignment, reviewer):
    review = submitted(dave, review_start(actor=dave, assignment=assignment), reviewer)
    pending = determination_services.determination_submit(actor=alice, determination=prepare(alice, review))
    before = status_of(pending)
    with pytest.raises(ValidationError, match="A determination cannot go from Awaiting approval to Superseded"):
        determination_services._move(pending, DeterminationStatus.SUPERSEDED)  # the services' own wording
    refuses_every_move_outside_the_table(pending, DETERMINATION_TRANSITIONS)
    assert status_of(pending) == before == DeterminationStatus.PENDING


# Objections


def test_the_objection_table_allows_exactly_its_moves():
    f, rj, rx, dc = (
        ObjectionStatus.FILED,
        ObjectionStatus.REJECTED,
        ObjectionStatus.REEXAMINING,
        ObjectionStatus.DECIDED,
    )
    assert_exactly(OBJECTION_TRANSITIONS, ObjectionStatus.values, {(f, rj), (f, rx), (f, dc), (rx, dc)})


def waiting_objection_answered(alice, bob, agency, other_agency, frank, other_reviewer):
    """An objection filed while an own-motion re-examination is under way, then its result approved."""
    reexam, again = reviewed_reexamination(alice, bob, agency, other_agency, frank, other_reviewer)
    unit_staff = staff_of(reexam.determination.organisation, Role.UNIT_STAFF)
    objection = objection_file(actor=unit_staff, determination=reexam.determination, reasons="Too high.")
    seen = [status_of(objection)]
    review = again.reviews.get(status=ReviewStatus.SUBMITTED)
    final = determination_services.determination_prepare(
        actor=alice,
        organisation=reexam.determination.organisation,
        year=YEAR,
        emissions_tco2e=review.reviewed_total_tco2e,
        reasoning="On the re-examination's review.",
        basis=DeterminationBasis.REEXAMINATION,
        reexamination=reexam,
    )
    determination_services.determination_submit(actor=alice, determination=final)
    determination_services.determination_approve(actor=bob, determination=final)
    seen.append(status_of(objection))
    objection.refresh_from_db()
    return objection, seen


def test_an_objection_waiting_when_the_reexamination_result_replaces_its_determination_is_decided(
    alice, bob, agency, other_agency, frank, other_reviewer
):
    objection, seen = waiting_objection_answered(alice, bob, agency, other_agency, frank, other_reviewer)
    assert seen == [ObjectionStatus.FILED, ObjectionStatus.DECIDED]
    assert "Re-examined" in objection.decision_text


def test_the_objection_workflow_walks_its_table(
    cycle, alice, bob, erin, other_unit, agency, other_agency, frank, other_reviewer
):
    """Accepted and decided by the re-examination's determination; another unit's is rejected."""
    f, rj, rx, dc = (
        ObjectionStatus.FILED,
        ObjectionStatus.REJECTED,
        ObjectionStatus.REEXAMINING,
        ObjectionStatus.DECIDED,
    )
    rejected = objection_file(actor=erin, determination=determined(other_unit, alice, bob), reasons="Too high.")
    rejected_seen = [status_of(rejected)]
    objection_reject(actor=alice, objection=rejected, decision_text="The meter was calibrated in March.")
    rejected_seen.append(status_of(rejected))
    assert cycle.trail.of(cycle.objection) == [f, rx, dc]
    assert rejected_seen == [f, rj]
    _answered, waiting_seen = waiting_objection_answered(alice, bob, agency, other_agency, frank, other_reviewer)
    assert steps(cycle.trail.of(cycle.objection), rejected_seen, waiting_seen) == pairs(OBJECTION_TRANSITIONS)


def test_the_review_of_a_cancelled_reexamination_cannot_be_returned(
    alice, bob, agency, other_agency, frank, other_reviewer
):
    reexam, again = reviewed_reexamination(alice, bob, agency, other_agency, frank, other_reviewer)
    reexamination_cancel(actor=alice, reexamination=reexam, reason="Doubt cleared.")
    review = again.reviews.get(status=ReviewStatus.SUBMITTED)
    with pytest.raises(ValidationError, match="re-examination this review was made for is closed"):
        review_return(actor=alice, review=review, reason="Recheck.")
    assert status_of(review) == ReviewStatus.SUBMITTED


def test_cancelling_a_reexamination_decides_its_objection_through_the_table(alice, bob, carol, unit, report):
    objection = objection_file(
        actor=carol, determination=determined(unit, alice, bob, report=report), reasons="The meter was wrong."
    )
    reexam = objection_accept(actor=alice, objection=objection, reason="Check the meter.")
    assert status_of(objection) == ObjectionStatus.REEXAMINING
    reexamination_cancel(actor=alice, reexamination=reexam, reason="The unit withdrew its objection.")
    assert status_of(objection) == ObjectionStatus.DECIDED


def test_an_objection_move_outside_the_table_is_refused_and_changes_nothing(alice, bob, carol, unit, report):
    objection = objection_file(
        actor=carol, determination=determined(unit, alice, bob, report=report), reasons="The meter was wrong."
    )
    refuses_every_move_outside_the_table(objection, OBJECTION_TRANSITIONS)  # filed never goes straight to decided


# Re-examinations


def test_the_reexamination_table_allows_exactly_its_moves():
    o, r, d, c = ReexamStatus.OPEN, ReexamStatus.REVIEWED, ReexamStatus.DECIDED, ReexamStatus.CANCELLED
    assert_exactly(REEXAM_TRANSITIONS, ReexamStatus.values, {(o, r), (o, c), (r, o), (r, d), (r, c)})


def reviewed_reexamination(alice, bob, agency, other_agency, frank, other_reviewer):
    """Another unit's year, determined, re-examined of the bureau's own motion; the review is in."""
    given = assigned(alice, agency)
    determination = determined(given.organisation, alice, bob, report=given.report)
    reexam = reexamination_open(actor=alice, determination=determination, trigger=ReexamTrigger.OTHER, reason="x")
    again = reexamination_assign(actor=alice, reexamination=reexam, agency=other_agency)
    submitted(frank, review_start(actor=frank, assignment=again), other_reviewer)
    return reexam, again


def test_the_reexamination_workflow_walks_its_table(
    cycle, alice, bob, agency, other_agency, frank, other_reviewer, other_unit
):
    """Reviewed, returned, reviewed again and decided; one cancelled while open, one once reviewed."""
    o, r, d, c = ReexamStatus.OPEN, ReexamStatus.REVIEWED, ReexamStatus.DECIDED, ReexamStatus.CANCELLED
    open_one = reexamination_open(
        actor=alice, determination=determined(other_unit, alice, bob), trigger=ReexamTrigger.OTHER, reason="x"
    )
    open_seen = [status_of(open_one)]
    reexamination_cancel(actor=alice, reexamination=open_one, reason="Doubt cleared.")
    open_seen.append(status_of(open_one))
    reviewed, _given = reviewed_reexamination(alice, bob, agency, other_agency, frank, other_reviewer)
    reviewed_seen = [status_of(reviewed)]
    reexamination_cancel(actor=alice, reexamination=reviewed, reason="Doubt cleared.")
    reviewed_seen.append(status_of(reviewed))
    assert cycle.trail.of(cycle.reexam) == [o, r, o, r, d]
    assert open_seen == [o, c]
    assert reviewed_seen == [r, c]
    assert steps(cycle.trail.of(cycle.reexam), open_seen, reviewed_seen) == pairs(REEXAM_TRANSITIONS)


def test_the_whole_cycle_moves_the_reexamination_assignment_and_reviews_through_their_tables(cycle):
    trail = cycle.trail
    assert trail.of(cycle.assignment) == [A, D, A, D]
    assert trail.of(cycle.again) == [A, D, A, D]
    for returned in (cycle.first_review, cycle.first_reexam_review):
        assert trail.of(returned) == [ReviewStatus.DRAFT, ReviewStatus.SUBMITTED, ReviewStatus.RETURNED]
    for kept in (cycle.review, cycle.reexam_review):
        assert trail.of(kept) == [ReviewStatus.DRAFT, ReviewStatus.SUBMITTED]


def test_a_reexamination_move_outside_the_table_is_refused_and_changes_nothing(alice, bob, unit, report):
    reexam = reexamination_open(
        actor=alice, determination=determined(unit, alice, bob, report=report), trigger=ReexamTrigger.OTHER, reason="x"
    )
    refuses_every_move_outside_the_table(reexam, REEXAM_TRANSITIONS)  # open is never decided without a review


def test_a_refused_move_names_the_row_and_both_statuses(dave, open_assignment):
    thread = request_close(actor=dave, info_request=open_request(dave, open_assignment))
    with pytest.raises(ValidationError) as caught:
        move(thread, RequestStatus.OPEN, REQUEST_TRANSITIONS)
    assert caught.value.messages == ["This request for information cannot go from Closed to Awaiting the unit's reply."]


def test_a_submitted_review_is_returned_not_reassigned(alice, dave, assignment):
    assignment.status = AssignmentStatus.DONE
    assignment.save(update_fields=["status"])
    with pytest.raises(ValidationError, match="return the review"):
        assignment_reassign(actor=alice, assignment=assignment, agency=reviewing(AgencyFactory(), alice), reason="x")
