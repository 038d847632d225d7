"""Public registry pages (no login, Art. 9 ¶3): published lists, downloads, unit pages, criteria."""

import codecs
import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registry.choices import District, EntryCategory, EntryOrigin, ListStatus
from registry.models import Contact, InclusionCriterion, Industry, ListEntry, Organisation, RegulatedList
from tests.factories import EmissionRecordFactory, OrganisationFactory, UserFactory, make_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    """Assert on the English source strings whatever translations the catalogue holds."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def make_list(year=2026, status=ListStatus.PUBLISHED) -> RegulatedList:
    published = status == ListStatus.PUBLISHED
    return RegulatedList.objects.create(
        year=year,
        status=status,
        basis_from_year=year - 2,
        basis_to_year=year - 1,
        compiled_by=UserFactory(),
        approved_by=UserFactory() if published else None,
        published_at=timezone.now() if published else None,
    )


def criterion(group="chemical", year=2026) -> InclusionCriterion:
    return InclusionCriterion.objects.get(group__code=group, effective_from_year=year, superseded_at__isnull=True)


def enter(rl, org, *, category=EntryCategory.REGULATED, tonnes="15000", removed=False) -> ListEntry:
    return ListEntry.objects.create(
        regulated_list=rl,
        organisation=org,
        category=category,
        origin=EntryOrigin.CRITERIA,
        basis_emissions_tco2e=Decimal(tonnes),
        basis_year=rl.year - 1,
        criterion=criterion(),
        is_removed=removed,
        removal_reason="Shut down before the list year" if removed else "",
    )


def listed_usccs(response) -> set[str]:
    return {e.organisation.uscc for e in response.context["page"]}


def list_url(year=2026, **params) -> str:
    from django.utils.http import urlencode

    url = reverse("registry:public_list", args=[year])
    return f"{url}?{urlencode(params)}" if params else url


def download(client, fmt, year=2026, **params):
    from django.utils.http import urlencode

    url = reverse("registry:public_list_download", args=[year, fmt])
    return client.get(f"{url}?{urlencode(params)}" if params else url)


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(codecs.BOM_UTF8)
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(response) -> list[tuple]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return list(workbook.active.iter_rows(values_only=True))


# Index of published lists


def test_index_counts_regulated_and_reporting_units_of_published_lists(client):
    rl = make_list(2026)
    enter(rl, OrganisationFactory())
    enter(rl, OrganisationFactory())
    enter(rl, OrganisationFactory(), category=EntryCategory.REPORTING)
    enter(rl, OrganisationFactory(), removed=True)
    response = client.get(reverse("registry:public_lists"))
    [shown] = response.context["lists"]
    assert (shown.year, shown.regulated_count, shown.reporting_count) == (2026, 2, 1)


def test_index_shows_an_empty_state_while_no_list_is_published(client):
    make_list(2026, status=ListStatus.PENDING_APPROVAL)
    html = client.get(reverse("registry:public_lists")).content.decode()
    assert "empty-state" in html and "No list has been published yet." in html
    assert reverse("registry:public_list", args=[2026]) not in html


# A year's list


@pytest.mark.parametrize("status", [ListStatus.DRAFT, ListStatus.PENDING_APPROVAL])
def test_unpublished_list_is_not_public(client, status):
    make_list(2026, status=status)
    assert client.get(list_url(2026)).status_code == 404


@pytest.mark.parametrize("status", [ListStatus.DRAFT, ListStatus.PENDING_APPROVAL])
def test_unpublished_list_cannot_be_downloaded(client, status):
    make_list(2026, status=status)
    assert download(client, "csv").status_code == 404


def test_list_of_a_year_without_a_list_is_404(client):
    assert client.get(list_url(2031)).status_code == 404


def test_list_page_shows_publication_date_and_legal_basis_in_small_print(client):
    rl = make_list(2026)
    enter(rl, OrganisationFactory())
    html = client.get(list_url()).content.decode()
    assert timezone.localtime(rl.published_at).strftime("%Y-%m-%d") in html
    assert '<p class="legal">Art. 9 of the Measures</p>' in html


def test_list_rows_link_to_the_public_unit_page_and_give_the_reason(client):
    rl = make_list(2026)
    org = OrganisationFactory()
    entry = enter(rl, org, tonnes="15000")
    html = client.get(list_url()).content.decode()
    assert reverse("registry:public_unit", args=[org.uscc]) in html
    assert "15,000" in html and entry.reason_text in html


def test_search_finds_a_unit_by_chinese_name(client):
    rl = make_list()
    wanted = OrganisationFactory(name_zh="上海宝山钢铁示例有限公司")
    enter(rl, wanted)
    enter(rl, OrganisationFactory())
    assert listed_usccs(client.get(list_url(q="宝山钢铁"))) == {wanted.uscc}


def test_search_finds_a_unit_by_english_name(client):
    rl = make_list()
    wanted = OrganisationFactory(name_en="Baoshan Steel Example")
    enter(rl, wanted)
    enter(rl, OrganisationFactory())
    assert listed_usccs(client.get(list_url(q="baoshan steel"))) == {wanted.uscc}


def test_search_finds_a_unit_by_exact_credit_code(client):
    rl = make_list()
    wanted = OrganisationFactory()
    enter(rl, wanted)
    enter(rl, OrganisationFactory())
    assert listed_usccs(client.get(list_url(q=wanted.uscc.lower()))) == {wanted.uscc}


def test_search_by_part_of_a_credit_code_finds_nothing(client):
    rl = make_list()
    org = OrganisationFactory(name_zh="上海甲公司", name_en="A Co.")
    enter(rl, org)
    assert listed_usccs(client.get(list_url(q=org.uscc[:10]))) == set()


def test_filter_by_industry(client):
    rl = make_list()
    data_centre = OrganisationFactory(industry=Industry.objects.get(code="I65DC"))
    enter(rl, data_centre)
    enter(rl, OrganisationFactory())
    assert listed_usccs(client.get(list_url(industry="I65DC"))) == {data_centre.uscc}


def test_filter_by_district(client):
    rl = make_list()
    pudong = OrganisationFactory(district=District.PUDONG)
    enter(rl, pudong)
    enter(rl, OrganisationFactory(district=District.JINSHAN))
    assert listed_usccs(client.get(list_url(district="pudong"))) == {pudong.uscc}


def test_filter_by_category(client):
    rl = make_list()
    reporting = OrganisationFactory()
    enter(rl, reporting, category=EntryCategory.REPORTING, tonnes="6000")
    enter(rl, OrganisationFactory())
    assert listed_usccs(client.get(list_url(category="reporting"))) == {reporting.uscc}


def test_unknown_filter_values_are_ignored(client):
    rl = make_list()
    enter(rl, OrganisationFactory())
    response = client.get(list_url(district="atlantis", category="everyone"))
    assert response.status_code == 200 and len(listed_usccs(response)) == 1


def test_removed_entries_never_appear_on_the_public_list(client):
    rl = make_list()
    kept, removed = OrganisationFactory(), OrganisationFactory()
    enter(rl, kept)
    enter(rl, removed, removed=True)
    response = client.get(list_url())
    assert listed_usccs(response) == {kept.uscc} and removed.uscc not in response.content.decode()


def test_pages_hold_50_units_and_page_links_keep_the_filters(client):
    rl = make_list()
    for _ in range(55):
        enter(rl, OrganisationFactory(district=District.PUDONG))
    response = client.get(list_url(district="pudong"))
    assert len(response.context["page"]) == 50
    assert "?district=pudong&amp;page=2" in response.content.decode()
    assert len(client.get(list_url(district="pudong", page=2)).context["page"]) == 5


def test_download_links_carry_the_same_filters(client):
    rl = make_list()
    enter(rl, OrganisationFactory())
    html = client.get(list_url(q="化工", district="jinshan", category="regulated")).content.decode()
    query = "?q=%E5%8C%96%E5%B7%A5&amp;district=jinshan&amp;category=regulated"
    assert reverse("registry:public_list_download", args=[2026, "csv"]) + query in html
    assert reverse("registry:public_list_download", args=[2026, "xlsx"]) + query in html


# Downloads


def test_csv_download_is_utf8_with_bom_named_for_the_year(client):
    rl = make_list()
    enter(rl, OrganisationFactory(name_zh="上海金山示例化工有限公司"))
    response = download(client, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="regulated-units-2026.csv"' in response["Content-Disposition"]
    header, row = csv_rows(response)
    assert header[:3] == ["Name (Chinese)", "Name (English)", "Unified social credit code"]
    assert row[0] == "上海金山示例化工有限公司"


def test_csv_download_has_the_listed_rows_with_plain_values(client):
    rl = make_list()
    org = OrganisationFactory(district=District.PUDONG)
    entry = enter(rl, org, tonnes="15000.500")
    enter(rl, OrganisationFactory(), removed=True)
    [_, row] = csv_rows(download(client, "csv"))
    assert row == [
        org.name_zh,
        org.name_en,
        org.uscc,
        "Chemical raw materials and products",
        "Pudong New Area",
        "Regulated unit",
        "2025",
        "15000.500",
        entry.reason_text,
    ]


def test_csv_download_applies_the_page_filters(client):
    rl = make_list()
    pudong = OrganisationFactory(district=District.PUDONG)
    enter(rl, pudong)
    enter(rl, OrganisationFactory(district=District.JINSHAN))
    [_, *rows] = csv_rows(download(client, "csv", district="pudong"))
    assert [r[2] for r in rows] == [pudong.uscc]


def test_xlsx_download_opens_with_openpyxl_and_has_the_rows(client):
    rl = make_list()
    orgs = [OrganisationFactory() for _ in range(3)]
    for org in orgs:
        enter(rl, org)
    response = download(client, "xlsx")
    assert 'filename="regulated-units-2026.xlsx"' in response["Content-Disposition"]
    header, *rows = xlsx_rows(response)
    assert header[2] == "Unified social credit code"
    assert sorted(r[2] for r in rows) == sorted(o.uscc for o in orgs)
    assert {Decimal(str(r[7])) for r in rows} == {Decimal("15000")}


@pytest.mark.parametrize("fmt", ["pdf", "xls", "json"])
def test_unknown_download_format_is_404(client, fmt):
    make_list()
    assert download(client, fmt).status_code == 404


@pytest.mark.parametrize("dangerous", ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1:A2)"])
def test_formula_injection_is_guarded_in_csv(client, dangerous):
    rl = make_list()
    enter(rl, OrganisationFactory(name_zh=dangerous))
    [_, row] = csv_rows(download(client, "csv"))
    assert row[0] == "'" + dangerous


@pytest.mark.parametrize("dangerous", ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1:A2)"])
def test_formula_injection_is_guarded_in_xlsx(client, dangerous):
    from openpyxl import load_workbook

    rl = make_list()
    enter(rl, OrganisationFactory(name_en=dangerous))
    response = download(client, "xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    cell = sheet.cell(row=2, column=2)
    assert cell.value == "'" + dangerous and cell.data_type == "s"


# A unit's public page


def test_unit_page_of_an_organisation_on_no_list_is_404(client):
    assert client.get(reverse("registry:public_unit", args=[OrganisationFactory().uscc])).status_code == 404


def test_unit_page_of_an_organisation_only_on_an_unpublished_list_is_404(client):
    org = OrganisationFactory()
    enter(make_list(2027, status=ListStatus.PENDING_APPROVAL), org)
    assert client.get(reverse("registry:public_unit", args=[org.uscc])).status_code == 404


def test_unit_page_of_an_organisation_removed_from_the_list_is_404(client):
    org = OrganisationFactory()
    enter(make_list(), org, removed=True)
    assert client.get(reverse("registry:public_unit", args=[org.uscc])).status_code == 404


def test_unit_page_shows_names_code_industry_and_district(client):
    org = OrganisationFactory(name_zh="上海示例化工有限公司", name_en="Example Chemical Co.", district=District.PUDONG)
    enter(make_list(), org)
    html = client.get(reverse("registry:public_unit", args=[org.uscc])).content.decode()
    for text in ("上海示例化工有限公司", "Example Chemical Co.", org.uscc, "Chemical raw materials", "Pudong New Area"):
        assert text in html


def test_unit_page_never_shows_contacts(client):
    org = OrganisationFactory()
    enter(make_list(), org)
    Contact.objects.create(organisation=org, name="王联系", phone="021-12345678", email="wang@unit.example.cn")
    html = client.get(reverse("registry:public_unit", args=[org.uscc])).content.decode()
    assert "王联系" not in html and "021-12345678" not in html and "wang@unit.example.cn" not in html


def test_unit_page_never_shows_emissions_on_record_or_unpublished_lists(client):
    org = OrganisationFactory()
    enter(make_list(2026), org)
    EmissionRecordFactory(organisation=org, year=2026, emissions_tco2e=Decimal("98765.432"))
    enter(make_list(2027, status=ListStatus.DRAFT), org, category=EntryCategory.REPORTING)
    response = client.get(reverse("registry:public_unit", args=[org.uscc]))
    assert [e.regulated_list.year for e in response.context["entries"]] == [2026]
    assert "98,765" not in response.content.decode()


def test_unit_page_lists_its_history_on_published_lists(client):
    org = OrganisationFactory()
    enter(make_list(2026), org)
    enter(make_list(2027), org, category=EntryCategory.REPORTING)
    response = client.get(reverse("registry:public_unit", args=[org.uscc]))
    assert [(e.regulated_list.year, e.category) for e in response.context["entries"]] == [
        (2027, "reporting"),
        (2026, "regulated"),
    ]


# Inclusion criteria


def in_force(response) -> dict[str, InclusionCriterion | None]:
    return {group.code: c for group, c in response.context["in_force"]}


def test_criteria_in_2026_are_the_action_plan_thresholds(client):
    response = client.get(reverse("registry:criteria"), {"year": 2026})
    shown = in_force(response)
    for code in ("chemical", "petrochemical", "data_centre"):
        assert shown[code].regulated_threshold_tco2e == Decimal("10000")
        assert shown[code].legal_basis == "Action Plan 2026-2030 (2)"
    assert shown["water_transport"].regulated_threshold_tco2e == Decimal("80000")
    html = response.content.decode()
    assert "10,000" in html and "80,000" in html and "Action Plan 2026-2030 (2)" in html


def test_public_institutions_are_covered_from_2028_not_before(client):
    assert in_force(client.get(reverse("registry:criteria"), {"year": 2026}))["public_institution"] is None
    covered = in_force(client.get(reverse("registry:criteria"), {"year": 2028}))["public_institution"]
    assert covered.regulated_threshold_tco2e == Decimal("10000")


def test_criteria_page_keeps_superseded_versions_in_a_collapsible_history(client):
    old = criterion("chemical", 2026)
    old.superseded_at = timezone.now()
    old.save()
    InclusionCriterion.objects.create(
        group=old.group,
        effective_from_year=2026,
        version=2,
        regulated_threshold_tco2e=Decimal("12000"),
        reporting_threshold_tco2e=Decimal("5000"),
        legal_basis_zh="Bureau notice 2026-7",
    )
    response = client.get(reverse("registry:criteria"), {"year": 2026})
    assert in_force(response)["chemical"].regulated_threshold_tco2e == Decimal("12000")
    [chemical] = [g for g in response.context["groups"] if g.code == "chemical"]
    assert [c.version for c in chemical.history] == [1]
    assert "<details>" in response.content.decode()


def test_criteria_page_ignores_a_bad_year(client):
    response = client.get(reverse("registry:criteria"), {"year": "next"})
    assert response.status_code == 200 and response.context["year"] == timezone.localdate().year


def test_bureau_users_get_a_revise_link_per_group(client_for, alice):
    html = client_for(alice).get(reverse("registry:criteria")).content.decode()
    assert reverse("registry:criterion_revise", args=["water_transport"]) in html


def test_the_public_gets_no_revise_links(client):
    html = client.get(reverse("registry:criteria")).content.decode()
    assert "/revise/" not in html


# Through the services, and at scale


def test_a_list_published_through_the_services_is_public(alice, bob, client, django_capture_on_commit_callbacks):
    from registry import services
    from tests.registry.helpers import compile_list, emitter

    org = emitter(20000)
    rl = compile_list(alice, 2026, django_capture_on_commit_callbacks)
    services.regulated_list_submit(actor=alice, regulated_list=rl)
    assert client.get(list_url(2026)).status_code == 404
    services.regulated_list_approve(actor=bob, regulated_list=rl)
    assert listed_usccs(client.get(list_url(2026))) == {org.uscc}


def _list_with(n: int, year: int) -> RegulatedList:
    rl = make_list(year)
    industry = Industry.objects.get(code="C26")
    orgs = Organisation.objects.bulk_create(
        Organisation(
            uscc=make_uscc(),
            name_zh=f"上海批量{year}-{i}",
            org_type="enterprise",
            industry=industry,
            district=District.JINSHAN,
        )
        for i in range(n)
    )
    chemical = criterion()
    ListEntry.objects.bulk_create(
        ListEntry(
            regulated_list=rl,
            organisation=org,
            category=EntryCategory.REGULATED,
            origin=EntryOrigin.CRITERIA,
            basis_emissions_tco2e=Decimal(20000),
            basis_year=year - 1,
            criterion=chemical,
        )
        for org in orgs
    )
    return rl


def test_public_list_page_runs_the_same_queries_at_10_and_1000_entries(client):
    def queries(n: int, year: int) -> int:
        _list_with(n, year)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(list_url(year)).status_code == 200
        return len(ctx.captured_queries)

    assert queries(10, 2026) == queries(1000, 2027)
