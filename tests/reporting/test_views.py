"""Factor library pages: the public page of factors in force, the bureau's library and its form."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reporting.models import EmissionFactor

pytestmark = pytest.mark.django_db

BUREAU_ONLY = [
    ("reporting:factor_library", {}),
    ("reporting:factor_revise", {"kind": "purchased_electricity"}),
    ("reporting:factor_revise", {"kind": "fuel_combustion"}),
]


def grid_2022() -> EmissionFactor:
    return EmissionFactor.objects.get(code="sh_grid_electricity", valid_from_year=2022, superseded_at__isnull=True)


def form_data(**overrides) -> dict:
    return {
        "code": "sh_grid_electricity",
        "name_zh": "上海市外购电力",
        "name_en": "Shanghai purchased electricity",
        "activity_unit": "mwh",
        "ef_tco2_per_mwh": "0.5",
        "valid_from_year": "2022",
        "valid_to_year": "",
        "source_zh": "沪环气〔2026〕1号",
        "source_en": "",
    } | overrides


# Permission matrix: anonymous, unit staff, agency staff, bureau


@pytest.mark.parametrize(("name", "kwargs"), BUREAU_ONLY)
def test_anonymous_is_sent_to_login(client, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(("name", "kwargs"), BUREAU_ONLY)
def test_unit_and_agency_staff_are_refused(client_for, carol, dave, name, kwargs):
    for user in (carol, dave):
        assert client_for(user).get(reverse(name, kwargs=kwargs)).status_code == 403


@pytest.mark.parametrize(("name", "kwargs"), BUREAU_ONLY)
def test_bureau_staff_reach_the_library(client_for, alice, name, kwargs):
    assert client_for(alice).get(reverse(name, kwargs=kwargs)).status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "carol", "alice"])
def test_everyone_sees_the_factors_in_force(client, client_for, request, who):
    c = client if who == "anonymous" else client_for(request.getfixturevalue(who))
    assert c.get(reverse("reporting:factors")).status_code == 200


def test_unit_staff_cannot_post_a_new_version(client_for, carol):
    url = reverse("reporting:factor_revise", args=["purchased_electricity"])
    assert client_for(carol).post(url, form_data()).status_code == 403
    assert EmissionFactor.objects.filter(code="sh_grid_electricity").count() == 2


def test_an_unknown_kind_is_404(client_for, alice):
    assert client_for(alice).get(reverse("reporting:factor_revise", args=["nuclear"])).status_code == 404


def test_a_base_of_another_kind_is_404(client_for, alice):
    url = reverse("reporting:factor_revise", args=["purchased_heat"]) + f"?from={grid_2022().pk}"
    assert client_for(alice).get(url).status_code == 404


# Public page


def test_public_page_shows_the_factors_of_the_chosen_year(client):
    html = client.get(reverse("reporting:factors"), {"year": 2023}).content.decode()
    assert "0.42" in html and "沪环气〔2022〕34号" in html and "0.788" not in html
    assert "20.908" in html and "26.37" in html and "389.31" in html
    html_2021 = client.get(reverse("reporting:factors"), {"year": 2021}).content.decode()
    assert "0.788" in html_2021 and "0.5568" in html_2021 and "0.42<" not in html_2021


def test_public_page_ignores_a_bad_year(client):
    assert client.get(reverse("reporting:factors"), {"year": "soon"}).status_code == 200


def test_nav_links_to_the_factors(client):
    assert reverse("reporting:factors") in client.get(reverse("registry:criteria")).content.decode()


# Bureau library and form


def test_form_is_prefilled_from_the_version_it_replaces(client_for, alice):
    url = reverse("reporting:factor_revise", args=["purchased_electricity"]) + f"?from={grid_2022().pk}"
    form = client_for(alice).get(url).context["form"]
    assert form.initial["ef_tco2_per_mwh"] == "0.42" and form.initial["valid_from_year"] == 2022
    assert "ncv_gj_per_unit" not in form.fields and "gas" not in form.fields
    assert "source_zh" not in form.initial  # a new version states its own source


def test_bureau_adds_a_version_and_the_old_one_goes_to_history(client_for, alice):
    c = client_for(alice)
    response = c.post(reverse("reporting:factor_revise", args=["purchased_electricity"]), form_data())
    assert response.status_code == 302 and response["Location"] == reverse("reporting:factor_library")
    assert grid_2022().version == 2 and grid_2022().ef_tco2_per_mwh == Decimal("0.5")
    page = c.get(reverse("reporting:factor_library"))
    [group] = [g for g in page.context["groups"] if g.kind == "purchased_electricity"]
    assert [(f.code, f.version) for f in group.history] == [("sh_grid_electricity", 1)]
    assert "<details>" in page.content.decode()


def test_an_overlapping_period_shows_the_error_on_the_form(client_for, alice):
    response = client_for(alice).post(
        reverse("reporting:factor_revise", args=["purchased_electricity"]), form_data(valid_from_year="2026")
    )
    assert response.status_code == 200
    assert "overlap the version valid 2022 onwards" in response.content.decode()
    assert not EmissionFactor.objects.filter(valid_from_year=2026).exists()


def test_a_missing_value_is_an_error_beside_the_field(client_for, alice):
    response = client_for(alice).post(
        reverse("reporting:factor_revise", args=["purchased_electricity"]), form_data(ef_tco2_per_mwh="")
    )
    assert response.status_code == 200 and "ef_tco2_per_mwh" in response.context["form"].errors


def test_gwp_form_offers_only_non_co2_gases(client_for, alice):
    form = client_for(alice).get(reverse("reporting:factor_revise", args=["gwp"])).context["form"]
    gases = [value for value, _ in form.fields["gas"].choices]
    assert "CO2" not in gases and "CH4" in gases
    assert [value for value, _ in form.fields["activity_unit"].choices] == ["t"]


def test_forms_are_shown_in_chinese(client_for, alice):
    c = client_for(alice)
    c.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    html = c.get(reverse("reporting:factor_revise", args=["fuel_combustion"])).content.decode()
    assert "低位发热量" in html and "碳氧化率" in html


# Query counts stay flat as the library grows


def add_fuels(n: int, start: int) -> None:
    EmissionFactor.objects.bulk_create(
        EmissionFactor(
            code=f"test_fuel_{i}",
            kind="fuel_combustion",
            name_zh=f"测试燃料{i}",
            activity_unit="t",
            ncv_gj_per_unit=Decimal("10"),
            carbon_content_tc_per_tj=Decimal("20"),
            oxidation_rate=Decimal("0.9"),
            source_zh="测试",
        )
        for i in range(start, start + n)
    )


@pytest.mark.parametrize("name", ["reporting:factor_library", "reporting:factors"])
def test_query_count_does_not_grow_with_factors(client_for, alice, name):
    c = client_for(alice)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse(name)).status_code == 200
        return len(ctx.captured_queries)

    add_fuels(5, 0)
    few = queries()
    add_fuels(45, 5)
    assert queries() == few


def test_public_page_does_not_name_bureau_staff(client, client_for, alice):
    client_for(alice).post(reverse("reporting:factor_revise", args=["purchased_electricity"]), form_data())
    client.logout()
    html = client.get(reverse("reporting:factors"), {"year": 2023}).content.decode()
    assert "沪环气〔2026〕1号" in html and "Alice" not in html
