"""A unit files its annual report in Chinese: one source by hand with live recalculation, the rest
from the Excel template, submits with the declaration, and downloads the PDF, whose Chinese text
must come out of the file (issue 3's report path)."""

import shutil
import subprocess

import openpyxl
import pytest

from tests.reporting.helpers import facility, listed

from .test_plan_filing import sign_in_unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _fill_template(path, code):
    book = openpyxl.load_workbook(path)
    sheet = book["Sources"]
    rows = [
        (code, "燃料燃烧", "2号锅炉 天然气", "natural_gas", "100", "万Nm3", "否"),
        (code, "外购热力", "蒸汽管网", "sh_purchased_heat", "5000", "GJ", "否"),
    ]
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=2 + offset, column=column, value=value)
    book.save(path)


def test_unit_files_a_report_by_hand_and_from_excel_and_reads_its_pdf(
    live_server, new_page, shots, tmp_path, carol, unit
):
    listed(unit, year=2026)
    fac = facility(unit)
    page = new_page()
    sign_in_unit(page, live_server.url, carol.email)
    page.goto(f"{live_server.url}/reporting/reports/")
    page.click("button:has-text('开始填报')")

    # One source by hand: the figure appears as the filer types, before anything is saved.
    page.click("a[href$='/lines/add/']")
    page.select_option("select[name=facility]", str(fac.pk))
    page.select_option("select[name=category]", "purchased_electricity")
    page.fill("input[name=source_description]", "外购电力 总表")
    page.select_option("select[name=factor_code]", "sh_grid_electricity")
    page.select_option("select[name=activity_unit]", "kwh")
    page.fill("input[name=activity_amount]", "12000")
    page.locator("#line-preview").get_by_text("5.040").wait_for()
    page.screenshot(path=shots / "report-line-preview-zh.png", full_page=True)
    page.click("main form button[type=submit]")

    # The rest from the spreadsheet template: check first, then import.
    with page.expect_download() as download:
        page.click("a[href$='/import/template.xlsx']")
    workbook = tmp_path / "sources.xlsx"
    download.value.save_as(workbook)
    _fill_template(workbook, fac.code)
    page.click("a[href$='/import/']")
    page.set_input_files("input[type=file]", str(workbook))
    page.check("input[name=mode][value=check]")
    page.click("main form button[type=submit]")
    page.locator(".notice-success").wait_for()
    page.click("button:has-text('导入')")
    assert page.locator("table.data tbody tr").count() >= 3

    # Check your answers, declare and submit.
    page.click("a[href$='/submit/']")
    page.check("input[name=declaration_confirmed]")
    page.fill("input[name=declared_by_name]", "张三")
    page.click("main form button[type=submit]")
    reference = page.locator(".reference").first.inner_text()
    assert reference.startswith("AER-2026-")
    page.screenshot(path=shots / "report-submitted-zh.png", full_page=True)

    # The PDF, prepared after commit (eagerly here), downloaded and read.
    page.goto(page.url.split("/submit/")[0] + "/")
    with page.expect_download() as download:
        page.click("#pdf a[href$='.pdf'], #pdf a:has-text('下载')")
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils not installed")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert unit.name_zh in text and reference in text and "外购电力" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts and " yes " in fonts  # embedded
    subprocess.run(
        ["pdftoppm", "-png", "-r", "90", "-f", "1", "-l", "1", str(pdf), str(shots / "report-pdf")], check=False
    )
