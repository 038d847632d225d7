"""The public directory of technical service agencies and the bureau's upkeep of it (Art. 19)."""

import csv
import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from carbon_portal.models import AuditEntry
from carbon_portal.roles import Role
from registry.choices import OrganisationStatus
from registry.models import Organisation
from reporting.services.access import compilation_grant
from tests.factories import AgencyFactory, MembershipFactory, UserFactory
from tests.reporting.helpers import YEAR, add_electricity, draft, facility, submit
from verification.choices import BusinessLine, LinkKind
from verification.demo import seed_verification
from verification.models import AgencyProfile, AgencyUnitLink, AgencyYearLine, Reviewer
from verification.services.agencies import (
    agency_link_end,
    agency_link_record,
    agency_profile_save,
    agency_year_line_set,
    reviewer_add,
    reviewer_deactivate,
)
from verification.services.assignments import assignment_create

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
DIRECTORY = reverse("verification:agency_directory")


@pytest.fixture(autouse=True)
def _english(client):
    """Assert on the English source strings whatever translations the catalogue holds."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def profile(alice, agency, *, listed=True, zh="温室气体排放核查。", en="Greenhouse gas verification.", number="REG-1"):
    return agency_profile_save(
        actor=alice,
        agency=agency,
        registration_number=number,
        registered_on=date(2022, 5, 1),
        qualifications_zh=zh,
        qualifications_en=en,
        is_listed=listed,
    )


@pytest.fixture
def agency(dave):
    return Organisation.objects.get(memberships__user=dave, memberships__role=Role.AGENCY_STAFF)


@pytest.fixture
def listed_agency(alice, agency):
    profile(alice, agency)
    return agency


def _compiled_by(agency, dave, erin, other_unit, year=YEAR):
    """`agency` (dave's) compiles erin's unit's report of `year` under a grant."""
    report = draft(erin, other_unit, year=year)
    compilation_grant(actor=erin, organisation=other_unit, agency=agency, year=year)
    add_electricity(dave, report, facility(other_unit))
    return report


def _many_listed_agencies(alice, n):
    for i in range(n):
        org = AgencyFactory()
        AgencyProfile.objects.create(
            organisation=org, registration_number=f"R{i}", qualifications_zh="核查", updated_by=alice
        )
        for year in (THIS_YEAR - 1, THIS_YEAR):
            AgencyYearLine.objects.create(agency=org, year=year, line=BusinessLine.REVIEWING, recorded_by=alice)
        Reviewer.objects.create(agency=org, name=f"Reviewer {i}", certificate_number=f"C{i}")


# ---- the public directory ---------------------------------------------------------------------


def test_the_directory_is_public_and_lists_only_listed_profiles(alice, client):
    shown, hidden, without_profile = AgencyFactory(), AgencyFactory(), AgencyFactory()
    profile(alice, shown)
    profile(alice, hidden, listed=False)
    page = client.get(DIRECTORY)
    assert page.status_code == 200
    names = [row.organisation for row in page.context["rows"]]
    assert names == [shown]
    assert hidden.uscc not in page.content.decode() and without_profile.uscc not in page.content.decode()


def test_a_closed_agency_leaves_the_directory(alice, client, listed_agency):
    Organisation.objects.filter(pk=listed_agency.pk).update(status=OrganisationStatus.CLOSED)
    assert client.get(DIRECTORY).context["rows"] == []


def test_the_directory_runs_the_same_queries_for_3_and_30_agencies(alice, client):
    counts = []
    for n in (3, 27):
        _many_listed_agencies(alice, n)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(DIRECTORY)
        assert page.status_code == 200
        counts.append(len(queries))
    assert len(page.context["rows"]) == 30
    assert counts[0] == counts[1]


def test_the_directory_shows_each_years_line_and_counts_active_reviewers(alice, client, listed_agency):
    agency_year_line_set(actor=alice, agency=listed_agency, year=THIS_YEAR, line=BusinessLine.REVIEWING)
    reviewer_add(actor=alice, agency=listed_agency, name="Wang Wei", certificate_number="HC-1")
    gone = reviewer_add(actor=alice, agency=listed_agency, name="Li Na", certificate_number="HC-2")
    reviewer_deactivate(actor=alice, reviewer=gone)
    (row,) = client.get(DIRECTORY).context["rows"]
    assert row.active_reviewers == 1
    assert [line.line if line else None for line in row.lines] == [None, None, None, BusinessLine.REVIEWING]


def test_the_directory_searches_by_name_or_credit_code(alice, client, listed_agency):
    other = AgencyFactory(name_zh="上海另一家碳服务公司")
    profile(alice, other)
    by_code = client.get(DIRECTORY, {"q": listed_agency.uscc.lower()}).context["rows"]
    by_name = client.get(DIRECTORY, {"q": "另一家"}).context["rows"]
    assert [r.organisation for r in by_code] == [listed_agency]
    assert [r.organisation for r in by_name] == [other]


def test_the_directory_filters_by_business_line_in_the_chosen_year(alice, client, listed_agency):
    compiler = AgencyFactory()
    profile(alice, compiler)
    agency_year_line_set(actor=alice, agency=listed_agency, year=2025, line=BusinessLine.REVIEWING)
    agency_year_line_set(actor=alice, agency=compiler, year=2025, line=BusinessLine.COMPILING)
    agency_year_line_set(actor=alice, agency=listed_agency, year=2026, line=BusinessLine.COMPILING)
    reviewing_2025 = client.get(DIRECTORY, {"year": 2025, "line": BusinessLine.REVIEWING}).context["rows"]
    compiling_2026 = client.get(DIRECTORY, {"year": 2026, "line": BusinessLine.COMPILING}).context["rows"]
    assert [r.organisation for r in reviewing_2025] == [listed_agency]
    assert [r.organisation for r in compiling_2026] == [listed_agency]


# ---- the detail page --------------------------------------------------------------------------


def test_the_detail_page_shows_registration_business_lines_and_active_reviewers(alice, client, listed_agency):
    agency_year_line_set(actor=alice, agency=listed_agency, year=2025, line=BusinessLine.REVIEWING)
    agency_year_line_set(actor=alice, agency=listed_agency, year=2026, line=BusinessLine.COMPILING)
    reviewer_add(actor=alice, agency=listed_agency, name="Wang Wei", certificate_number="HC-0042")
    gone = reviewer_add(actor=alice, agency=listed_agency, name="Former Reviewer", certificate_number="HC-0043")
    reviewer_deactivate(actor=alice, reviewer=gone)
    page = client.get(reverse("verification:agency_detail", args=[listed_agency.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert listed_agency.uscc in text and "REG-1" in text and "2022-05-01" in text
    assert "Compiling reports for units" in text and "Technical review for the bureau" in text
    assert "Wang Wei" in text and "HC-0042" in text
    assert "Former Reviewer" not in text


def test_an_unlisted_agency_has_no_public_page(alice, client, agency):
    profile(alice, agency, listed=False)
    assert client.get(reverse("verification:agency_detail", args=[agency.pk])).status_code == 404


def test_an_english_reader_sees_the_english_qualifications(client, listed_agency):
    page = client.get(reverse("verification:agency_detail", args=[listed_agency.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Greenhouse gas verification." in page.content.decode()
    assert "温室气体排放核查。" not in page.content.decode()


def test_a_chinese_reader_sees_the_chinese_qualifications(client, listed_agency):
    page = client.get(reverse("verification:agency_detail", args=[listed_agency.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "温室气体排放核查。" in page.content.decode()
    assert "Greenhouse gas verification." not in page.content.decode()


def test_an_english_reader_sees_the_chinese_qualifications_when_no_english_exists(alice, client, agency):
    profile(alice, agency, en="")
    page = client.get(reverse("verification:agency_detail", args=[agency.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "温室气体排放核查。" in page.content.decode()


# ---- downloads --------------------------------------------------------------------------------


def test_the_csv_download_lists_the_directory_and_neutralises_formulas(alice, client):
    agency = AgencyFactory(name_en='=HYPERLINK("http://evil.example")')
    profile(alice, agency, number="+REG-7", en="@SUM(A1:A9)")
    response = client.get(reverse("verification:agency_directory_download", args=["csv"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "Agency"
    (row,) = rows[1:]
    assert row[0] == agency.name_zh
    assert row[1] == '\'=HYPERLINK("http://evil.example")'
    assert row[5] == "'+REG-7"
    assert row[-1] == "'@SUM(A1:A9)"


def test_the_xlsx_download_lists_the_directory(alice, client, listed_agency):
    response = client.get(reverse("verification:agency_directory_download", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1][0] == listed_agency.name_zh and values[1][2] == listed_agency.uscc


def test_an_unknown_download_format_is_not_found(client):
    assert client.get(reverse("verification:agency_directory_download", args=["pdf"])).status_code == 404


# ---- only the bureau writes ---------------------------------------------------------------------


WRITES = [
    lambda actor, agency, unit: profile(actor, agency),
    lambda actor, agency, unit: agency_year_line_set(actor=actor, agency=agency, year=YEAR, line="reviewing"),
    lambda actor, agency, unit: reviewer_add(actor=actor, agency=agency, name="X", certificate_number=""),
    lambda actor, agency, unit: agency_link_record(
        actor=actor, agency=agency, organisation=unit, kind=LinkKind.OTHER, description="x", from_year=YEAR
    ),
]


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize("who", ["carol", "dave"])
def test_only_the_bureau_may_keep_the_directory(request, write, who, agency, unit):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        write(actor, agency, unit)
    assert not AuditEntry.objects.filter(verb__startswith="agency.").exists()


def test_only_the_bureau_may_deactivate_a_reviewer_or_end_a_tie(alice, dave, agency, unit):
    reviewer = reviewer_add(actor=alice, agency=agency, name="Wang Wei", certificate_number="")
    link = agency_link_record(
        actor=alice, agency=agency, organisation=unit, kind=LinkKind.OTHER, description="x", from_year=YEAR
    )
    with pytest.raises(PermissionDenied):
        reviewer_deactivate(actor=dave, reviewer=reviewer)
    with pytest.raises(PermissionDenied):
        agency_link_end(actor=dave, link=link, to_year=YEAR)


@pytest.mark.parametrize("name", ["agency_admin", "agency_edit"])
@pytest.mark.parametrize("who", ["carol", "dave"])
def test_the_upkeep_pages_are_forbidden_to_units_and_agencies(request, client_for, name, who, agency):
    args = [agency.pk] if name == "agency_edit" else []
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse(f"verification:{name}", args=args)).status_code == 403
    assert client.post(reverse(f"verification:{name}", args=args), {"form": "line"}).status_code == 403


def test_the_upkeep_pages_ask_an_anonymous_visitor_to_sign_in(client, agency):
    response = client.get(reverse("verification:agency_edit", args=[agency.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_profile_is_only_for_an_active_agency(alice, agency, unit):
    with pytest.raises(ValidationError, match="not an active technical service agency"):
        profile(alice, unit)
    Organisation.objects.filter(pk=agency.pk).update(status=OrganisationStatus.CLOSED)
    with pytest.raises(ValidationError):
        profile(alice, agency)
    assert not AgencyProfile.objects.exists()


def test_saving_a_profile_again_updates_it_and_is_audited(alice, agency):
    profile(alice, agency)
    profile(alice, agency, number="REG-2", listed=False)
    saved = AgencyProfile.objects.get(organisation=agency)
    assert (saved.registration_number, saved.is_listed) == ("REG-2", False)
    verbs = list(AuditEntry.objects.filter(verb__startswith="agency.profile").values_list("verb", flat=True))
    assert sorted(verbs) == ["agency.profile_create", "agency.profile_update"]


# ---- business lines per year ----------------------------------------------------------------------


def test_a_line_may_change_while_the_agency_has_neither_compiled_nor_been_assigned(alice, agency):
    agency_year_line_set(actor=alice, agency=agency, year=YEAR, line=BusinessLine.REVIEWING)
    agency_year_line_set(actor=alice, agency=agency, year=YEAR, line=BusinessLine.COMPILING)
    assert AgencyYearLine.objects.get(agency=agency, year=YEAR).line == BusinessLine.COMPILING
    assert AgencyYearLine.objects.filter(agency=agency).count() == 1


def test_a_line_cannot_change_for_a_year_in_which_the_agency_compiled_a_report(alice, dave, erin, other_unit, agency):
    agency_year_line_set(actor=alice, agency=agency, year=YEAR, line=BusinessLine.COMPILING)
    _compiled_by(agency, dave, erin, other_unit)
    with pytest.raises(ValidationError, match="compiled a report"):
        agency_year_line_set(actor=alice, agency=agency, year=YEAR, line=BusinessLine.REVIEWING)
    assert AgencyYearLine.objects.get(agency=agency, year=YEAR).line == BusinessLine.COMPILING


def test_technical_review_cannot_be_declared_for_a_year_the_agency_compiled(alice, dave, erin, other_unit, agency):
    _compiled_by(agency, dave, erin, other_unit)
    with pytest.raises(ValidationError, match="Art. 19"):
        agency_year_line_set(actor=alice, agency=agency, year=YEAR, line=BusinessLine.REVIEWING)
    agency_year_line_set(actor=alice, agency=agency, year=YEAR + 1, line=BusinessLine.REVIEWING)
    assert list(AgencyYearLine.objects.filter(agency=agency).values_list("year", flat=True)) == [YEAR + 1]


def test_a_line_cannot_change_for_a_year_in_which_the_agency_has_a_review(alice, carol, unit):
    reviewer_agency = AgencyFactory()
    agency_year_line_set(actor=alice, agency=reviewer_agency, year=YEAR, line=BusinessLine.REVIEWING)
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    assignment_create(actor=alice, report=submit(carol, report), agency=reviewer_agency)
    with pytest.raises(ValidationError, match="assigned a review"):
        agency_year_line_set(actor=alice, agency=reviewer_agency, year=YEAR, line=BusinessLine.COMPILING)
    assert AgencyYearLine.objects.get(agency=reviewer_agency, year=YEAR).line == BusinessLine.REVIEWING


def test_the_edit_page_shows_a_refused_line_change_and_keeps_the_line(
    alice, dave, erin, other_unit, agency, client_for
):
    agency_year_line_set(actor=alice, agency=agency, year=YEAR, line=BusinessLine.COMPILING)
    _compiled_by(agency, dave, erin, other_unit)
    page = client_for(alice).post(
        reverse("verification:agency_edit", args=[agency.pk]),
        {"form": "line", "line-year": YEAR, "line-line": BusinessLine.REVIEWING},
    )
    assert page.status_code == 200
    assert "can no longer change" in page.content.decode()
    assert AgencyYearLine.objects.get(agency=agency, year=YEAR).line == BusinessLine.COMPILING


# ---- reviewers --------------------------------------------------------------------------------


def test_a_reviewer_account_must_be_staff_of_the_agency(alice, carol, dave, agency):
    other_agency = AgencyFactory()
    with pytest.raises(ValidationError, match="is not staff of"):
        reviewer_add(actor=alice, agency=other_agency, name="Dave", certificate_number="", user=dave)
    with pytest.raises(ValidationError, match="is not staff of"):
        reviewer_add(actor=alice, agency=agency, name="Carol", certificate_number="", user=carol)
    assert not Reviewer.objects.exists()


def test_a_former_staff_member_cannot_become_a_reviewer(alice, agency):
    former = UserFactory()
    MembershipFactory(user=former, organisation=agency, role=Role.AGENCY_STAFF, is_active=False)
    with pytest.raises(ValidationError, match="is not staff of"):
        reviewer_add(actor=alice, agency=agency, name="Former", certificate_number="", user=former)


def test_the_agencys_staff_member_becomes_its_reviewer(alice, dave, agency):
    reviewer = reviewer_add(actor=alice, agency=agency, name="Dave Chen", certificate_number="HC-9", user=dave)
    assert (reviewer.agency, reviewer.user, reviewer.is_active) == (agency, dave, True)


def test_a_certificate_number_belongs_to_one_active_reviewer(alice, agency):
    first = reviewer_add(actor=alice, agency=agency, name="Wang Wei", certificate_number="HC-9")
    with pytest.raises(ValidationError, match="already held"):
        reviewer_add(actor=alice, agency=AgencyFactory(), name="Someone", certificate_number="hc-9")
    reviewer_deactivate(actor=alice, reviewer=first)
    assert reviewer_add(actor=alice, agency=agency, name="Li Na", certificate_number="HC-9").is_active


def test_the_edit_page_offers_only_the_agencys_staff_as_reviewer_accounts(alice, carol, dave, agency, client_for):
    form = client_for(alice).get(reverse("verification:agency_edit", args=[agency.pk])).context["forms"]["reviewer"]
    assert list(form.fields["user"].queryset) == [dave]


# ---- ties to units ------------------------------------------------------------------------------


def test_a_tie_ending_before_it_begins_is_refused(alice, agency, unit):
    with pytest.raises(ValidationError) as refused:
        agency_link_record(
            actor=alice,
            agency=agency,
            organisation=unit,
            kind=LinkKind.SHAREHOLDING,
            description="Holds 10% of the unit",
            from_year=YEAR,
            to_year=YEAR - 1,
        )
    assert "to_year" in refused.value.message_dict
    assert not AgencyUnitLink.objects.exists()


def test_ending_a_tie_before_it_began_is_refused(alice, agency, unit):
    link = agency_link_record(
        actor=alice, agency=agency, organisation=unit, kind=LinkKind.CONSULTING, description="Audit", from_year=YEAR
    )
    with pytest.raises(ValidationError):
        agency_link_end(actor=alice, link=link, to_year=YEAR - 1)
    agency_link_end(actor=alice, link=link, to_year=YEAR + 1)
    link.refresh_from_db()
    assert link.to_year == YEAR + 1
    with pytest.raises(ValidationError, match="already ended"):
        agency_link_end(actor=alice, link=link, to_year=YEAR + 2)


def test_a_tie_is_to_a_unit_not_to_another_agency(alice, agency):
    with pytest.raises(ValidationError, match="Choose a unit"):
        agency_link_record(
            actor=alice,
            agency=agency,
            organisation=AgencyFactory(),
            kind=LinkKind.OTHER,
            description="x",
            from_year=YEAR,
        )


def test_the_bureau_records_a_tie_by_the_units_credit_code(alice, agency, unit, client_for):
    response = client_for(alice).post(
        reverse("verification:agency_edit", args=[agency.pk]),
        {
            "form": "link",
            "link-organisation": unit.uscc.lower(),
            "link-kind": LinkKind.SAME_GROUP,
            "link-description": "Both belong to the same group",
            "link-from_year": YEAR,
        },
    )
    assert response.status_code == 302
    link = AgencyUnitLink.objects.get()
    assert (link.organisation, link.to_year, link.recorded_by) == (unit, None, alice)


def test_the_bureau_ends_a_tie_from_the_edit_page(alice, agency, unit, client_for):
    link = agency_link_record(
        actor=alice,
        agency=agency,
        organisation=unit,
        kind=LinkKind.STAFF,
        description="Shared director",
        from_year=2024,
    )
    client_for(alice).post(reverse("verification:agency_link_end", args=[agency.pk, link.pk]), {"end-to_year": 2023})
    link.refresh_from_db()
    assert link.to_year is None
    client_for(alice).post(reverse("verification:agency_link_end", args=[agency.pk, link.pk]), {"end-to_year": 2025})
    link.refresh_from_db()
    assert link.to_year == 2025


# ---- the bureau's pages -----------------------------------------------------------------------------


def test_the_bureau_sees_every_agency_with_its_profile_status(alice, client_for, listed_agency):
    without = AgencyFactory()
    page = client_for(alice).get(reverse("verification:agency_admin"))
    text = page.content.decode()
    assert page.status_code == 200
    assert listed_agency.uscc in text and without.uscc in text
    statuses = {org.pk: getattr(org, "agency_profile", None) for org in page.context["page"]}
    assert statuses[listed_agency.pk].is_listed and statuses[without.pk] is None
    assert "No profile" in text and "Listed" in text


def test_the_bureau_saves_a_profile_from_the_edit_page(alice, client_for, agency):
    response = client_for(alice).post(
        reverse("verification:agency_edit", args=[agency.pk]),
        {
            "form": "profile",
            "profile-registration_number": "沪碳技服〔2024〕101号",
            "profile-registered_on": "2024-03-01",
            "profile-qualifications_zh": "温室气体核查",
            "profile-qualifications_en": "",
            "profile-is_listed": "on",
        },
    )
    assert response.status_code == 302
    saved = AgencyProfile.objects.get(organisation=agency)
    assert (saved.registered_on, saved.is_listed, saved.updated_by) == (date(2024, 3, 1), True, alice)


def test_the_bureau_deactivates_a_reviewer_from_the_edit_page(alice, client_for, agency):
    reviewer = reviewer_add(actor=alice, agency=agency, name="Wang Wei", certificate_number="")
    client_for(alice).post(reverse("verification:agency_reviewer_deactivate", args=[agency.pk, reviewer.pk]))
    reviewer.refresh_from_db()
    assert not reviewer.is_active


# ---- demo data ----------------------------------------------------------------------------------


def test_the_demo_gives_every_agency_a_profile_lines_and_its_staff_as_reviewers(alice, dave, agency):
    other = AgencyFactory()
    verifier = UserFactory(email="verifier@other-agency.example.cn")
    MembershipFactory(user=verifier, organisation=other, role=Role.AGENCY_STAFF)
    seed_verification(log=lambda _msg: None)
    seed_verification(log=lambda _msg: None)
    assert AgencyProfile.objects.filter(organisation__in=[agency, other]).count() == 2
    lines = dict(AgencyYearLine.objects.filter(agency=agency).values_list("year", "line"))
    assert lines == {2025: BusinessLine.REVIEWING, 2026: BusinessLine.COMPILING}
    assert AgencyYearLine.objects.get(agency=other, year=2026).line == BusinessLine.REVIEWING
    assert list(Reviewer.objects.filter(agency=agency).values_list("user", flat=True)) == [dave.pk]
    assert list(Reviewer.objects.filter(agency=other).values_list("user", flat=True)) == [verifier.pk]
