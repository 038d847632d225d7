"""Abandoning a draft report, and what submitting a report records beyond the report itself."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from carbon_portal.models import Notification
from registry.choices import EmissionSource
from registry.models import EmissionRecord
from registry.services import emission_record_set
from reporting import services
from reporting.choices import ReportStatus
from reporting.models import AnnualReport

from .helpers import add_electricity, draft, facility, submit

pytestmark = pytest.mark.django_db


def test_an_abandoned_draft_is_kept_with_its_lines(carol, unit):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    services.report_abandon(actor=carol, report=report)
    report.refresh_from_db()
    assert report.status == ReportStatus.ABANDONED
    assert report.abandoned_at is not None
    assert report.lines.count() == 1


def test_after_abandoning_a_new_draft_can_be_started_as_the_next_version(carol, unit):
    first = draft(carol, unit)
    services.report_abandon(actor=carol, report=first)
    second = services.report_create_draft(actor=carol, organisation=unit, year=first.year)
    assert second.version == 2


def test_an_abandoned_draft_cannot_be_changed(carol, unit):
    report = draft(carol, unit)
    services.report_abandon(actor=carol, report=report)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        add_electricity(carol, report, facility(unit))


def test_a_submitted_report_cannot_be_abandoned(carol, unit):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    submit(carol, report)
    with pytest.raises(ValidationError, match="Only a draft"):
        services.report_abandon(actor=carol, report=report)


def test_abandoning_a_correction_leaves_the_submitted_version_current(carol, unit):
    original = draft(carol, unit)
    add_electricity(carol, original, facility(unit))
    submit(carol, original)
    correction = services.report_correction_start(actor=carol, report=original, reason="Meter misread")
    services.report_abandon(actor=carol, report=correction)
    original.refresh_from_db()
    assert original.status == ReportStatus.SUBMITTED


def test_another_units_staff_cannot_abandon_a_draft(carol, erin, unit):
    report = draft(carol, unit)
    with pytest.raises(PermissionDenied):
        services.report_abandon(actor=erin, report=report)
    assert AnnualReport.objects.get(pk=report.pk).status == ReportStatus.DRAFT


def test_abandon_page_asks_before_abandoning(carol, unit, client_for):
    report = draft(carol, unit)
    client = client_for(carol)
    page = client.get(reverse("reporting:report_abandon", args=[report.pk]))
    assert b"Abandon this draft?" in page.content
    assert AnnualReport.objects.get(pk=report.pk).status == ReportStatus.DRAFT
    response = client.post(reverse("reporting:report_abandon", args=[report.pk]))
    assert response.status_code == 302
    assert AnnualReport.objects.get(pk=report.pk).status == ReportStatus.ABANDONED


def test_submitting_records_the_reported_total_as_the_units_emissions(carol, unit):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit), mwh="10000")
    submit(carol, report)
    record = EmissionRecord.objects.get(organisation=unit, year=report.year)
    assert record.emissions_tco2e == Decimal("4200.000")
    assert record.source == EmissionSource.REPORTED


def test_a_report_never_replaces_a_determined_figure_on_record(carol, alice, unit):
    report = draft(carol, unit)
    emission_record_set(
        actor=alice, organisation=unit, year=report.year, emissions_tco2e=Decimal("5000"), source="determined"
    )
    add_electricity(carol, report, facility(unit), mwh="10000")
    submit(carol, report)
    record = EmissionRecord.objects.get(organisation=unit, year=report.year)
    assert (record.emissions_tco2e, record.source) == (Decimal("5000.000"), EmissionSource.DETERMINED)


def test_submitting_sends_the_unit_staff_a_receipt_with_the_reference(carol, unit, django_capture_on_commit_callbacks):
    report = draft(carol, unit)
    add_electricity(carol, report, facility(unit))
    with django_capture_on_commit_callbacks(execute=True):
        submit(carol, report)
    note = Notification.objects.get(recipient=carol, kind="reporting.report_submitted")
    assert report.reference in note.subject_en
    assert report.reference in note.subject_zh
    assert "4200.000" in note.body_en
