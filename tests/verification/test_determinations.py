"""The bureau determines a unit's emissions (Art. 18-20): on the report and its technical review,
by a documented conservative estimate when no report was filed, or on a re-examination; a second
bureau user approves (four eyes); approval records the emissions, sends the notice and starts the
objection window, counted in Chinese working days."""

from datetime import date, datetime
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carbon_portal import documents, private_files
from carbon_portal.models import GeneratedDocument, Notification
from carbon_portal.roles import Role
from registry.models import EmissionRecord
from tests.carbon_portal.pdftools import pdf_text, require_poppler
from tests.factories import AgencyFactory, EmissionRecordFactory, MembershipFactory, OrganisationFactory, UserFactory
from tests.reporting.helpers import YEAR, listed
from verification import documents as notices
from verification.choices import (
    AssignmentKind,
    AssignmentStatus,
    DeterminationBasis,
    DeterminationStatus,
    ObjectionStatus,
    ReexamStatus,
    ReexamTrigger,
    ReviewConclusion,
    ReviewStatus,
)
from verification.models import (
    Determination,
    Objection,
    ReExamination,
    ReviewAssignment,
    ReviewedLine,
    Reviewer,
    ReviewReport,
)
from verification.selectors import determinations as selectors
from verification.services import determinations as services
from verification.services.objections import objection_file

from .helpers import reviewing

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


# Builders


def submitted_review(assignment, total, actor) -> ReviewReport:
    """The agency's submitted review, every line reviewed at `total` (the report has one line)."""
    reviewer = Reviewer.objects.create(agency=assignment.agency, name="Wang Wu")
    review = ReviewReport.objects.create(
        assignment=assignment,
        report=assignment.report,
        status=ReviewStatus.SUBMITTED,
        reviewer=reviewer,
        conclusion=ReviewConclusion.CORRECTED,
        reviewed_total_tco2e=D(total),
        document_name="review.pdf",
        document_sha256="a" * 64,
        created_by=actor,
        submitted_by=actor,
        submitted_at=timezone.now(),
    )
    for line in assignment.report.lines.all():
        ReviewedLine.objects.create(
            review=review, report_line=line, activity_amount=line.activity_amount, emissions_tco2e=D(total)
        )
    ReviewAssignment.objects.filter(pk=assignment.pk).update(status=AssignmentStatus.DONE)
    return review


@pytest.fixture
def review(assignment, dave):
    """dave's agency reviewed the unit's 4,200 t report at 4,300 t."""
    return submitted_review(assignment, "4300.000", dave)


def prepare(actor, review, tco2e="4300.000", **kwargs):
    fields = {"basis": DeterminationBasis.REVIEW, "reasoning": "As reviewed.", "review": review} | kwargs
    return services.determination_prepare(
        actor=actor,
        organisation=review.report.organisation,
        year=review.report.year,
        emissions_tco2e=D(tco2e),
        **fields,
    )


def pending(actor, review, **kwargs):
    return services.determination_submit(actor=actor, determination=prepare(actor, review, **kwargs))


def approved(alice, bob, review, **kwargs):
    return services.determination_approve(actor=bob, determination=pending(alice, review, **kwargs))


def estimate(actor, org, tco2e="5000.000", method="Highest of 2023-2025 plus 10%.", **kwargs):
    return services.determination_prepare(
        actor=actor,
        organisation=org,
        year=YEAR,
        emissions_tco2e=D(tco2e),
        reasoning="No report was filed.",
        basis=DeterminationBasis.ESTIMATE,
        estimate_method=method,
        **kwargs,
    )


def in_force_estimate(org, alice, bob, year=YEAR, tco2e="1000.000") -> Determination:
    """A determination in force, written directly (for list pages and history)."""
    return Determination.objects.create(
        organisation=org,
        year=year,
        basis=DeterminationBasis.ESTIMATE,
        status=DeterminationStatus.APPROVED,
        emissions_tco2e=D(tco2e),
        reasoning="Estimated.",
        estimate_method="Highest recent figure plus 10%.",
        prepared_by=alice,
        approved_by=bob,
        approved_at=timezone.now(),
        objection_deadline=date(2099, 1, 1),
    )


def reexamine(alice, carol, determination, total) -> ReExamination:
    """On the unit's objection, another agency re-examined the year; its review is in."""
    objection = Objection.objects.create(
        determination=determination,
        status=ObjectionStatus.REEXAMINING,
        reasons="The review counted a meter twice.",
        filed_by=carol,
        decision_due_date=date(2099, 1, 1),
    )
    reexam = ReExamination.objects.create(
        determination=determination,
        objection=objection,
        trigger=ReexamTrigger.OBJECTION,
        reason="On the unit's objection.",
        status=ReexamStatus.REVIEWED,
        opened_by=alice,
    )
    second = reviewing(AgencyFactory(), alice)
    assignment = ReviewAssignment.objects.create(
        organisation=determination.organisation,
        year=determination.year,
        kind=AssignmentKind.REEXAMINATION,
        reexamination=reexam,
        report=determination.report,
        agency=second,
        due_date=date(2099, 1, 1),
        assigned_by=alice,
    )
    submitted_review(assignment, total, alice)
    return reexam


def reexamined_in_force(alice, bob, first, reexam, total="4250.000") -> Determination:
    """alice prepares the determination on the re-examination's results and bob approves it."""
    second = services.determination_prepare(
        actor=alice,
        organisation=first.organisation,
        year=YEAR,
        emissions_tco2e=D(total),
        reasoning="As re-examined.",
        basis=DeterminationBasis.REEXAMINATION,
        reexamination=reexam,
    )
    return services.determination_approve(
        actor=bob, determination=services.determination_submit(actor=alice, determination=second)
    )


# Four eyes


def test_a_second_bureau_user_must_approve(alice, bob, review):
    determination = pending(alice, review)
    with pytest.raises(ValidationError, match="A second bureau user must approve"):
        services.determination_approve(actor=alice, determination=determination)
    determination = services.determination_approve(actor=bob, determination=determination)
    assert determination.status == DeterminationStatus.APPROVED
    assert determination.approved_by == bob


def test_approving_a_draft_is_refused(alice, bob, review):
    draft = prepare(alice, review)
    with pytest.raises(ValidationError, match="awaiting approval"):
        services.determination_approve(actor=bob, determination=draft)
    draft.refresh_from_db()
    assert draft.status == DeterminationStatus.DRAFT


def test_the_database_refuses_a_determination_in_force_without_approval(alice, bob, review):
    draft = prepare(alice, review)
    with pytest.raises(IntegrityError), transaction.atomic():
        Determination.objects.filter(pk=draft.pk).update(status=DeterminationStatus.APPROVED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Determination.objects.filter(pk=draft.pk).update(
            status=DeterminationStatus.APPROVED, approved_by=alice, approved_at=timezone.now()
        )


def test_whoever_changes_the_draft_becomes_its_preparer(alice, bob, review):
    draft = prepare(alice, review)
    services.determination_update(actor=bob, determination=draft, emissions_tco2e=D("4310"), reasoning="Rounded up.")
    determination = services.determination_submit(actor=bob, determination=draft)
    with pytest.raises(ValidationError, match="A second bureau user"):
        services.determination_approve(actor=bob, determination=determination)
    approver = UserFactory()
    MembershipFactory(user=approver, organisation=alice.memberships.first().organisation, role=Role.BUREAU_APPROVER)
    assert services.determination_approve(actor=approver, determination=determination).status == "approved"


def test_bureau_staff_without_the_approver_role_may_not_approve(alice, bob, review):
    determination = services.determination_submit(actor=bob, determination=prepare(bob, review))
    with pytest.raises(ValidationError, match="Only a bureau approver"):
        services.determination_approve(actor=alice, determination=determination)
    assert Determination.objects.get(pk=determination.pk).status == DeterminationStatus.PENDING


def test_the_approver_may_return_it_with_a_reason_and_the_preparer_may_not(alice, bob, review):
    determination = pending(alice, review)
    with pytest.raises(ValidationError, match="A second bureau user"):
        services.determination_return(actor=alice, determination=determination, reason="Mine")
    with pytest.raises(ValidationError):
        services.determination_return(actor=bob, determination=determination, reason="  ")
    returned = services.determination_return(actor=bob, determination=determination, reason="Check line 1.")
    assert returned.status == DeterminationStatus.DRAFT
    assert returned.returned_reason == "Check line 1."
    again = services.determination_submit(actor=alice, determination=returned)
    assert again.returned_reason == ""


@pytest.mark.parametrize("start", DeterminationStatus.values)
def test_status_changes_follow_the_table(start):
    """Nothing reaches APPROVED but from PENDING; SUPERSEDED is final."""
    for target in DeterminationStatus.values:
        determination = Determination(status=start)
        if target in services.TRANSITIONS[start]:
            services._move(determination, target)
            assert determination.status == target
        else:
            with pytest.raises(ValidationError):
                services._move(determination, target)
    assert services.TRANSITIONS[DeterminationStatus.DRAFT] == {DeterminationStatus.PENDING}


def test_only_the_bureau_determines(carol, dave, review):
    for outsider in (carol, dave):
        with pytest.raises(PermissionDenied):
            prepare(outsider, review)


# Bases


def test_the_review_basis_needs_a_submitted_review(alice, report, assignment):
    with pytest.raises(ValidationError, match="no submitted technical review"):
        services.determination_prepare(
            actor=alice,
            organisation=report.organisation,
            year=YEAR,
            emissions_tco2e=D("4200"),
            reasoning="As reported.",
            basis=DeterminationBasis.REVIEW,
        )


def test_a_review_returned_to_the_agency_is_no_basis(alice, review):
    ReviewReport.objects.filter(pk=review.pk).update(
        status=ReviewStatus.RETURNED, returned_at=timezone.now(), return_reason="Incomplete."
    )
    with pytest.raises(ValidationError, match="no submitted technical review"):
        prepare(alice, review)


def test_an_estimate_is_refused_when_a_report_was_submitted(alice, report):
    with pytest.raises(ValidationError, match="submitted its 2026 report"):
        estimate(alice, report.organisation)


def test_an_estimate_needs_its_method(alice, unit):
    listed(unit)
    with pytest.raises(ValidationError) as caught:
        estimate(alice, unit, method="  ")
    assert "estimate_method" in caught.value.error_dict


def test_a_determination_needs_its_reasoning(alice, review):
    with pytest.raises(ValidationError) as caught:
        prepare(alice, review, reasoning=" ")
    assert "reasoning" in caught.value.error_dict


def test_an_estimate_for_a_unit_without_a_report_is_approved_the_same_way(alice, bob, unit):
    listed(unit)
    determination = services.determination_submit(actor=alice, determination=estimate(alice, unit))
    with pytest.raises(ValidationError, match="A second bureau user"):
        services.determination_approve(actor=alice, determination=determination)
    determination = services.determination_approve(actor=bob, determination=determination)
    assert determination.status == DeterminationStatus.APPROVED
    assert determination.figures["reported_tco2e"] is None
    assert EmissionRecord.objects.get(organisation=unit, year=YEAR).emissions_tco2e == D("5000.000")


def test_the_conservative_estimate_is_the_highest_recent_figure_raised_by_ten_per_cent(alice, bob, unit):
    EmissionRecordFactory(organisation=unit, year=YEAR - 3, emissions_tco2e=D("1000"))
    EmissionRecordFactory(organisation=unit, year=YEAR - 2, emissions_tco2e=D("1500"), source="reported")
    EmissionRecordFactory(organisation=unit, year=YEAR - 1, emissions_tco2e=D("9999"))
    in_force_estimate(unit, alice, bob, year=YEAR - 1, tco2e="1200")  # the determination outranks the record
    EmissionRecordFactory(organisation=unit, year=YEAR - 4, emissions_tco2e=D("8000"))  # too old
    found = selectors.conservative_estimate(unit.pk, YEAR)
    assert found.suggested_tco2e == D("1650.000")
    assert [(f.year, f.tco2e) for f in found.figures] == [(2023, D("1000")), (2024, D("1500")), (2025, D("1200"))]
    assert "2024: 1,500.000 tCO2e" in found.method and "1,650.000" in found.method


def test_without_any_figure_there_is_no_suggested_estimate(unit):
    found = selectors.conservative_estimate(unit.pk, YEAR)
    assert found.suggested_tco2e is None and found.method == ""


def test_only_one_determination_is_prepared_at_a_time(alice, review):
    prepare(alice, review)
    with pytest.raises(ValidationError, match="already being prepared"):
        prepare(alice, review)


def test_a_year_in_force_is_replaced_only_by_re_examination(alice, bob, review):
    approved(alice, bob, review)
    with pytest.raises(ValidationError, match="only a re-examination"):
        prepare(alice, review)


# What is frozen and what approval does


def test_the_figures_are_frozen_with_the_difference_per_line(alice, review):
    figures = prepare(alice, review).figures
    assert figures["reported_tco2e"] == "4200.000"
    assert figures["reviewed_tco2e"] == "4300.000"
    [line] = figures["lines"]
    assert line["reported_tco2e"] == "4200.000"
    assert line["reviewed_tco2e"] == "4300.000"
    assert line["difference_tco2e"] == "100.000"
    assert line["category"] == "purchased_electricity"
    assert figures["flags"] == []  # 2.4% and 100 t: below the 2026 thresholds


def test_a_difference_beyond_the_threshold_is_flagged(alice, assignment, dave):
    review = submitted_review(assignment, "5000.000", dave)
    figures = prepare(alice, review, tco2e="5000.000").figures
    assert [flag["trigger"] for flag in figures["flags"]] == [ReexamTrigger.REPORT_VS_REVIEW]


def test_approval_records_the_emissions_as_determined(alice, bob, review):
    approved(alice, bob, review, tco2e="4312.500")
    record = EmissionRecord.objects.get(organisation=review.report.organisation, year=YEAR)
    assert record.emissions_tco2e == D("4312.500")
    assert record.source == "determined"


def test_the_objection_window_counts_chinese_working_days(alice, bob, review, monkeypatch):
    # 2026-10-01 to 10-07 is the National Day holiday; Saturday 10-10 is a make-up working day.
    determination = pending(alice, review)
    monkeypatch.setattr(services, "_now", lambda: datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI))
    determination = services.determination_approve(actor=bob, determination=determination)
    assert determination.objection_deadline == date(2026, 10, 15)


def test_approval_requests_the_notice_and_notifies_the_unit(alice, bob, carol, erin, review):
    determination = approved(alice, bob, review)
    assert GeneratedDocument.objects.filter(kind=notices.NOTICE_KIND, target_id=str(determination.pk)).exists()
    note = Notification.objects.get(recipient=carol, kind="determination.approved")
    assert "4,300.000" in note.body_en
    assert determination.objection_deadline.isoformat() in note.body_en
    assert not Notification.objects.filter(recipient=erin).exists()


def test_the_notice_prints_the_determination(alice, bob, review):
    determination = approved(alice, bob, review)
    html, content = notices.render_notice(determination)
    assert "碳排放量审定通知书" in html and "Notice of determined emissions" in html
    assert determination.organisation.uscc in html
    assert "4,300.000" in html and "+100.000" in html
    assert determination.objection_deadline.strftime("%Y-%m-%d") in html
    assert documents.content_hash(content) in html
    assert content["objection_window_working_days"] == 7


def test_a_re_examination_result_supersedes_the_determination_in_force(alice, bob, carol, review):
    first = approved(alice, bob, review)
    reexam = reexamine(alice, carol, first, "4250.000")
    second = services.determination_prepare(
        actor=alice,
        organisation=first.organisation,
        year=YEAR,
        emissions_tco2e=D("4250.000"),
        reasoning="As re-examined.",
        basis=DeterminationBasis.REEXAMINATION,
        reexamination=reexam,
    )
    assert second.replaces == first and second.review.assignment.kind == AssignmentKind.REEXAMINATION
    second = services.determination_approve(
        actor=bob, determination=services.determination_submit(actor=alice, determination=second)
    )
    first.refresh_from_db()
    reexam.refresh_from_db()
    assert first.status == DeterminationStatus.SUPERSEDED and first.superseded_at is not None
    assert second.status == DeterminationStatus.APPROVED
    assert reexam.status == ReexamStatus.DECIDED and reexam.closed_at is not None
    assert reexam.objection.status == ObjectionStatus.DECIDED
    assert "4,250.000" in reexam.objection.decision_text
    assert EmissionRecord.objects.get(organisation=first.organisation, year=YEAR).emissions_tco2e == D("4250.000")
    assert list(Determination.objects.filter(organisation=first.organisation, year=YEAR)) == [second, first]


def test_a_re_examination_not_yet_reviewed_cannot_be_determined(alice, bob, carol, review):
    first = approved(alice, bob, review)
    reexam = reexamine(alice, carol, first, "4250.000")
    ReExamination.objects.filter(pk=reexam.pk).update(status=ReexamStatus.OPEN)
    with pytest.raises(ValidationError, match="review report has been received"):
        services.determination_prepare(
            actor=alice,
            organisation=first.organisation,
            year=YEAR,
            emissions_tco2e=D("4250"),
            reasoning="x",
            basis=DeterminationBasis.REEXAMINATION,
            reexamination=reexam,
        )


def test_the_notice_renders_as_a_pdf_when_approved(alice, bob, review, django_capture_on_commit_callbacks):
    require_poppler()
    with django_capture_on_commit_callbacks(execute=True):
        determination = approved(alice, bob, review)
    document = GeneratedDocument.objects.get(kind=notices.NOTICE_KIND, target_id=str(determination.pk))
    assert document.status == GeneratedDocument.Status.READY, document.message
    text = pdf_text(private_files.read_bytes(document.stored_path))
    assert "碳排放量审定通知书" in text and determination.organisation.uscc in text
    assert "第 1 页" in text and document.content_sha256 in text.replace("\n", "")


# Pages


def list_url(year=YEAR):
    return reverse("verification:determination_list", args=[year])


def workspace_url(org, year=YEAR):
    return reverse("verification:determination_workspace", args=[year, org.pk])


def bureau_pages(determination):
    org = determination.organisation
    return [
        list_url(),
        workspace_url(org),
        reverse("verification:determination_history", args=[YEAR, org.pk]),
        reverse("verification:determination_approval", args=[determination.pk]),
    ]


def test_bureau_pages_are_the_bureau_s(client, client_for, alice, carol, dave, review):
    determination = prepare(alice, review)
    for url in bureau_pages(determination):
        assert client.get(url).status_code == 302  # to sign in
    for user in (carol, dave):
        c = client_for(user)
        for url in bureau_pages(determination):
            assert c.get(url).status_code == 403, url
    submit = reverse("verification:determination_submit", args=[determination.pk])
    assert client_for(carol).post(submit).status_code == 403
    c = client_for(alice)
    for url in bureau_pages(determination):
        assert c.get(url).status_code == 200, url


def ready_notice(determination, monkeypatch, capture):
    monkeypatch.setattr(documents, "html_to_pdf", lambda html, *, base_url=None: b"%PDF-test\n" + html.encode())
    with capture(execute=True):
        documents.document_request(
            kind=notices.NOTICE_KIND,
            target=determination,
            filename=notices.notice_filename(determination),
            actor=None,
        )


def test_the_notice_is_for_the_bureau_and_the_unit_only(
    client, client_for, alice, bob, carol, erin, dave, review, monkeypatch, django_capture_on_commit_callbacks
):
    determination = approved(alice, bob, review)
    ready_notice(determination, monkeypatch, django_capture_on_commit_callbacks)
    url = reverse("verification:determination_notice", args=[determination.pk])
    assert client.get(url).status_code == 302
    for outsider in (erin, dave):
        assert client_for(outsider).get(url).status_code == 404
    for insider in (carol, alice):
        response = client_for(insider).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_unit_does_not_see_a_determination_before_approval(client_for, alice, carol, review):
    determination = pending(alice, review)
    url = reverse("verification:determination_notice", args=[determination.pk])
    assert client_for(carol).get(url).status_code == 404
    page = client_for(carol).get(reverse("verification:determination_unit"))
    assert determination.reference not in page.content.decode()


def test_the_unit_page_lists_its_determinations_with_the_objection_link(client_for, alice, bob, carol, erin, review):
    determination = approved(alice, bob, review)
    page = client_for(carol).get(reverse("verification:determination_unit")).content.decode()
    assert determination.reference in page and "4,300.000" in page
    assert determination.objection_deadline.strftime("%Y-%m-%d") in page
    assert reverse("verification:objection_file", args=[determination.pk]) in page
    other = client_for(erin).get(reverse("verification:determination_unit")).content.decode()
    assert determination.reference not in other


def test_the_unit_page_is_for_units(client_for, alice, dave):
    for user in (alice, dave):
        assert client_for(user).get(reverse("verification:determination_unit")).status_code == 403


def test_the_workspace_shows_report_and_review_side_by_side(client_for, alice, review, assignment, dave):
    page = client_for(alice).get(workspace_url(review.report.organisation)).content.decode()
    assert "4,200.000" in page and "4,300.000" in page and "+100.000" in page
    assert 'value="4300.000"' in page  # the form starts from the reviewed figure


def test_the_workspace_shows_the_flags_with_their_message(client_for, alice, assignment, dave):
    submitted_review(assignment, "5000.000", dave)
    page = client_for(alice).get(workspace_url(assignment.organisation)).content.decode()
    assert "The review differs from the report by 800.000 tCO2e" in page


def test_preparing_and_sending_for_approval_through_the_pages(client_for, alice, bob, review):
    org = review.report.organisation
    c = client_for(alice)
    response = c.post(workspace_url(org), {"basis": "review", "emissions_tco2e": "4300", "reasoning": ""})
    assert response.status_code == 200 and "Say how the bureau arrived at this figure" in response.content.decode()
    data = {"basis": "review", "emissions_tco2e": "4300.000", "reasoning": "As reviewed."}
    assert c.post(workspace_url(org), data).status_code == 302
    determination = Determination.objects.get(organisation=org, year=YEAR)
    c.post(reverse("verification:determination_submit", args=[determination.pk]))
    assert "Awaiting another bureau user" in c.get(workspace_url(org)).content.decode()
    approval = reverse("verification:determination_approval", args=[determination.pk])
    page = c.get(approval).content.decode()
    assert "awaiting another bureau user" in page and 'value="approve"' not in page
    refused = c.post(approval, {"action": "approve"})
    assert "A second bureau user must approve" in refused.content.decode()
    c = client_for(bob)
    assert 'value="approve"' in c.get(approval).content.decode()
    assert c.post(approval, {"action": "approve"}).status_code == 302
    determination.refresh_from_db()
    assert determination.status == DeterminationStatus.APPROVED


def test_an_estimate_is_prefilled_with_the_suggestion(client_for, unit, alice):
    listed(unit)
    EmissionRecordFactory(organisation=unit, year=YEAR - 1, emissions_tco2e=D("2000"))
    page = client_for(alice).get(workspace_url(unit)).content.decode()
    assert 'value="2200.000"' in page and "No report was filed" in page


def test_the_history_keeps_superseded_determinations(client_for, alice, bob, carol, review):
    first = approved(alice, bob, review)
    reexam = reexamine(alice, carol, first, "4250.000")
    second = reexamined_in_force(alice, bob, first, reexam)
    page = client_for(alice).get(reverse("verification:determination_history", args=[YEAR, first.organisation_id]))
    text = page.content.decode()
    assert first.reference in text and second.reference in text and "Superseded by re-examination" in text


# The year's list


def test_the_list_shows_each_unit_s_state(alice, bob, review, unit, other_unit):
    listed(other_unit)  # no report: to be estimated
    found = selectors.year_determinations(YEAR)
    states = {row.organisation.pk: row.state for row in found.rows}
    assert states == {unit.pk: selectors.READY, other_unit.pk: selectors.ESTIMATE}
    pending(alice, review)
    assert selectors.year_determinations(YEAR, state=selectors.PENDING).rows[0].organisation == unit
    in_force_estimate(other_unit, alice, bob)
    assert selectors.year_determinations(YEAR).counts[selectors.IN_FORCE] == 1


def _listed_units(n, alice, bob):
    for i in range(n):
        org = OrganisationFactory()
        listed(org)
        EmissionRecordFactory(organisation=org, year=YEAR - 1, emissions_tco2e=D("500"))
        if i % 2:
            in_force_estimate(org, alice, bob)


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(list_url()).status_code == 200
    return len(queries)


def test_the_list_runs_the_same_queries_for_1_and_10_units(client_for, alice, bob, review):
    c = client_for(alice)
    _listed_units(1, alice, bob)
    one = _list_queries(c)
    _listed_units(9, alice, bob)
    assert _list_queries(c) == one


def test_a_re_examination_result_is_final_and_opens_no_objection_window(alice, bob, carol, review):
    first = approved(alice, bob, review)
    reexam = reexamine(alice, carol, first, "4250.000")
    second = reexamined_in_force(alice, bob, first, reexam)
    assert second.objection_deadline is None
    with pytest.raises(ValidationError, match="final"):
        objection_file(actor=carol, determination=second, reasons="Still too high.")


def test_the_unit_prepares_a_notice_that_was_never_rendered(
    client_for, alice, bob, carol, review, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(documents, "html_to_pdf", lambda html, *, base_url=None: b"%PDF-test\n" + html.encode())
    determination = approved(alice, bob, review)
    GeneratedDocument.objects.all().delete()  # as after the demo seed, which asks for no PDF
    page = client_for(carol).get(reverse("verification:determination_unit")).text
    assert reverse("verification:determination_notice_prepare", args=[determination.pk]) in page
    with django_capture_on_commit_callbacks(execute=True):
        client_for(carol).post(reverse("verification:determination_notice_prepare", args=[determination.pk]))
    assert selectors.ready_notices([determination.pk])
    assert (
        client_for(carol).get(reverse("verification:determination_notice", args=[determination.pk])).status_code == 200
    )


def test_another_unit_cannot_prepare_the_notice(client_for, alice, bob, erin, review):
    determination = approved(alice, bob, review)
    url = reverse("verification:determination_notice_prepare", args=[determination.pk])
    assert client_for(erin).post(url).status_code == 404


def test_a_draft_has_no_notice_to_prepare(alice, review):
    draft = prepare(alice, review)
    with pytest.raises(ValidationError, match="Only an approved determination"):
        services.determination_notice_request(actor=alice, determination=draft)
