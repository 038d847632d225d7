"""Bulk import of organisations: every row checked by the same form, all rows or none saved."""

import csv
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from carbon_portal.excel import safe_text
from carbon_portal.models import AuditEntry
from registry import import_templates, imports
from registry.imports import organisation_import
from registry.models import Organisation
from tests.factories import make_uscc

pytestmark = pytest.mark.django_db

HEAD = ["uscc", "name_zh", "name_en", "org_type", "industry", "district", "address"]
HEAD_ZH = ["统一社会信用代码", "单位名称", "英文名称", "单位类型", "行业代码", "所在区", "地址"]
PAGE = "registry:organisation_import"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def row(uscc=None, n=1, **over) -> list[str]:
    values = {
        "uscc": uscc or make_uscc(),
        "name_zh": f"上海导入测试化工有限公司{n}",
        "name_en": f"Import Test Chemical Co. {n}",
        "org_type": "enterprise",
        "industry": "C26",
        "district": "jinshan",
        "address": f"金山区测试路{n}号",
    } | over
    return [values[h] for h in HEAD]


def xlsx(rows, head=HEAD, name="orgs.xlsx") -> SimpleUploadedFile:
    wb = Workbook()
    wb.active.append(head)
    for r in rows:
        wb.active.append(r)
    out = io.BytesIO()
    wb.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def csv_file(rows, head=HEAD, name="orgs.csv", encoding="utf-8") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(head)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(encoding))


def wrong_check_character(code: str) -> str:
    return code[:-1] + ("1" if code[-1] != "1" else "2")


def three_rows():
    return [row(n=n) for n in (1, 2, 3)]


def run(actor, upload, dry_run=False):
    return organisation_import(actor=actor, uploaded_file=upload, dry_run=dry_run)


def file_error(actor, upload) -> ValidationError:
    with pytest.raises(ValidationError) as exc:
        run(actor, upload)
    return exc.value


# The service ------------------------------------------------------------------------------


def test_a_valid_three_row_file_imports_three_organisations(alice):
    before = Organisation.objects.count()
    rows = three_rows()
    result = run(alice, xlsx(rows))
    assert result.ok and result.created == 3
    assert Organisation.objects.count() == before + 3
    org = Organisation.objects.get(uscc=rows[1][0])
    assert (org.name_zh, org.industry.code, org.district, org.org_type) == (rows[1][1], "C26", "jinshan", "enterprise")


def test_one_import_writes_one_audit_record_with_the_count(alice):
    result = run(alice, xlsx(three_rows()))
    entry = AuditEntry.objects.get(verb="organisation.import")
    assert entry.data["count"] == 3 and entry.data["file"] == "orgs.xlsx"
    assert result.reference == f"IMP-{entry.pk:06d}"


def test_one_bad_row_among_three_imports_none_and_names_the_row_and_column(alice):
    before = Organisation.objects.count()
    rows = [row(n=1), row(wrong_check_character(make_uscc()), n=2), row(n=3)]
    result = run(alice, xlsx(rows))
    assert not result.ok and result.created == 0
    assert Organisation.objects.count() == before
    assert [(e.row, e.column, e.code) for e in result.errors] == [(3, "uscc", "uscc_checksum")]
    assert str(result.errors[0]).startswith("Row 3, uscc: ")
    assert not AuditEntry.objects.filter(verb="organisation.import").exists()


def test_a_dry_run_saves_nothing_but_previews_every_row(alice):
    before = Organisation.objects.count()
    result = run(alice, xlsx(three_rows()), dry_run=True)
    assert result.ok and [r.row for r in result.rows] == [2, 3, 4]
    assert result.created == 0 and not result.reference
    assert Organisation.objects.count() == before
    assert not AuditEntry.objects.filter(verb__startswith="organisation.").exists()


def test_unit_staff_may_not_import(carol):
    with pytest.raises(PermissionDenied):
        run(carol, xlsx(three_rows()), dry_run=True)


@pytest.mark.parametrize(
    ("code", "error_code"),
    [
        ("91310000MA1FL0", "uscc_length"),
        ("91310000MA1FL0000XX", "max_length"),  # the form's own length check speaks first
        ("91310000MA1FLOOOOI", "uscc_format"),
    ],
)
def test_malformed_credit_codes_are_refused(alice, code, error_code):
    result = run(alice, xlsx([row(n=1), row(code, n=2)]))
    assert [(e.row, e.column, e.code) for e in result.errors] == [(3, "uscc", error_code)]


def test_a_code_repeated_within_the_file_names_the_first_row(alice):
    code = make_uscc()
    result = run(alice, xlsx([row(code, n=1), row(n=2), row(code.lower(), n=3)]))
    assert [(e.row, e.code) for e in result.errors] == [(4, "duplicate_in_file")]
    assert "row 2" in result.errors[0].message
    assert not Organisation.objects.filter(uscc=code).exists()


def test_a_code_already_registered_is_refused(alice, unit):
    result = run(alice, xlsx([row(n=1), row(unit.uscc, n=2)]))
    assert [(e.row, e.column) for e in result.errors] == [(3, "uscc")]
    assert unit.name_zh in result.errors[0].message


def test_an_unknown_industry_code_is_refused(alice):
    result = run(alice, xlsx([row(industry="X99")]))
    assert [(e.row, e.column, e.code) for e in result.errors] == [(2, "industry", "unknown_industry")]
    assert "X99" in result.errors[0].message


def test_an_unknown_district_is_refused(alice):
    result = run(alice, xlsx([row(district="Atlantis")]))
    assert [(e.row, e.column, e.code) for e in result.errors] == [(2, "district", "unknown_district")]


def test_every_problem_of_a_row_is_listed_in_column_order(alice):
    result = run(alice, xlsx([row(n=1), row("BAD", n=2, name_zh="", district="Atlantis")]))
    assert [(e.row, e.column) for e in result.errors] == [(3, "uscc"), (3, "name_zh"), (3, "district")]


def test_missing_required_columns_are_named(alice):
    head = ["uscc", "name_zh", "industry"]
    error = file_error(alice, xlsx([[make_uscc(), "上海某公司", "C26"]], head=head))
    assert error.error_list[0].code == "columns"
    assert "单位类型 (org_type)" in error.messages[0] and "所在区 (district)" in error.messages[0]
    assert "uscc" not in error.messages[0]


def test_an_unknown_column_is_refused_rather_than_dropped(alice):
    error = file_error(alice, xlsx([row() + ["x"]], head=HEAD + ["注册资本"]))
    assert "H" in error.messages[0] and "注册资本" in error.messages[0]


def test_chinese_headings_and_chinese_values_are_accepted(alice):
    rows = [row(n=1, org_type="企业", district="金山区"), row(n=2, org_type="事业单位", district="浦东")]
    result = run(alice, xlsx(rows, head=HEAD_ZH))
    assert result.ok and result.created == 2
    assert Organisation.objects.get(uscc=rows[1][0]).district == "pudong"
    assert Organisation.objects.get(uscc=rows[1][0]).org_type == "public_institution"


def test_english_labels_are_accepted_for_type_and_district(alice):
    rows = [row(org_type="Public institution", district="Pudong New Area", industry="p83")]
    result = run(
        alice,
        xlsx(
            rows, head=["Credit code", "Chinese name", "English name", "Type", "Industry code", "District", "Address"]
        ),
    )
    org = Organisation.objects.get(uscc=rows[0][0])
    assert result.ok and (org.org_type, org.district, org.industry.code) == ("public_institution", "pudong", "P83")


def test_a_gb18030_csv_with_chinese_headings_imports(alice):
    rows = [row(n=1, org_type="企业", district="金山区"), row(n=2)]
    result = run(alice, csv_file(rows, head=HEAD_ZH, encoding="gb18030"))
    assert result.ok and result.created == 2
    assert Organisation.objects.get(uscc=rows[0][0]).name_zh == "上海导入测试化工有限公司1"


def test_a_utf8_csv_with_bom_imports(alice):
    result = run(alice, csv_file(three_rows(), encoding="utf-8-sig"))
    assert result.ok and result.created == 3


def test_blank_rows_are_skipped_and_row_numbers_still_match_the_sheet(alice):
    result = run(alice, xlsx([row(n=1), ["", "", "", "", "", "", ""], row(n=3, district="Atlantis")]))
    assert [e.row for e in result.errors] == [4]


def test_a_csv_row_with_extra_cells_is_refused_with_its_row(alice):
    upload = SimpleUploadedFile(
        "orgs.csv", (",".join(HEAD) + "\n" + ",".join(row()) + "\n" + ",".join(row() + ["x"]) + "\n").encode()
    )
    error = file_error(alice, upload)
    assert "Row 3" in error.messages[0]


def test_the_templates_example_row_is_not_imported(alice):
    result = run(alice, xlsx([row(imports.TEMPLATE_EXAMPLE_USCC)]))
    assert [e.code for e in result.errors] == ["example_row"]


def test_a_renamed_executable_is_refused(alice):
    exe = SimpleUploadedFile("orgs.xlsx", b"MZ\x90\x00\x03" + b"\x00" * 500)
    assert file_error(alice, exe).code == "content_mismatch"


def test_an_empty_file_is_refused(alice):
    assert file_error(alice, SimpleUploadedFile("orgs.csv", b"")).code == "empty"


def test_headings_without_rows_are_refused(alice):
    assert file_error(alice, xlsx([])).code == "no_rows"


def test_too_many_rows_are_refused(alice, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 2)
    assert file_error(alice, xlsx(three_rows())).code == "too_many_rows"


def test_a_failure_while_saving_rolls_back_every_row(alice, monkeypatch):
    """If a code is registered by someone else between the check and the save, nothing stays."""
    real_create, calls = imports.organisation_create, []

    def flaky(**fields):
        calls.append(fields["uscc"])
        if len(calls) == 2:
            raise ValidationError({"uscc": "registered meanwhile"})
        return real_create(**fields)

    monkeypatch.setattr(imports, "organisation_create", flaky)
    before = Organisation.objects.count()
    result = run(alice, xlsx(three_rows()))
    assert [(e.row, e.column) for e in result.errors] == [(3, "uscc")] and result.created == 0
    assert Organisation.objects.count() == before


# The template -----------------------------------------------------------------------------


def test_cells_that_would_run_as_formulas_are_written_as_text():
    assert safe_text("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    assert safe_text("@SUM(A1)") == "'@SUM(A1)"
    assert safe_text("上海") == "上海"


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_xlsx_template_imports_once_the_example_is_replaced(alice, language):
    with translation.override(language):
        sheet = load_workbook(io.BytesIO(import_templates.template_xlsx())).active
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[1][0] == imports.TEMPLATE_EXAMPLE_USCC
    rows[1][0] = make_uscc()
    result = run(alice, xlsx(rows[1:], head=rows[0]))
    assert result.ok and result.created == 1


def test_the_csv_template_has_headings_and_an_example_row():
    with translation.override("zh-hans"):
        content = import_templates.template_csv()
    assert content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert lines[0] == HEAD_ZH and len(lines) == 2


# The pages --------------------------------------------------------------------------------


@pytest.fixture
def as_alice(client_for, alice):
    client = client_for(alice)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.mark.parametrize(("name", "kwargs"), [(PAGE, {}), ("registry:organisation_import_template", {"fmt": "csv"})])
def test_anonymous_is_sent_to_login(client, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(("name", "kwargs"), [(PAGE, {}), ("registry:organisation_import_template", {"fmt": "csv"})])
def test_unit_staff_are_refused_the_import_pages(client_for, carol, name, kwargs):
    assert client_for(carol).get(reverse(name, kwargs=kwargs)).status_code == 403
    if name == PAGE:
        response = client_for(carol).post(reverse(name), {"file": xlsx(three_rows()), "mode": "import"})
        assert response.status_code == 403


def test_bureau_staff_see_the_upload_form(as_alice):
    response = as_alice.get(reverse(PAGE))
    assert response.status_code == 200
    assert b'type="file"' in response.content and b'value="check"' in response.content


def test_a_passing_dry_run_previews_then_imports_the_same_file(as_alice):
    before = Organisation.objects.count()
    rows = three_rows()
    response = as_alice.post(reverse(PAGE), {"file": xlsx(rows), "mode": "check"})
    assert response.status_code == 200 and Organisation.objects.count() == before
    assert rows[2][0] in response.content.decode()
    sha = response.context["pending_sha256"]
    assert sha
    response = as_alice.post(reverse(PAGE), {"action": "confirm", "sha256": sha})
    assert response.status_code == 302 and Organisation.objects.count() == before + 3
    page = as_alice.get(response["Location"])
    assert page.status_code == 200
    assert page.context["count"] == 3 and page.context["reference"].startswith("IMP-")
    assert page.context["reference"] in page.content.decode()


def test_confirming_with_a_stale_digest_imports_nothing(as_alice):
    as_alice.post(reverse(PAGE), {"file": xlsx(three_rows()), "mode": "check"})
    before = Organisation.objects.count()
    response = as_alice.post(reverse(PAGE), {"action": "confirm", "sha256": "0" * 64}, follow=True)
    assert Organisation.objects.count() == before
    assert "no longer available" in response.content.decode()


def test_importing_directly_shows_the_confirmation(as_alice):
    response = as_alice.post(reverse(PAGE), {"file": csv_file(three_rows()), "mode": "import"}, follow=True)
    assert response.context["count"] == 3
    assert "3 organisations registered" in response.content.decode()


def test_row_errors_are_listed_in_the_error_summary_and_nothing_is_saved(as_alice):
    before = Organisation.objects.count()
    rows = [row(n=1), row(n=2, industry="X99"), row(n=3)]
    response = as_alice.post(reverse(PAGE), {"file": xlsx(rows), "mode": "import"})
    body = response.content.decode()
    assert response.status_code == 200 and Organisation.objects.count() == before
    assert 'class="error-summary"' in body and "Row 3, industry: X99 is not an industry code" in body


def test_a_refused_file_is_explained_beside_the_file_input(as_alice):
    exe = SimpleUploadedFile("orgs.xlsx", b"MZ\x90\x00\x03" + b"\x00" * 500)
    response = as_alice.post(reverse(PAGE), {"file": exe, "mode": "check"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Files are checked by what they contain" in body and 'href="#id_file"' in body


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [("csv", "text/csv"), ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")],
)
def test_the_template_downloads(as_alice, fmt, content_type):
    response = as_alice.get(reverse("registry:organisation_import_template", kwargs={"fmt": fmt}))
    assert response.status_code == 200 and response["Content-Type"].startswith(content_type)
    assert f"organisations-template.{fmt}" in response["Content-Disposition"]


def test_an_unknown_template_format_is_not_found(as_alice):
    assert as_alice.get(reverse("registry:organisation_import_template", kwargs={"fmt": "exe"})).status_code == 404
