"""The rest of the reporting API, so a unit's own systems can do with a token all the pages do:
evidence files, spreadsheet import, monthly key parameters, agency access and PDFs. Same gate and
services as the pages; another unit's ids are 404; bad input loses nothing already saved."""

import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from carbon_portal import documents
from carbon_portal.models import AuditEntry, GeneratedDocument
from carbon_portal.roles import Role
from registry.models import Organisation
from reporting import documents as pdfs
from reporting.models import CompilationGrant, MonthlyActivity, ReportEvidence
from reporting.selectors import monthly as monthly_selectors
from reporting.services.access import compilation_grant
from reporting.services.evidence import evidence_add
from reporting.services.monthly import monthly_file
from tests.carbon_portal.test_files import EXE, pdf_bytes
from tests.reporting.helpers import YEAR, add_electricity, draft, facility, listed, plan_draft, submit, submitted_plan

pytestmark = pytest.mark.django_db

HEAD = ["facility code", "kind of source", "emission source description", "factor code", "activity amount", "unit"]
ELECTRICITY = ["F1", "purchased_electricity", "Purchased electricity", "sh_grid_electricity", "10000", "MWh"]
FIGURE = {
    "month": 1,
    "facility": "F1",
    "category": "purchased_electricity",
    "factor_code": "sh_grid_electricity",
    "activity_amount": "1000",
    "activity_unit": "mwh",
    "source_description": "Purchased electricity",
}


def url(name: str, *args) -> str:
    return reverse(f"reporting_api:{name}", args=args)


def no_floats(response) -> dict:
    def refuse(text):
        raise AssertionError(f"a float in the output: {text}")

    return json.loads(response.content, parse_float=refuse)


def streamed(response) -> bytes:
    # Reading streaming_content to the end closes the response through the test client's wrapper,
    # which keeps the test's database connection open; response.close() would fire
    # request_finished and close it mid-test (on PostgreSQL).
    return b"".join(response.streaming_content)


def pdf_upload(name="invoice.pdf", content=None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes() if content is None else content)


def sheet(*rows, name="sources.xlsx") -> SimpleUploadedFile:
    wb = Workbook()
    wb.active.append(HEAD)
    for row in rows:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture(autouse=True)
def private_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return settings.PRIVATE_MEDIA_ROOT


@pytest.fixture(autouse=True)
def _pinned_today(monkeypatch):
    """Mid-June of the report's year: January to June take monthly figures."""
    monkeypatch.setattr(monthly_selectors, "today", lambda: date(YEAR, 6, 15))


@pytest.fixture
def token_for():
    def _client(user, language="en"):
        token, _ = Token.objects.get_or_create(user=user)
        return APIClient(HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_ACCEPT_LANGUAGE=language)

    return _client


@pytest.fixture
def session_for():
    def _client(user):
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_login(user)
        return client

    return _client


@pytest.fixture
def report(carol, unit):
    facility(unit)
    return draft(carol, unit)


@pytest.fixture
def agency(dave):
    return Organisation.objects.get(memberships__user=dave, memberships__role=Role.AGENCY_STAFF)


@pytest.fixture
def granted(carol, unit, agency, report):
    return compilation_grant(actor=carol, organisation=unit, agency=agency, year=YEAR)


@pytest.fixture
def evidence(carol, report):
    return evidence_add(actor=carol, report=report, uploaded_file=pdf_upload(), description="Invoices")


@pytest.fixture
def figure(carol, unit, report):
    return monthly_file(
        actor=carol,
        organisation=unit,
        year=YEAR,
        facility=facility(unit),
        **{k: v for k, v in FIGURE.items() if k != "facility"},
    )


@pytest.fixture
def fake_pdf(monkeypatch):
    """Skip WeasyPrint: the 'PDF' is the HTML behind a PDF header (as tests/reporting/test_pdfs.py)."""
    pdfs.register_renderers()
    monkeypatch.setattr(documents, "html_to_pdf", lambda html, *, base_url=None: b"%PDF-test\n" + html.encode())


# Evidence


def test_a_unit_handles_evidence_end_to_end_with_a_token(token_for, carol, report):
    client = token_for(carol)
    upload = {"file": pdf_upload("meter.pdf"), "description": "Meter readings 2026"}
    added = client.post(url("report_evidence", report.pk), upload, format="multipart")
    assert added.status_code == 201, added.content
    item = added.json()
    assert (item["original_name"], item["kind"], item["size_bytes"]) == ("meter.pdf", "pdf", len(pdf_bytes()))
    assert [row["id"] for row in client.get(url("report_evidence", report.pk)).json()] == [item["id"]]
    download = client.get(url("report_evidence_download", report.pk, item["id"]))
    assert download.status_code == 200 and streamed(download) == pdf_bytes()
    assert "attachment" in download["Content-Disposition"]
    assert client.delete(url("report_evidence_item", report.pk, item["id"])).status_code == 204
    assert client.get(url("report_evidence", report.pk)).json() == []


def test_a_renamed_executable_is_a_400_in_the_callers_language_and_nothing_is_stored(
    token_for, carol, report, private_root
):
    upload = {"file": pdf_upload("invoice.pdf", EXE), "description": "Invoices"}
    response = token_for(carol, "zh-hans").post(url("report_evidence", report.pk), upload, format="multipart")
    assert response.status_code == 400
    assert "的内容与文件名所示类型" in response.json()["file"][0]
    assert not ReportEvidence.objects.exists() and stored_files(private_root) == []


def test_evidence_without_a_description_is_a_400_on_the_description(token_for, carol, report):
    response = token_for(carol).post(url("report_evidence", report.pk), {"file": pdf_upload()}, format="multipart")
    assert response.status_code == 400 and set(response.json()) == {"description"}
    assert not report.evidence.exists()


def test_evidence_of_a_submitted_report_cannot_be_removed(token_for, carol, unit, report, evidence):
    add_electricity(carol, report, facility(unit))
    submit(carol, report)
    response = token_for(carol).delete(url("report_evidence_item", report.pk, evidence.pk))
    assert response.status_code == 400 and "start a correction" in response.json()["non_field_errors"][0]
    assert report.evidence.count() == 1


def test_another_units_user_does_not_find_the_evidence(token_for, erin, report, evidence):
    client = token_for(erin)
    assert client.get(url("report_evidence", report.pk)).status_code == 404
    upload = {"file": pdf_upload("other.pdf", pdf_bytes() + b"\n"), "description": "x"}
    assert client.post(url("report_evidence", report.pk), upload, format="multipart").status_code == 404
    assert client.get(url("report_evidence_download", report.pk, evidence.pk)).status_code == 404
    assert client.delete(url("report_evidence_item", report.pk, evidence.pk)).status_code == 404
    assert list(report.evidence.all()) == [evidence]


def test_another_reports_evidence_is_a_404_through_ones_own_report(token_for, carol, erin, other_unit, report):
    others = draft(erin, other_unit)
    theirs = evidence_add(actor=erin, report=others, uploaded_file=pdf_upload(), description="Theirs")
    client = token_for(carol)
    assert client.get(url("report_evidence_download", report.pk, theirs.pk)).status_code == 404
    assert client.delete(url("report_evidence_item", report.pk, theirs.pk)).status_code == 404
    assert others.evidence.count() == 1


# Spreadsheet import


def test_a_unit_imports_sources_from_the_template_end_to_end_with_a_token(token_for, carol, report):
    client = token_for(carol)
    template = client.get(url("report_import_template", report.pk))
    assert template.status_code == 200 and report.reference in template["Content-Disposition"]
    wb = load_workbook(io.BytesIO(template.content))
    wb["Sources"].append(["F1", "Purchased electricity", "Grid supply", "sh_grid_electricity", 10000, "MWh", "no"])
    filled = io.BytesIO()
    wb.save(filled)
    checked = client.post(
        url("report_import", report.pk), {"file": SimpleUploadedFile("filled.xlsx", filled.getvalue())}
    )
    assert checked.status_code == 200, checked.content
    body = no_floats(checked)
    assert body["dry_run"] is True and body["saved"] is False and body["errors"] == []
    row = body["rows"][0]
    assert (row["row"], row["facility"], row["category"]) == (2, "F1", "purchased_electricity")
    assert (row["factor_code"], row["factor_version"]) == ("sh_grid_electricity", 1)
    assert (row["activity_amount"], row["activity_unit"], row["reported_tco2e"]) == ("10000.000000", "mwh", "4200.000")
    assert body["totals"]["total_tco2e"] == "4200.000" and not report.lines.exists()
    upload = SimpleUploadedFile("filled.xlsx", filled.getvalue())
    imported = client.post(url("report_import", report.pk), {"file": upload, "dry_run": "false"})
    assert imported.status_code == 200
    assert imported.json()["saved"] is True and imported.json()["created"] == 1
    assert [str(t) for t in report.lines.values_list("reported_tco2e", flat=True)] == ["4200.000"]


def test_an_import_is_a_dry_run_unless_told_otherwise(token_for, carol, report):
    response = token_for(carol).post(url("report_import", report.pk), {"file": sheet(ELECTRICITY)})
    assert response.status_code == 200 and response.json()["saved"] is False
    assert not report.lines.exists() and not AuditEntry.objects.filter(verb="report.import").exists()


def test_a_bad_row_is_a_400_with_its_row_number_and_nothing_is_saved(token_for, carol, unit, report):
    kept = add_electricity(carol, report, facility(unit))
    bad = ELECTRICITY[:4] + ["-5", "MWh"]
    upload = sheet(ELECTRICITY, bad)
    response = token_for(carol).post(url("report_import", report.pk), {"file": upload, "dry_run": "false"})
    assert response.status_code == 400
    body = response.json()
    assert body["saved"] is False and body["created"] == 0
    assert body["errors"] == [{"row": 3, "column": "activity amount", "message": "Activity data cannot be negative."}]
    assert list(report.lines.all()) == [kept]


def test_an_unreadable_file_is_a_400_and_nothing_is_saved(token_for, carol, report):
    upload = SimpleUploadedFile("sources.xlsx", EXE)
    response = token_for(carol).post(url("report_import", report.pk), {"file": upload, "dry_run": "false"})
    assert response.status_code == 400 and response.json()["non_field_errors"]
    assert not report.lines.exists()


def test_another_units_user_cannot_import_or_fetch_the_template(token_for, erin, report):
    client = token_for(erin)
    assert client.get(url("report_import_template", report.pk)).status_code == 404
    response = client.post(url("report_import", report.pk), {"file": sheet(ELECTRICITY), "dry_run": "false"})
    assert response.status_code == 404 and not report.lines.exists()


# Monthly key parameters


def test_a_unit_files_monthly_figures_end_to_end_with_a_token(token_for, carol, unit, report):
    client = token_for(carol)
    path = url("monthly", unit.pk, YEAR)
    january = client.post(path, FIGURE, format="json")
    assert january.status_code == 201, january.content
    assert january.json()["emissions_tco2e"] == "420.000000000000"
    assert client.post(path, FIGURE | {"month": 2}, format="json").status_code == 201
    again = client.post(path, FIGURE | {"activity_amount": "2000"}, format="json")
    assert again.status_code == 201
    body = no_floats(client.get(path))
    assert body["may_file"] is True and body["open_months"] == [1, 2, 3, 4, 5, 6]
    assert body["year_to_date"]["total_tco2e"] == "1260.000" and body["year_to_date"]["months_filed"] == [1, 2]
    assert body["projection"]["projected_tco2e"] == "7560.000" and body["projection"]["months_covered"] == 2
    assert body["months"][0]["total_tco2e"] == "840.000" and body["months"][6]["is_open"] is False
    assert [f["month"] for f in body["figures"]] == [1, 2]
    assert [f["id"] for f in body["history"]] == [january.json()["id"]]
    february = body["figures"][1]["id"]
    assert client.delete(url("monthly_figure", unit.pk, YEAR, february)).status_code == 204
    assert [f["month"] for f in client.get(path).json()["figures"]] == [1]


def test_a_negative_monthly_amount_is_a_400_and_the_figure_in_force_is_kept(token_for, carol, unit, figure):
    payload = FIGURE | {"activity_amount": "-5"}
    response = token_for(carol).post(url("monthly", unit.pk, YEAR), payload, format="json")
    assert response.status_code == 400 and "activity_amount" in response.json()
    assert list(MonthlyActivity.objects.filter(superseded_at__isnull=True)) == [figure]


def test_a_month_not_yet_begun_is_a_400_on_the_month(token_for, carol, unit, report):
    response = token_for(carol).post(url("monthly", unit.pk, YEAR), FIGURE | {"month": 7}, format="json")
    assert response.status_code == 400 and "month" in response.json()
    assert not MonthlyActivity.objects.exists()


def test_another_units_user_does_not_find_the_monthly_figures(token_for, erin, unit, figure):
    client = token_for(erin)
    assert client.get(url("monthly", unit.pk, YEAR)).status_code == 404
    assert client.post(url("monthly", unit.pk, YEAR), FIGURE, format="json").status_code == 404
    assert client.delete(url("monthly_figure", unit.pk, YEAR, figure.pk)).status_code == 404
    figure.refresh_from_db()
    assert figure.superseded_at is None and MonthlyActivity.objects.count() == 1


def test_a_figure_of_another_unit_is_a_404_through_ones_own_unit(token_for, carol, erin, unit, other_unit, figure):
    listed(other_unit)
    theirs = monthly_file(
        actor=erin,
        organisation=other_unit,
        year=YEAR,
        facility=facility(other_unit),
        **{k: v for k, v in FIGURE.items() if k != "facility"},
    )
    assert token_for(carol).delete(url("monthly_figure", unit.pk, YEAR, theirs.pk)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.superseded_at is None


# Agency access


def test_a_unit_grants_and_revokes_agency_access_with_a_token(token_for, carol, dave, unit, agency, report):
    client = token_for(carol)
    path = url("access", unit.pk, YEAR)
    granted = client.post(path, {"agency": agency.uscc}, format="json")
    assert granted.status_code == 201, granted.content
    assert granted.json()["current"]["agency"] == agency.pk and granted.json()["history"] == []
    assert token_for(dave).get(url("report", report.pk)).status_code == 200
    grant_id = granted.json()["current"]["id"]
    revoked = client.post(url("access_revoke", unit.pk, YEAR, grant_id))
    assert revoked.status_code == 200
    assert revoked.json()["current"] is None and [g["id"] for g in revoked.json()["history"]] == [grant_id]
    assert token_for(dave).get(url("report", report.pk)).status_code == 404


def test_an_agency_may_be_named_by_its_id(token_for, carol, unit, agency, report):
    response = token_for(carol).post(url("access", unit.pk, YEAR), {"agency": str(agency.pk)}, format="json")
    assert response.status_code == 201 and response.json()["current"]["agency_uscc"] == agency.uscc


def test_naming_an_organisation_that_is_not_an_agency_is_a_400_on_agency(token_for, carol, unit, other_unit, report):
    response = token_for(carol).post(url("access", unit.pk, YEAR), {"agency": other_unit.uscc}, format="json")
    assert response.status_code == 400 and "agency" in response.json()
    assert not CompilationGrant.objects.exists()


def test_another_units_user_does_not_find_the_access(token_for, erin, unit, agency, granted):
    client = token_for(erin)
    assert client.get(url("access", unit.pk, YEAR)).status_code == 404
    assert client.post(url("access", unit.pk, YEAR), {"agency": agency.uscc}, format="json").status_code == 404
    assert client.post(url("access_revoke", unit.pk, YEAR, granted.pk)).status_code == 404
    granted.refresh_from_db()
    assert granted.is_active


# An agency with the unit's grant


def test_an_agency_with_a_grant_adds_evidence_imports_and_files_monthly_figures(token_for, dave, unit, report, granted):
    client = token_for(dave)
    upload = {"file": pdf_upload(), "description": "Invoices"}
    assert client.post(url("report_evidence", report.pk), upload, format="multipart").status_code == 201
    imported = client.post(url("report_import", report.pk), {"file": sheet(ELECTRICITY), "dry_run": "false"})
    assert imported.status_code == 200 and imported.json()["saved"] is True
    assert client.post(url("monthly", unit.pk, YEAR), FIGURE, format="json").status_code == 201
    report.refresh_from_db()
    assert report.compiled_by_agency_id == granted.agency_id and report.lines.count() == 1


def test_an_agencys_grant_covers_only_its_year(token_for, dave, unit, granted):
    listed(unit, year=YEAR - 1)
    client = token_for(dave)
    assert client.get(url("monthly", unit.pk, YEAR)).status_code == 200
    assert client.get(url("monthly", unit.pk, YEAR - 1)).status_code == 404
    assert client.post(url("monthly", unit.pk, YEAR - 1), FIGURE, format="json").status_code == 404


def test_an_agency_with_a_grant_cannot_grant_or_withdraw_access(token_for, dave, unit, agency, granted):
    client = token_for(dave)
    assert client.get(url("access", unit.pk, YEAR)).status_code == 404
    assert client.post(url("access", unit.pk, YEAR), {"agency": agency.uscc}, format="json").status_code == 404
    assert client.post(url("access_revoke", unit.pk, YEAR, granted.pk)).status_code == 404
    granted.refresh_from_db()
    assert granted.is_active and CompilationGrant.objects.count() == 1


# The bureau


def test_bureau_accounts_cannot_use_a_token_on_these_endpoints(token_for, alice, unit, report):
    client = token_for(alice)
    for path in (url("report_evidence", report.pk), url("monthly", unit.pk, YEAR), url("report_pdf", report.pk)):
        response = client.get(path)
        assert response.status_code == 401 and "second factor" in response.json()["detail"]


def test_the_bureau_reads_a_units_evidence_and_monthly_figures_with_its_session(
    session_for, alice, unit, report, evidence, figure
):
    client = session_for(alice)
    assert [row["id"] for row in client.get(url("report_evidence", report.pk)).json()] == [evidence.pk]
    assert client.get(url("report_evidence_download", report.pk, evidence.pk)).status_code == 200
    body = client.get(url("monthly", unit.pk, YEAR)).json()
    assert body["may_file"] is False and [f["id"] for f in body["figures"]] == [figure.pk]


def test_the_bureau_cannot_change_a_units_filings(session_for, alice, unit, report, evidence, figure):
    client = session_for(alice)
    upload = {"file": pdf_upload("more.pdf", pdf_bytes() + b"\n"), "description": "x"}
    assert client.post(url("report_evidence", report.pk), upload, format="multipart").status_code == 403
    assert client.delete(url("report_evidence_item", report.pk, evidence.pk)).status_code == 403
    imported = client.post(url("report_import", report.pk), {"file": sheet(ELECTRICITY), "dry_run": "false"})
    assert imported.status_code == 403
    assert client.post(url("monthly", unit.pk, YEAR), FIGURE | {"month": 2}, format="json").status_code == 403
    assert client.delete(url("monthly_figure", unit.pk, YEAR, figure.pk)).status_code == 403
    figure.refresh_from_db()
    assert list(report.evidence.all()) == [evidence] and not report.lines.exists() and figure.superseded_at is None


def test_the_bureau_does_not_manage_a_units_agency_access(session_for, alice, unit, agency, report):
    client = session_for(alice)
    assert client.get(url("access", unit.pk, YEAR)).status_code == 404
    assert client.post(url("access", unit.pk, YEAR), {"agency": agency.uscc}, format="json").status_code == 404
    assert not CompilationGrant.objects.exists()


@pytest.mark.parametrize(
    "name, args",
    [("report_evidence", [1]), ("report_import_template", [1]), ("monthly", [1, YEAR]), ("access", [1, YEAR])],
)
def test_anonymous_callers_must_authenticate(name, args):
    assert APIClient().get(url(name, *args)).status_code in (401, 403)


# PDFs


def test_a_report_pdf_is_202_while_prepared_then_200_once_rendered(
    token_for, carol, report, fake_pdf, django_capture_on_commit_callbacks
):
    client = token_for(carol)
    path = url("report_pdf", report.pk)
    none_yet = client.get(path)
    assert none_yet.status_code == 404 and "Ask for one" in none_yet.json()["detail"]
    with django_capture_on_commit_callbacks() as callbacks:
        asked = client.post(path)
    assert asked.status_code == 202 and asked["Location"] == path
    assert asked.json()["status"] == "pending" and asked.json()["filename"] == f"{report.reference}-draft.pdf"
    assert client.get(path).status_code == 202
    for callback in callbacks:
        callback()  # the rendering task, as after commit
    ready = client.get(path)
    assert ready.status_code == 200 and ready["Content-Type"] == "application/pdf"
    assert streamed(ready).startswith(b"%PDF-")


def test_a_plan_pdf_is_202_while_prepared_then_200_once_rendered(
    token_for, carol, unit, fake_pdf, django_capture_on_commit_callbacks
):
    plan = plan_draft(carol, unit)
    client = token_for(carol)
    path = url("plan_pdf", plan.pk)
    with django_capture_on_commit_callbacks() as callbacks:
        assert client.post(path).status_code == 202
    assert client.get(path).status_code == 202
    for callback in callbacks:
        callback()
    assert client.get(path).status_code == 200


def test_a_pdf_asked_for_twice_while_prepared_is_a_400(token_for, carol, report, fake_pdf):
    client = token_for(carol)
    assert client.post(url("report_pdf", report.pk)).status_code == 202
    again = client.post(url("report_pdf", report.pk))
    assert again.status_code == 400 and "already being prepared" in again.json()["non_field_errors"][0]
    assert GeneratedDocument.objects.count() == 1


def test_a_ready_pdf_is_served_to_a_client_that_accepts_only_pdf(
    token_for, carol, report, fake_pdf, django_capture_on_commit_callbacks
):
    client = token_for(carol)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("report_pdf", report.pk))
    assert client.get(url("report_pdf", report.pk), HTTP_ACCEPT="application/pdf").status_code == 200


def test_another_units_user_does_not_find_the_report_pdf(token_for, erin, report, fake_pdf):
    client = token_for(erin)
    assert client.get(url("report_pdf", report.pk)).status_code == 404
    assert client.post(url("report_pdf", report.pk)).status_code == 404
    assert not GeneratedDocument.objects.exists()


def test_another_units_user_does_not_find_the_plan_pdf(token_for, erin, carol, unit, fake_pdf):
    plan = submitted_plan(carol, unit)
    before = GeneratedDocument.objects.count()
    client = token_for(erin)
    assert client.get(url("plan_pdf", plan.pk)).status_code == 404
    assert client.post(url("plan_pdf", plan.pk)).status_code == 404
    assert GeneratedDocument.objects.count() == before
