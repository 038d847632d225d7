"""Reporting's contribution to each user's dashboard: filings waiting for the user."""

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carbon_portal.dashboard import Task
from carbon_portal.permissions import is_bureau

from .choices import PlanStatus, ReportStatus
from .models import QualityPlan
from .permissions import active_grants_for, filing_organisation_ids, plans_for, reports_for


def tasks_for(user) -> list[Task]:
    tasks: list[Task] = []
    if is_bureau(user):
        tasks += _bureau_tasks()
    if filing_organisation_ids(user):
        tasks += _unit_tasks(user)
    tasks += _agency_tasks(user)
    return tasks


def _bureau_tasks() -> list[Task]:
    waiting = (
        QualityPlan.objects.filter(status=PlanStatus.SUBMITTED).values("year").annotate(n=Count("id")).order_by("year")
    )
    return [
        Task(
            title=ngettext(
                "Accept or return %(n)s data quality control plan for %(year)s",
                "Accept or return %(n)s data quality control plans for %(year)s",
                row["n"],
            )
            % {"n": row["n"], "year": row["year"]},
            url=f"{reverse('reporting:plan_admin')}?year={row['year']}&status=submitted",
            tag=_("Awaiting your decision"),
            tag_colour="yellow",
            basis=_("Art. 15 of the Measures"),
        )
        for row in waiting
    ]


def _unit_tasks(user) -> list[Task]:
    tasks = []
    for plan in plans_for(user).filter(status=PlanStatus.RETURNED).select_related("organisation"):
        tasks.append(
            Task(
                title=_("Revise the returned data quality control plan for %(year)s · %(org)s")
                % {"year": plan.year, "org": plan.organisation.name},
                url=reverse("reporting:plan_detail", args=[plan.pk]),
                tag=_("Returned"),
                tag_colour="red",
                basis=_("Art. 15 of the Measures"),
            )
        )
    drafts = (
        reports_for(user)
        .filter(status=ReportStatus.DRAFT, organisation_id__in=filing_organisation_ids(user))
        .select_related("organisation")
    )
    for report in drafts:
        tasks.append(
            Task(
                title=_("Finish and submit the %(year)s annual emission report · %(org)s")
                % {"year": report.year, "org": report.organisation.name},
                url=reverse("reporting:report_detail", args=[report.pk]),
                tag=_("Draft"),
                tag_colour="grey",
                basis=_("Art. 16 of the Measures"),
            )
        )
    return tasks


def _agency_tasks(user) -> list[Task]:
    grants = active_grants_for(user).select_related("organisation")
    return [
        Task(
            title=_("Compile the %(year)s annual emission report of %(org)s")
            % {"year": grant.year, "org": grant.organisation.name},
            url=reverse("reporting:report_list"),
            tag=_("Access granted"),
            tag_colour="blue",
            basis=_("The unit declares and submits it"),
        )
        for grant in grants
    ]
