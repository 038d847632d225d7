"""Art. 9 ¶3 and the four-eyes rule: a list is published only after a second bureau user approves."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from registry import services
from registry.choices import ListStatus
from registry.transitions import LIST_TRANSITIONS, can_move
from tests.registry.helpers import compile_list, emitter, entry_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(alice, django_capture_on_commit_callbacks):
    emitter(20000)
    return compile_list(alice, 2026, django_capture_on_commit_callbacks)


def test_transition_table_allows_exactly_the_documented_moves():
    allowed = {(a, b) for a, targets in LIST_TRANSITIONS.items() for b in targets}
    assert allowed == {
        (ListStatus.DRAFT, ListStatus.PENDING_APPROVAL),
        (ListStatus.PENDING_APPROVAL, ListStatus.PUBLISHED),
        (ListStatus.PENDING_APPROVAL, ListStatus.DRAFT),
    }
    for a in ListStatus.values:
        for b in ListStatus.values:
            assert can_move(a, b) == ((a, b) in allowed)


def test_approver_other_than_submitter_publishes_the_list(draft, alice, bob):
    services.regulated_list_submit(actor=alice, regulated_list=draft)
    services.regulated_list_approve(actor=bob, regulated_list=draft)
    draft.refresh_from_db()
    assert draft.status == ListStatus.PUBLISHED and draft.approved_by == bob and draft.published_at


def test_submitter_cannot_approve_their_own_list(draft, bob):
    services.regulated_list_submit(actor=bob, regulated_list=draft)
    with pytest.raises(PermissionDenied):
        services.regulated_list_approve(actor=bob, regulated_list=draft)
    draft.refresh_from_db()
    assert draft.status == ListStatus.PENDING_APPROVAL


def test_compiler_cannot_approve_a_list_someone_else_submitted(bob, alice, django_capture_on_commit_callbacks):
    emitter(20000)
    rl = compile_list(bob, 2026, django_capture_on_commit_callbacks)
    services.regulated_list_submit(actor=alice, regulated_list=rl)
    with pytest.raises(PermissionDenied):
        services.regulated_list_approve(actor=bob, regulated_list=rl)


def test_bureau_staff_without_approver_role_cannot_approve(draft, alice, bureau_org):
    from carbon_portal.roles import Role
    from tests.factories import MembershipFactory, UserFactory

    services.regulated_list_submit(actor=alice, regulated_list=draft)
    colleague = UserFactory()
    MembershipFactory(user=colleague, organisation=bureau_org, role=Role.BUREAU_STAFF)
    with pytest.raises(PermissionDenied):
        services.regulated_list_approve(actor=colleague, regulated_list=draft)


def test_draft_cannot_be_published_without_submission(draft, bob):
    with pytest.raises(ValidationError):
        services.regulated_list_approve(actor=bob, regulated_list=draft)


def test_returned_list_goes_back_to_draft_with_the_reason(draft, alice, bob):
    services.regulated_list_submit(actor=alice, regulated_list=draft)
    services.regulated_list_return(actor=bob, regulated_list=draft, reason="Check the port operators")
    draft.refresh_from_db()
    assert draft.status == ListStatus.DRAFT and draft.return_reason == "Check the port operators"


def test_return_needs_a_reason(draft, alice, bob):
    services.regulated_list_submit(actor=alice, regulated_list=draft)
    with pytest.raises(ValidationError):
        services.regulated_list_return(actor=bob, regulated_list=draft, reason="")


def test_submitted_list_cannot_be_changed(draft, alice, unit):
    services.regulated_list_submit(actor=alice, regulated_list=draft)
    with pytest.raises(ValidationError):
        services.regulated_list_add_entry(
            actor=alice, regulated_list=draft, organisation=unit, category="regulated", reason="late addition"
        )


def test_published_list_cannot_be_recompiled(draft, alice, bob, django_capture_on_commit_callbacks):
    services.regulated_list_submit(actor=alice, regulated_list=draft)
    services.regulated_list_approve(actor=bob, regulated_list=draft)
    with pytest.raises(ValidationError):
        compile_list(alice, 2026, django_capture_on_commit_callbacks)


def test_empty_list_cannot_be_submitted(alice, django_capture_on_commit_callbacks):
    rl = compile_list(alice, 2026, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        services.regulated_list_submit(actor=alice, regulated_list=rl)


def test_every_step_is_in_the_audit_trail(draft, alice, bob):
    from carbon_portal.audit import entries_for

    services.regulated_list_submit(actor=alice, regulated_list=draft)
    services.regulated_list_approve(actor=bob, regulated_list=draft)
    verbs = [e.verb for e in entries_for(draft)]
    assert verbs[:3] == ["list.approve_publish", "list.submit", "list.compile"]


def test_manual_addition_of_a_listed_unit_is_refused(draft, alice):
    org = draft.entries.first().organisation
    with pytest.raises(ValidationError):
        services.regulated_list_add_entry(
            actor=alice, regulated_list=draft, organisation=org, category="regulated", reason="twice"
        )
    assert entry_of(draft, org).origin == "criteria"


def test_list_whose_compilation_failed_cannot_be_submitted(draft, alice):
    from carbon_portal.models import BackgroundJob

    BackgroundJob.objects.filter(pk=draft.job_id).update(status=BackgroundJob.Status.FAILED)
    draft.refresh_from_db()
    with pytest.raises(ValidationError):
        services.regulated_list_submit(actor=alice, regulated_list=draft)


def test_list_being_compiled_cannot_be_changed(alice, unit, django_capture_on_commit_callbacks):
    emitter(20000)
    with django_capture_on_commit_callbacks(execute=False):
        rl = services.regulated_list_compile(actor=alice, year=2026)  # the job has not run yet
    with pytest.raises(ValidationError):
        services.regulated_list_add_entry(
            actor=alice, regulated_list=rl, organisation=unit, category="regulated", reason="while compiling"
        )
