"""Issue 4's path in the browser: the bureau assigns the review, the agency uploads its review, the
bureau determines and a second user approves, the unit objects, a re-examination by another agency
changes the figure, and the public page shows the final figure (Art. 17-20).

Each user signs in once and keeps their own browser context: a TOTP code is accepted only once per
user within its period, and alice and bob come back several times."""

import re
import shutil
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse

from carbon_portal.roles import Role
from registry.models import Organisation
from reporting.models import ReportLine
from tests.carbon_portal.test_files import pdf_bytes
from tests.factories import AgencyFactory
from tests.reporting.helpers import YEAR, add_electricity, draft, facility, submit
from tests.verification.helpers import add_evidence, reviewing, staff_of
from verification.choices import DeterminationStatus
from verification.models import Determination
from verification.services.agencies import reviewer_add

from .test_bureau_list import sign_in
from .test_plan_filing import sign_in_unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# 10,000 MWh and 5,000 MWh of Shanghai grid electricity at 0.42 t/MWh (the factor from 2022).
REPORTED = "6,300.000"
FIRST_ACTIVITY, FIRST_TOTAL = "11000", "6,720.000"  # the agency finds 11,000 MWh on the first meter
SECOND_ACTIVITY, SECOND_TOTAL = "10500", "6,510.000"  # the re-examination finds 10,500 MWh


def _url(live_server, name, *args, query=""):
    return f"{live_server.url}{reverse(f'verification:{name}', args=args)}{query}"


def _setting_up(alice, carol, dave, unit):
    """The year as it stands when the review is assigned: the unit's report submitted, two agencies
    reviewing in YEAR, each with an active reviewer. Year settings for YEAR come with the reference
    data (registry.reference.load)."""
    report = draft(carol, unit)
    fac = facility(unit)
    add_electricity(carol, report, fac, mwh="10000", source_description="Main meter")
    add_electricity(carol, report, fac, mwh="5000", source_description="Cold store meter")
    add_evidence(carol, report)
    report = submit(carol, report)

    first = reviewing(Organisation.objects.get(memberships__user=dave, memberships__role=Role.AGENCY_STAFF), alice)
    second = reviewing(AgencyFactory(name_en="Second Review Agency"), alice)
    frank = staff_of(second)
    reviewer_add(actor=alice, agency=first, name="Dave Reviewer", certificate_number="CR-0001", user=dave)
    reviewer_add(actor=alice, agency=second, name="Frank Reviewer", certificate_number="CR-0002", user=frank)
    return report, first, second, frank


def _write_review(page, live_server, report, activity, *, pdf, finding, shot=None):
    """The agency's reviewer: from the list of reports to review to a submitted review."""
    page.goto(_url(live_server, "workspace_list"))
    page.get_by_role("link", name="Write the review").click()
    page.click("main form button[type=submit]:has-text('Write the review')")  # starts the draft
    page.locator("#review-form").wait_for()
    first_line = ReportLine.objects.filter(report=report, source_description="Main meter").get()
    page.fill(f"input[name=activity_{first_line.pk}]", activity)
    page.fill(f"input[name=note_{first_line.pk}]", "Meter readings of the year")
    page.click("button[name=action][value=save]:has-text('Save and recalculate')")
    page.locator("#review-form").wait_for()
    page.select_option("select[name=finding-kind]", "misstatement")
    page.select_option("select[name=finding-report_line]", str(first_line.pk))
    page.fill("textarea[name=finding-description]", finding)
    page.select_option("select[name=reviewer]", index=1)
    page.select_option("select[name=conclusion]", "corrected")
    page.fill("textarea[name=conclusion_text]", "Confirmed with the corrected figure of the main meter.")
    page.set_input_files("input[name=document]", str(pdf))
    page.check("input[name=confirm]")
    if shot:
        page.screenshot(path=shot, full_page=True)
    page.click("button[name=action][value=submit]")
    page.wait_for_url("**/technical-reviews/*/")
    assert "submitted" in page.locator("main").inner_text().lower()
    return page.url


def _determine(page, live_server, unit, figure, reasoning, *, shot=None):
    """alice: the year's determinations, the unit's workspace, a draft, sent for approval."""
    page.goto(_url(live_server, "determination_list", YEAR))
    page.click(f"a[href='{reverse('verification:determination_workspace', args=[YEAR, unit.pk])}']")
    if shot:
        page.screenshot(path=shot, full_page=True)
    page.fill("input[name=emissions_tco2e]", figure)
    page.fill("textarea[name=reasoning]", reasoning)
    page.click("main form button[type=submit]:has-text('Save as draft')")
    page.locator(".summary-list").filter(has_text=reasoning).wait_for()
    page.click("button:has-text('Send for approval')")
    page.get_by_text("Sent for approval").first.wait_for()


def _approve(page, live_server, unit):
    """bob, from his tasks: the pending determination, its approval page, approve."""
    page.goto(f"{live_server.url}/dashboard/")
    page.get_by_role("link", name=re.compile(f"Approve or return 1 determination of {YEAR}")).click()
    page.click(f"a[href='{reverse('verification:determination_workspace', args=[YEAR, unit.pk])}']")
    page.click("a:has-text('Open the approval page')")
    page.click("button:has-text('Approve: put the determination in force')")
    page.locator(".notice-success").filter(has_text="In force.").wait_for()


def test_review_determination_objection_and_reexamination_reach_the_public_page(
    live_server, new_page, shots, tmp_path, alice, bob, carol, dave, unit
):
    report, first_agency, second_agency, frank = _setting_up(alice, carol, dave, unit)
    pdf = tmp_path / "signed-review.pdf"
    pdf.write_bytes(pdf_bytes())

    bureau = new_page(locale="en")
    sign_in(bureau, live_server.url, alice.email)
    approver = new_page(locale="en")
    sign_in(approver, live_server.url, bob.email)

    # 1. alice assigns the review to dave's agency.
    bureau.goto(_url(live_server, "review_list", YEAR))
    bureau.click(f"a[href='{reverse('verification:review_assign', args=[YEAR, report.pk])}']")
    bureau.check(f"input[name=agency][value='{first_agency.pk}']")
    bureau.click("button:has-text('Assign the review')")
    bureau.wait_for_url(f"**{reverse('verification:review_list', args=[YEAR])}")
    row = bureau.locator("table.data tbody tr").filter(has_text=unit.name_en)
    assert first_agency.name_en in row.inner_text()
    assert "Reassign" in row.inner_text()

    # 2. dave writes the review: one figure changed, a finding, reviewer, conclusion, signed PDF.
    agency = new_page(locale="en")
    sign_in_unit(agency, live_server.url, dave.email)
    _write_review(
        agency,
        live_server,
        report,
        FIRST_ACTIVITY,
        pdf=pdf,
        finding="The main meter was read 1,000 MWh short.",
        shot=shots / "verification-review-form.png",
    )
    assert FIRST_TOTAL in agency.locator("main").inner_text()

    # 3. alice sees report and review side by side and determines; bob approves.
    _determine(
        bureau,
        live_server,
        unit,
        "6720",
        "As reviewed: the main meter's readings.",
        shot=shots / "verification-determination-side-by-side.png",
    )
    side = bureau.locator("table.data").filter(has_text="Main meter")
    assert REPORTED in side.inner_text() and FIRST_TOTAL in side.inner_text()
    assert "+420.000" in side.inner_text()
    _approve(approver, live_server, unit)
    approver.screenshot(path=shots / "verification-approved.png", full_page=True)
    first = Determination.objects.get(organisation=unit, year=YEAR)
    assert first.status == DeterminationStatus.APPROVED and first.emissions_tco2e == Decimal("6720")

    # 4. carol, in Chinese: the figure, the notice PDF, then her objection with a supporting file.
    unit_page = new_page(locale="zh-CN")
    sign_in_unit(unit_page, live_server.url, carol.email)
    unit_page.goto(_url(live_server, "determination_unit"))
    assert FIRST_TOTAL in unit_page.locator("table.data").inner_text()
    unit_page.screenshot(path=shots / "verification-unit-determination-zh.png", full_page=True)
    with unit_page.expect_download() as download:
        unit_page.click(f"a[href='{reverse('verification:determination_notice', args=[first.pk])}']")
    notice = tmp_path / "notice.pdf"
    download.value.save_as(notice)
    assert notice.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", "-layout", str(notice), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert unit.name_zh in text and FIRST_TOTAL in text and first.reference in text
    unit_page.click(f"a[href='{reverse('verification:objection_file', args=[first.pk])}']")
    unit_page.fill("textarea[name=reasons]", "二号电表读数有误，实际用电量为10500兆瓦时。")
    unit_page.fill("input[name=claimed_tco2e]", "6510")
    evidence = tmp_path / "meter-calibration.pdf"
    evidence.write_bytes(pdf_bytes())
    unit_page.set_input_files("input[name=files]", str(evidence))
    unit_page.click("main form button[type=submit]")
    unit_page.wait_for_url("**/verification/objections/*/")
    unit_page.screenshot(path=shots / "verification-objection-filed-zh.png", full_page=True)

    # 5. alice accepts the objection; dave's agency may not re-examine, the second agency may.
    bureau.goto(_url(live_server, "objection_admin", YEAR))
    bureau.locator("table.data a").filter(has_text=unit.name_en).click()
    bureau.fill("textarea[name=accept-reason]", "The main meter's readings.")
    bureau.click("button:has-text('Accept and open a re-examination')")
    bureau.wait_for_url("**/admin/reexaminations/item/*/")
    assert bureau.locator(f"input[name=agency][value='{first_agency.pk}']").is_disabled()
    assert "Not eligible" in bureau.locator(f"#agency-{first_agency.pk}-why").inner_text()
    bureau.screenshot(path=shots / "verification-reexamination-assign.png", full_page=True)
    bureau.check(f"input[name=agency][value='{second_agency.pk}']")
    bureau.click("button:has-text('Assign the re-examination')")
    bureau.locator(".notice-success").filter(has_text="The re-examination goes to").wait_for()

    # 6. The second agency re-examines and finds another figure.
    second = new_page(locale="en")
    sign_in_unit(second, live_server.url, frank.email)
    _write_review(second, live_server, report, SECOND_ACTIVITY, pdf=pdf, finding="Meter 1 read 10,500 MWh.")
    assert SECOND_TOTAL in second.locator("main").inner_text()

    # 7. alice determines on the re-examination; bob approves.
    _determine(bureau, live_server, unit, "6510", "Re-examination: the main meter read 10,500 MWh.")
    assert "Re-examination" in bureau.locator("main").inner_text()
    _approve(approver, live_server, unit)
    final = Determination.objects.get(organisation=unit, year=YEAR, status=DeterminationStatus.APPROVED)
    assert final.emissions_tco2e == Decimal("6510") and final.replaces_id == first.pk

    # 8. The public sees only the new figure; the bureau's history keeps both.
    public = new_page(locale="en")
    public.goto(_url(live_server, "determined_year", YEAR))
    row = public.locator("table.data tbody tr").filter(has_text=unit.name_en)
    assert row.count() == 1
    assert SECOND_TOTAL in row.inner_text()
    assert FIRST_TOTAL not in public.locator("main").inner_text()
    public.screenshot(path=shots / "verification-public.png", full_page=True)
    bureau.goto(_url(live_server, "determination_history", YEAR, unit.pk))
    history = bureau.locator("table.data").inner_text()
    assert FIRST_TOTAL in history and SECOND_TOTAL in history
    bureau.screenshot(path=shots / "verification-history.png", full_page=True)
