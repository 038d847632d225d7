"""Demo agency directory, written through the verification services like the bureau's own upkeep:

- every active agency gets a profile (a few without English qualifications, to show the fallback);
- a business line for 2025 and 2026: technical review, except dave's agency, which compiles in
  2026 (erin's unit granted it access to compile its 2026 report) and reviewed in 2025;
- its agency staff (the verifier, and dave at his agency) as reviewers.
Runs after the reporting demo; a second run adds only what is missing.
"""

from collections.abc import Callable
from datetime import date

from django.db import transaction

from carbon_portal.models import User
from carbon_portal.roles import Role
from registry.choices import OrganisationStatus, OrganisationType
from registry.models import Organisation

from .choices import BusinessLine
from .models import AgencyProfile, AgencyYearLine, Reviewer
from .services.agencies import agency_profile_save, agency_year_line_set, reviewer_add

YEARS = (2025, 2026)
QUALIFICATIONS = (
    (
        "温室气体排放核查（第三方技术服务）；碳排放报告编制与核算；能源审计。",
        "Greenhouse gas emission verification (third-party technical service); compiling and accounting "
        "of carbon emission reports; energy audits.",
    ),
    (
        "碳排放核算与报告技术服务；清洁生产审核；节能评估。",
        "Technical services for carbon emission accounting and reporting; cleaner production audits; "
        "energy-saving assessments.",
    ),
    ("温室气体核查；碳普惠减排量核证；环境管理体系认证。", ""),
)


def seed_verification(*, log: Callable[[str], None] = print) -> None:
    alice = User.objects.filter(email__startswith="alice@").first()
    if alice is None:
        log("  no bureau user to keep the agency directory: skipped")
        return
    agencies = Organisation.objects.filter(org_type=OrganisationType.AGENCY, status=OrganisationStatus.ACTIVE)
    dave_agency = _dave_agency()
    profiles = lines = reviewers = 0
    with transaction.atomic():
        for i, agency in enumerate(agencies.order_by("uscc")):
            profiles += _profile(alice, agency, i)
            for year in YEARS:
                compiles = agency.pk == dave_agency and year == 2026
                lines += _line(alice, agency, year, BusinessLine.COMPILING if compiles else BusinessLine.REVIEWING)
            reviewers += _reviewers(alice, agency)
    log(f"  agency directory: {profiles} profiles, {lines} business lines, {reviewers} reviewers added")


def _dave_agency() -> int | None:
    dave = User.objects.filter(email__startswith="dave@").first()
    if dave is None:
        return None
    membership = dave.memberships.filter(role=Role.AGENCY_STAFF, is_active=True).first()
    return membership.organisation_id if membership else None


def _profile(alice: User, agency: Organisation, i: int) -> int:
    if AgencyProfile.objects.filter(organisation=agency).exists():
        return 0
    zh, en = QUALIFICATIONS[i % len(QUALIFICATIONS)]
    agency_profile_save(
        actor=alice,
        agency=agency,
        registration_number=f"沪碳技服〔{2021 + i % 4}〕{101 + i:03d}号",
        registered_on=date(2021 + i % 4, 3 + i % 9, 10 + i % 15),
        qualifications_zh=zh,
        qualifications_en=en,
        is_listed=True,
    )
    return 1


def _line(alice: User, agency: Organisation, year: int, line: str) -> int:
    if AgencyYearLine.objects.filter(agency=agency, year=year).exists():
        return 0
    agency_year_line_set(actor=alice, agency=agency, year=year, line=line)
    return 1


def _reviewers(alice: User, agency: Organisation) -> int:
    staff = User.objects.filter(
        memberships__organisation=agency, memberships__role=Role.AGENCY_STAFF, memberships__is_active=True
    ).order_by("email")
    added = 0
    for n, user in enumerate(staff, start=1):
        if Reviewer.objects.filter(agency=agency, user=user).exists():
            continue
        reviewer_add(
            actor=alice,
            agency=agency,
            name=user.full_name or user.email,
            certificate_number=f"SHHC-{agency.pk:05d}-{n:02d}",
            user=user,
        )
        added += 1
    return added
