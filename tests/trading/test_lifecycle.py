"""Compliance exemptions (DOMAIN.md "Compliance status": "plus exempt / not applicable"): the bureau
records and withdraws them; an exempt unit shows "exempt" on every compliance page and download, is
never a candidate violation, and cannot surrender for the year. Builders shared with
test_rollover and test_carry_forward live here."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from carbon_portal.models import AuditEntry, Notification
from tests.factories import OrganisationFactory
from tests.trading.conftest import assert_unchanged, snapshot
from tests.trading.test_runs import determination, publish_list
from tests.trading.test_surrender import YEAR, give, year_plan
from trading.choices import ExemptionReason
from trading.models import AllocationPlan, ComplianceExemption
from trading.selectors.compliance import candidate_violations, compliance, year_compliance
from trading.services import accounts as account_services
from trading.services.accounts import account_open, allowance
from trading.services.lifecycle import exemption_record, exemption_withdraw
from trading.services.surrender import surrender

# -- builders --


def set_deadline(year, day):
    AllocationPlan.objects.filter(year=year).update(surrender_deadline=day)


def regulated_year(alice, bob, orgs, *, year=YEAR, emissions="100", holdings=500):
    """A published plan and list for `year`, each unit determined at `emissions` with an account
    holding `holdings` t of that year's allowances. Returns {org.pk: account}."""
    year_plan(alice, bob, year=year)
    publish_list(alice, bob, orgs, year=year)
    accounts = {}
    for org in orgs:
        determination(org, year, emissions, alice=alice, bob=bob)
        accounts[org.pk] = account_services.holding_account_of(org.pk) or account_open(actor=alice, organisation=org)
        if holdings:
            give(alice, accounts[org.pk], allowance(year), holdings)
    return accounts


def exempt(alice, org, year=YEAR, reason=ExemptionReason.SHUTDOWN, note="Closed on 2025-12-31."):
    return exemption_record(actor=alice, organisation=org, year=year, reason=reason, note=note)


@pytest.fixture
def year_units(alice, bob, unit, other_unit):
    """`unit` (carol's) and `other_unit` (erin's), both listed and determined at 100 t for 2026, each
    holding 500 t of SHEA-2026; nothing surrendered yet."""
    return regulated_year(alice, bob, [unit, other_unit])


# -- recording --


def test_an_exempt_unit_has_status_exempt_and_nothing_outstanding(alice, unit, year_units):
    exempt(alice, unit)
    row = compliance(unit.pk, YEAR)
    assert row.status == "exempt" and row.outstanding_t == D(0)


def test_the_exemption_is_audited_and_told_to_the_unit(alice, carol, unit, year_units):
    exemption = exempt(alice, unit)
    entry = AuditEntry.objects.get(verb="compliance.exempt")
    assert entry.target_id == str(exemption.pk) and entry.data["reason"] == "shutdown"
    assert Notification.objects.filter(recipient=carol, kind="compliance.exempted").exists()


def test_only_the_bureau_records_an_exemption(carol, unit, year_units):
    with pytest.raises(PermissionDenied):
        exempt(carol, unit)
    assert not ComplianceExemption.objects.exists()


def test_a_unit_not_on_the_list_cannot_be_exempted(alice, year_units):
    before = snapshot()
    with pytest.raises(ValidationError, match="not on the published list"):
        exempt(alice, OrganisationFactory())
    assert_unchanged(before)


def test_other_reason_needs_a_note(alice, unit, year_units):
    with pytest.raises(ValidationError) as exc:
        exempt(alice, unit, reason=ExemptionReason.OTHER, note="  ")
    assert "note" in exc.value.error_dict
    assert not ComplianceExemption.objects.exists()


def test_the_national_market_reason_is_only_recorded_with_a_move(alice, unit, year_units):
    with pytest.raises(ValidationError, match="recorded on its own page"):
        exempt(alice, unit, reason=ExemptionReason.NATIONAL_MARKET)


def test_a_year_exempt_already_is_refused(alice, unit, year_units):
    exempt(alice, unit)
    with pytest.raises(ValidationError, match="already exempt"):
        exempt(alice, unit)
    assert ComplianceExemption.objects.count() == 1


def test_a_year_the_unit_surrendered_for_cannot_be_exempted(alice, carol, unit, year_units):
    surrender(actor=carol, account=year_units[unit.pk], year=YEAR, items=[(allowance(YEAR), 40)], idempotency_key="s")
    before = snapshot()
    with pytest.raises(ValidationError, match="has surrendered for 2026"):
        exempt(alice, unit)
    assert_unchanged(before)


# -- everywhere it shows --


def test_surrender_for_an_exempt_year_is_refused_and_nothing_recorded(alice, carol, unit, year_units):
    exempt(alice, unit)
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        surrender(
            actor=carol, account=year_units[unit.pk], year=YEAR, items=[(allowance(YEAR), 100)], idempotency_key="x"
        )
    assert [e.code for e in exc.value.error_list] == ["exempt"]
    assert "exempt from surrender for 2026" in exc.value.messages[0]
    assert_unchanged(before)


def test_an_exempt_unit_is_never_a_candidate_violation(alice, unit, other_unit, year_units):
    exempt(alice, unit)
    day_after = AllocationPlan.objects.get(year=YEAR).surrender_deadline + timedelta(days=1)
    assert [c.row.organisation.pk for c in candidate_violations(YEAR, today=day_after)] == [other_unit.pk]


def test_the_year_counts_exempt_units_and_filters_them(alice, unit, year_units):
    exempt(alice, unit)
    result = year_compliance(YEAR)
    assert result.counts == {"A": 0, "B": 1, "C": 0, "exempt": 1}
    assert ("exempt", "Exempt", 1) in result.count_rows()
    assert [r.organisation.pk for r in year_compliance(YEAR, {"status": "exempt"}).rows] == [unit.pk]


def test_the_units_pages_show_exempt_and_no_surrender_form(alice, carol, client_for, unit, year_units):
    exempt(alice, unit)
    number = year_units[unit.pk].number
    client = client_for(carol)
    page = client.get(reverse("trading:surrender", kwargs={"number": number, "year": YEAR}))
    assert page.context["form"] is None
    assert "Your unit is exempt from surrender for 2026" in page.content.decode()
    assert ">Exempt<" in client.get(reverse("trading:surrender_index", kwargs={"number": number})).content.decode()


def test_the_bureau_table_and_download_show_exempt(alice, client_for, unit, year_units):
    exempt(alice, unit)
    client = client_for(alice)
    assert ">Exempt<" in client.get(reverse("trading:compliance_admin", kwargs={"year": YEAR})).content.decode()
    response = client.get(reverse("trading:compliance_admin_download", kwargs={"year": YEAR, "fmt": "csv"}))
    line = next(li for li in b"".join(response.streaming_content).decode("utf-8-sig").splitlines() if unit.uscc in li)
    assert ",Exempt," in line


def test_the_public_page_shows_exempt_after_the_deadline(alice, client, unit, year_units):
    exempt(alice, unit)
    set_deadline(YEAR, timezone.localdate() - timedelta(days=1))
    body = client.get(reverse("trading:compliance_public", kwargs={"year": YEAR})).content.decode()
    assert unit.uscc in body and ">Exempt<" in body


# -- withdrawal --


def test_a_withdrawal_restores_the_obligation_and_is_audited(alice, carol, unit, year_units):
    exemption = exempt(alice, unit)
    exemption_withdraw(actor=alice, exemption=exemption, reason="Production resumed in March.")
    assert compliance(unit.pk, YEAR).status == "B"
    entry = AuditEntry.objects.get(verb="compliance.exemption_withdraw")
    assert entry.target_id == str(exemption.pk) and entry.data["withdrawn_because"] == "Production resumed in March."
    assert Notification.objects.filter(recipient=carol, kind="compliance.exemption_withdrawn").exists()


def test_a_withdrawal_needs_a_reason(alice, unit, year_units):
    exemption = exempt(alice, unit)
    with pytest.raises(ValidationError):
        exemption_withdraw(actor=alice, exemption=exemption, reason=" ")
    assert ComplianceExemption.objects.filter(pk=exemption.pk).exists()


def test_only_the_bureau_withdraws(alice, carol, unit, year_units):
    exemption = exempt(alice, unit)
    with pytest.raises(PermissionDenied):
        exemption_withdraw(actor=carol, exemption=exemption, reason="Because.")
    assert ComplianceExemption.objects.filter(pk=exemption.pk).exists()


def test_a_national_market_exemption_is_not_withdrawn_on_its_own(alice, unit, year_units):
    exemption = ComplianceExemption.objects.create(
        organisation=unit, year=YEAR, reason=ExemptionReason.NATIONAL_MARKET, recorded_by=alice
    )
    with pytest.raises(ValidationError, match="part of the unit's move"):
        exemption_withdraw(actor=alice, exemption=exemption, reason="Because.")
    assert ComplianceExemption.objects.filter(pk=exemption.pk).exists()


# -- pages --


def test_the_exemption_page_is_the_bureaus(client, client_for, alice, carol, erin, dave, unit, year_units):
    exemption = exempt(alice, unit)
    for url in (reverse("trading:exemption_admin"), reverse("trading:exemption_withdraw", args=[exemption.pk])):
        client.logout()
        assert client.get(url).status_code == 302  # to the login
        for outsider in (carol, erin, dave):
            assert client_for(outsider).get(url).status_code == 403
        assert client_for(alice).get(url).status_code == 200


def test_the_bureau_records_an_exemption_on_the_page(alice, client_for, unit, year_units):
    response = client_for(alice).post(
        reverse("trading:exemption_admin"),
        {"uscc": unit.uscc.lower(), "year": YEAR, "reason": "other", "note": "Bureau decision 2026-17."},
    )
    assert response.status_code == 302
    exemption = ComplianceExemption.objects.get()
    assert (exemption.organisation, exemption.reason, exemption.recorded_by) == (unit, "other", alice)


def test_a_refused_exemption_keeps_what_was_typed_and_saves_nothing(alice, client_for, year_units):
    outsider = OrganisationFactory()
    before = snapshot()
    response = client_for(alice).post(
        reverse("trading:exemption_admin"),
        {"uscc": outsider.uscc, "year": YEAR, "reason": "other", "note": "Typed note."},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "not on the published list" in body
    assert outsider.uscc in body and "Typed note." in body
    assert_unchanged(before)


def test_other_without_a_note_is_refused_on_the_form(alice, client_for, unit, year_units):
    response = client_for(alice).post(
        reverse("trading:exemption_admin"), {"uscc": unit.uscc, "year": YEAR, "reason": "other"}
    )
    assert "Say why the bureau lifts the obligation." in response.content.decode()
    assert not ComplianceExemption.objects.exists()


def test_the_withdraw_page_withdraws_with_the_reason(alice, client_for, unit, year_units):
    exemption = exempt(alice, unit)
    url = reverse("trading:exemption_withdraw", args=[exemption.pk])
    assert "Say why" in client_for(alice).post(url, {"reason": ""}).content.decode()
    assert client_for(alice).post(url, {"reason": "Error in the record."}).status_code == 302
    assert not ComplianceExemption.objects.exists()


def test_the_exemption_list_runs_the_same_queries_for_3_and_30_exemptions(
    alice, bob, client_for, django_assert_max_num_queries
):
    orgs = [OrganisationFactory() for _ in range(30)]
    publish_list(alice, bob, orgs)
    for org in orgs[:3]:
        exempt(alice, org)
    client = client_for(alice)
    url = reverse("trading:exemption_admin")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for org in orgs[3:]:
        exempt(alice, org)
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).status_code == 200
