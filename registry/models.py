from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from carbon_portal.roles import ORGANISATION_ROLES, Role

from .choices import (
    District,
    EmissionSource,
    EntryCategory,
    EntryOrigin,
    EventKind,
    ListStatus,
    OrganisationStatus,
    OrganisationType,
)
from .validators import validate_uscc

TONNES = {"max_digits": 16, "decimal_places": 3}


class BilingualName(models.Model):
    """A Chinese name (authoritative) and an English one, shown by the reader's language."""

    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh


class IndustryGroup(BilingualName):
    """A group of industries sharing inclusion criteria (Action Plan (2))."""

    code = models.SlugField(_("code"), max_length=40, unique=True)

    class Meta:
        verbose_name = _("industry group")
        verbose_name_plural = _("industry groups")
        ordering = ["code"]


class Industry(BilingualName):
    code = models.CharField(_("code"), max_length=20, unique=True)
    group = models.ForeignKey(IndustryGroup, verbose_name=_("industry group"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        ordering = ["code"]


class InclusionCriterion(models.Model):
    """Art. 9 ¶2: the thresholds that put a unit on the list, per group and effective year.

    Rows are never edited: a change is a new version and the old one is marked superseded,
    so the criterion behind any past list can be shown.
    """

    group = models.ForeignKey(
        IndustryGroup, verbose_name=_("industry group"), on_delete=models.PROTECT, related_name="criteria"
    )
    effective_from_year = models.PositiveSmallIntegerField(_("effective from year"))
    regulated_threshold_tco2e = models.DecimalField(
        _("regulated-unit threshold (tCO2e/yr)"), validators=[MinValueValidator(Decimal("0"))], **TONNES
    )
    reporting_threshold_tco2e = models.DecimalField(
        _("reporting-unit threshold (tCO2e/yr)"), validators=[MinValueValidator(Decimal("0"))], **TONNES
    )
    legal_basis_zh = models.CharField(_("legal basis (Chinese)"), max_length=300)
    legal_basis_en = models.CharField(_("legal basis (English)"), max_length=300, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("inclusion criterion")
        verbose_name_plural = _("inclusion criteria")
        ordering = ["group__code", "effective_from_year", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "effective_from_year", "version"], name="criterion_unique_version"
            ),
            models.UniqueConstraint(
                fields=["group", "effective_from_year"],
                condition=Q(superseded_at__isnull=True),
                name="criterion_one_current_per_group_year",
            ),
            models.CheckConstraint(
                condition=Q(reporting_threshold_tco2e__lte=models.F("regulated_threshold_tco2e")),
                name="criterion_reporting_not_above_regulated",
            ),
        ]

    def __str__(self):
        return f"{self.group} ≥ {self.regulated_threshold_tco2e:,} t ({self.effective_from_year}-, v{self.version})"

    @property
    def legal_basis(self) -> str:
        if (get_language() or "").startswith("en") and self.legal_basis_en:
            return self.legal_basis_en
        return self.legal_basis_zh


class Organisation(BilingualName):
    """A legal person identified by its unified social credit code (GB 32100-2015)."""

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True, validators=[validate_uscc])
    org_type = models.CharField(_("type"), max_length=24, choices=OrganisationType.choices)
    industry = models.ForeignKey(Industry, verbose_name=_("industry"), null=True, blank=True, on_delete=models.PROTECT)
    district = models.CharField(_("district"), max_length=16, choices=District.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=OrganisationStatus.choices, default=OrganisationStatus.ACTIVE
    )
    status_effective_date = models.DateField(_("status effective date"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name_zh"]
        indexes = [models.Index(fields=["district"]), models.Index(fields=["org_type"])]


class Facility(BilingualName):
    """An emission facility (site); its ownership decides how a split divides allocation."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="facilities"
    )
    code = models.CharField(_("facility code"), max_length=40)
    district = models.CharField(_("district"), max_length=16, choices=District.choices)
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_active = models.BooleanField(_("in operation"), default=True)

    class Meta:
        verbose_name = _("facility")
        verbose_name_plural = _("facilities")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["organisation", "code"], name="facility_code_per_org")]


class Contact(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    position = models.CharField(_("position"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A user's role for an organisation. Individuals hold their role without one."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique"),
            models.CheckConstraint(
                condition=Q(role=Role.INDIVIDUAL) | Q(organisation__isnull=False),
                name="membership_org_required_for_org_roles",
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.organisation or '-'}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.role in ORGANISATION_ROLES and self.organisation_id is None:
            raise ValidationError(_("This role needs an organisation."))


class EmissionRecord(models.Model):
    """Annual emissions on record for an organisation: the basis for compiling the list."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="emission_records")
    year = models.PositiveSmallIntegerField(_("year"))
    emissions_tco2e = models.DecimalField(
        _("emissions (tCO2e)"), validators=[MinValueValidator(Decimal("0"))], **TONNES
    )
    source = models.CharField(_("source"), max_length=16, choices=EmissionSource.choices)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("emissions on record")
        verbose_name_plural = _("emissions on record")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="emission_record_unique_year"),
            models.CheckConstraint(condition=Q(emissions_tco2e__gte=0), name="emission_record_non_negative"),
        ]

    def __str__(self):
        return f"{self.organisation} {self.year}: {self.emissions_tco2e} t"


class OrganisationEvent(models.Model):
    """Art. 14 and 22: merger, split, shutdown or relocation, with its effective date."""

    kind = models.CharField(_("event"), max_length=16, choices=EventKind.choices)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="events"
    )
    surviving_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("surviving unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="absorbed_events",
    )
    effective_date = models.DateField(_("effective date"))
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("organisation event")
        verbose_name_plural = _("organisation events")
        ordering = ["-effective_date", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=EventKind.MERGER) | Q(surviving_organisation__isnull=False),
                name="event_merger_names_survivor",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.organisation} · {self.effective_date}"


class FacilityTransfer(models.Model):
    """In a split, a facility moves to a new owner carrying a share of the unit's emissions."""

    event = models.ForeignKey(OrganisationEvent, on_delete=models.PROTECT, related_name="transfers")
    facility = models.ForeignKey(Facility, on_delete=models.PROTECT, related_name="transfers")
    to_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    emissions_share = models.DecimalField(
        _("share of emissions"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )

    class Meta:
        verbose_name = _("facility transfer")
        verbose_name_plural = _("facility transfers")
        constraints = [
            models.CheckConstraint(
                condition=Q(emissions_share__gte=0) & Q(emissions_share__lte=1), name="transfer_share_0_1"
            )
        ]

    def __str__(self):
        return f"{self.facility_id} → {self.to_organisation_id} ({self.emissions_share})"


class RegulatedList(models.Model):
    """Art. 9 ¶2-3: the annual list of regulated units, compiled, approved by a second
    bureau user (four eyes), then published."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    status = models.CharField(_("status"), max_length=20, choices=ListStatus.choices, default=ListStatus.DRAFT)
    basis_from_year = models.PositiveSmallIntegerField(_("emissions from year"))
    basis_to_year = models.PositiveSmallIntegerField(_("emissions to year"))
    job = models.ForeignKey(
        "carbon_portal.BackgroundJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    compiled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    compiled_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)

    class Meta:
        verbose_name = _("regulated-unit list")
        verbose_name_plural = _("regulated-unit lists")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(basis_from_year__lte=models.F("basis_to_year")), name="list_basis_years_ordered"
            ),
            models.CheckConstraint(
                condition=~Q(status=ListStatus.PUBLISHED)
                | (Q(approved_by__isnull=False) & Q(published_at__isnull=False)),
                name="list_published_needs_approval",
            ),
        ]

    def __str__(self):
        return f"{self.year}"


class ListEntry(models.Model):
    """One unit on a year's list, with the reason it is there. A removal keeps the row."""

    regulated_list = models.ForeignKey(RegulatedList, on_delete=models.PROTECT, related_name="entries")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="list_entries")
    category = models.CharField(_("category"), max_length=16, choices=EntryCategory.choices)
    origin = models.CharField(_("origin"), max_length=16, choices=EntryOrigin.choices)
    basis_emissions_tco2e = models.DecimalField(_("basis emissions (tCO2e)"), null=True, blank=True, **TONNES)
    basis_year = models.PositiveSmallIntegerField(_("basis year"), null=True, blank=True)
    criterion = models.ForeignKey(InclusionCriterion, null=True, blank=True, on_delete=models.PROTECT)
    # Written by the bureau for manual changes; criteria entries explain themselves from the
    # basis fields, in the reader's language (see reason_text).
    reason = models.TextField(_("reason"), blank=True)
    is_removed = models.BooleanField(_("removed"), default=False)
    removal_reason = models.TextField(_("reason for removal"), blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("list entry")
        verbose_name_plural = _("list entries")
        ordering = ["organisation__name_zh"]
        constraints = [
            models.UniqueConstraint(fields=["regulated_list", "organisation"], name="list_entry_unique_org"),
            models.CheckConstraint(
                condition=Q(is_removed=False) | ~Q(removal_reason=""), name="list_entry_removal_has_reason"
            ),
        ]

    def __str__(self):
        return f"{self.regulated_list.year} · {self.organisation_id}"

    @property
    def reason_text(self) -> str:
        from django.utils.translation import gettext

        from carbon_portal.formatting import format_tonnes

        if self.origin == EntryOrigin.MANUAL or self.criterion is None:
            return self.reason
        c = self.criterion
        values = {
            "year": self.basis_year,
            "emissions": format_tonnes(self.basis_emissions_tco2e),
            "group": c.group.name,
            "from_year": c.effective_from_year,
            "basis": c.legal_basis,
        }
        if self.category == EntryCategory.REGULATED:
            return gettext(
                "%(year)s emissions of %(emissions)s tCO2e reach the %(threshold)s tCO2e threshold for regulated "
                "units in %(group)s, in force from %(from_year)s (%(basis)s)."
            ) % (values | {"threshold": format_tonnes(c.regulated_threshold_tco2e)})
        return gettext(
            "%(year)s emissions of %(emissions)s tCO2e reach the %(threshold)s tCO2e reporting threshold for "
            "%(group)s (Art. 16 ¶3), below the threshold for regulated units."
        ) % (values | {"threshold": format_tonnes(c.reporting_threshold_tco2e)})


class YearSettings(models.Model):
    """Per-year compliance settings that Shanghai changes by notice: never constants.

    Each edit is a new version; the highest version of a year is in force.
    """

    year = models.PositiveSmallIntegerField(_("compliance year"))
    version = models.PositiveIntegerField(_("version"), default=1)
    plan_due_date = models.DateField(_("data quality plan due"))
    report_due_date = models.DateField(_("annual report due"))
    review_due_date = models.DateField(_("technical review due"))
    determination_days = models.PositiveSmallIntegerField(_("days to determine after review"), default=30)
    objection_window_working_days = models.PositiveSmallIntegerField(_("objection window (working days)"), default=7)
    objection_decision_working_days = models.PositiveSmallIntegerField(
        _("objection decision (working days)"), default=10
    )
    reexam_report_vs_review_pct = models.DecimalField(
        _("re-examination trigger: report vs review (%)"), max_digits=5, decimal_places=2, default=Decimal("10")
    )
    reexam_report_vs_review_tco2e = models.DecimalField(
        _("re-examination trigger: report vs review (tCO2e)"), default=Decimal("100000"), **TONNES
    )
    reexam_year_on_year_pct = models.DecimalField(
        _("re-examination trigger: year on year (%)"), max_digits=5, decimal_places=2, default=Decimal("20")
    )
    surrender_deadline = models.DateField(_("surrender deadline"))
    note = models.TextField(_("notice or reason for this version"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("year settings")
        verbose_name_plural = _("year settings")
        ordering = ["-year", "-version"]
        constraints = [models.UniqueConstraint(fields=["year", "version"], name="year_settings_unique_version")]

    def __str__(self):
        return f"{self.year} v{self.version}"


class DeadlineReminder(models.Model):
    """A reminder sent to a unit ahead of a deadline; the unique key keeps the beat job idempotent."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    deadline = models.CharField(_("deadline"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"))
    due_date = models.DateField(_("due date"))
    days_before = models.PositiveSmallIntegerField()
    recipients = models.TextField(blank=True)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("deadline reminder")
        verbose_name_plural = _("deadline reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "deadline", "year", "days_before"], name="reminder_once_per_step"
            )
        ]

    def __str__(self):
        return f"{self.organisation_id} {self.deadline} {self.year} -{self.days_before}d"
