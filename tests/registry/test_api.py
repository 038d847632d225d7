"""The registry's REST API: the same gate as the pages, the same services, errors as 400/403/404."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registry import services
from registry.choices import ListStatus
from registry.models import Facility, Organisation, RegulatedList
from tests.factories import FacilityFactory, OrganisationFactory, make_uscc
from tests.registry.helpers import compile_list, emitter

pytestmark = pytest.mark.django_db

API = "/api/registry"
DENIED = (401, 403)  # anonymous: authenticate first (401 or 403 depending on the first auth class)


@pytest.fixture
def api():
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def api_for(api):
    def _as(user):
        if user is not None:
            api.force_login(user)
        return api

    return _as


@pytest.fixture
def published(alice, bob, django_capture_on_commit_callbacks):
    """The 2026 list, published: one unit at 20,000 t (regulated), one at 6,000 t (reporting)."""
    emitter("20000.000", name_zh="上海高排放化工有限公司", name_en="High Emitter Chemical Co.")
    emitter("6000.500", name_zh="上海中排放化工有限公司", name_en="Middle Emitter Chemical Co.")
    rl = compile_list(alice, 2026, django_capture_on_commit_callbacks)
    services.regulated_list_submit(actor=alice, regulated_list=rl)
    services.regulated_list_approve(actor=bob, regulated_list=rl)
    return rl


@pytest.fixture
def draft(alice, django_capture_on_commit_callbacks):
    """A 2028 draft list with one unit on it."""
    emitter("30000", name_zh="上海草稿化工有限公司")
    return compile_list(alice, 2028, django_capture_on_commit_callbacks, basis_from_year=2025, basis_to_year=2025)


@pytest.fixture
def pending(alice, django_capture_on_commit_callbacks):
    """A 2027 list compiled and submitted by alice, waiting for a second bureau user."""
    emitter("40000", name_zh="上海待批化工有限公司")
    rl = compile_list(alice, 2027, django_capture_on_commit_callbacks)
    services.regulated_list_submit(actor=alice, regulated_list=rl)
    return rl


# --- Permission matrix -------------------------------------------------------------------------

NEW_ORG = {"uscc": make_uscc(7), "name_zh": "上海新登记有限公司", "org_type": "enterprise", "district": "pudong"}


def _org(ctx):
    return ctx["unit"].pk


# name: (method, path, payload, fixtures needed, {who: expected status})
MATRIX = {
    "organisation list": (
        "get",
        lambda c: f"{API}/organisations/",
        None,
        [],
        {None: DENIED, "erin": 200, "carol": 200, "alice": 200},
    ),
    "organisation detail": (
        "get",
        lambda c: f"{API}/organisations/{_org(c)}/",
        None,
        [],
        {None: DENIED, "erin": 404, "carol": 200, "alice": 200},
    ),
    "organisation create": (
        "post",
        lambda c: f"{API}/organisations/",
        NEW_ORG,
        [],
        {None: DENIED, "erin": 403, "carol": 403, "alice": 201},
    ),
    "organisation update": (
        "patch",
        lambda c: f"{API}/organisations/{_org(c)}/",
        {"name_en": "Renamed Co.", "address": "金山区新路2号"},
        [],
        {None: DENIED, "erin": 404, "carol": 200, "alice": 200},
    ),
    "facility list": (
        "get",
        lambda c: f"{API}/organisations/{_org(c)}/facilities/",
        None,
        [],
        {None: DENIED, "erin": 404, "carol": 200, "alice": 200},
    ),
    "facility create": (
        "post",
        lambda c: f"{API}/organisations/{_org(c)}/facilities/",
        {"code": "F-NEW", "name_zh": "新装置", "district": "jinshan"},
        [],
        {None: DENIED, "erin": 404, "carol": 201, "alice": 201},
    ),
    "public lists": (
        "get",
        lambda c: f"{API}/lists/",
        None,
        ["published"],
        {None: 200, "erin": 200, "carol": 200, "alice": 200},
    ),
    "public list entries": (
        "get",
        lambda c: f"{API}/lists/2026/entries/",
        None,
        ["published"],
        {None: 200, "erin": 200, "carol": 200, "alice": 200},
    ),
    "public criteria": (
        "get",
        lambda c: f"{API}/criteria/?year=2026",
        None,
        [],
        {None: 200, "erin": 200, "carol": 200, "alice": 200},
    ),
    "admin lists": (
        "get",
        lambda c: f"{API}/admin/lists/",
        None,
        ["draft"],
        {None: DENIED, "erin": 403, "carol": 403, "alice": 200},
    ),
    "admin list detail": (
        "get",
        lambda c: f"{API}/admin/lists/2028/",
        None,
        ["draft"],
        {None: DENIED, "erin": 403, "carol": 403, "alice": 200},
    ),
    "admin list entries": (
        "get",
        lambda c: f"{API}/admin/lists/2028/entries/",
        None,
        ["draft"],
        {None: DENIED, "erin": 403, "carol": 403, "alice": 200},
    ),
    "admin list compile": (
        "post",
        lambda c: f"{API}/admin/lists/",
        {"year": 2029, "basis_from_year": 2025, "basis_to_year": 2025},
        [],
        {None: DENIED, "erin": 403, "carol": 403, "alice": 202},
    ),
    "admin list submit": (
        "post",
        lambda c: f"{API}/admin/lists/2028/submit/",
        None,
        ["draft"],
        {None: DENIED, "erin": 403, "carol": 403, "alice": 200},
    ),
    "admin list approve": (
        "post",
        lambda c: f"{API}/admin/lists/2027/approve/",
        None,
        ["pending"],
        {None: DENIED, "erin": 403, "carol": 403, "alice": 403, "bob": 200},
    ),
    "admin list return": (
        "post",
        lambda c: f"{API}/admin/lists/2027/return/",
        {"reason": "Check the port operators."},
        ["pending"],
        {None: DENIED, "erin": 403, "carol": 403, "alice": 403, "bob": 200},
    ),
    "me": (
        "get",
        lambda c: "/api/me/",
        None,
        [],
        {None: DENIED, "erin": 200, "carol": 200, "alice": 200},
    ),
}

CASES = [
    pytest.param(name, who, expected, id=f"{name} as {who or 'anonymous'}")
    for name, (_, _, _, _, by_user) in MATRIX.items()
    for who, expected in by_user.items()
]


@pytest.mark.parametrize(("endpoint", "who", "expected"), CASES)
def test_permission_matrix(endpoint, who, expected, request, api_for, unit, other_unit):
    method, path, payload, needs, _ = MATRIX[endpoint]
    for fixture in needs:
        request.getfixturevalue(fixture)
    user = request.getfixturevalue(who) if who else None
    for name in ("alice", "bob", "carol", "erin"):
        request.getfixturevalue(name)  # everyone exists, whoever calls
    response = getattr(api_for(user), method)(path({"unit": unit}), payload, format="json")
    allowed = expected if isinstance(expected, tuple) else (expected,)
    assert response.status_code in allowed, response.content


# --- Organisations ------------------------------------------------------------------------------


def test_unit_staff_see_only_their_own_organisation(api_for, carol, erin, alice, unit, other_unit):
    response = api_for(carol).get(f"{API}/organisations/")
    assert [row["id"] for row in response.json()["results"]] == [unit.pk]


def test_bureau_sees_every_organisation_and_can_filter(api_for, alice, unit, other_unit):
    OrganisationFactory(org_type="public_institution", district="xuhui", name_zh="上海某大学")
    rows = api_for(alice).get(f"{API}/organisations/").json()
    assert rows["count"] == Organisation.objects.count()
    by_type = api_for(alice).get(f"{API}/organisations/", {"org_type": "public_institution"}).json()
    assert [r["name_zh"] for r in by_type["results"]] == ["上海某大学"]
    by_name = api_for(alice).get(f"{API}/organisations/", {"q": "Another Chemical"}).json()
    assert [r["id"] for r in by_name["results"]] == [other_unit.pk]
    by_uscc = api_for(alice).get(f"{API}/organisations/", {"q": unit.uscc.lower()}).json()
    assert [r["id"] for r in by_uscc["results"]] == [unit.pk]


def test_unknown_filter_value_is_a_400(api_for, alice):
    response = api_for(alice).get(f"{API}/organisations/", {"district": "atlantis"})
    assert response.status_code == 400 and "district" in response.json()


def test_organisation_detail_includes_facilities(api_for, carol, unit):
    FacilityFactory(organisation=unit, code="F-001", name_zh="乙烯装置")
    body = api_for(carol).get(f"{API}/organisations/{unit.pk}/").json()
    assert body["uscc"] == unit.uscc and body["industry"] == "C26" and body["industry_group"] == "chemical"
    assert [f["code"] for f in body["facilities"]] == ["F-001"]


def test_organisation_list_runs_a_fixed_number_of_queries(api_for, alice, django_assert_max_num_queries):
    client = api_for(alice)
    for org in OrganisationFactory.create_batch(5):
        FacilityFactory(organisation=org)
    with django_assert_max_num_queries(20) as few:
        client.get(f"{API}/organisations/")
    for org in OrganisationFactory.create_batch(45):
        FacilityFactory(organisation=org)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"{API}/organisations/")


def test_bureau_registers_an_organisation(api_for, alice):
    payload = NEW_ORG | {"industry": "C26", "name_en": "New Registration Co."}
    response = api_for(alice).post(f"{API}/organisations/", payload, format="json")
    assert response.status_code == 201, response.content
    org = Organisation.objects.get(uscc=NEW_ORG["uscc"])
    assert response.json()["id"] == org.pk and org.industry.code == "C26"


def test_wrong_check_character_is_a_400_naming_the_check_character(api_for, alice):
    good = make_uscc(11)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    response = api_for(alice).post(f"{API}/organisations/", NEW_ORG | {"uscc": bad}, format="json")
    assert response.status_code == 400
    assert "check character" in response.json()["uscc"][0]
    assert not Organisation.objects.filter(uscc=bad).exists()


def test_duplicate_uscc_is_a_400_in_the_callers_language(api_for, alice, unit):
    client = api_for(alice)
    english = client.post(f"{API}/organisations/", NEW_ORG | {"uscc": unit.uscc}, format="json")
    assert english.status_code == 400 and "already exists" in english.json()["uscc"][0]
    chinese = client.post(
        f"{API}/organisations/", NEW_ORG | {"uscc": unit.uscc}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert chinese.status_code == 400 and "已存在" in chinese.json()["uscc"][0]
    assert Organisation.objects.filter(uscc=unit.uscc).count() == 1


def test_unit_staff_change_their_english_name(api_for, carol, unit):
    response = api_for(carol).patch(f"{API}/organisations/{unit.pk}/", {"name_en": "New Name"}, format="json")
    assert response.status_code == 200 and response.json()["name_en"] == "New Name"
    unit.refresh_from_db()
    assert unit.name_en == "New Name"


def test_unit_staff_cannot_change_the_chinese_name(api_for, carol, unit):
    response = api_for(carol).patch(f"{API}/organisations/{unit.pk}/", {"name_zh": "改名"}, format="json")
    assert response.status_code == 400 and "name_zh" in response.json()
    unit.refresh_from_db()
    assert unit.name_zh == "上海金山石化示例有限公司"


def test_changing_another_organisation_is_a_404_and_saves_nothing(api_for, carol, other_unit):
    response = api_for(carol).patch(f"{API}/organisations/{other_unit.pk}/", {"name_en": "Hijacked"}, format="json")
    assert response.status_code == 404
    other_unit.refresh_from_db()
    assert other_unit.name_en == "Another Chemical Co."


def test_adding_a_facility_to_another_organisation_is_a_404_and_saves_nothing(api_for, carol, other_unit):
    payload = {"code": "F-X", "name_zh": "装置", "district": "jinshan"}
    response = api_for(carol).post(f"{API}/organisations/{other_unit.pk}/facilities/", payload, format="json")
    assert response.status_code == 404
    assert not Facility.objects.filter(organisation=other_unit).exists()


def test_duplicate_facility_code_is_a_400(api_for, carol, unit):
    FacilityFactory(organisation=unit, code="F-1")
    payload = {"code": "F-1", "name_zh": "装置", "district": "jinshan"}
    response = api_for(carol).post(f"{API}/organisations/{unit.pk}/facilities/", payload, format="json")
    assert response.status_code == 400 and "non_field_errors" in response.json()


# --- Token authentication -----------------------------------------------------------------------


def test_token_authenticates_an_api_client(carol, unit, other_unit):
    token = Token.objects.create(user=carol)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.get(f"{API}/organisations/{unit.pk}/").status_code == 200
    assert client.get(f"{API}/organisations/{other_unit.pk}/").status_code == 404
    response = client.patch(f"{API}/organisations/{unit.pk}/", {"address": "新地址"}, format="json")
    assert response.status_code == 200


def test_wrong_token_is_refused(unit, carol):
    client = APIClient(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(f"{API}/organisations/{unit.pk}/").status_code in DENIED


def test_public_endpoints_ignore_a_stale_token(published):
    client = APIClient(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get(f"{API}/lists/").status_code == 200


# --- Public lists -------------------------------------------------------------------------------


def test_public_lists_show_only_published_lists_with_counts(api, published, pending, draft):
    body = api.get(f"{API}/lists/").json()
    assert [row["year"] for row in body] == [2026]
    assert body[0]["counts"] == {"regulated": 1, "reporting": 1}
    assert body[0]["published_at"]


def test_entries_of_unpublished_lists_are_not_public(api, pending, draft):
    assert api.get(f"{API}/lists/2027/entries/").status_code == 404
    assert api.get(f"{API}/lists/2028/entries/").status_code == 404
    assert api.get(f"{API}/lists/1999/entries/").status_code == 404


def test_public_entries_carry_their_reason_and_exact_decimals(api, published):
    body = api.get(f"{API}/lists/2026/entries/").json()
    assert body["count"] == 2
    regulated = next(e for e in body["results"] if e["category"] == "regulated")
    assert regulated["basis_emissions_tco2e"] == "20000.000"
    assert isinstance(regulated["basis_emissions_tco2e"], str)
    assert regulated["basis_year"] == 2025 and regulated["industry"] == "C26"
    assert regulated["name_en"] == "High Emitter Chemical Co." and len(regulated["uscc"]) == 18
    assert "10,000" in regulated["reason"] and "Action Plan" in regulated["reason"]
    reporting = next(e for e in body["results"] if e["category"] == "reporting")
    assert reporting["basis_emissions_tco2e"] == "6000.500"


def test_public_entries_filter_and_paginate(api, published):
    only_reporting = api.get(f"{API}/lists/2026/entries/", {"category": "reporting"}).json()
    assert [e["name_en"] for e in only_reporting["results"]] == ["Middle Emitter Chemical Co."]
    by_name = api.get(f"{API}/lists/2026/entries/", {"q": "高排放"}).json()
    assert by_name["count"] == 1
    first_page = api.get(f"{API}/lists/2026/entries/", {"page_size": 1}).json()
    assert len(first_page["results"]) == 1 and first_page["next"]


def test_removed_entries_are_not_public(api, alice, bob, django_capture_on_commit_callbacks):
    kept = emitter("20000", name_en="Kept Co.")
    removed = emitter("20000", name_en="Removed Co.")
    rl = compile_list(alice, 2026, django_capture_on_commit_callbacks)
    services.regulated_list_remove_entry(
        actor=alice, entry=rl.entries.get(organisation=removed), reason="Relocated out of Shanghai in 2025."
    )
    services.regulated_list_submit(actor=alice, regulated_list=rl)
    services.regulated_list_approve(actor=bob, regulated_list=rl)
    names = [e["name_en"] for e in api.get(f"{API}/lists/2026/entries/").json()["results"]]
    assert names == [kept.name_en]


def test_public_entries_run_a_fixed_number_of_queries(api, alice, bob, django_capture_on_commit_callbacks):
    def publish(year):
        rl = compile_list(alice, year, django_capture_on_commit_callbacks)
        services.regulated_list_submit(actor=alice, regulated_list=rl)
        services.regulated_list_approve(actor=bob, regulated_list=rl)
        return rl

    def queries(year):
        with CaptureQueriesContext(connection) as ctx:
            assert api.get(f"{API}/lists/{year}/entries/").status_code == 200
        return len(ctx.captured_queries)

    for _ in range(5):
        emitter("20000")
    publish(2026)
    for _ in range(45):
        emitter("20000")
    assert publish(2027).entries.count() == 50
    assert queries(2027) == queries(2026)


def test_criteria_in_force_for_a_year(api):
    body = api.get(f"{API}/criteria/", {"year": 2026}).json()
    assert body["year"] == 2026
    chemical = next(c for c in body["criteria"] if c["group"] == "chemical")
    assert chemical["regulated_threshold_tco2e"] == "10000.000"
    assert chemical["reporting_threshold_tco2e"] == "5000.000"
    assert "public_institution" not in {c["group"] for c in body["criteria"]}  # from 2028
    later = api.get(f"{API}/criteria/", {"year": 2028}).json()
    assert "public_institution" in {c["group"] for c in later["criteria"]}


def test_criteria_year_must_be_a_year(api):
    assert api.get(f"{API}/criteria/", {"year": "soon"}).status_code == 400


# --- List administration ------------------------------------------------------------------------


def test_compiling_through_the_api_returns_the_job(api_for, alice, django_capture_on_commit_callbacks):
    emitter("20000")
    client = api_for(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{API}/admin/lists/", {"year": 2026}, format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["year"] == 2026 and body["status"] == "draft" and body["job"]["id"]
    assert (body["basis_from_year"], body["basis_to_year"]) == (2024, 2025)
    after = client.get(f"{API}/admin/lists/2026/").json()
    assert after["job"]["status"] == "done" and after["counts"]["regulated"] == 1


def test_compiling_with_basis_years_after_the_list_year_is_a_400(api_for, alice):
    response = api_for(alice).post(
        f"{API}/admin/lists/", {"year": 2026, "basis_from_year": 2026, "basis_to_year": 2026}, format="json"
    )
    assert response.status_code == 400 and "basis years" in response.json()["non_field_errors"][0]
    assert not RegulatedList.objects.exists()


def test_admin_sees_lists_in_every_status(api_for, alice, published, pending, draft):
    body = api_for(alice).get(f"{API}/admin/lists/").json()
    assert [(row["year"], row["status"]) for row in body] == [
        (2028, "draft"),
        (2027, "pending_approval"),
        (2026, "published"),
    ]
    assert body[1]["submitted_by"] == "alice@sthj.sh.gov.cn" and body[2]["approved_by"] == "bob@sthj.sh.gov.cn"


def test_admin_entries_show_decimals_as_strings(api_for, alice, draft):
    body = api_for(alice).get(f"{API}/admin/lists/2028/entries/").json()
    assert [e["basis_emissions_tco2e"] for e in body["results"]] == ["30000.000"]


def test_four_eyes_through_the_api(api_for, alice, bob, draft):
    client = api_for(alice)
    assert client.post(f"{API}/admin/lists/2028/submit/").json()["status"] == "pending_approval"
    refused = client.post(f"{API}/admin/lists/2028/approve/")
    assert refused.status_code == 403 and refused.json()["detail"]
    draft.refresh_from_db()
    assert draft.status == ListStatus.PENDING_APPROVAL
    approved = api_for(bob).post(f"{API}/admin/lists/2028/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "published"
    assert approved.json()["approved_by"] == "bob@sthj.sh.gov.cn"
    assert [row["year"] for row in APIClient().get(f"{API}/lists/").json()] == [2028]


def test_an_approver_cannot_approve_a_list_they_submitted(api_for, bob, draft):
    client = api_for(bob)
    client.post(f"{API}/admin/lists/2028/submit/")
    refused = client.post(f"{API}/admin/lists/2028/approve/")
    assert refused.status_code == 403 and "your own work" in refused.json()["detail"]
    draft.refresh_from_db()
    assert draft.status == ListStatus.PENDING_APPROVAL


def test_approving_a_draft_is_a_400(api_for, bob, draft):
    response = api_for(bob).post(f"{API}/admin/lists/2028/approve/")
    assert response.status_code == 400 and response.json()["non_field_errors"]


def test_returning_a_list_needs_a_reason(api_for, bob, pending):
    response = api_for(bob).post(f"{API}/admin/lists/2027/return/", {"reason": "  "}, format="json")
    assert response.status_code == 400 and "reason" in response.json()
    pending.refresh_from_db()
    assert pending.status == ListStatus.PENDING_APPROVAL


def test_a_returned_list_is_a_draft_again_with_the_reason(api_for, bob, pending):
    body = api_for(bob).post(f"{API}/admin/lists/2027/return/", {"reason": "Check ports."}, format="json").json()
    assert body["status"] == "draft" and body["return_reason"] == "Check ports."


def test_unknown_list_year_is_a_404(api_for, alice):
    assert api_for(alice).get(f"{API}/admin/lists/2031/").status_code == 404


# --- /api/me/ -----------------------------------------------------------------------------------


def test_me_tells_an_api_client_who_it_is(api_for, carol, unit):
    body = api_for(carol).get("/api/me/").json()
    assert body["email"] == "carol@unit.example.cn" and body["roles"] == ["unit_staff"]
    assert body["is_bureau"] is False
    assert body["memberships"] == [
        {
            "role": "unit_staff",
            "organisation_id": unit.pk,
            "organisation_uscc": unit.uscc,
            "organisation_name_zh": unit.name_zh,
            "organisation_name_en": unit.name_en,
        }
    ]


def test_me_for_the_bureau(api_for, bob):
    body = api_for(bob).get("/api/me/").json()
    assert body["roles"] == ["bureau_approver"] and body["is_bureau"] is True


def test_bureau_accounts_cannot_use_api_tokens(alice, client):
    """A token would skip the second factor that bureau roles must pass."""
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=alice)
    response = client.get("/api/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 401
