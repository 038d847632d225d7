"""The annual allocation plan and its results (Art. 10, 13; Action Plan (1), (4), (5)):
total = directly allocated + reserve; a method per industry; incentive coefficients per unit;
a paid share per industry sold at auction. Results keep the inputs used for each unit."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..choices import AllocationMethod, IssuanceStatus, OffsetBasis, PlanStatus, RunStatus
from .ledger import UNITS

PERCENT = {"max_digits": 5, "decimal_places": 2, "validators": [MinValueValidator(0), MaxValueValidator(100)]}
YEAR = [MinValueValidator(2013), MaxValueValidator(2100)]


class AllocationPlan(models.Model):
    """One year's plan. Never edited once published: a change is a new version."""

    year = models.PositiveSmallIntegerField(_("compliance year"), validators=YEAR)
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    cap_t = models.DecimalField(_("total allowances (t)"), **UNITS)
    reserve_t = models.DecimalField(_("reserve (t)"), default=0, **UNITS)
    surrender_deadline = models.DateField(_("surrender deadline"))
    offset_limit_pct = models.DecimalField(_("offset limit (%)"), default=5, **PERCENT)
    offset_basis = models.CharField(
        _("offset limit basis"), max_length=16, choices=OffsetBasis.choices, default=OffsetBasis.ALLOCATION
    )
    eligible_offsets = models.JSONField(_("eligible offset types"), default=list, blank=True)
    auction_reserve_price_yuan = models.DecimalField(
        _("auction reserve price (yuan/t)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    consultation_until = models.DateField(_("comments until"), null=True, blank=True)
    notes = models.TextField(_("explanatory notes"), blank=True)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(_("sent for approval at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    returned_reason = models.TextField(_("why the approver sent it back"), blank=True)
    superseded_at = models.DateTimeField(_("replaced at"), null=True, blank=True)

    class Meta:
        verbose_name = _("allocation plan")
        verbose_name_plural = _("allocation plans")
        ordering = ["-year", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["year", "version"], name="allocation_plan_version_once"),
            models.UniqueConstraint(
                fields=["year"], condition=Q(status=PlanStatus.PUBLISHED), name="allocation_plan_one_published"
            ),
            models.UniqueConstraint(
                fields=["year"],
                condition=Q(status__in=[PlanStatus.DRAFT, PlanStatus.CONSULTATION, PlanStatus.PENDING]),
                name="allocation_plan_one_open",
            ),
            models.CheckConstraint(condition=Q(cap_t__gt=0), name="allocation_plan_cap_positive"),
            models.CheckConstraint(
                condition=Q(reserve_t__gte=0) & Q(reserve_t__lte=F("cap_t")), name="allocation_plan_reserve_in_cap"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[PlanStatus.PUBLISHED, PlanStatus.SUPERSEDED])
                | (Q(approved_by__isnull=False, approved_at__isnull=False) & ~Q(approved_by=F("prepared_by"))),
                name="allocation_plan_four_eyes",
            ),
        ]

    def __str__(self):
        return f"{self.year} v{self.version} ({self.status})"

    @property
    def allocatable_t(self):
        """What may be allocated directly: the cap less the reserve."""
        return self.cap_t - self.reserve_t


class IndustryRule(models.Model):
    """How one industry's units are allocated under the plan, and the share they must buy."""

    plan = models.ForeignKey(AllocationPlan, on_delete=models.CASCADE, related_name="rules")
    industry = models.ForeignKey("registry.Industry", verbose_name=_("industry"), on_delete=models.PROTECT)
    method = models.CharField(_("method"), max_length=16, choices=AllocationMethod.choices)
    benchmark_t_per_unit = models.DecimalField(
        _("benchmark (tCO2 per unit of output)"), max_digits=16, decimal_places=6, null=True, blank=True
    )
    product_unit = models.CharField(_("unit of output"), max_length=30, blank=True)
    base_years = models.JSONField(_("base years"), default=list, blank=True)
    factor = models.DecimalField(_("decline factor"), max_digits=8, decimal_places=6, default=1)
    paid_share_pct = models.DecimalField(_("paid share (%)"), default=0, **PERCENT)

    class Meta:
        verbose_name = _("industry allocation rule")
        verbose_name_plural = _("industry allocation rules")
        ordering = ["plan", "industry__code"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "industry"], name="allocation_rule_once_per_industry"),
            models.CheckConstraint(
                condition=~Q(method=AllocationMethod.BENCHMARK) | (Q(benchmark_t_per_unit__gt=0) & ~Q(product_unit="")),
                name="allocation_rule_benchmark_complete",
            ),
            models.CheckConstraint(condition=Q(factor__gt=0), name="allocation_rule_factor_positive"),
        ]

    def __str__(self):
        return f"{self.plan} {self.industry}: {self.method}"


class IncentiveAdjustment(models.Model):
    """A unit's incentive adjustment coefficient under the plan (e.g. 1.02 for a leader in
    efficiency), with the reason."""

    plan = models.ForeignKey(AllocationPlan, on_delete=models.CASCADE, related_name="adjustments")
    organisation = models.ForeignKey("registry.Organisation", verbose_name=_("unit"), on_delete=models.PROTECT)
    coefficient = models.DecimalField(_("coefficient"), max_digits=6, decimal_places=4)
    reason = models.CharField(_("reason"), max_length=300)

    class Meta:
        verbose_name = _("incentive adjustment")
        verbose_name_plural = _("incentive adjustments")
        constraints = [
            models.UniqueConstraint(fields=["plan", "organisation"], name="incentive_once_per_unit"),
            models.CheckConstraint(
                condition=Q(coefficient__gt=0) & Q(coefficient__lte=2), name="incentive_coefficient_in_range"
            ),
        ]

    def __str__(self):
        return f"{self.organisation} x{self.coefficient}"


class PlanComment(models.Model):
    """A comment from the public while the plan is open for comment."""

    plan = models.ForeignKey(AllocationPlan, on_delete=models.PROTECT, related_name="comments")
    author_name = models.CharField(_("name"), max_length=100)
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    email = models.EmailField(_("email (not published)"), blank=True)
    body = models.TextField(_("comment"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("comment on an allocation plan")
        verbose_name_plural = _("comments on allocation plans")
        ordering = ["submitted_at"]

    def __str__(self):
        return f"{self.author_name}: {self.body[:40]}"


class AllocationRun(models.Model):
    """One computation of every regulated unit's allocation under a plan, as a background job.
    A what-if run on a draft changes nothing; the adopted run of a published plan is the one
    issued, and its total never exceeds the plan's cap less its reserve."""

    plan = models.ForeignKey(AllocationPlan, on_delete=models.PROTECT, related_name="runs")
    is_what_if = models.BooleanField(_("what-if"), default=False)
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    job = models.OneToOneField(
        "carbon_portal.BackgroundJob", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    units = models.PositiveIntegerField(_("units"), default=0)
    total_t = models.DecimalField(_("total allocated (t)"), default=0, **UNITS)
    free_t = models.DecimalField(_("free allocation (t)"), default=0, **UNITS)
    paid_t = models.DecimalField(_("paid allocation (t)"), default=0, **UNITS)
    message = models.TextField(_("message"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("allocation run")
        verbose_name_plural = _("allocation runs")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"], condition=Q(status=RunStatus.ADOPTED), name="allocation_one_adopted_run"
            ),
            models.CheckConstraint(
                condition=~Q(status=RunStatus.ADOPTED) | Q(is_what_if=False), name="allocation_what_if_not_adopted"
            ),
        ]

    def __str__(self):
        return f"{self.plan} run #{self.pk} ({self.status})"


class UnitAllocation(models.Model):
    """One unit's allocation in a run, with every input used, so it can be explained and checked."""

    run = models.ForeignKey(AllocationRun, on_delete=models.CASCADE, related_name="allocations")
    organisation = models.ForeignKey("registry.Organisation", verbose_name=_("unit"), on_delete=models.PROTECT)
    industry = models.ForeignKey(
        "registry.Industry", verbose_name=_("industry"), null=True, blank=True, on_delete=models.PROTECT
    )
    method = models.CharField(_("method"), max_length=16, choices=AllocationMethod.choices, blank=True)
    inputs = models.JSONField(_("inputs used"), default=dict)
    coefficient = models.DecimalField(_("incentive coefficient"), max_digits=6, decimal_places=4, default=1)
    total_t = models.DecimalField(_("allocation (t)"), default=0, **UNITS)
    free_t = models.DecimalField(_("free (t)"), default=0, **UNITS)
    paid_t = models.DecimalField(_("paid, to auction (t)"), default=0, **UNITS)
    problem = models.CharField(_("why it could not be computed"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("unit allocation")
        verbose_name_plural = _("unit allocations")
        ordering = ["run", "organisation__name_zh"]
        constraints = [
            models.UniqueConstraint(fields=["run", "organisation"], name="unit_allocation_once_per_run"),
            models.CheckConstraint(
                condition=Q(total_t__gte=0)
                & Q(free_t__gte=0)
                & Q(paid_t__gte=0)
                & Q(total_t=F("free_t") + F("paid_t")),
                name="unit_allocation_adds_up",
            ),
        ]

    def __str__(self):
        return f"{self.organisation}: {self.total_t} t"


class IssuanceBatch(models.Model):
    """Issuing the adopted run's free allocation to the units (and the paid share to the auction
    account): prepared by one bureau user, approved by a second (four eyes)."""

    run = models.ForeignKey(AllocationRun, on_delete=models.PROTECT, related_name="issuances")
    status = models.CharField(
        _("status"), max_length=16, choices=IssuanceStatus.choices, default=IssuanceStatus.PENDING
    )
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prepared_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    returned_reason = models.TextField(_("why it was returned"), blank=True)
    transactions = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("issuance of allocation")
        verbose_name_plural = _("issuances of allocation")
        ordering = ["-prepared_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["run"], condition=~Q(status=IssuanceStatus.RETURNED), name="issuance_once_per_run"
            ),
            models.CheckConstraint(
                condition=~Q(status=IssuanceStatus.ISSUED)
                | (Q(approved_by__isnull=False) & ~Q(approved_by=F("prepared_by"))),
                name="issuance_four_eyes",
            ),
        ]

    def __str__(self):
        return f"{self.run}: {self.status}"
