"""Evidence files on an annual report (Art. 16): checked by content, kept outside the web root,
read-only once submitted, shared with a correction, served only to those who may see the report."""

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carbon_portal import private_files
from carbon_portal.models import AuditEntry
from carbon_portal.roles import Role
from registry.models import Organisation
from reporting import services
from reporting.models import ReportEvidence
from reporting.services.access import compilation_grant
from reporting.services.evidence import MAX_FILES_PER_REPORT, evidence_add, evidence_copy, evidence_remove
from tests.carbon_portal.test_files import EXE, JPEG, pdf_bytes, png_bytes, workbook_shaped, xlsx_bytes

from .helpers import YEAR, add_electricity, draft, facility, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture
def report(carol, unit):
    return draft(carol, unit)


@pytest.fixture
def agency(dave):
    return Organisation.objects.get(memberships__user=dave, memberships__role=Role.AGENCY_STAFF)


def upload(name="invoice.pdf", content=None):
    return SimpleUploadedFile(name, pdf_bytes() if content is None else content)


def add(actor, report, name="invoice.pdf", content=None, description="Electricity invoices 2026"):
    return evidence_add(actor=actor, report=report, uploaded_file=upload(name, content), description=description)


def refusal(actor, report, name, content, description="Electricity invoices 2026") -> ValidationError:
    with pytest.raises(ValidationError) as exc:
        add(actor, report, name, content, description)
    return exc.value


def submitted_with_evidence(carol, unit):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    evidence = add(carol, report)
    return submit(carol, report), evidence


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def body(response) -> bytes:
    # Read to the end: the test client's wrapper then closes the response without closing the
    # test's database connection (response.close() alone would, on PostgreSQL).
    return b"".join(response.streaming_content)


# Adding: what is accepted, and what it records


def test_a_real_pdf_is_added_with_its_size_and_digest(carol, report):
    evidence = add(carol, report)
    assert (evidence.kind, evidence.size_bytes, evidence.original_name) == ("pdf", len(pdf_bytes()), "invoice.pdf")
    assert private_files.read_bytes(evidence.stored_path) == pdf_bytes()
    assert evidence.uploaded_by == carol


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [("meter.png", png_bytes(), "png"), ("meter.jpeg", JPEG, "jpg"), ("readings.xlsx", xlsx_bytes(), "xlsx")],
)
def test_images_and_workbooks_are_accepted(carol, report, name, content, kind):
    assert add(carol, report, name, content).kind == kind


def test_the_stored_file_is_under_the_private_root_not_the_static_root(carol, report, settings, private_root):
    path = private_files.absolute(add(carol, report).stored_path)
    assert path.is_relative_to(Path(private_root).resolve() / "evidence")
    assert not path.is_relative_to(Path(settings.STATIC_ROOT).resolve())


def test_adding_is_audited_with_the_digest(carol, report):
    evidence = add(carol, report)
    entry = AuditEntry.objects.get(verb="report.evidence_add")
    assert entry.target_id == str(report.pk)
    assert entry.data["sha256"] == evidence.sha256


# Refusals: clear messages, nothing stored, nothing already saved lost


def test_a_renamed_executable_is_refused_and_nothing_is_stored(carol, report, private_root):
    error = refusal(carol, report, "invoice.pdf", EXE)
    assert error.error_dict["file"][0].code == "content_mismatch"
    assert "invoice.pdf" in error.message_dict["file"][0]
    assert not report.evidence.exists()
    assert stored_files(private_root) == []


def test_a_zip_bomb_named_xlsx_is_refused(carol, report):
    bomb = workbook_shaped({"xl/worksheets/sheet1.xml": b"\x00" * (60 * 1024 * 1024)})
    assert refusal(carol, report, "readings.xlsx", bomb).error_dict["file"][0].code == "zip_size"


def test_a_file_over_the_size_limit_is_refused(carol, report, settings):
    settings.UPLOAD_MAX_BYTES = 100
    assert refusal(carol, report, "invoice.pdf", pdf_bytes()).error_dict["file"][0].code == "too_big"


def test_a_type_outside_pdf_xlsx_and_images_is_refused(carol, report):
    assert refusal(carol, report, "readings.csv", b"a,b\n1,2\n").error_dict["file"][0].code == "extension"


def test_a_description_is_required(carol, report):
    assert "description" in refusal(carol, report, "invoice.pdf", pdf_bytes(), description="  ").error_dict


def test_the_same_file_twice_is_refused(carol, report):
    add(carol, report)
    assert refusal(carol, report, "copy.pdf", pdf_bytes()).error_dict["file"][0].code == "duplicate"


def test_a_report_holds_at_most_fifty_files(carol, report):
    ReportEvidence.objects.bulk_create(
        ReportEvidence(
            report=report,
            description="Invoice",
            original_name=f"{n}.pdf",
            kind="pdf",
            size_bytes=1,
            sha256=f"{n:064d}",
            stored_path=f"evidence/00/{n}.pdf",
            uploaded_by=carol,
        )
        for n in range(MAX_FILES_PER_REPORT)
    )
    error = refusal(carol, report, "invoice.pdf", pdf_bytes())
    assert error.code == "too_many"
    assert "50" in error.messages[0]


def test_a_refused_upload_keeps_the_files_already_attached(carol, report):
    kept = add(carol, report)
    refusal(carol, report, "invoice.pdf", EXE)
    assert list(report.evidence.all()) == [kept]
    assert private_files.read_bytes(kept.stored_path) == pdf_bytes()


# Who may add and remove, and when


def test_cannot_add_to_a_submitted_report(carol, unit):
    report, _ = submitted_with_evidence(carol, unit)
    with pytest.raises(ValidationError):
        add(carol, report, "meter.png", png_bytes())
    assert report.evidence.count() == 1


def test_cannot_remove_from_a_submitted_report(carol, unit):
    report, evidence = submitted_with_evidence(carol, unit)
    with pytest.raises(ValidationError):
        evidence_remove(actor=carol, evidence=evidence)
    assert report.evidence.count() == 1


def test_another_units_staff_cannot_add(erin, report):
    with pytest.raises(PermissionDenied):
        add(erin, report)


def test_an_agency_without_a_grant_cannot_add(dave, report):
    with pytest.raises(PermissionDenied):
        add(dave, report)


def test_an_agency_with_a_grant_may_add_and_is_recorded_as_compiler(carol, dave, unit, agency, report):
    compilation_grant(actor=carol, organisation=unit, agency=agency, year=YEAR)
    add(dave, report)
    report.refresh_from_db()
    assert report.compiled_by_agency == agency


def test_removing_deletes_the_row_but_keeps_the_stored_file(carol, report):
    evidence = add(carol, report)
    evidence_remove(actor=carol, evidence=evidence)
    assert not report.evidence.exists()
    assert private_files.read_bytes(evidence.stored_path) == pdf_bytes()


def test_removing_is_audited_with_the_digest(carol, report):
    evidence = add(carol, report)
    evidence_remove(actor=carol, evidence=evidence)
    assert AuditEntry.objects.get(verb="report.evidence_remove").data["sha256"] == evidence.sha256


# Corrections share the stored files


def correction_of(carol, submitted):
    return services.report_correction_start(actor=carol, report=submitted, reason="Wrong meter")


def test_evidence_copy_shares_the_stored_path(carol, unit):
    submitted, evidence = submitted_with_evidence(carol, unit)
    correction = correction_of(carol, submitted)
    evidence_copy(actor=carol, source=submitted, target=correction)
    copy = correction.evidence.get()
    assert copy.pk != evidence.pk
    assert (copy.stored_path, copy.sha256, copy.uploaded_by) == (evidence.stored_path, evidence.sha256, carol)


def test_removing_from_a_correction_leaves_the_submitted_versions_file(carol, unit):
    submitted, evidence = submitted_with_evidence(carol, unit)
    correction = correction_of(carol, submitted)
    evidence_copy(actor=carol, source=submitted, target=correction)
    evidence_remove(actor=carol, evidence=correction.evidence.get())
    assert submitted.evidence.get() == evidence
    assert private_files.read_bytes(evidence.stored_path) == pdf_bytes()


def test_copying_twice_adds_nothing(carol, unit):
    submitted, _ = submitted_with_evidence(carol, unit)
    correction = correction_of(carol, submitted)
    evidence_copy(actor=carol, source=submitted, target=correction)
    evidence_copy(actor=carol, source=submitted, target=correction)
    assert correction.evidence.count() == 1


def test_evidence_is_copied_only_to_a_correction_of_that_report(carol, unit):
    submitted, _ = submitted_with_evidence(carol, unit)
    unrelated = draft(carol, unit, year=YEAR + 1)
    with pytest.raises(ValidationError):
        evidence_copy(actor=carol, source=submitted, target=unrelated)


# Pages


def add_url(report):
    return reverse("reporting:report_evidence_add", args=[report.pk])


def download_url(evidence):
    return reverse("reporting:report_evidence_download", args=[evidence.report_id, evidence.pk])


def remove_url(evidence):
    return reverse("reporting:report_evidence_remove", args=[evidence.report_id, evidence.pk])


def test_the_report_page_lists_evidence_with_download_and_remove(client_for, carol, report):
    evidence = add(carol, report)
    page = client_for(carol).get(reverse("reporting:report_detail", args=[report.pk])).content.decode()
    assert "Electricity invoices 2026" in page
    assert download_url(evidence) in page
    assert remove_url(evidence) in page
    assert add_url(report) in page


def test_a_submitted_reports_evidence_is_listed_read_only(client_for, carol, unit):
    report, evidence = submitted_with_evidence(carol, unit)
    page = client_for(carol).get(reverse("reporting:report_detail", args=[report.pk])).content.decode()
    assert download_url(evidence) in page
    assert remove_url(evidence) not in page
    assert add_url(report) not in page


def test_the_report_page_runs_the_same_queries_for_one_file_or_five(client_for, carol, report):
    client = client_for(carol)
    url = reverse("reporting:report_detail", args=[report.pk])
    add(carol, report)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for n in range(4):
        add(carol, report, f"meter{n}.png", png_bytes() + bytes([n]))
    with CaptureQueriesContext(connection) as five:
        client.get(url)
    assert len(five) == len(one)


def test_the_upload_form_states_the_accepted_types_and_size(client_for, carol, report, settings):
    settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    page = client_for(carol).get(add_url(report)).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert "PDF (.pdf), Excel workbook (.xlsx), PNG image (.png), JPEG image (.jpg, .jpeg)" in page
    assert "10.0\xa0MB" in page


def test_uploading_through_the_form_adds_the_file(client_for, carol, report):
    response = client_for(carol).post(
        add_url(report), {"file": upload("meter.png", png_bytes()), "description": "Meter photo"}
    )
    assert response.status_code == 302
    assert report.evidence.get().description == "Meter photo"


def test_a_refused_upload_shows_the_form_again_and_loses_nothing(client_for, carol, report):
    kept = add(carol, report)
    response = client_for(carol).post(add_url(report), {"file": upload("invoice.pdf", EXE), "description": "Bill"})
    assert response.status_code == 200
    assert "does not contain what its name says" in response.content.decode()
    assert list(report.evidence.all()) == [kept]
    assert private_files.read_bytes(kept.stored_path) == pdf_bytes()


def test_the_refusal_is_shown_in_the_users_language(client_for, carol, report):
    response = client_for(carol).post(
        add_url(report), {"file": upload("invoice.pdf", EXE), "description": "Bill"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert "的内容与文件名所示类型" in response.content.decode()


def test_a_post_with_only_a_file_asks_for_the_description(client_for, carol, report):
    response = client_for(carol).post(add_url(report), {"file": upload()})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not report.evidence.exists()


def test_the_upload_page_of_a_submitted_report_goes_back_to_the_report(client_for, carol, unit):
    report, _ = submitted_with_evidence(carol, unit)
    response = client_for(carol).post(add_url(report), {"file": upload("meter.png", png_bytes()), "description": "x"})
    assert response.status_code == 302
    assert report.evidence.count() == 1


def test_the_download_is_an_attachment_the_browser_will_not_sniff(client_for, carol, report):
    response = client_for(carol).get(download_url(add(carol, report)))
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert body(response) == pdf_bytes()


def test_a_submitted_reports_evidence_stays_downloadable(client_for, carol, unit):
    _, evidence = submitted_with_evidence(carol, unit)
    assert body(client_for(carol).get(download_url(evidence))) == pdf_bytes()


def test_the_bureau_may_download(client_for, alice, carol, report):
    assert client_for(alice).get(download_url(add(carol, report))).status_code == 200


def test_the_bureau_may_not_upload(client_for, alice, report):
    assert client_for(alice).post(add_url(report), {"file": upload(), "description": "x"}).status_code == 403


def test_another_units_user_gets_404_on_download(client_for, carol, erin, report):
    assert client_for(erin).get(download_url(add(carol, report))).status_code == 404


def test_another_units_user_gets_404_on_upload(client_for, erin, report):
    client = client_for(erin)
    assert client.get(add_url(report)).status_code == 404
    assert client.post(add_url(report), {"file": upload(), "description": "x"}).status_code == 404
    assert not report.evidence.exists()


def test_another_units_user_gets_404_on_remove(client_for, carol, erin, report):
    evidence = add(carol, report)
    assert client_for(erin).post(remove_url(evidence)).status_code == 404
    assert report.evidence.count() == 1


def test_an_agency_without_a_grant_gets_404(client_for, carol, dave, report):
    evidence = add(carol, report)
    client = client_for(dave)
    assert client.get(download_url(evidence)).status_code == 404
    response = client.post(add_url(report), {"file": upload("meter.png", png_bytes()), "description": "x"})
    assert response.status_code == 404


def test_an_agency_with_a_grant_may_upload_and_download(client_for, carol, dave, unit, agency, report):
    compilation_grant(actor=carol, organisation=unit, agency=agency, year=YEAR)
    client = client_for(dave)
    client.post(add_url(report), {"file": upload("meter.png", png_bytes()), "description": "Meter photo"})
    assert body(client.get(download_url(report.evidence.get()))) == png_bytes()


def test_a_file_is_found_only_through_its_own_report(client_for, carol, unit, report):
    evidence = add(carol, report)
    other = draft(carol, unit, year=YEAR + 1)
    url = reverse("reporting:report_evidence_download", args=[other.pk, evidence.pk])
    assert client_for(carol).get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, carol, report):
    assert client.get(download_url(add(carol, report))).status_code == 302


def test_removing_through_the_page(client_for, carol, report):
    evidence = add(carol, report)
    client = client_for(carol)
    assert client.get(remove_url(evidence)).status_code == 405
    assert client.post(remove_url(evidence)).status_code == 302
    assert not report.evidence.exists()


def test_starting_a_correction_carries_the_evidence_over(carol, unit):
    submitted, _ = submitted_with_evidence(carol, unit)
    correction = services.report_correction_start(actor=carol, report=submitted, reason="Meter misread")
    carried = list(correction.evidence.values_list("stored_path", flat=True))
    assert carried == list(submitted.evidence.values_list("stored_path", flat=True))
    assert carried
