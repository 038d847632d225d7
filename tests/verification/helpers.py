"""Builders shared by the verification tests."""

from django.core.files.uploadedfile import SimpleUploadedFile

from carbon_portal.roles import Role
from reporting.services.evidence import evidence_add
from tests.carbon_portal.test_files import pdf_bytes
from tests.factories import MembershipFactory, UserFactory
from tests.reporting.helpers import YEAR
from verification.choices import BusinessLine
from verification.models import AgencyYearLine


def reviewing(agency, alice, year=YEAR):
    """Records technical review as the agency's business line for the year."""
    AgencyYearLine.objects.create(agency=agency, year=year, line=BusinessLine.REVIEWING, recorded_by=alice)
    return agency


def staff_of(org, role=Role.AGENCY_STAFF):
    user = UserFactory()
    MembershipFactory(user=user, organisation=org, role=role)
    return user


def add_evidence(actor, report, name="invoice.pdf"):
    upload = SimpleUploadedFile(name, pdf_bytes())
    return evidence_add(actor=actor, report=report, uploaded_file=upload, description="Electricity invoices 2026")


def pdf_upload(name="review.pdf"):
    return SimpleUploadedFile(name, pdf_bytes(), content_type="application/pdf")
