"""PDFs of the annual emission report and the data quality control plan: what they show, their
content hash, who may download them, and the page section that waits for them."""

import pytest
from django.urls import reverse

from carbon_portal import documents, private_files
from carbon_portal.models import GeneratedDocument
from carbon_portal.roles import Role
from registry.models import Organisation
from reporting import documents as pdfs
from reporting import services
from reporting.services.access import compilation_grant
from tests.carbon_portal.pdftools import embedded_fonts, pdf_text, require_poppler

from .helpers import YEAR, add_electricity, draft, facility, submit, submitted_plan

pytestmark = pytest.mark.django_db
Status = GeneratedDocument.Status


@pytest.fixture(autouse=True)
def _renderers():
    """What ReportingConfig.ready() does; calling it again is harmless."""
    pdfs.register_renderers()


@pytest.fixture
def fake_pdf(monkeypatch):
    """Pipeline tests skip WeasyPrint: the 'PDF' is the HTML behind a PDF header."""
    monkeypatch.setattr(documents, "html_to_pdf", lambda html, *, base_url=None: b"%PDF-test\n" + html.encode())


@pytest.fixture
def report(carol, unit):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    return report


def _rendered(capture, request, **kwargs) -> GeneratedDocument:
    with capture(execute=True):
        document = request(**kwargs)
    document.refresh_from_db()
    return document


def test_the_report_pdf_shows_the_unit_reference_version_and_content_hash(
    carol, unit, report, django_capture_on_commit_callbacks
):
    require_poppler()
    report = submit(carol, report)
    document = _rendered(django_capture_on_commit_callbacks, pdfs.report_pdf_request, actor=carol, report=report)
    assert document.status == Status.READY, document.message
    pdf = private_files.read_bytes(document.stored_path)
    assert pdf.startswith(b"%PDF-")
    assert any("CJK" in name for name in embedded_fonts(pdf))
    text = pdf_text(pdf)
    for expected in (unit.name_zh, report.reference, "v1", document.content_sha256, "4,200"):
        assert expected in text
    assert "DRAFT" not in text


def test_the_content_hash_is_the_same_for_two_renderings_of_the_same_report(
    carol, report, fake_pdf, django_capture_on_commit_callbacks
):
    first = _rendered(django_capture_on_commit_callbacks, pdfs.report_pdf_request, actor=carol, report=report)
    second = _rendered(django_capture_on_commit_callbacks, pdfs.report_pdf_request, actor=carol, report=report)
    assert first.pk != second.pk
    assert first.content_sha256 == second.content_sha256 != ""


def test_the_content_hash_changes_when_a_line_changes(
    carol, unit, report, fake_pdf, django_capture_on_commit_callbacks
):
    before = _rendered(django_capture_on_commit_callbacks, pdfs.report_pdf_request, actor=carol, report=report)
    line = report.lines.get()
    services.report_line_remove(actor=carol, line=line)
    add_electricity(carol, report, facility(unit), mwh="10001")
    after = _rendered(django_capture_on_commit_callbacks, pdfs.report_pdf_request, actor=carol, report=report)
    assert before.content_sha256 != after.content_sha256


def test_the_report_pdf_lists_every_source_with_its_factor_and_the_totals(carol, report):
    html, content = pdfs.render_report(report)
    line = content["lines"][0]
    assert (line["factor_code"], line["factor_version"], line["tco2e"]) == ("sh_grid_electricity", 1, "4200.000")
    assert content["totals"]["total_tco2e"] == "4200.000"
    assert content["totals"]["biomass_tco2"] == "0.000"
    for expected in ("Purchased electricity", "sh_grid_electricity v1", "沪环气〔2022〕34号", "4,200"):
        assert expected in html


def test_a_draft_pdf_is_watermarked(report):
    html, _content = pdfs.render_report(report)
    assert "DRAFT / 草稿" in html


def test_a_submitted_report_pdf_carries_the_declaration_and_no_watermark(carol, report):
    html, content = pdfs.render_report(submit(carol, report, name="张三"))
    assert "DRAFT / 草稿" not in html
    assert content["declaration"]["by"] == "张三"
    assert "张三" in html


def test_a_task_failure_marks_the_pdf_failed_and_the_page_still_answers(
    client_for, carol, report, monkeypatch, django_capture_on_commit_callbacks
):
    def _broken(html, *, base_url=None):
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr(documents, "html_to_pdf", _broken)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(carol).post(reverse("reporting:report_pdf_prepare", args=[report.pk]))
    assert response.status_code == 302
    document = GeneratedDocument.objects.get()
    assert document.status == Status.FAILED
    assert "renderer crashed" in document.message
    page = client_for(carol).get(reverse("reporting:report_detail", args=[report.pk]))
    assert "could not be prepared" in page.content.decode()


@pytest.fixture
def ready_report(carol, report, fake_pdf, django_capture_on_commit_callbacks):
    """Submitting asks for the PDF itself (report_submit); it is rendered once committed."""
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(carol, report)
    assert GeneratedDocument.objects.get().status == Status.READY
    return report


def test_the_unit_downloads_its_report_pdf(client_for, carol, ready_report):
    response = client_for(carol).get(reverse("reporting:report_pdf", args=[ready_report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f"{ready_report.reference}.pdf" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_the_bureau_downloads_a_report_pdf(client_for, alice, ready_report):
    assert client_for(alice).get(reverse("reporting:report_pdf", args=[ready_report.pk])).status_code == 200


def test_another_units_user_gets_404_for_the_report_pdf(client_for, erin, ready_report):
    assert client_for(erin).get(reverse("reporting:report_pdf", args=[ready_report.pk])).status_code == 404


def test_an_agency_without_a_grant_gets_404_for_the_report_pdf(client_for, dave, ready_report):
    assert client_for(dave).get(reverse("reporting:report_pdf", args=[ready_report.pk])).status_code == 404


def test_an_agency_with_the_units_grant_downloads_the_report_pdf(client_for, carol, dave, unit, ready_report):
    agency = Organisation.objects.get(memberships__user=dave, memberships__role=Role.AGENCY_STAFF)
    compilation_grant(actor=carol, organisation=unit, agency=agency, year=YEAR)
    assert client_for(dave).get(reverse("reporting:report_pdf", args=[ready_report.pk])).status_code == 200


def test_another_units_user_cannot_ask_for_a_pdf(client_for, erin, report):
    response = client_for(erin).post(reverse("reporting:report_pdf_prepare", args=[report.pk]))
    assert response.status_code == 404
    assert not GeneratedDocument.objects.exists()


def test_a_pdf_of_the_draft_is_not_served_as_the_submitted_reports_pdf(
    client_for, carol, report, fake_pdf, django_capture_on_commit_callbacks
):
    _rendered(django_capture_on_commit_callbacks, pdfs.report_pdf_request, actor=carol, report=report)
    report = submit(carol, report)
    assert client_for(carol).get(reverse("reporting:report_pdf", args=[report.pk])).status_code == 404


def test_a_submitted_version_with_a_pdf_gets_no_second_one_on_request(client_for, alice, ready_report):
    response = client_for(alice).post(reverse("reporting:report_pdf_prepare", args=[ready_report.pk]), follow=True)
    assert "ready to download" in response.content.decode()
    assert GeneratedDocument.objects.count() == 1


def test_a_draft_may_be_printed_again_after_it_changed(
    client_for, carol, unit, report, fake_pdf, django_capture_on_commit_callbacks
):
    url = reverse("reporting:report_pdf_prepare", args=[report.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client_for(carol).post(url)
    add_electricity(carol, report, facility(unit), mwh="5")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(carol).post(url)
    assert GeneratedDocument.objects.filter(status=Status.READY).count() == 2


def test_the_status_section_polls_every_2_seconds_while_the_pdf_is_prepared(client_for, carol, report):
    pdfs.report_pdf_request(actor=carol, report=report)  # never committed here, so it stays pending
    html = client_for(carol).get(reverse("reporting:report_pdf_status", args=[report.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert f'hx-get="{reverse("reporting:report_pdf_status", args=[report.pk])}"' in html
    assert "<noscript>" in html


def test_the_status_section_links_the_download_once_ready(client_for, carol, ready_report):
    html = client_for(carol).get(reverse("reporting:report_pdf_status", args=[ready_report.pk])).content.decode()
    assert "every 2s" not in html
    assert reverse("reporting:report_pdf", args=[ready_report.pk]) in html


def test_asking_for_a_pdf_with_htmx_answers_with_the_status_section(client_for, carol, report):
    response = client_for(carol).post(
        reverse("reporting:report_pdf_prepare", args=[report.pk]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'hx-trigger="every 2s"' in response.content.decode()


# The data quality control plan


@pytest.fixture
def returned_plan(carol, alice, unit):
    plan = submitted_plan(carol, unit)
    return services.plan_return(actor=alice, plan=plan, comments={"boundary": "Boiler 4 is missing."})


def test_the_plan_pdf_shows_boundary_parameters_and_the_bureaus_comments(returned_plan):
    html, content = pdfs.render_plan(returned_plan)
    parameter = content["parameters"][0]
    assert (parameter["instrument"], str(parameter["calibration_date"])) == ("Gas flow meter FM-1", "2026-03-01")
    assert content["decision"]["outcome"] == "returned"
    for expected in ("Site A: boilers 1-3.", "Gas flow meter FM-1", "2026-03-01", "Monthly", "Boiler 4 is missing."):
        assert expected in html
    assert "DRAFT / 草稿" not in html


@pytest.fixture
def ready_plan(carol, returned_plan, fake_pdf, django_capture_on_commit_callbacks):
    document = _rendered(django_capture_on_commit_callbacks, pdfs.plan_pdf_request, actor=carol, plan=returned_plan)
    assert document.status == Status.READY
    return returned_plan


def test_the_unit_and_the_bureau_download_the_plan_pdf(client_for, carol, alice, ready_plan):
    url = reverse("reporting:plan_pdf", args=[ready_plan.pk])
    assert client_for(carol).get(url).status_code == 200
    assert client_for(alice).get(url).status_code == 200


def test_another_units_user_and_an_agency_get_404_for_the_plan_pdf(client_for, erin, dave, ready_plan):
    url = reverse("reporting:plan_pdf", args=[ready_plan.pk])
    assert client_for(erin).get(url).status_code == 404
    assert client_for(dave).get(url).status_code == 404


def test_the_unit_asks_for_the_pdf_of_a_plan_that_has_none(client_for, carol, returned_plan):
    GeneratedDocument.objects.all().delete()  # as for a plan filed before PDFs were made
    response = client_for(carol).post(reverse("reporting:plan_pdf_prepare", args=[returned_plan.pk]))
    assert response.status_code == 302
    document = GeneratedDocument.objects.get()
    assert (document.kind, document.target_id, document.status) == (
        pdfs.PLAN_KIND,
        str(returned_plan.pk),
        Status.PENDING,
    )
    assert document.filename == f"{returned_plan.reference}.pdf"


def test_bulk_filing_on_demand_only_asks_for_no_pdf_and_the_page_offers_one(client_for, carol, report, unit):
    add_electricity(carol, report, facility(unit))
    with documents.on_demand_only():
        submit(carol, report)
    assert not GeneratedDocument.objects.exists()
    page = client_for(carol).get(reverse("reporting:report_detail", args=[report.pk]))
    assert reverse("reporting:report_pdf_prepare", args=[report.pk]) in page.text
