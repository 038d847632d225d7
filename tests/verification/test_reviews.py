"""Technical review reports (Art. 18): the assigned agency reviews every source line (recalculated
with the line's frozen factor), records findings and a conclusion, attaches the signed PDF and
submits; the bureau may return it for correction and the agency's next version replaces it."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carbon_portal.models import AuditEntry, Notification
from carbon_portal.roles import Role
from reporting import services as report_services
from tests.carbon_portal.test_files import EXE
from tests.factories import AgencyFactory, OrganisationFactory
from tests.reporting.helpers import YEAR, add_electricity, draft, facility, revise_grid_factor, submit
from verification.choices import (
    AssignmentKind,
    AssignmentStatus,
    DeterminationBasis,
    DeterminationStatus,
    FindingKind,
    ReexamStatus,
    ReexamTrigger,
    ReviewConclusion,
    ReviewStatus,
)
from verification.models import Determination, ReExamination, ReviewAssignment, Reviewer
from verification.selectors.reviews import review_comparison
from verification.services import assignment_create, assignment_reassign
from verification.services.reviews import (
    finding_add,
    finding_remove,
    review_attach_document,
    review_return,
    review_save_lines,
    review_start,
    review_submit,
    review_update,
)

from .helpers import pdf_upload, reviewing, staff_of

pytestmark = pytest.mark.django_db

D = Decimal
CORRECTED, CONFIRMED = ReviewConclusion.CORRECTED, ReviewConclusion.CONFIRMED


@pytest.fixture
def frank(alice):
    """Staff of another reviewing agency."""
    return staff_of(reviewing(AgencyFactory(), alice))


@pytest.fixture
def reviewer(agency):
    return Reviewer.objects.create(agency=agency, name="Wang Wu", certificate_number="CCV-001")


@pytest.fixture
def review(dave, assignment):
    return review_start(actor=dave, assignment=assignment)


def line_of(assignment):
    return assignment.report.lines.get()


def complete(dave, review, reviewer, *, conclusion=CONFIRMED, unreported=None, note=""):
    review_update(
        actor=dave,
        review=review,
        reviewer=reviewer,
        conclusion=conclusion,
        conclusion_text="The report is fairly stated.",
        unreported_tco2e=unreported,
        unreported_note=note,
    )
    review_attach_document(actor=dave, review=review, uploaded_file=pdf_upload())
    return review


def submitted(dave, review, reviewer, **kwargs):
    return review_submit(actor=dave, review=complete(dave, review, reviewer, **kwargs))


def assigned(alice, agency, *, lines=1):
    """A new unit's submitted report with `lines` electricity sources, assigned to `agency`."""
    org = OrganisationFactory()
    staff = staff_of(org, Role.UNIT_STAFF)
    report = draft(staff, org)
    for i in range(lines):
        add_electricity(staff, report, facility(org, code=f"F{i}"), mwh=str(1000 + i))
    return assignment_create(actor=alice, report=submit(staff, report), agency=agency)


def errors_of(exc_info) -> str:
    return " ".join(exc_info.value.messages)


# Starting a review


def test_a_review_starts_as_a_draft_with_every_line_at_its_reported_figures(dave, assignment):
    review = review_start(actor=dave, assignment=assignment)
    line = line_of(assignment)
    reviewed = review.lines.get()
    assert (review.status, review.version, review.report_id) == (ReviewStatus.DRAFT, 1, assignment.report_id)
    assert (reviewed.report_line_id, reviewed.activity_amount, reviewed.emissions_tco2e) == (
        line.pk,
        line.activity_amount,
        line.emissions_tco2e,
    )


def test_starting_again_returns_the_open_draft(dave, assignment, review):
    assert review_start(actor=dave, assignment=assignment) == review
    assert assignment.reviews.count() == 1


def test_another_agency_may_not_write_the_review(frank, assignment):
    with pytest.raises(PermissionDenied):
        review_start(actor=frank, assignment=assignment)


def test_the_bureau_does_not_write_reviews(alice, assignment):
    with pytest.raises(PermissionDenied):
        review_start(actor=alice, assignment=assignment)


def test_a_withdrawn_assignment_can_no_longer_be_reviewed(alice, dave, assignment, review):
    assignment_reassign(actor=alice, assignment=assignment, agency=reviewing(AgencyFactory(), alice), reason="Workload")
    with pytest.raises(PermissionDenied):
        review_save_lines(actor=dave, review=review, figures={line_of(assignment).pk: ("1", "")})


def reexamination_of(alice, bob, assignment, report, agency) -> ReviewAssignment:
    determination = Determination.objects.create(
        organisation=report.organisation,
        year=YEAR,
        basis=DeterminationBasis.REVIEW,
        status=DeterminationStatus.APPROVED,
        report=report,
        emissions_tco2e=D("4200"),
        reasoning="As reviewed.",
        prepared_by=alice,
        approved_by=bob,
        approved_at=timezone.now(),
    )
    reexam = ReExamination.objects.create(
        determination=determination, trigger=ReexamTrigger.OTHER, reason="Doubt", opened_by=alice
    )
    return ReviewAssignment.objects.create(
        organisation=report.organisation,
        year=YEAR,
        kind=AssignmentKind.REEXAMINATION,
        reexamination=reexam,
        report=report,
        agency=agency,
        due_date=assignment.due_date,
        assigned_by=alice,
    )


def test_a_reexamination_is_reviewed_the_same_way_and_its_report_marked_received(
    alice, bob, dave, assignment, report, agency, reviewer
):
    reexam_assignment = reexamination_of(alice, bob, assignment, report, agency)
    review = review_start(actor=dave, assignment=reexam_assignment)
    assert review.lines.count() == 1
    submitted(dave, review, reviewer)
    assert ReExamination.objects.get().status == ReexamStatus.REVIEWED
    review_return(actor=alice, review=review, reason="Recheck the meter.")
    assert ReExamination.objects.get().status == ReexamStatus.OPEN


# Reviewed figures per line


def test_reviewed_activity_is_recalculated_with_the_factor_frozen_on_the_line(alice, dave, assignment, review):
    """The library's grid factor is revised to 0.5 after filing: the review still uses the frozen
    0.42 tCO2/MWh. 12,000 MWh x 0.42 = 5,040 tCO2."""
    revise_grid_factor(alice, "0.5")
    line = line_of(assignment)
    review_save_lines(actor=dave, review=review, figures={line.pk: ("12000", "Meter M-2 read on site")})
    reviewed = review.lines.get()
    assert reviewed.activity_amount == D("12000")
    assert reviewed.emissions_tco2e == D("5040")
    assert reviewed.note == "Meter M-2 read on site"


def test_a_figure_in_kwh_is_converted_like_the_report_line(carol, unit, alice, dave, agency):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit), mwh="5000000", activity_unit="kwh")
    assignment = assignment_create(actor=alice, report=submit(carol, report), agency=agency)
    review = review_start(actor=dave, assignment=assignment)
    review_save_lines(actor=dave, review=review, figures={line_of(assignment).pk: ("6000000", "")})
    assert review.lines.get().emissions_tco2e == D("2520")  # 6,000 MWh x 0.42


def test_a_process_line_is_recalculated_with_its_own_frozen_factor(carol, unit, alice, dave, agency):
    """Limestone at 0.44 tCO2/t, revised to 0.5 after filing: 1,200 t x 0.44 = 528 tCO2."""

    def limestone(value):
        report_services.emission_factor_revise(
            actor=alice,
            code="limestone_calcination",
            kind="process",
            name_zh="石灰石分解",
            activity_unit="t",
            source_zh="测试用排放因子",
            valid_from_year=2020,
            ef_tco2_per_t=D(value),
        )

    limestone("0.44")
    report = draft(carol, unit)
    report_services.report_line_add(
        actor=carol,
        report=report,
        facility=facility(unit),
        category="process",
        factor_code="limestone_calcination",
        activity_amount="1000",
        activity_unit="t",
        source_description="Kiln no. 1, limestone",
    )
    assignment = assignment_create(actor=alice, report=submit(carol, report), agency=agency)
    limestone("0.5")
    review = review_start(actor=dave, assignment=assignment)
    review_save_lines(actor=dave, review=review, figures={line_of(assignment).pk: ("1200", "")})
    assert review.lines.get().emissions_tco2e == D("528")


def test_a_frozen_factor_without_its_figures_is_refused_not_guessed(dave, assignment, review):
    line = line_of(assignment)
    line.factor_snapshot = line.factor_snapshot | {"ef_tco2_per_mwh": None}
    line.save(update_fields=["factor_snapshot"])
    with pytest.raises(ValidationError) as exc_info:
        review_save_lines(actor=dave, review=review, figures={line.pk: ("12000", "")})
    assert "lacks the figures" in errors_of(exc_info)


def test_line_ids_of_another_report_are_refused(alice, dave, agency, review):
    other = assigned(alice, agency)
    with pytest.raises(ValidationError) as exc_info:
        review_save_lines(actor=dave, review=review, figures={line_of(other).pk: ("1", "")})
    assert "lines that do not exist" in errors_of(exc_info)


@pytest.mark.parametrize(("typed", "message"), [("-5", "cannot be negative"), ("lots", "must be a number")])
def test_a_bad_figure_names_its_line_and_nothing_is_saved(alice, dave, agency, typed, message):
    assignment = assigned(alice, agency, lines=2)
    review = review_start(actor=dave, assignment=assignment)
    first, second = assignment.report.lines.order_by("facility__code")
    with pytest.raises(ValidationError) as exc_info:
        review_save_lines(actor=dave, review=review, figures={first.pk: ("900", ""), second.pk: (typed, "")})
    assert exc_info.value.message_dict[f"activity_{second.pk}"] == [
        f"F1 · Purchased electricity: Activity data {message}."
    ]
    assert review.lines.get(report_line=first).activity_amount == first.activity_amount


# The reviewer, the conclusion, unreported sources


def test_the_lead_reviewer_must_be_of_the_agency(dave, review):
    stranger = Reviewer.objects.create(agency=AgencyFactory(), name="Zhao Liu")
    with pytest.raises(ValidationError) as exc_info:
        review_update(
            actor=dave,
            review=review,
            reviewer=stranger,
            conclusion="",
            conclusion_text="",
            unreported_tco2e=None,
            unreported_note="",
        )
    assert "reviewer" in exc_info.value.message_dict


def test_an_inactive_reviewer_cannot_lead(dave, review, reviewer):
    reviewer.is_active = False
    reviewer.save()
    with pytest.raises(ValidationError) as exc_info:
        complete(dave, review, reviewer)
    assert "reviewer" in exc_info.value.message_dict


def test_unreported_emissions_need_a_description(dave, review, reviewer):
    with pytest.raises(ValidationError) as exc_info:
        complete(dave, review, reviewer, conclusion=CORRECTED, unreported="120")
    assert "unreported_note" in exc_info.value.message_dict


def test_unreported_emissions_cannot_be_negative(dave, review, reviewer):
    with pytest.raises(ValidationError) as exc_info:
        complete(dave, review, reviewer, conclusion=CORRECTED, unreported="-1", note="Boiler")
    assert "unreported_tco2e" in exc_info.value.message_dict


# Findings


def test_a_finding_is_added_to_a_line_and_removed(dave, assignment, review):
    finding = finding_add(
        actor=dave,
        review=review,
        kind=FindingKind.MISSTATEMENT,
        description="Invoices for December missing.",
        report_line=line_of(assignment),
        effect_tco2e="-42.5",
    )
    assert (finding.kind, finding.effect_tco2e) == (FindingKind.MISSTATEMENT, D("-42.5"))
    finding_remove(actor=dave, finding=finding)
    assert not review.findings.exists()


def test_a_finding_on_a_line_of_another_report_is_refused(alice, dave, agency, review):
    other = assigned(alice, agency)
    with pytest.raises(ValidationError) as exc_info:
        finding_add(
            actor=dave, review=review, kind=FindingKind.NON_CONFORMITY, description="X", report_line=line_of(other)
        )
    assert "report_line" in exc_info.value.message_dict


def test_a_finding_needs_a_kind_and_a_description(dave, review):
    with pytest.raises(ValidationError) as exc_info:
        finding_add(actor=dave, review=review, kind="", description=" ")
    assert set(exc_info.value.message_dict) == {"kind", "description"}


# The signed PDF


def test_a_renamed_executable_is_refused_as_the_review_report(dave, review):
    with pytest.raises(ValidationError) as exc_info:
        review_attach_document(actor=dave, review=review, uploaded_file=SimpleUploadedFile("review.pdf", EXE))
    assert "document" in exc_info.value.message_dict
    review.refresh_from_db()
    assert review.document_sha256 == ""


def test_a_new_document_replaces_the_previous_one(dave, review, private_root):
    review_attach_document(actor=dave, review=review, uploaded_file=pdf_upload("first.pdf"))
    review_attach_document(actor=dave, review=review, uploaded_file=pdf_upload("signed.pdf"))
    review.refresh_from_db()
    assert review.document_name == "signed.pdf"
    assert (private_root / review.document_path).is_file()


# Submission


@pytest.mark.parametrize("missing", ["document", "reviewer", "conclusion"])
def test_an_incomplete_review_cannot_be_submitted(dave, review, reviewer, missing):
    review_update(
        actor=dave,
        review=review,
        reviewer=None if missing == "reviewer" else reviewer,
        conclusion="" if missing == "conclusion" else CONFIRMED,
        conclusion_text="",
        unreported_tco2e=None,
        unreported_note="",
    )
    if missing != "document":
        review_attach_document(actor=dave, review=review, uploaded_file=pdf_upload())
    with pytest.raises(ValidationError) as exc_info:
        review_submit(actor=dave, review=review)
    assert set(exc_info.value.message_dict) == {missing}


def test_confirmed_is_refused_when_a_figure_differs(dave, assignment, review, reviewer):
    review_save_lines(actor=dave, review=review, figures={line_of(assignment).pk: ("10001", "")})
    with pytest.raises(ValidationError) as exc_info:
        submitted(dave, review, reviewer, conclusion=CONFIRMED)
    assert 'choose "Report confirmed with corrected figures"' in errors_of(exc_info)


def test_confirmed_is_refused_when_sources_were_left_out(dave, review, reviewer):
    with pytest.raises(ValidationError) as exc_info:
        submitted(dave, review, reviewer, conclusion=CONFIRMED, unreported="10", note="Diesel generator")
    assert "conclusion" in exc_info.value.message_dict


def test_submission_freezes_the_reviewed_total_and_marks_the_assignment_done(dave, assignment, review, reviewer):
    review_save_lines(actor=dave, review=review, figures={line_of(assignment).pk: ("12000", "")})
    review = submitted(dave, review, reviewer, conclusion=CORRECTED, unreported="100.5", note="Diesel generator")
    assert review.status == ReviewStatus.SUBMITTED
    assert review.reviewed_total_tco2e == D("5140.500")  # 12,000 x 0.42 + 100.5
    assert (review.submitted_by, review.submitted_at is not None) == (dave, True)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.DONE
    assert AuditEntry.objects.filter(verb="review.submit", target_id=str(review.pk)).exists()


def test_biomass_co2_is_left_out_of_the_reviewed_total(carol, unit, alice, dave, agency, reviewer):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    report_services.report_line_add(
        actor=carol,
        report=report,
        facility=facility(unit),
        category="fuel_combustion",
        factor_code="raw_coal",
        activity_amount="1000",
        activity_unit="t",
        source_description="Biomass co-firing",
        is_biomass=True,
    )
    assignment = assignment_create(actor=alice, report=submit(carol, report), agency=agency)
    review = submitted(dave, review_start(actor=dave, assignment=assignment), reviewer)
    assert review.reviewed_total_tco2e == D("4200.000")
    assert review_comparison(review).reviewed.biomass_tco2 == D("1900.299")


def test_the_bureau_user_who_assigned_the_review_is_told(alice, dave, review, reviewer):
    review = submitted(dave, review, reviewer)
    note = Notification.objects.get(kind="verification.review_submitted")
    assert note.recipient == alice
    assert review.reference in note.subject_en
    assert note.url == reverse("verification:review_detail", args=[review.pk])


def test_a_submitted_review_cannot_be_changed(dave, assignment, review, reviewer):
    submitted(dave, review, reviewer)
    with pytest.raises(ValidationError):
        review_save_lines(actor=dave, review=review, figures={line_of(assignment).pk: ("1", "")})


# The bureau's return, and the next version


def test_only_the_bureau_returns_a_review(dave, review, reviewer):
    submitted(dave, review, reviewer)
    with pytest.raises(PermissionDenied):
        review_return(actor=dave, review=review, reason="No")


def test_a_return_needs_a_reason(alice, dave, review, reviewer):
    submitted(dave, review, reviewer)
    with pytest.raises(ValidationError) as exc_info:
        review_return(actor=alice, review=review, reason="  ")
    assert "reason" in exc_info.value.message_dict


def test_a_draft_cannot_be_returned(alice, review):
    with pytest.raises(ValidationError):
        review_return(actor=alice, review=review, reason="Too early")


def test_a_return_reopens_the_assignment_and_tells_the_agency(alice, dave, assignment, review, reviewer):
    submitted(dave, review, reviewer)
    review = review_return(actor=alice, review=review, reason="Attach the meter calibration.")
    assert (review.status, review.return_reason, review.returned_by) == (
        ReviewStatus.RETURNED,
        "Attach the meter calibration.",
        alice,
    )
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ASSIGNED
    note = Notification.objects.get(kind="verification.review_returned")
    assert note.recipient == dave and "Attach the meter calibration." in note.body_en


@pytest.mark.parametrize(
    ("status", "refused"), [(DeterminationStatus.DRAFT, False), (DeterminationStatus.PENDING, True)]
)
def test_a_review_a_determination_relies_on_cannot_be_returned(alice, dave, review, reviewer, status, refused):
    submitted(dave, review, reviewer)
    Determination.objects.create(
        organisation=review.report.organisation,
        year=YEAR,
        basis=DeterminationBasis.REVIEW,
        status=status,
        report=review.report,
        review=review,
        emissions_tco2e=D("4200"),
        reasoning="As reviewed.",
        prepared_by=alice,
    )
    if refused:
        with pytest.raises(ValidationError):
            review_return(actor=alice, review=review, reason="Recheck")
    else:
        assert review_return(actor=alice, review=review, reason="Recheck").status == ReviewStatus.RETURNED


def test_the_whole_walk_draft_submitted_returned_next_version(alice, dave, assignment, review, reviewer):
    line = line_of(assignment)
    review_save_lines(actor=dave, review=review, figures={line.pk: ("12000", "Meter M-2")})
    finding_add(actor=dave, review=review, kind=FindingKind.MISSTATEMENT, description="December missing.")
    submitted(dave, review, reviewer, conclusion=CORRECTED)
    review_return(actor=alice, review=review, reason="Explain the meter.")

    second = review_start(actor=dave, assignment=assignment)
    assert (second.version, second.status, second.conclusion, second.reviewer) == (
        2,
        ReviewStatus.DRAFT,
        CORRECTED,
        reviewer,
    )
    assert (second.lines.get().activity_amount, second.lines.get().note) == (D("12000"), "Meter M-2")
    assert list(second.findings.values_list("description", flat=True)) == ["December missing."]
    assert second.document_sha256 == ""  # the corrected report is signed again
    review_attach_document(actor=dave, review=second, uploaded_file=pdf_upload())
    review_submit(actor=dave, review=second)
    review.refresh_from_db()
    assert review.status == ReviewStatus.RETURNED  # the returned version stays on record
    assert assignment.reviews.filter(status=ReviewStatus.SUBMITTED).get() == second


# Pages


def edit_url(assignment):
    return reverse("verification:review_edit", args=[assignment.pk])


def detail_url(review):
    return reverse("verification:review_detail", args=[review.pk])


def document_url(review):
    return reverse("verification:review_document", args=[review.pk])


def page_data(assignment, **overrides):
    data = {
        f"activity_{line_of(assignment).pk}": "10000",
        f"note_{line_of(assignment).pk}": "",
        "reviewer": "",
        "conclusion": "",
        "conclusion_text": "",
        "unreported_tco2e": "0",
        "unreported_note": "",
        "action": "save",
    }
    return data | overrides


@pytest.fixture
def filed(dave, review, reviewer):
    """A submitted review with its PDF."""
    return submitted(dave, review, reviewer)


@pytest.mark.parametrize(
    ("who", "expected"), [("dave", 200), ("frank", 404), ("carol", 404), ("erin", 404), ("alice", 200)]
)
def test_who_reads_a_review_and_its_pdf(request, client_for, filed, who, expected):
    client = client_for(request.getfixturevalue(who))
    assert client.get(detail_url(filed)).status_code == expected
    assert client.get(document_url(filed)).status_code == expected


def test_anonymous_users_are_sent_to_sign_in(client, assignment, filed):
    for url in (detail_url(filed), document_url(filed), edit_url(assignment)):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize(("who", "expected"), [("dave", 200), ("frank", 404), ("carol", 404), ("alice", 404)])
def test_only_the_assigned_agency_opens_the_edit_page(request, client_for, assignment, review, who, expected):
    assert client_for(request.getfixturevalue(who)).get(edit_url(assignment)).status_code == expected


def test_a_withdrawn_assignments_review_is_not_found_by_the_agency(alice, client_for, dave, assignment, review):
    assignment_reassign(actor=alice, assignment=assignment, agency=reviewing(AgencyFactory(), alice), reason="Workload")
    client = client_for(dave)
    assert client.get(detail_url(review)).status_code == 404
    assert client.get(edit_url(assignment)).status_code == 404


def test_the_workspace_offers_to_write_then_continue_then_view_the_review(client_for, dave, assignment, reviewer):
    client = client_for(dave)
    workspace = reverse("verification:workspace_list")
    assert "Write the review" in client.get(workspace).content.decode()
    response = client.post(reverse("verification:review_start", args=[assignment.pk]))
    assert response.status_code == 302 and response["Location"] == edit_url(assignment)
    assert "Continue the review" in client.get(workspace).content.decode()
    review = submitted(dave, assignment.reviews.get(), reviewer)
    page = client.get(reverse("verification:workspace_report", args=[assignment.pk])).content.decode()
    assert "View the review" in page and detail_url(review) in page


def test_the_page_offers_to_start_the_review_before_there_is_one(client_for, dave, assignment):
    content = client_for(dave).get(edit_url(assignment)).content.decode()
    assert reverse("verification:review_start", args=[assignment.pk]) in content
    assert not assignment.reviews.exists()  # a GET starts nothing


def test_a_submitted_review_opens_read_only(client_for, dave, assignment, filed):
    response = client_for(dave).get(edit_url(assignment))
    assert response.status_code == 302 and response["Location"] == detail_url(filed)


def test_saving_the_page_recalculates_the_line(client_for, dave, assignment, review):
    response = client_for(dave).post(
        edit_url(assignment), page_data(assignment, **{f"activity_{line_of(assignment).pk}": "12000"})
    )
    assert response.status_code == 302
    assert review.lines.get().emissions_tco2e == D("5040")


def test_bad_input_shows_the_errors_keeps_what_was_typed_and_saves_nothing(
    client_for, dave, assignment, review, reviewer
):
    data = page_data(
        assignment,
        **{
            f"activity_{line_of(assignment).pk}": "ten thousand",
            "reviewer": str(reviewer.pk),
            "conclusion_text": "Typed",
        },
    )
    response = client_for(dave).post(edit_url(assignment), data)
    content = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in content and "F1 · Purchased electricity: Activity data must be a number." in content
    assert 'value="ten thousand"' in content and "Typed" in content
    review.refresh_from_db()
    assert (review.reviewer, review.conclusion_text) == (None, "")


def test_a_finding_typed_on_the_page_is_added_and_removed(client_for, dave, assignment, review):
    client = client_for(dave)
    data = page_data(
        assignment, action="add_finding", **{"finding-kind": "observation", "finding-description": "Seal broken"}
    )
    assert client.post(edit_url(assignment), data).status_code == 302
    finding = review.findings.get()
    assert finding.description == "Seal broken"
    url = reverse("verification:review_finding_remove", args=[assignment.pk, finding.pk])
    assert client.post(url).status_code == 302
    assert not review.findings.exists()


def test_the_page_submits_only_with_the_confirmation(client_for, dave, assignment, review, reviewer):
    client = client_for(dave)
    data = page_data(
        assignment, reviewer=str(reviewer.pk), conclusion=CONFIRMED, action="submit", document=pdf_upload()
    )
    response = client.post(edit_url(assignment), data)
    assert response.status_code == 200 and "Confirm that the review is complete" in response.content.decode()
    review.refresh_from_db()
    assert (review.status, review.document_sha256) == (ReviewStatus.DRAFT, "")

    data |= {"confirm": "on", "document": pdf_upload()}
    response = client.post(edit_url(assignment), data)
    assert response.status_code == 302 and response["Location"] == detail_url(review)
    review.refresh_from_db()
    assert review.status == ReviewStatus.SUBMITTED


def test_the_bureau_returns_a_review_from_its_page(client_for, alice, filed):
    client = client_for(alice)
    url = reverse("verification:review_return", args=[filed.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and "Say what the agency must correct." in response.content.decode()
    assert client.post(url, {"reason": "Recheck the meter."}).status_code == 302
    filed.refresh_from_db()
    assert filed.status == ReviewStatus.RETURNED


def test_the_agency_cannot_return_its_own_review(client_for, dave, filed):
    response = client_for(dave).post(reverse("verification:review_return", args=[filed.pk]), {"reason": "x"})
    assert response.status_code == 403


def test_the_review_page_runs_the_same_queries_for_1_and_10_lines(client_for, alice, dave, agency, reviewer):
    client = client_for(dave)

    def queries(lines: int) -> int:
        assignment = assigned(alice, agency, lines=lines)
        review = review_start(actor=dave, assignment=assignment)
        for line in assignment.report.lines.all():
            finding_add(actor=dave, review=review, kind=FindingKind.OBSERVATION, description="x", report_line=line)
        url = detail_url(review)
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    assert queries(1) == queries(10)
