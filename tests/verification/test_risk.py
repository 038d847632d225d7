"""The bureau's risk ranking of a year's reports: year-on-year change, intensity against peers and
the gap between report and review, each normalised by the year's thresholds (defaults: 20% year on
year, 10% report vs review), capped at three thresholds and summed."""

import csv
import io
from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from registry.models import EmissionRecord, Industry, YearSettings
from reporting.choices import ReportStatus
from reporting.models import AnnualReport, EmissionFactor, ReportLine
from tests.factories import AgencyFactory, OrganisationFactory, UserFactory
from tests.reporting.helpers import YEAR, facility
from verification.choices import (
    AssignmentKind,
    AssignmentStatus,
    DeterminationBasis,
    DeterminationStatus,
    ReviewConclusion,
    ReviewStatus,
)
from verification.models import Determination, ReviewAssignment, Reviewer, ReviewReport
from verification.selectors.risk import PEERS, REVIEW_GAP, YEAR_ON_YEAR, report_totals_bulk, risk_ranking
from verification.views import risk as risk_views

pytestmark = pytest.mark.django_db


# -- builders: rows written straight to the database, so the figures are exact --


def unit_in(name: str, industry: str = "C26"):
    return OrganisationFactory(name_zh=name, name_en=f"{name} Co.", industry=Industry.objects.get(code=industry))


def line(report, tonnes, *, gas="CO2", is_biomass=False):
    factor = EmissionFactor.objects.filter(code="sh_grid_electricity").first()
    return ReportLine.objects.create(
        report=report,
        facility=facility(report.organisation),
        category="purchased_electricity",
        source_description="Purchased electricity",
        activity_amount=D(1),
        activity_unit="mwh",
        activity_in_factor_unit=D(1),
        factor=factor,
        factor_code=factor.code,
        factor_version=factor.version,
        factor_source="test",
        factor_snapshot={},
        gas=gas,
        is_biomass=is_biomass,
        emissions_tco2e=D(tonnes),
        reported_tco2e=D(tonnes).quantize(D("0.001")),
    )


def filed(org, tonnes, *, output=None, unit="t", year=YEAR, status=ReportStatus.SUBMITTED, version=1):
    now = timezone.now()
    report = AnnualReport.objects.create(
        organisation=org,
        year=year,
        version=version,
        status=status,
        product_name="Ethylene" if output is not None else "",
        product_output=D(output) if output is not None else None,
        product_unit=unit if output is not None else "",
        declared_by_name="Zhang San",
        declared_at=now,
        submitted_at=now,
        created_by=UserFactory(),
    )
    line(report, tonnes)
    return report


def on_record(org, tonnes, year=YEAR - 1):
    return EmissionRecord.objects.create(organisation=org, year=year, emissions_tco2e=D(tonnes), source="historical")


def determined(org, tonnes, prepared_by, approved_by, *, year=YEAR - 1, status=DeterminationStatus.APPROVED):
    return Determination.objects.create(
        organisation=org,
        year=year,
        basis=DeterminationBasis.ESTIMATE,
        status=status,
        emissions_tco2e=D(tonnes),
        reasoning="Test",
        estimate_method="Highest of the last three years",
        prepared_by=prepared_by,
        approved_by=approved_by if status != DeterminationStatus.DRAFT else None,
        approved_at=timezone.now() if status != DeterminationStatus.DRAFT else None,
    )


def reviewed(report, tonnes, assigned_by, *, status=ReviewStatus.SUBMITTED):
    agency = AgencyFactory()
    assignment = ReviewAssignment.objects.create(
        organisation=report.organisation,
        year=report.year,
        kind=AssignmentKind.REVIEW,
        report=report,
        agency=agency,
        status=AssignmentStatus.DONE if status == ReviewStatus.SUBMITTED else AssignmentStatus.ASSIGNED,
        due_date=date(report.year + 1, 4, 30),
        assigned_by=assigned_by,
    )
    submitted = status == ReviewStatus.SUBMITTED
    return ReviewReport.objects.create(
        assignment=assignment,
        report=report,
        status=status,
        reviewer=Reviewer.objects.create(agency=agency, name="Li Si"),
        conclusion=ReviewConclusion.CORRECTED if submitted else "",
        reviewed_total_tco2e=D(tonnes),
        document_sha256="0" * 64 if submitted else "",
        created_by=assigned_by,
        submitted_at=timezone.now() if submitted else None,
    )


def names(ranking) -> list[str]:
    return [row.organisation.name_zh for row in ranking.rows]


@pytest.fixture
def year_of_four(alice, bob):
    """Scores by hand (thresholds 20% and 10%, cap 3):
    C: 2000 on 500 on record = +300% -> 15 thresholds, capped at 3.00
    A: 1300 on 1000 on record = +30% -> 1.50
    B: 1000 on 1000 determined (not the 500 on record) = 0; reviewed 1120 = +12% -> 1.20
    D: 800, no previous figure, no review -> 0
    """
    a, b, c, d = (unit_in(name) for name in ("甲", "乙", "丙", "丁"))
    filed(a, "1300")
    on_record(a, "1000")
    report_b = filed(b, "1000")
    on_record(b, "500")
    determined(b, "1000", alice, bob)
    reviewed(report_b, "1120", alice)
    filed(c, "2000")
    on_record(c, "500")
    filed(d, "800")
    return a, b, c, d


# -- the score --


def test_reports_are_ranked_by_the_sum_of_their_normalised_deviations(year_of_four):
    ranking = risk_ranking(YEAR)
    assert names(ranking) == ["丙", "甲", "乙", "丁"]
    assert [row.score for row in ranking.rows] == [D("3.00"), D("1.50"), D("1.20"), D("0.00")]
    assert [row.rank for row in ranking.rows] == [1, 2, 3, 4]


def test_the_year_on_year_component_shows_the_change_and_its_points(year_of_four):
    a = next(row for row in risk_ranking(YEAR).rows if row.organisation.name_zh == "甲")
    yoy = a.component(YEAR_ON_YEAR)
    assert (a.change_pct, yoy.deviation_pct, yoy.points, yoy.flagged) == (D("30.00"), D("30.00"), D("1.50"), True)
    assert "+30.00%" in yoy.reason and "on record" in yoy.reason


def test_a_component_counts_for_at_most_three_thresholds(year_of_four):
    c = risk_ranking(YEAR).rows[0]
    assert c.change_pct == D("300.00") and c.component(YEAR_ON_YEAR).points == D("3.00")


def test_the_previous_year_is_the_approved_determination_before_the_record(year_of_four):
    b = next(row for row in risk_ranking(YEAR).rows if row.organisation.name_zh == "乙")
    assert (b.previous_tco2e, b.previous_basis, b.change_pct) == (D("1000.000"), "determined", D("0.00"))


def test_a_draft_determination_of_last_year_is_not_the_previous_figure(alice, bob):
    org = unit_in("甲")
    filed(org, "1300")
    on_record(org, "1000")
    determined(org, "1300", alice, bob, status=DeterminationStatus.DRAFT)
    assert risk_ranking(YEAR).rows[0].previous_tco2e == D("1000")


def test_without_a_previous_figure_the_component_scores_nothing_and_says_why(year_of_four):
    d = risk_ranking(YEAR).rows[-1]
    assert d.component(YEAR_ON_YEAR).points == 0 and "neither a determination nor emissions on record" in (
        d.component(YEAR_ON_YEAR).reason
    )


def test_thresholds_come_from_the_year_settings(year_of_four, alice):
    YearSettings.objects.create(
        year=YEAR,
        version=2,
        plan_due_date=date(YEAR - 1, 12, 31),
        report_due_date=date(YEAR + 1, 3, 31),
        review_due_date=date(YEAR + 1, 4, 30),
        surrender_deadline=date(YEAR + 1, 9, 30),
        reexam_year_on_year_pct=D("10"),
        created_by=alice,
    )
    a = next(row for row in risk_ranking(YEAR).rows if row.organisation.name_zh == "甲")
    assert a.component(YEAR_ON_YEAR).points == D("3.00")  # 30% is three times 10%


def test_the_total_leaves_biomass_co2_out_and_counts_biomass_methane():
    report = filed(unit_in("甲"), "1000")
    line(report, "200", is_biomass=True)
    line(report, "10.5", gas="CH4", is_biomass=True)
    assert report_totals_bulk([report.pk]) == {report.pk: D("1010.500")}


def test_only_the_submitted_version_is_ranked(alice):
    org = unit_in("甲")
    filed(org, "5000", status=ReportStatus.SUPERSEDED)
    filed(org, "1000", version=2)
    filed(unit_in("乙"), "1000", status=ReportStatus.DRAFT)
    ranking = risk_ranking(YEAR)
    assert [(row.organisation.name_zh, row.total_tco2e) for row in ranking.rows] == [("甲", D("1000.000"))]


# -- peers --


@pytest.fixture
def industry_peers():
    """C26 in tonnes: 0.9, 1.0, 1.1 and X at 1.5 tCO2e/t; one in MWh and one in C31 are not peers."""
    for i, tonnes in enumerate(("90", "100", "110")):
        filed(unit_in(f"同行{i}"), tonnes, output="100")
    x = filed(unit_in("X"), "150", output="100")
    filed(unit_in("兆瓦时"), "999", output="1", unit="MWh")
    filed(unit_in("钢铁", "C31"), "999", output="1")
    return x


def test_intensity_is_compared_with_the_median_of_at_least_three_peers(industry_peers):
    x = next(row for row in risk_ranking(YEAR).rows if row.organisation.name_zh == "X")
    peers = x.component(PEERS)
    assert (x.intensity, x.peer_count, x.peer_median, x.peer_ratio) == (D("1.5"), 3, D("1.0"), D("1.500"))
    # |1.5 - 1| x 100 = 50% against the 20% threshold: 2.5 thresholds
    assert (peers.deviation_pct, peers.points, peers.flagged) == (D("50.00"), D("2.50"), True)


def test_the_median_of_an_even_number_of_peers_is_the_mean_of_the_middle_two(industry_peers):
    first = next(row for row in risk_ranking(YEAR).rows if row.organisation.name_zh == "同行0")
    assert first.peer_median == D("1.1")  # 1.0, 1.1, 1.5 -> 1.1


def test_with_fewer_than_three_peers_there_is_no_comparison(industry_peers):
    rows = {row.organisation.name_zh: row for row in risk_ranking(YEAR).rows}
    for name in ("兆瓦时", "钢铁"):
        peers = rows[name].component(PEERS)
        assert peers.points == 0 and rows[name].peer_median is None
        assert "Not enough peers: 0 other unit(s)" in peers.reason


def test_three_units_alone_are_not_enough_peers_for_each_other():
    for i, tonnes in enumerate(("90", "100", "150")):
        filed(unit_in(f"同行{i}"), tonnes, output="100")
    for row in risk_ranking(YEAR).rows:
        assert row.peer_count == 2 and row.component(PEERS).points == 0
        assert "Not enough peers" in row.component(PEERS).reason


def test_a_report_without_output_has_no_intensity():
    filed(unit_in("甲"), "100")
    row = risk_ranking(YEAR).rows[0]
    assert row.intensity is None and "no output" in row.component(PEERS).reason


# -- report vs review --


def test_the_gap_counts_only_once_a_review_is_submitted(alice):
    report = filed(unit_in("甲"), "1000")
    reviewed(report, "2000", alice, status=ReviewStatus.DRAFT)
    gap = risk_ranking(YEAR).rows[0].component(REVIEW_GAP)
    assert gap.points == 0 and gap.deviation_pct is None and "No technical review" in gap.reason


def test_a_submitted_review_gives_the_gap_and_its_flag(year_of_four):
    b = next(row for row in risk_ranking(YEAR).rows if row.organisation.name_zh == "乙")
    gap = b.component(REVIEW_GAP)
    assert (b.reviewed_tco2e, b.gap_pct, gap.points, gap.flagged) == (D("1120.000"), D("12.00"), D("1.20"), True)


# -- filters --


def test_filters_choose_rows_but_keep_the_year_rank(year_of_four):
    a, b, c, d = year_of_four
    d.industry = Industry.objects.get(code="C31")
    d.save()
    assert [(row.rank, row.organisation.name_zh) for row in risk_ranking(YEAR, industry="C31").rows] == [(4, "丁")]
    flagged = risk_ranking(YEAR, flagged_only=True)
    assert names(flagged) == ["丙", "甲", "乙"] and flagged.total == 4 and flagged.flagged == 3


# -- the page --


def test_the_page_is_for_the_bureau_only(client_for, carol, dave, client):
    url = reverse("verification:risk_ranking", args=[YEAR])
    assert client.get(url).status_code == 302  # anonymous: to the login page
    assert client_for(carol).get(url).status_code == 403
    assert client_for(dave).get(url).status_code == 403


def test_the_home_opens_last_year_for_the_bureau_only(client_for, alice, carol):
    response = client_for(alice).get(reverse("verification:risk_home"))
    last_year = timezone.localdate().year - 1
    assert response.status_code == 302 and response["Location"] == reverse(
        "verification:risk_ranking", args=[last_year]
    )
    assert client_for(carol).get(reverse("verification:risk_home")).status_code == 403


def test_the_page_lists_the_ranking_with_its_reasons(client_for, alice, year_of_four):
    page = client_for(alice).get(reverse("verification:risk_ranking", args=[YEAR]))
    body = page.content.decode()
    assert page.status_code == 200
    assert body.index("丙") < body.index("甲") < body.index("乙") < body.index("丁")
    assert "+30.00%" in body and "Beyond threshold" in body


def test_the_page_filters_by_industry_and_flag(client_for, alice, year_of_four):
    page = client_for(alice).get(reverse("verification:risk_ranking", args=[YEAR]), {"flagged": "on"})
    assert [row.organisation.name_zh for row in page.context["page"]] == ["丙", "甲", "乙"]


def test_the_page_is_paginated(client_for, alice, year_of_four, monkeypatch):
    monkeypatch.setattr(risk_views, "PAGE_SIZE", 3)
    page = client_for(alice).get(reverse("verification:risk_ranking", args=[YEAR]), {"page": 2})
    assert [row.organisation.name_zh for row in page.context["page"]] == ["丁"]


def test_the_csv_download_has_every_component(client_for, alice, year_of_four):
    response = client_for(alice).get(reverse("verification:risk_ranking", args=[YEAR]), {"download": "csv"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Rank", "Score", "Flagged"] and "Peer points" in rows[0]
    assert [(row[0], row[1], row[3]) for row in rows[1:]] == [
        ("1", "3.00", "丙"),
        ("2", "1.50", "甲"),
        ("3", "1.20", "乙"),
        ("4", "0.00", "丁"),
    ]


def test_the_xlsx_download_follows_the_filters(client_for, alice, year_of_four):
    response = client_for(alice).get(
        reverse("verification:risk_ranking", args=[YEAR]), {"download": "xlsx", "flagged": "on"}
    )
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["丙", "甲", "乙"]


def test_an_unknown_download_format_is_not_found(client_for, alice):
    url = reverse("verification:risk_ranking", args=[YEAR])
    assert client_for(alice).get(url, {"download": "pdf"}).status_code == 404


# -- a fixed number of queries --


def _year_of(n: int, alice, bob, prefix: str):
    """n units with output; a third with last year's record, a third determined, a third reviewed."""
    for i in range(n):
        org = unit_in(f"{prefix}{i:03d}")
        report = filed(org, str(100 + i), output="100")
        if i % 3 == 0:
            on_record(org, "100")
        elif i % 3 == 1:
            determined(org, "100", alice, bob)
        else:
            reviewed(report, str(110 + i), alice)


def _queries(client, url, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
        assert response.status_code == 200
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    return len(queries)


def test_the_page_runs_the_same_queries_for_3_and_30_reports(client_for, alice, bob):
    client, url = client_for(alice), reverse("verification:risk_ranking", args=[YEAR])
    _year_of(3, alice, bob, "小")
    few = _queries(client, url)
    _year_of(27, alice, bob, "大")
    assert _queries(client, url) == few


def test_the_download_runs_the_same_queries_for_3_and_30_reports(client_for, alice, bob):
    client, url = client_for(alice), reverse("verification:risk_ranking", args=[YEAR])
    _year_of(3, alice, bob, "小")
    few = _queries(client, url, download="csv")
    _year_of(27, alice, bob, "大")
    assert _queries(client, url, download="csv") == few
