"""Messages the reporting workflow sends (inbox and email), one function per event.

Receipts go to the unit's staff when they file, decisions go to them when the bureau decides,
and an agency's staff hear when a unit grants or withdraws access. Bureau staff are not mailed per
filing: their dashboard lists what waits for them.
"""

from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from carbon_portal.models import User
from carbon_portal.notifications import notify
from carbon_portal.roles import Role

from .models import AnnualReport, CompilationGrant, QualityPlan


def staff_of(organisation_id: int, role: str = Role.UNIT_STAFF):
    return User.objects.filter(
        is_active=True,
        memberships__organisation_id=organisation_id,
        memberships__role=role,
        memberships__is_active=True,
    ).distinct()


def report_submitted(report: AnnualReport, totals) -> None:
    notify(
        recipients=staff_of(report.organisation_id),
        kind="reporting.report_submitted",
        subject=_("Received: %(year)s annual emission report %(reference)s"),
        body=_(
            "%(org)s submitted its %(year)s annual emission report on %(at)s, declared true by %(name)s. "
            "Reference %(reference)s; total %(total)s tCO2e. The bureau will now have it reviewed."
        ),
        params={
            "org": report.organisation.name_zh,
            "year": report.year,
            "reference": report.reference,
            "at": report.submitted_at.strftime("%Y-%m-%d %H:%M"),
            "name": report.declared_by_name,
            "total": totals.total_tco2e,
        },
        url=reverse("reporting:report_detail", args=[report.pk]),
    )


def plan_submitted(plan: QualityPlan) -> None:
    notify(
        recipients=staff_of(plan.organisation_id),
        kind="reporting.plan_submitted",
        subject=_("Received: data quality control plan for %(year)s, %(reference)s"),
        body=_(
            "%(org)s submitted its data quality control plan for %(year)s. The bureau will accept it or return it with comments."
        ),
        params={"org": plan.organisation.name_zh, "year": plan.year, "reference": plan.reference},
        url=reverse("reporting:plan_detail", args=[plan.pk]),
    )


def plan_accepted(plan: QualityPlan) -> None:
    notify(
        recipients=staff_of(plan.organisation_id),
        kind="reporting.plan_accepted",
        subject=_("Accepted: data quality control plan for %(year)s, %(reference)s"),
        body=_("The bureau accepted the data quality control plan of %(org)s for %(year)s. Monitor the year by it."),
        params={"org": plan.organisation.name_zh, "year": plan.year, "reference": plan.reference},
        url=reverse("reporting:plan_detail", args=[plan.pk]),
    )


def plan_returned(plan: QualityPlan, sections: list[str]) -> None:
    notify(
        recipients=staff_of(plan.organisation_id),
        kind="reporting.plan_returned",
        subject=_("Returned: data quality control plan for %(year)s, %(reference)s"),
        body=_(
            "The bureau returned the data quality control plan of %(org)s for %(year)s with comments on: "
            "%(sections)s. Revise the plan and submit it again."
        ),
        params={
            "org": plan.organisation.name_zh,
            "year": plan.year,
            "reference": plan.reference,
            # Lazy labels, joined in each language the message is written in.
            "sections": format_lazy(", ".join(["{}"] * len(sections)), *sections),
        },
        url=reverse("reporting:plan_detail", args=[plan.pk]),
    )


def grant_changed(grant: CompilationGrant, *, granted: bool) -> None:
    params = {"org": grant.organisation.name_zh, "agency": grant.agency.name_zh, "year": grant.year}
    if granted:
        subject = _("%(org)s granted %(agency)s access to compile its %(year)s emission report")
        body = _(
            "%(agency)s may now read and fill in the %(year)s annual emission report of %(org)s; the unit "
            "declares and submits it. An agency that compiles a report may not review any report of that year."
        )
    else:
        subject = _("%(org)s withdrew the access of %(agency)s to its %(year)s emission report")
        body = _("%(agency)s can no longer read or change the %(year)s annual emission report of %(org)s.")
    recipients = [*staff_of(grant.agency_id, Role.AGENCY_STAFF), *staff_of(grant.organisation_id)]
    notify(
        recipients=recipients,
        kind="reporting.grant" if granted else "reporting.grant_revoked",
        subject=subject,
        body=body,
        params=params,
        url=reverse("reporting:report_list"),
    )
