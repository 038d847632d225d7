"""Art. 17: the public page of determined emissions per unit and year, once the determination is in
force; never a draft's or a pending one's figure; a re-examination's result replaces the figure it
re-examined."""

import csv
import io
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from registry.choices import District
from registry.models import Industry
from tests.factories import OrganisationFactory
from tests.reporting.helpers import YEAR
from verification.choices import DeterminationBasis, DeterminationStatus, ReexamStatus, ReexamTrigger
from verification.models import Determination, ReExamination

pytestmark = pytest.mark.django_db


def determined(org, tonnes, alice, bob, *, status=DeterminationStatus.APPROVED, year=YEAR, **fields):
    approved = status in (DeterminationStatus.APPROVED, DeterminationStatus.SUPERSEDED)
    fields.setdefault("basis", DeterminationBasis.ESTIMATE)
    if fields["basis"] == DeterminationBasis.ESTIMATE:
        fields.setdefault("estimate_method", "Highest of the last three years, plus 10%")
    return Determination.objects.create(
        organisation=org,
        year=year,
        status=status,
        emissions_tco2e=D(tonnes),
        reasoning="Test",
        prepared_by=alice,
        approved_by=bob if approved else None,
        approved_at=timezone.now() if approved else None,
        **fields,
    )


def reexamination(determination, alice, status=ReexamStatus.OPEN):
    return ReExamination.objects.create(
        determination=determination,
        trigger=ReexamTrigger.OTHER,
        reason="Significant doubt",
        status=status,
        opened_by=alice,
    )


def year_url(year=YEAR):
    return reverse("verification:determined_year", args=[year])


def download(client, fmt, **params):
    response = client.get(reverse("verification:determined_download", args=[YEAR, fmt]), params)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def csv_rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.fixture
def three(alice, bob, unit, other_unit):
    """unit approved at 12,345.678 t; other_unit pending at 99,999.111 t; a third unit only drafted."""
    determined(unit, "12345.678", alice, bob)
    determined(other_unit, "99999.111", alice, bob, status=DeterminationStatus.PENDING)
    drafted = OrganisationFactory(name_zh="草稿单位")
    determined(drafted, "77777.222", alice, bob, status=DeterminationStatus.DRAFT)
    return unit, other_unit, drafted


def test_the_page_needs_no_login(client, three):
    assert client.get(year_url()).status_code == 200
    assert client.get(reverse("verification:determined_index")).status_code == 200


def test_only_approved_figures_are_shown(client, three):
    body = client.get(year_url()).content.decode()
    assert "12,345.678" in body and "Jinshan Petrochemical Example Co." in body
    assert "99,999.111" not in body and "Another Chemical Co." not in body
    assert "77,777.222" not in body and "草稿单位" not in body


def test_the_row_gives_code_industry_district_basis_and_date(client, three):
    unit = three[0]
    body = client.get(year_url()).content.decode()
    assert unit.uscc in body and unit.industry.name_en in body and ">Jinshan</td>" in body
    assert "Conservative estimate (no report filed)" in body
    assert timezone.localdate().isoformat() in body


def test_the_name_follows_the_reader_language(client, three):
    body = client.get(year_url(), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "上海金山石化示例有限公司" in body and "Jinshan Petrochemical Example Co." not in body


def test_a_superseded_determination_gives_way_to_its_re_examination_result(client, alice, bob, unit):
    first = determined(unit, "1000", alice, bob, status=DeterminationStatus.SUPERSEDED, superseded_at=timezone.now())
    reexam = reexamination(first, alice, status=ReexamStatus.DECIDED)
    determined(unit, "1234.5", alice, bob, basis=DeterminationBasis.REEXAMINATION, reexamination=reexam, replaces=first)
    page = client.get(year_url())
    assert [d.emissions_tco2e for d in page.context["page"]] == [D("1234.5")]
    assert "Re-examination" in page.content.decode() and "1,000.000" not in page.content.decode()


def test_the_figure_stays_until_a_pending_re_examination_result_is_approved(client, alice, bob, unit):
    first = determined(unit, "1000", alice, bob)
    reexam = reexamination(first, alice, status=ReexamStatus.REVIEWED)
    determined(
        unit,
        "1500",
        alice,
        bob,
        status=DeterminationStatus.PENDING,
        basis=DeterminationBasis.REEXAMINATION,
        reexamination=reexam,
    )
    body = client.get(year_url()).content.decode()
    assert "1,000.000" in body and "1,500.000" not in body and "Under re-examination" in body


def test_an_open_re_examination_is_tagged(client, alice, bob, unit, other_unit):
    reexamination(determined(unit, "1000", alice, bob), alice)
    decided = determined(other_unit, "2000", alice, bob)
    reexamination(decided, alice, status=ReexamStatus.CANCELLED)
    rows = {d.organisation_id: d.under_reexamination for d in client.get(year_url()).context["page"]}
    assert rows == {unit.pk: True, other_unit.pk: False}


def test_search_and_filters(client, alice, bob, unit, other_unit):
    determined(unit, "1000", alice, bob)
    other_unit.district = District.PUDONG
    other_unit.industry = Industry.objects.get(code="C31")
    other_unit.save()
    determined(other_unit, "2000", alice, bob)

    def shown(**params):
        return [d.organisation_id for d in client.get(year_url(), params).context["page"]]

    assert shown(q="Jinshan") == [unit.pk]
    assert shown(q=other_unit.uscc.lower()) == [other_unit.pk]
    assert shown(industry="C31") == [other_unit.pk]
    assert shown(district=District.PUDONG) == [other_unit.pk]
    assert len(shown(district="atlantis")) == 2  # an unknown value is dropped


def test_another_year_is_not_mixed_in(client, alice, bob, unit):
    determined(unit, "1000", alice, bob, year=YEAR - 1)
    assert list(client.get(year_url()).context["page"]) == []
    assert client.get(year_url(1900)).status_code == 404


def test_the_index_lists_years_with_figures_in_force(client, alice, bob, unit, other_unit):
    determined(unit, "1000", alice, bob)
    determined(other_unit, "1000", alice, bob)
    determined(unit, "1000", alice, bob, year=YEAR - 1, status=DeterminationStatus.PENDING)
    page = client.get(reverse("verification:determined_index"))
    assert page.context["years"] == [{"year": YEAR, "units": 2}]
    assert year_url() in page.content.decode() and year_url(YEAR - 1) not in page.content.decode()


def test_the_csv_download_holds_the_approved_figures_only(client, three):
    rows = csv_rows(download(client, "csv"))
    assert rows[0][:3] == ["Name (Chinese)", "Name (English)", "Unified social credit code"]
    assert [(r[0], r[6], r[7]) for r in rows[1:]] == [
        ("上海金山石化示例有限公司", "12345.678", "Conservative estimate (no report filed)")
    ]


def test_the_xlsx_download_follows_the_search(client, alice, bob, unit, other_unit):
    determined(unit, "1000", alice, bob)
    determined(other_unit, "2000", alice, bob)
    sheet = load_workbook(io.BytesIO(download(client, "xlsx", q="Another"))).active
    assert [(row[0], row[6]) for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        ("上海另一家化工有限公司", 2000)
    ]


def test_an_unknown_download_format_is_not_found(client):
    url = reverse("verification:determined_download", args=[YEAR, "pdf"])
    assert client.get(url).status_code == 404


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        assert response.status_code == 200
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    return len(queries)


def _units(n, alice, bob, prefix):
    for i in range(n):
        determination = determined(OrganisationFactory(name_zh=f"{prefix}{i:03d}"), "1000", alice, bob)
        if i % 2:
            reexamination(determination, alice)


@pytest.mark.parametrize(
    "url",
    [
        year_url(),
        reverse("verification:determined_download", args=[YEAR, "csv"]),
        reverse("verification:determined_download", args=[YEAR, "xlsx"]),
        reverse("verification:determined_index"),
    ],
)
def test_pages_run_the_same_queries_for_1_and_10_units(client, alice, bob, url):
    _units(1, alice, bob, "小")
    few = _queries(client, url)
    _units(9, alice, bob, "大")
    assert _queries(client, url) == few
