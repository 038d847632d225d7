"""Annual emission report services (Measures Art. 16; DOMAIN.md "Reporting")."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from carbon_portal.models import AuditEntry
from registry.choices import EntryCategory, ListStatus
from reporting import services
from reporting.choices import ReportStatus
from reporting.models import AnnualReport
from reporting.permissions import reports_for
from reporting.selectors import report_totals
from reporting.transitions import EDITABLE, REPORT_TRANSITIONS, can_move
from tests.reporting.helpers import (
    YEAR,
    add_electricity,
    draft,
    facility,
    listed,
    revise_grid_factor,
    submit,
)

pytestmark = pytest.mark.django_db


def field_errors(exc_info) -> dict:
    return exc_info.value.message_dict


# Starting a report (Art. 16 ¶1, ¶3)


def test_a_unit_on_the_published_list_can_start_a_draft(carol, unit):
    report = draft(carol, unit)
    assert (report.status, report.version, report.year, report.created_by) == (ReportStatus.DRAFT, 1, YEAR, carol)


def test_a_reporting_unit_can_start_a_draft(carol, unit):
    listed(unit, category=EntryCategory.REPORTING)
    assert services.report_create_draft(actor=carol, organisation=unit, year=YEAR).status == ReportStatus.DRAFT


def test_a_unit_not_on_the_list_cannot_start_a_report(carol, unit):
    with pytest.raises(ValidationError, match="not on the published 2026 list"):
        services.report_create_draft(actor=carol, organisation=unit, year=YEAR)


def test_a_unit_removed_from_the_list_cannot_start_a_report(carol, unit):
    listed(unit, removed=True)
    with pytest.raises(ValidationError, match="not on the published"):
        services.report_create_draft(actor=carol, organisation=unit, year=YEAR)


def test_a_unit_on_an_unpublished_list_cannot_start_a_report(carol, unit):
    listed(unit, status=ListStatus.PENDING_APPROVAL)
    with pytest.raises(ValidationError, match="not on the published"):
        services.report_create_draft(actor=carol, organisation=unit, year=YEAR)


def test_a_second_open_draft_is_refused(carol, unit):
    draft(carol, unit)
    with pytest.raises(ValidationError, match="already exists"):
        services.report_create_draft(actor=carol, organisation=unit, year=YEAR)


def test_the_database_holds_one_open_draft_per_unit_and_year(carol, unit):
    report = draft(carol, unit)
    with pytest.raises(IntegrityError), transaction.atomic():
        AnnualReport.objects.create(organisation=unit, year=YEAR, version=2, created_by=carol)
    assert report.pk


def test_the_database_holds_version_numbers_unique_per_unit_and_year(carol, unit):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    submit(carol, report)
    with pytest.raises(IntegrityError), transaction.atomic():
        AnnualReport.objects.create(organisation=unit, year=YEAR, version=1, created_by=carol)


def test_a_new_draft_is_refused_once_the_report_is_submitted(carol, unit):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    submit(carol, report)
    with pytest.raises(ValidationError, match="start a correction"):
        services.report_create_draft(actor=carol, organisation=unit, year=YEAR)


def test_another_units_staff_cannot_start_a_units_report(erin, unit):
    listed(unit)
    with pytest.raises(PermissionDenied):
        services.report_create_draft(actor=erin, organisation=unit, year=YEAR)


def test_bureau_staff_do_not_file_a_units_report(alice, unit):
    listed(unit)
    with pytest.raises(PermissionDenied):
        services.report_create_draft(actor=alice, organisation=unit, year=YEAR)


# Lines: the emission factor method, with the factor of the report's year


def test_10000_mwh_in_2026_is_4200_tonnes(carol, unit):
    line = add_electricity(carol, draft(carol, unit), facility(unit), mwh="10000")
    assert line.reported_tco2e == Decimal("4200.000")
    assert line.emissions_tco2e == Decimal("4200")


def test_kwh_are_converted_exactly_into_the_factors_mwh(carol, unit):
    line = add_electricity(carol, draft(carol, unit), facility(unit), mwh="10000000", activity_unit="kwh")
    assert line.activity_amount == Decimal("10000000")
    assert line.activity_in_factor_unit == Decimal("10000")
    assert line.reported_tco2e == Decimal("4200.000")


def test_raw_coal_follows_the_fuel_combustion_formula(carol, unit):
    # 1,000 t x 20.908 GJ/t x 26.37 tC/TJ x 0.001 x 0.94 x 44/12 = 1,900.2988488 t
    line = services.report_line_add(
        actor=carol,
        report=draft(carol, unit),
        facility=facility(unit),
        category="fuel_combustion",
        factor_code="raw_coal",
        activity_amount="1000",
        activity_unit="t",
        source_description="Boiler no. 1",
    )
    assert line.emissions_tco2e == Decimal("1900.2988488")
    assert line.reported_tco2e == Decimal("1900.299")


def test_a_factor_not_valid_in_the_reports_year_is_refused(carol, unit):
    # The national grid average is published for 2021 and 2022 only.
    with pytest.raises(ValidationError) as exc_info:
        add_electricity(carol, draft(carol, unit), facility(unit), factor_code="national_grid_electricity")
    assert "valid in 2026" in field_errors(exc_info)["factor_code"][0]


def test_negative_activity_data_is_refused(carol, unit):
    with pytest.raises(ValidationError) as exc_info:
        add_electricity(carol, draft(carol, unit), facility(unit), mwh="-5")
    assert field_errors(exc_info)["activity_amount"] == ["Activity data cannot be negative."]


def test_activity_data_that_is_not_a_number_is_refused(carol, unit):
    with pytest.raises(ValidationError) as exc_info:
        add_electricity(carol, draft(carol, unit), facility(unit), mwh="lots")
    assert field_errors(exc_info)["activity_amount"] == ["Activity data must be a number."]


def test_a_unit_that_does_not_fit_the_factor_is_refused(carol, unit):
    with pytest.raises(ValidationError) as exc_info:
        add_electricity(carol, draft(carol, unit), facility(unit), activity_unit="gj")
    assert "does not fit" in field_errors(exc_info)["activity_unit"][0]


def test_the_source_kind_must_fit_the_factor(carol, unit):
    with pytest.raises(ValidationError) as exc_info:
        add_electricity(carol, draft(carol, unit), facility(unit), category="purchased_heat")
    assert "not for Purchased heat" in field_errors(exc_info)["factor_code"][0]


def test_a_facility_of_another_unit_is_refused(carol, unit, other_unit):
    with pytest.raises(ValidationError) as exc_info:
        add_electricity(carol, draft(carol, unit), facility(other_unit))
    assert "facility" in field_errors(exc_info)


def test_a_line_freezes_the_factor_it_used(carol, unit):
    line = add_electricity(carol, draft(carol, unit), facility(unit))
    assert (line.factor_code, line.factor_version, line.factor_source) == (
        "sh_grid_electricity",
        1,
        "沪环气〔2022〕34号",
    )
    assert line.snapshot.ef_tco2_per_mwh == Decimal("0.42")


def test_a_later_factor_revision_never_changes_a_filed_line(carol, alice, unit):
    report = draft(carol, unit)
    line = add_electricity(carol, report, facility(unit))
    submit(carol, report)
    revise_grid_factor(alice, "0.5")
    line.refresh_from_db()
    assert line.snapshot.ef_tco2_per_mwh == Decimal("0.42") and line.factor_version == 1
    assert report_totals(report).total_tco2e == Decimal("4200.000")


def test_a_line_can_be_removed_from_a_draft(carol, unit):
    report = draft(carol, unit)
    line = add_electricity(carol, report, facility(unit))
    services.report_line_remove(actor=carol, line=line)
    assert not report.lines.exists()


def test_lines_cannot_be_added_after_submission(carol, unit):
    report = draft(carol, unit)
    fac = facility(unit)
    add_electricity(carol, report, fac)
    submit(carol, report)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        add_electricity(carol, report, fac)


def test_lines_cannot_be_removed_after_submission(carol, unit):
    report = draft(carol, unit)
    line = add_electricity(carol, report, facility(unit))
    submit(carol, report)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.report_line_remove(actor=carol, line=line)


def test_production_data_cannot_change_after_submission(carol, unit):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    submit(carol, report)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.report_production_update(
            actor=carol, report=report, product_name="Ethylene", product_output=Decimal(1), product_unit="t"
        )


def test_another_units_staff_cannot_add_lines(carol, erin, unit):
    report = draft(carol, unit)
    with pytest.raises(PermissionDenied):
        add_electricity(erin, report, facility(unit))


# Totals


def test_totals_per_facility_gas_and_category(carol, unit):
    report = draft(carol, unit)
    f1, f2 = facility(unit, "F1"), facility(unit, "F2")
    add_electricity(carol, report, f1, mwh="10000")
    add_electricity(carol, report, f2, mwh="1000")
    services.report_line_add(
        actor=carol,
        report=report,
        facility=f2,
        category="non_co2",
        factor_code="gwp_ch4_sar",
        activity_amount="2",
        activity_unit="t",
        source_description="Methane leaks",
    )
    totals = report_totals(report)
    assert totals.total_tco2e == Decimal("4662.000")
    assert totals.by_facility == {"F1": Decimal("4200.000"), "F2": Decimal("462.000")}
    assert totals.by_gas == {"CO2": Decimal("4620.000"), "CH4": Decimal("42.000")}
    assert totals.by_category == {"purchased_electricity": Decimal("4620.000"), "non_co2": Decimal("42.000")}


def test_biomass_co2_is_reported_apart_and_not_counted(carol, unit):
    report = draft(carol, unit)
    fac = facility(unit)
    add_electricity(carol, report, fac)
    services.report_line_add(
        actor=carol,
        report=report,
        facility=fac,
        category="fuel_combustion",
        factor_code="raw_coal",
        activity_amount="1000",
        activity_unit="t",
        source_description="Biomass co-firing",
        is_biomass=True,
    )
    totals = report_totals(report)
    assert (totals.total_tco2e, totals.biomass_tco2) == (Decimal("4200.000"), Decimal("1900.299"))


def test_only_a_fuel_can_be_biomass(carol, unit):
    with pytest.raises(ValidationError) as exc_info:
        add_electricity(carol, draft(carol, unit), facility(unit), is_biomass=True)
    assert "is_biomass" in field_errors(exc_info)


# Submission: the responsible person's declaration (Art. 16)


def test_submission_needs_the_declaration(carol, unit):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    with pytest.raises(ValidationError) as exc_info:
        services.report_submit(actor=carol, report=report, declaration_confirmed=False, declared_by_name="Zhang San")
    assert "declaration_confirmed" in field_errors(exc_info)


def test_submission_needs_the_responsible_persons_name(carol, unit):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    with pytest.raises(ValidationError) as exc_info:
        services.report_submit(actor=carol, report=report, declaration_confirmed=True, declared_by_name=" ")
    assert "declared_by_name" in field_errors(exc_info)


def test_a_report_without_sources_cannot_be_submitted(carol, unit):
    with pytest.raises(ValidationError, match="at least one emission source"):
        submit(carol, draft(carol, unit))


def test_submission_locks_the_report_and_records_the_declaration(carol, unit):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    report = submit(carol, report)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    assert (report.declared_by, report.declared_by_name) == (carol, "Zhang San")
    assert report.declared_at and report.submitted_at
    assert report.reference == f"AER-2026-{unit.uscc}-v1"


def test_submission_is_audited_with_the_total(carol, unit):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    submit(carol, report)
    entry = AuditEntry.objects.get(verb="report.submit")
    assert entry.data["total_tco2e"] == "4200.000" and entry.actor == carol


def test_a_submitted_report_cannot_be_submitted_again(carol, unit):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    submit(carol, report)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        submit(carol, report)


# Corrections


def submitted_report(carol, unit):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    return submit(carol, report)


def test_a_correction_needs_a_reason(carol, unit):
    with pytest.raises(ValidationError) as exc_info:
        services.report_correction_start(actor=carol, report=submitted_report(carol, unit), reason="  ")
    assert "reason" in field_errors(exc_info)


def test_only_a_submitted_report_can_be_corrected(carol, unit):
    with pytest.raises(ValidationError, match="Only a submitted report"):
        services.report_correction_start(actor=carol, report=draft(carol, unit), reason="Meter misread")


def test_a_correction_is_a_new_draft_version_with_the_activity_data(carol, unit):
    original = submitted_report(carol, unit)
    correction = services.report_correction_start(actor=carol, report=original, reason="Meter misread")
    assert (correction.status, correction.version, correction.corrects) == (ReportStatus.DRAFT, 2, original)
    assert correction.correction_reason == "Meter misread"
    assert [line.activity_amount for line in correction.lines.all()] == [Decimal("10000")]


def test_a_correction_recalculates_with_the_factors_valid_now(carol, alice, unit):
    original = submitted_report(carol, unit)
    revise_grid_factor(alice, "0.5")
    correction = services.report_correction_start(actor=carol, report=original, reason="Factor revised")
    assert report_totals(correction).total_tco2e == Decimal("5000.000")
    assert report_totals(original).total_tco2e == Decimal("4200.000")


def test_submitting_a_correction_supersedes_the_version_it_corrects(carol, unit):
    original = submitted_report(carol, unit)
    correction = services.report_correction_start(actor=carol, report=original, reason="Meter misread")
    submit(carol, correction)
    original.refresh_from_db()
    assert original.status == ReportStatus.SUPERSEDED and original.superseded_at
    assert AnnualReport.objects.get(pk=correction.pk).status == ReportStatus.SUBMITTED


def test_a_superseded_report_cannot_be_corrected(carol, unit):
    original = submitted_report(carol, unit)
    submit(carol, services.report_correction_start(actor=carol, report=original, reason="Meter misread"))
    original.refresh_from_db()
    with pytest.raises(ValidationError, match="Only a submitted report"):
        services.report_correction_start(actor=carol, report=original, reason="Again")


def test_a_second_correction_draft_is_refused(carol, unit):
    original = submitted_report(carol, unit)
    services.report_correction_start(actor=carol, report=original, reason="Meter misread")
    with pytest.raises(ValidationError, match="already exists"):
        services.report_correction_start(actor=carol, report=original, reason="Again")


# Workflow table and permission gate


def test_the_transition_table_allows_exactly_its_moves():
    allowed = {(a, b) for a, targets in REPORT_TRANSITIONS.items() for b in targets}
    assert allowed == {
        (ReportStatus.DRAFT, ReportStatus.SUBMITTED),
        (ReportStatus.DRAFT, ReportStatus.ABANDONED),
        (ReportStatus.SUBMITTED, ReportStatus.SUPERSEDED),
    }
    for current in ReportStatus.values:
        for new in ReportStatus.values:
            assert can_move(current, new) == ((current, new) in allowed)
    assert EDITABLE == {ReportStatus.DRAFT}


def test_the_whole_workflow_walks_the_table(carol, unit):
    original = submitted_report(carol, unit)
    abandoned = services.report_correction_start(actor=carol, report=original, reason="Meter misread")
    services.report_abandon(actor=carol, report=abandoned)
    correction = services.report_correction_start(actor=carol, report=original, reason="Meter misread")
    submit(carol, correction)
    verbs = list(
        AuditEntry.objects.filter(verb__in=["report.submit", "report.supersede", "report.abandon"]).values_list(
            "data", flat=True
        )
    )
    moves = {(d["from"], d["to"]) for d in verbs}
    assert moves == {(a, b) for a, targets in REPORT_TRANSITIONS.items() for b in targets}


def test_reports_for_gives_the_bureau_all_the_unit_its_own_and_others_none(alice, carol, erin, dave, unit):
    report = draft(carol, unit)
    assert list(reports_for(alice)) == [report]
    assert list(reports_for(carol)) == [report]
    assert not reports_for(erin).exists()
    assert not reports_for(dave).exists()


@pytest.mark.parametrize("amount", ["1e30", "100000000000000", "0.0000001"])
def test_an_amount_a_line_cannot_hold_is_refused_with_a_message_not_a_crash(carol, unit, amount):
    report = draft(carol, unit)
    with pytest.raises(ValidationError) as refused:
        add_electricity(carol, report, facility(unit), mwh=amount)
    assert "activity_amount" in refused.value.message_dict
    assert not report.lines.exists()


def test_process_emissions_are_material_times_its_factor(alice, carol, unit):
    """DOMAIN.md: process emissions per material. The bureau adds a factor for limestone
    (tCO2 per t of material); 1,000 t of it gives 1000 x 0.44 = 440 t CO2."""
    services.emission_factor_revise(
        actor=alice,
        code="limestone_calcination",
        kind="process",
        name_zh="石灰石分解",
        activity_unit="t",
        source_zh="测试用排放因子",
        valid_from_year=2020,
        ef_tco2_per_t=Decimal("0.44"),
    )
    report = draft(carol, unit)
    line = services.report_line_add(
        actor=carol,
        report=report,
        facility=facility(unit),
        category="process",
        factor_code="limestone_calcination",
        activity_amount="1000",
        activity_unit="t",
        source_description="Kiln no. 1, limestone",
    )
    assert (line.category, line.gas, line.reported_tco2e) == ("process", "CO2", Decimal("440.000"))
    assert line.factor_snapshot["ef_tco2_per_t"] == "0.440000"
