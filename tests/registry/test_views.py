"""Permission matrix for the registry's signed-in pages: anonymous, another unit, the right user."""

import pytest
from django.urls import reverse

from tests.registry.helpers import compile_list, emitter

pytestmark = pytest.mark.django_db

BUREAU_ONLY = [
    ("registry:organisation_create", {}),
    ("registry:list_admin", {}),
    ("registry:year_settings", {}),
    ("registry:year_settings_edit", {"year": 2026}),
    ("registry:criterion_revise", {"group": "chemical"}),
]


@pytest.mark.parametrize(("name", "kwargs"), BUREAU_ONLY)
def test_anonymous_is_sent_to_login(client, name, kwargs):
    response = client.get(reverse(name, kwargs=kwargs))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(("name", "kwargs"), BUREAU_ONLY)
def test_unit_staff_are_refused_bureau_pages(client_for, carol, name, kwargs):
    assert client_for(carol).get(reverse(name, kwargs=kwargs)).status_code == 403


@pytest.mark.parametrize(("name", "kwargs"), BUREAU_ONLY)
def test_bureau_staff_reach_bureau_pages(client_for, alice, name, kwargs):
    assert client_for(alice).get(reverse(name, kwargs=kwargs)).status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "registry:organisation_detail",
        "registry:organisation_edit",
        "registry:facility_create",
        "registry:contact_create",
    ],
)
def test_another_units_staff_get_404_for_a_units_pages(client_for, erin, unit, name):
    assert client_for(erin).get(reverse(name, args=[unit.pk])).status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "registry:organisation_detail",
        "registry:organisation_edit",
        "registry:facility_create",
        "registry:contact_create",
    ],
)
def test_units_own_staff_reach_its_pages(client_for, carol, unit, name):
    assert client_for(carol).get(reverse(name, args=[unit.pk])).status_code == 200


def test_unit_staff_list_page_goes_to_their_organisation(client_for, carol, unit):
    response = client_for(carol).get(reverse("registry:organisation_list"))
    assert response.status_code == 302 and response["Location"].endswith(f"/organisations/{unit.pk}/")


def test_posting_another_units_id_changes_nothing(client_for, erin, unit):
    response = client_for(erin).post(reverse("registry:organisation_edit", args=[unit.pk]), {"address": "hijack"})
    unit.refresh_from_db()
    assert response.status_code == 404 and unit.address != "hijack"


def test_unit_staff_cannot_record_events(client_for, carol, unit):
    response = client_for(carol).get(reverse("registry:event_create", args=[unit.pk, "merger"]))
    assert response.status_code == 403


def test_bad_credit_code_shows_a_translated_error_and_keeps_the_input(client_for, alice):
    response = client_for(alice).post(
        reverse("registry:organisation_create"),
        {
            "uscc": "91310000MA1FL8LQ30",
            "name_zh": "上海保留名称有限公司",
            "org_type": "enterprise",
            "district": "pudong",
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    html = response.content.decode()
    assert response.status_code == 200 and "error-summary" in html and "上海保留名称有限公司" in html


def test_bureau_compiles_submits_and_a_second_user_publishes_through_the_pages(
    client_for, alice, bob, django_capture_on_commit_callbacks
):
    from registry.models import RegulatedList

    emitter(20000)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(reverse("registry:list_admin"), {"year": 2026})
    assert response.status_code == 302
    assert client_for(alice).post(reverse("registry:list_submit", args=[2026])).status_code == 200
    response = client_for(alice).post(reverse("registry:list_decide", args=[2026]), {"decision": "approve"})
    assert RegulatedList.objects.get(year=2026).status == "pending_approval"
    client_for(bob).post(reverse("registry:list_decide", args=[2026]), {"decision": "approve"})
    assert RegulatedList.objects.get(year=2026).status == "published"


def test_return_without_reason_shows_an_error_and_keeps_the_list_pending(
    client_for, alice, bob, django_capture_on_commit_callbacks
):
    from registry import services
    from registry.models import RegulatedList

    emitter(20000)
    rl = compile_list(alice, 2026, django_capture_on_commit_callbacks)
    services.regulated_list_submit(actor=alice, regulated_list=rl)
    response = client_for(bob).post(reverse("registry:list_decide", args=[2026]), {"decision": "return"}, follow=True)
    assert RegulatedList.objects.get(year=2026).status == "pending_approval"
    assert "notice-error" in response.content.decode()


def test_list_manage_page_query_count_does_not_grow_with_entries(client_for, alice, django_capture_on_commit_callbacks):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    c = client_for(alice)

    def queries(year, n):
        for _ in range(n):
            emitter(20000, year=year - 1)
        compile_list(alice, year, django_capture_on_commit_callbacks, basis_from_year=year - 1)
        with CaptureQueriesContext(connection) as ctx:
            assert c.get(reverse("registry:list_manage", args=[year])).status_code == 200
        return len(ctx.captured_queries)

    assert queries(2030, 5) == queries(2040, 50)


def test_organisation_list_query_count_does_not_grow_with_rows(client_for, alice):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import OrganisationFactory

    c = client_for(alice)
    OrganisationFactory.create_batch(5)
    with CaptureQueriesContext(connection) as few:
        c.get(reverse("registry:organisation_list"))
    OrganisationFactory.create_batch(45)
    with CaptureQueriesContext(connection) as many:
        c.get(reverse("registry:organisation_list"))
    assert len(few.captured_queries) == len(many.captured_queries)
