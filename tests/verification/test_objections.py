"""Objections and re-examinations (Art. 20): the unit objects within the window with reasons and
files; the bureau rejects with reasons or accepts and has a different agency re-examine the year;
it may also re-examine of its own motion when a trigger is flagged, and cancel with a reason."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carbon_portal.models import AuditEntry, Notification
from carbon_portal.workdays import add_working_days
from registry.models import EmissionRecord
from registry.selectors import year_settings
from tests.carbon_portal.test_files import pdf_bytes, png_bytes
from tests.factories import AgencyFactory, OrganisationFactory, UserFactory
from tests.reporting.helpers import YEAR
from verification.choices import (
    AssignmentKind,
    AssignmentStatus,
    DeterminationBasis,
    DeterminationStatus,
    LinkKind,
    ObjectionStatus,
    ReexamStatus,
    ReexamTrigger,
)
from verification.models import AgencyUnitLink, Determination, Objection, ObjectionFile, ReExamination
from verification.services.objections import objection_accept, objection_file, objection_reject
from verification.services.reexaminations import (
    reexamination_assign,
    reexamination_cancel,
    reexamination_open,
    reexamination_reassign,
)

from .helpers import reviewing

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def determined(org, alice, bob, *, report=None, emissions="4200", figures=None, deadline=None, **extra):
    """A determination in force, prepared by alice and approved by bob."""
    fields = {
        "organisation": org,
        "year": YEAR,
        "basis": DeterminationBasis.REVIEW,
        "status": DeterminationStatus.APPROVED,
        "report": report,
        "emissions_tco2e": Decimal(emissions),
        "figures": figures if figures is not None else {"reported_tco2e": emissions, "reviewed_tco2e": emissions},
        "reasoning": "As reviewed.",
        "prepared_by": alice,
        "approved_by": bob,
        "approved_at": timezone.now(),
        "objection_deadline": deadline or TODAY() + timedelta(days=10),
    } | extra
    return Determination.objects.create(**fields)


def pdf(name="meter-readings.pdf"):
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")


def png(name="photo.png"):
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def executable(name="tool.exe"):
    return SimpleUploadedFile(name, b"MZ\x90\x00\x03" + b"\x00" * 200, content_type="application/octet-stream")


@pytest.fixture
def determination(alice, bob, report, unit):
    return determined(unit, alice, bob, report=report)


@pytest.fixture
def objection(carol, determination):
    return objection_file(actor=carol, determination=determination, reasons="The meter was miscalibrated.")


@pytest.fixture
def reexam(alice, objection):
    return objection_accept(actor=alice, objection=objection, reason="Check the electricity meter.")


@pytest.fixture
def other_agency(alice):
    return reviewing(AgencyFactory(name_zh="乙审核机构"), alice)


def flagged_determination(unit, alice, bob, report):
    """The review found 5,000 t against 4,200 reported: 19% apart, beyond the 10% threshold."""
    return determined(
        unit, alice, bob, report=report, emissions="5000", figures={"reported_tco2e": "4200", "reviewed_tco2e": "5000"}
    )


# -- filing an objection --


def test_an_objection_within_the_window_is_filed_with_its_files(carol, determination, alice, private_root):
    objection = objection_file(
        actor=carol,
        determination=determination,
        reasons="The meter was miscalibrated.",
        claimed_tco2e=Decimal("3900.5"),
        files=[pdf(), png()],
    )
    assert objection.status == ObjectionStatus.FILED
    assert objection.claimed_tco2e == Decimal("3900.5")
    assert sorted(objection.files.values_list("original_name", flat=True)) == ["meter-readings.pdf", "photo.png"]
    assert all((private_root / f.stored_path).is_file() for f in objection.files.all())
    assert AuditEntry.objects.filter(verb="objection.file", target_id=str(objection.pk)).exists()


def test_the_decision_is_due_in_the_years_working_days(carol, determination):
    objection = objection_file(actor=carol, determination=determination, reasons="Wrong factor.")
    days = year_settings(YEAR).objection_decision_working_days
    assert objection.decision_due_date == add_working_days(TODAY(), days)


def test_filing_tells_the_bureau(carol, determination, alice, bob):
    objection_file(actor=carol, determination=determination, reasons="Wrong factor.")
    told = set(Notification.objects.filter(kind="verification.objection_filed").values_list("recipient", flat=True))
    assert told == {alice.pk, bob.pk}


def test_an_objection_after_the_window_is_refused(carol, determination):
    determination.objection_deadline = TODAY() - timedelta(days=1)
    determination.save()
    with pytest.raises(ValidationError, match="The objection window closed on"):
        objection_file(actor=carol, determination=determination, reasons="Too late.")
    assert not Objection.objects.exists()


def test_the_last_day_of_the_window_is_still_open(carol, determination):
    determination.objection_deadline = TODAY()
    determination.save()
    assert objection_file(actor=carol, determination=determination, reasons="Just in time.").pk


def test_another_units_staff_may_not_object(erin, determination):
    with pytest.raises(PermissionDenied):
        objection_file(actor=erin, determination=determination, reasons="Not mine.")
    assert not Objection.objects.exists()


def test_a_second_objection_to_the_same_determination_is_refused(carol, objection, determination):
    with pytest.raises(ValidationError, match="already objected"):
        objection_file(actor=carol, determination=determination, reasons="Again.")
    assert Objection.objects.count() == 1


def test_an_executable_file_is_refused_and_nothing_is_saved(carol, determination, private_root):
    with pytest.raises(ValidationError) as refused:
        objection_file(
            actor=carol, determination=determination, reasons="See files.", files=[pdf(), executable("tool.pdf")]
        )
    assert "does not contain what its name says" in " ".join(refused.value.message_dict["files"])
    assert not Objection.objects.exists() and not ObjectionFile.objects.exists()
    assert not (private_root / "objections").exists()


def test_a_file_of_another_type_is_refused(carol, determination):
    with pytest.raises(ValidationError, match="not an accepted type"):
        objection_file(actor=carol, determination=determination, reasons="See files.", files=[executable()])


def test_reasons_are_required(carol, determination):
    with pytest.raises(ValidationError) as refused:
        objection_file(actor=carol, determination=determination, reasons="  ")
    assert "reasons" in refused.value.message_dict


def test_a_superseded_determination_cannot_be_objected_to(carol, determination):
    Determination.objects.filter(pk=determination.pk).update(
        status=DeterminationStatus.SUPERSEDED, superseded_at=timezone.now()
    )
    with pytest.raises(ValidationError, match="in force"):
        objection_file(actor=carol, determination=determination, reasons="Old one.")


# -- the bureau decides --


def test_rejecting_needs_a_decision_text(alice, objection):
    with pytest.raises(ValidationError, match="Say why the objection is rejected"):
        objection_reject(actor=alice, objection=objection, decision_text=" ")
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.FILED


def test_rejecting_records_the_decision_and_tells_the_unit(alice, carol, objection):
    objection_reject(actor=alice, objection=objection, decision_text="The meter was calibrated in March.")
    objection.refresh_from_db()
    assert (objection.status, objection.decided_by) == (ObjectionStatus.REJECTED, alice)
    assert Notification.objects.filter(recipient=carol, kind="verification.objection_rejected").exists()


def test_accepting_opens_a_reexamination_on_the_objection(alice, objection, determination):
    reexam = objection_accept(actor=alice, objection=objection, reason="Check the meter.")
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.REEXAMINING
    assert (reexam.trigger, reexam.objection, reexam.determination) == (
        ReexamTrigger.OBJECTION,
        objection,
        determination,
    )
    assert reexam.status == ReexamStatus.OPEN


def test_a_decided_objection_cannot_be_decided_again(alice, objection):
    objection_reject(actor=alice, objection=objection, decision_text="No.")
    with pytest.raises(ValidationError, match="already been dealt with"):
        objection_accept(actor=alice, objection=objection, reason="Second thoughts.")


def test_only_the_bureau_decides_objections(carol, dave, objection):
    for outsider in (carol, dave):
        with pytest.raises(PermissionDenied):
            objection_reject(actor=outsider, objection=objection, decision_text="No.")
        with pytest.raises(PermissionDenied):
            objection_accept(actor=outsider, objection=objection, reason="Yes.")


# -- the bureau's own motion --


def test_own_motion_is_refused_when_no_trigger_is_flagged(alice, determination):
    with pytest.raises(ValidationError) as refused:
        reexamination_open(
            actor=alice, determination=determination, trigger=ReexamTrigger.REPORT_VS_REVIEW, reason="Looks odd."
        )
    message = " ".join(refused.value.message_dict["trigger"])
    assert "is not flagged" in message and "10.00%" in message and "20.00%" in message
    assert not ReExamination.objects.exists()


def test_own_motion_is_allowed_when_report_and_review_differ_beyond_the_threshold(alice, bob, unit, report):
    flagged = flagged_determination(unit, alice, bob, report)
    reexam = reexamination_open(
        actor=alice, determination=flagged, trigger=ReexamTrigger.REPORT_VS_REVIEW, reason="19% apart."
    )
    assert (reexam.trigger, reexam.objection) == (ReexamTrigger.REPORT_VS_REVIEW, None)


def test_own_motion_is_allowed_when_the_year_on_year_change_is_flagged(alice, bob, unit, report):
    EmissionRecord.objects.create(organisation=unit, year=YEAR - 1, emissions_tco2e=Decimal("3000"), source="test")
    flagged = determined(unit, alice, bob, report=report)  # 4,200 t: 40% up on 3,000
    reexam = reexamination_open(actor=alice, determination=flagged, trigger=ReexamTrigger.YEAR_ON_YEAR, reason="+40%")
    assert reexam.trigger == ReexamTrigger.YEAR_ON_YEAR


def test_the_thresholds_come_from_the_year_settings(alice, determination):
    from registry.services.organisations import year_settings_revise

    year_settings_revise(actor=alice, year=YEAR, note="Stricter", reexam_report_vs_review_tco2e=Decimal("0"))
    Determination.objects.filter(pk=determination.pk).update(
        figures={"reported_tco2e": "4200", "reviewed_tco2e": "4201"}
    )
    determination.refresh_from_db()
    reexam = reexamination_open(
        actor=alice, determination=determination, trigger=ReexamTrigger.REPORT_VS_REVIEW, reason="1 t apart."
    )
    assert reexam.pk


def test_another_significant_doubt_needs_only_a_reason(alice, determination):
    with pytest.raises(ValidationError, match="Say why"):
        reexamination_open(actor=alice, determination=determination, trigger=ReexamTrigger.OTHER, reason="")
    reexam = reexamination_open(
        actor=alice, determination=determination, trigger=ReexamTrigger.OTHER, reason="A tip-off about a boiler."
    )
    assert reexam.trigger == ReexamTrigger.OTHER


def test_an_objection_reexamination_is_not_opened_of_own_motion(alice, determination):
    with pytest.raises(ValidationError, match="accepting the unit's objection"):
        reexamination_open(actor=alice, determination=determination, trigger=ReexamTrigger.OBJECTION, reason="x")


def test_one_reexamination_at_a_time_per_determination(alice, determination):
    reexamination_open(actor=alice, determination=determination, trigger=ReexamTrigger.OTHER, reason="First.")
    with pytest.raises(ValidationError, match="already under way"):
        reexamination_open(actor=alice, determination=determination, trigger=ReexamTrigger.OTHER, reason="Second.")
    assert ReExamination.objects.count() == 1


def test_a_determination_not_in_force_is_not_reexamined(alice, determination):
    Determination.objects.filter(pk=determination.pk).update(
        status=DeterminationStatus.SUPERSEDED, superseded_at=timezone.now()
    )
    with pytest.raises(ValidationError, match="in force"):
        reexamination_open(actor=alice, determination=determination, trigger=ReexamTrigger.OTHER, reason="x")


def test_an_accepted_objection_joins_a_reexamination_already_under_way(alice, carol, determination):
    own = reexamination_open(actor=alice, determination=determination, trigger=ReexamTrigger.OTHER, reason="Doubt.")
    objection = objection_file(actor=carol, determination=determination, reasons="We agree it is wrong.")
    assert objection_accept(actor=alice, objection=objection, reason="Same question.") == own
    own.refresh_from_db()
    assert own.objection == objection and ReExamination.objects.count() == 1


def test_only_the_bureau_opens_reexaminations(carol, determination):
    with pytest.raises(PermissionDenied):
        reexamination_open(actor=carol, determination=determination, trigger=ReexamTrigger.OTHER, reason="x")


# -- a different agency --


def test_reexamination_by_the_original_reviewer_is_refused(alice, reexam, assignment, agency):
    with pytest.raises(ValidationError) as refused:
        reexamination_assign(actor=alice, reexamination=reexam, agency=agency)
    assert "a re-examination goes to a different agency" in " ".join(refused.value.message_dict["agency"])
    assert not reexam.assignments.exists()


def test_reexamination_by_an_agency_tied_to_the_unit_is_refused(alice, reexam, other_agency, unit):
    AgencyUnitLink.objects.create(
        agency=other_agency,
        organisation=unit,
        kind=LinkKind.SHAREHOLDING,
        description="Holds 5%",
        from_year=YEAR - 1,
        recorded_by=alice,
    )
    with pytest.raises(ValidationError, match="tied to the unit"):
        reexamination_assign(actor=alice, reexamination=reexam, agency=other_agency)


def test_reexamination_by_another_eligible_agency_is_assigned(alice, reexam, assignment, other_agency, report):
    given = reexamination_assign(actor=alice, reexamination=reexam, agency=other_agency)
    days = year_settings(YEAR).objection_decision_working_days
    assert (given.kind, given.reexamination, given.report, given.agency) == (
        AssignmentKind.REEXAMINATION,
        reexam,
        report,
        other_agency,
    )
    assert given.due_date == add_working_days(TODAY(), days)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.ASSIGNED  # the original review is untouched


def test_an_own_motion_reexamination_is_due_in_the_determination_days(alice, determination, other_agency):
    reexam = reexamination_open(actor=alice, determination=determination, trigger=ReexamTrigger.OTHER, reason="x")
    given = reexamination_assign(actor=alice, reexamination=reexam, agency=other_agency)
    assert given.due_date == TODAY() + timedelta(days=year_settings(YEAR).determination_days)


def test_a_reexamination_is_assigned_once(alice, reexam, other_agency):
    reexamination_assign(actor=alice, reexamination=reexam, agency=other_agency)
    with pytest.raises(ValidationError, match="already assigned"):
        reexamination_assign(actor=alice, reexamination=reexam, agency=reviewing(AgencyFactory(), alice))


def test_an_estimate_without_a_report_cannot_be_reexamined_until_the_unit_files_one(
    alice, bob, other_unit, other_agency
):
    estimate = determined(
        other_unit, alice, bob, basis=DeterminationBasis.ESTIMATE, estimate_method="Last year plus 10%."
    )
    reexam = reexamination_open(actor=alice, determination=estimate, trigger=ReexamTrigger.OTHER, reason="x")
    with pytest.raises(ValidationError, match="must file its 2026 report"):
        reexamination_assign(actor=alice, reexamination=reexam, agency=other_agency)


def test_reassigning_withdraws_with_a_reason_and_excludes_both_earlier_agencies(alice, reexam, other_agency):
    first = reexamination_assign(actor=alice, reexamination=reexam, agency=other_agency)
    third = reviewing(AgencyFactory(), alice)
    with pytest.raises(ValidationError, match="Say why"):
        reexamination_reassign(actor=alice, assignment=first, agency=third, reason="")
    new = reexamination_reassign(actor=alice, assignment=first, agency=third, reason="Staff left.")
    first.refresh_from_db()
    assert (first.status, new.replaces, new.reexamination) == (AssignmentStatus.WITHDRAWN, first, reexam)


# -- cancelling --


def test_cancelling_decides_the_objection_with_the_reason_and_withdraws_the_agency(
    alice, carol, reexam, objection, other_agency
):
    given = reexamination_assign(actor=alice, reexamination=reexam, agency=other_agency)
    reexamination_cancel(actor=alice, reexamination=reexam, reason="The unit withdrew its objection.")
    reexam.refresh_from_db()
    objection.refresh_from_db()
    given.refresh_from_db()
    assert (reexam.status, reexam.cancel_reason) == (ReexamStatus.CANCELLED, "The unit withdrew its objection.")
    assert (objection.status, objection.decision_text) == (ObjectionStatus.DECIDED, "The unit withdrew its objection.")
    assert given.status == AssignmentStatus.WITHDRAWN
    assert Notification.objects.filter(recipient=carol, kind="verification.reexamination_cancelled").exists()


def test_cancelling_needs_a_reason_and_happens_once(alice, reexam):
    with pytest.raises(ValidationError, match="Say why"):
        reexamination_cancel(actor=alice, reexamination=reexam, reason=" ")
    reexamination_cancel(actor=alice, reexamination=reexam, reason="Withdrawn.")
    with pytest.raises(ValidationError, match="no longer be cancelled"):
        reexamination_cancel(actor=alice, reexamination=reexam, reason="Again.")


def test_a_cancelled_reexamination_is_not_assigned(alice, reexam, other_agency):
    reexamination_cancel(actor=alice, reexamination=reexam, reason="Withdrawn.")
    with pytest.raises(ValidationError, match="can no longer be assigned"):
        reexamination_assign(actor=alice, reexamination=reexam, agency=other_agency)


def test_after_a_cancel_a_new_reexamination_may_be_opened(alice, reexam, determination):
    reexamination_cancel(actor=alice, reexamination=reexam, reason="Withdrawn.")
    assert reexamination_open(actor=alice, determination=determination, trigger=ReexamTrigger.OTHER, reason="y").pk


# -- pages: the unit --


def form_url(determination):
    return reverse("verification:objection_file", kwargs={"determination_id": determination.pk})


def test_the_unit_files_an_objection_through_the_form(client_for, carol, determination):
    response = client_for(carol).post(
        form_url(determination),
        {"reasons": "The meter was miscalibrated.", "claimed_tco2e": "3900", "files": [pdf(), png()]},
    )
    objection = Objection.objects.get()
    assert response.status_code == 302 and response.url == reverse("verification:objection_detail", args=[objection.pk])
    assert objection.files.count() == 2


def test_the_form_shows_the_window_deadline(client_for, carol, determination):
    response = client_for(carol).get(form_url(determination))
    assert determination.objection_deadline.isoformat() in response.content.decode()
    assert 'name="reasons"' in response.content.decode()


def test_after_the_window_the_form_is_not_offered_and_a_post_is_refused(client_for, carol, determination):
    determination.objection_deadline = TODAY() - timedelta(days=1)
    determination.save()
    client = client_for(carol)
    page = client.get(form_url(determination)).content.decode()
    assert 'name="reasons"' not in page and "The objection window closed on" in page
    response = client.post(form_url(determination), {"reasons": "Too late."})
    assert response.status_code == 200 and "The objection window closed on" in response.content.decode()
    assert not Objection.objects.exists()


def test_a_refused_file_keeps_what_the_unit_typed(client_for, carol, determination):
    response = client_for(carol).post(
        form_url(determination), {"reasons": "Keep this text.", "files": [executable("x.pdf")]}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Keep this text." in page and "does not contain" in page
    assert not Objection.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("erin", 404), ("alice", 404), ("dave", 404)])
def test_only_the_units_staff_reach_its_objection_form(request, client_for, determination, who, status):
    user = request.getfixturevalue(who)
    assert client_for(user).get(form_url(determination)).status_code == status


def test_anonymous_is_sent_to_log_in(client, determination):
    assert client.get(form_url(determination)).status_code == 302


def test_a_draft_determination_is_not_found_by_the_unit(client_for, carol, determination):
    Determination.objects.filter(pk=determination.pk).update(status=DeterminationStatus.PENDING)
    assert client_for(carol).get(form_url(determination)).status_code == 404


def test_the_unit_lists_its_objections_with_status_and_files(client_for, carol, erin, determination):
    objection_file(actor=carol, determination=determination, reasons="Wrong.", files=[pdf()])
    page = client_for(carol).get(reverse("verification:objection_list")).content.decode()
    assert "meter-readings.pdf" in page and "Filed" in page
    assert "meter-readings.pdf" not in client_for(erin).get(reverse("verification:objection_list")).content.decode()


def test_files_are_downloaded_by_the_unit_and_the_bureau_only(client_for, carol, erin, alice, dave, determination):
    objection = objection_file(actor=carol, determination=determination, reasons="Wrong.", files=[pdf()])
    url = reverse("verification:objection_attachment", args=[objection.pk, objection.files.get().pk])
    for user, status in ((carol, 200), (alice, 200), (erin, 404), (dave, 404)):
        assert client_for(user).get(url).status_code == status, user
    assert client_for(erin).get(reverse("verification:objection_detail", args=[objection.pk])).status_code == 404


# -- pages: the bureau --


def bureau_urls(objection, reexam):
    return [
        reverse("verification:objection_admin", args=[YEAR]),
        reverse("verification:objection_decide", args=[objection.pk]),
        reverse("verification:reexam_list", args=[YEAR]),
        reverse("verification:reexam_pick", args=[YEAR]),
        reverse("verification:reexam_open", args=[objection.determination_id]),
        reverse("verification:reexam_detail", args=[reexam.pk]),
    ]


def test_bureau_pages_are_the_bureaus(client_for, client, alice, carol, dave, objection, reexam):
    for url in bureau_urls(objection, reexam):
        client.logout()
        assert client.get(url).status_code == 302, url  # anonymous: log in
        for outsider in (carol, dave):
            assert client_for(outsider).get(url).status_code == 403, url
        assert client_for(alice).get(url).status_code == 200, url


def test_the_bureau_accepts_an_objection_on_its_page(client_for, alice, objection):
    url = reverse("verification:objection_decide", args=[objection.pk])
    response = client_for(alice).post(url, {"action": "accept", "accept-reason": "Check the meter."})
    reexam = ReExamination.objects.get()
    assert response.status_code == 302 and response.url == reverse("verification:reexam_detail", args=[reexam.pk])


def test_a_rejection_without_text_is_shown_again_with_the_message(client_for, alice, objection):
    url = reverse("verification:objection_decide", args=[objection.pk])
    response = client_for(alice).post(url, {"action": "reject", "reject-decision_text": ""})
    assert response.status_code == 200 and "Say why the objection is rejected" in response.content.decode()
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.FILED


def test_the_reexam_page_shows_the_original_reviewer_as_not_eligible(client_for, alice, reexam, assignment, agency):
    page = client_for(alice).get(reverse("verification:reexam_detail", args=[reexam.pk])).content.decode()
    assert "a re-examination goes to a different agency" in page
    assert f'value="{agency.pk}" id="agency-{agency.pk}" disabled' in page


def test_the_bureau_assigns_on_the_reexam_page(client_for, alice, reexam, other_agency):
    url = reverse("verification:reexam_assign", args=[reexam.pk])
    response = client_for(alice).post(url, {"agency": other_agency.pk})
    assert response.status_code == 302
    assert reexam.assignments.get().agency == other_agency


def test_an_ineligible_agency_posted_on_the_page_is_refused_with_the_reason(
    client_for, alice, reexam, assignment, agency
):
    response = client_for(alice).post(reverse("verification:reexam_assign", args=[reexam.pk]), {"agency": agency.pk})
    assert response.status_code == 200 and "a re-examination goes to a different agency" in response.content.decode()
    assert not reexam.assignments.exists()


def test_the_bureau_cancels_on_the_reexam_page(client_for, alice, reexam):
    url = reverse("verification:reexam_cancel", args=[reexam.pk])
    assert client_for(alice).post(url, {"cancel-reason": "Withdrawn."}).status_code == 302
    reexam.refresh_from_db()
    assert reexam.status == ReexamStatus.CANCELLED


def test_the_pick_list_offers_only_flagged_determinations(client_for, alice, bob, unit, other_unit, report):
    flagged = flagged_determination(unit, alice, bob, report)
    quiet = determined(other_unit, alice, bob, basis=DeterminationBasis.ESTIMATE, estimate_method="x")
    page = client_for(alice).get(reverse("verification:reexam_pick", args=[YEAR])).content.decode()
    assert flagged.reference in page and quiet.reference not in page
    page = client_for(alice).get(reverse("verification:reexam_pick", args=[YEAR]) + "?all=1").content.decode()
    assert quiet.reference in page


def test_the_open_form_refuses_an_unflagged_trigger_with_the_thresholds(client_for, alice, determination):
    url = reverse("verification:reexam_open", args=[determination.pk])
    response = client_for(alice).post(url, {"trigger": ReexamTrigger.YEAR_ON_YEAR, "reason": "Looks odd."})
    assert response.status_code == 200 and "is not flagged" in response.content.decode()
    assert not ReExamination.objects.exists()


# -- list pages run a fixed number of queries --


def many_objections(n, alice, bob, *, with_reexam=False):
    for i in range(n):
        org = OrganisationFactory(name_zh=f"异议单位{i:03d}")
        det = determined(org, alice, bob, basis=DeterminationBasis.ESTIMATE, estimate_method="x")
        objection = Objection.objects.create(
            determination=det, reasons="r", filed_by=UserFactory(), decision_due_date=TODAY()
        )
        ObjectionFile.objects.create(
            objection=objection, original_name="a.pdf", kind="pdf", size_bytes=1, sha256="0" * 64, stored_path="x"
        )
        if with_reexam:
            objection.status = ObjectionStatus.REEXAMINING
            objection.save()
            ReExamination.objects.create(
                determination=det, objection=objection, trigger=ReexamTrigger.OBJECTION, reason="r", opened_by=alice
            )


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("name", ["objection_admin", "reexam_list", "reexam_pick"])
def test_bureau_lists_run_the_same_queries_for_1_and_10_rows(client_for, alice, bob, name):
    client = client_for(alice)
    url = reverse(f"verification:{name}", args=[YEAR]) + ("?all=1" if name == "reexam_pick" else "")
    many_objections(1, alice, bob, with_reexam=True)
    one = queries_for(client, url)
    many_objections(9, alice, bob, with_reexam=True)
    assert queries_for(client, url) == one


def test_the_units_list_runs_the_same_queries_for_1_and_10_rows(client_for, carol, alice, bob, unit):
    client = client_for(carol)
    url = reverse("verification:objection_list")

    def add(n):
        for _ in range(n):
            det = determined(unit, alice, bob, basis=DeterminationBasis.ESTIMATE, estimate_method="x")
            Objection.objects.create(determination=det, reasons="r", filed_by=carol, decision_due_date=TODAY())
            Determination.objects.filter(pk=det.pk).update(
                status=DeterminationStatus.SUPERSEDED, superseded_at=timezone.now()
            )

    add(1)
    one = queries_for(client, url)
    add(9)
    assert queries_for(client, url) == one


def test_the_units_list_links_to_determinations_still_open_to_objection(client_for, carol, determination):
    page = client_for(carol).get(reverse("verification:objection_list")).content.decode()
    assert form_url(determination) in page
    determination.objection_deadline = TODAY() - timedelta(days=1)
    determination.save()
    assert form_url(determination) not in client_for(carol).get(reverse("verification:objection_list")).content.decode()


def test_the_objection_list_is_for_unit_staff(client_for, client, alice, dave):
    url = reverse("verification:objection_list")
    assert client.get(url).status_code == 302
    for outsider in (alice, dave):
        assert client_for(outsider).get(url).status_code == 403
