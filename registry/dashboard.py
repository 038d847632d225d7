"""The registry's contribution to each user's dashboard: real pending acts and deadlines."""

from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from carbon_portal.dashboard import Task
from carbon_portal.permissions import is_bureau, is_bureau_approver, organisation_ids_of
from carbon_portal.roles import Role

from .choices import EntryCategory, ListStatus
from .models import ListEntry, RegulatedList, YearSettings


def tasks_for(user) -> list[Task]:
    tasks: list[Task] = []
    if is_bureau(user):
        tasks += _bureau_tasks(user)
    org_ids = organisation_ids_of(user, Role.UNIT_STAFF)
    if org_ids:
        tasks += _unit_tasks(org_ids)
    return tasks


def _bureau_tasks(user) -> list[Task]:
    tasks = []
    for rl in RegulatedList.objects.exclude(status=ListStatus.PUBLISHED).select_related("submitted_by"):
        url = reverse("registry:list_manage", args=[rl.year])
        if rl.status == ListStatus.DRAFT:
            title = (
                _("Returned: revise the %(year)s list and submit it again")
                if rl.return_reason
                else _("Review the draft %(year)s list and submit it for approval")
            ) % {"year": rl.year}
            tasks.append(
                Task(title=title, url=url, tag=_("Draft"), tag_colour="grey", basis=_("Art. 9 of the Measures"))
            )
        elif is_bureau_approver(user) and rl.submitted_by_id != user.pk and rl.compiled_by_id != user.pk:
            tasks.append(
                Task(
                    title=_("Approve or return the %(year)s list") % {"year": rl.year},
                    url=url,
                    tag=_("Awaiting your approval"),
                    tag_colour="yellow",
                    basis=_("Four eyes: a second bureau user approves"),
                )
            )
    next_year = timezone.localdate().year + 1
    if not YearSettings.objects.filter(year=next_year).exists():
        tasks.append(
            Task(
                title=_("Set the deadlines and thresholds for %(year)s") % {"year": next_year},
                url=reverse("registry:year_settings_edit", args=[next_year]),
                tag=_("Not started"),
                tag_colour="grey",
            )
        )
    return tasks


def _unit_tasks(org_ids) -> list[Task]:
    """Deadlines of every year the unit is listed for, from that year's settings in force."""
    today = timezone.localdate()
    entries = ListEntry.objects.filter(
        organisation_id__in=org_ids, is_removed=False, regulated_list__status=ListStatus.PUBLISHED
    ).select_related("organisation", "regulated_list")
    settings_by_year = {}
    years = {e.regulated_list.year for e in entries}
    for s in YearSettings.objects.filter(year__in=years | {y + 1 for y in years}).order_by("version"):
        settings_by_year[s.year] = s
    tasks = []
    for entry in entries:
        year, org = entry.regulated_list.year, entry.organisation
        s = settings_by_year.get(year)
        if s is None:
            continue
        deadlines: list[tuple[date, str, str, int]] = [
            (s.report_due_date, _("Annual emission report for %(year)s"), _("Art. 16 of the Measures"), year),
        ]
        following = settings_by_year.get(year + 1)
        if entry.category == EntryCategory.REGULATED:
            deadlines.append(
                (s.surrender_deadline, _("Surrender allowances for %(year)s"), _("Art. 21 of the Measures"), year)
            )
            if following:
                # The plan for next year is due before it starts, while this year's list is in force.
                deadlines.append(
                    (
                        following.plan_due_date,
                        _("Data quality control plan for %(year)s"),
                        _("Art. 15 of the Measures"),
                        year + 1,
                    )
                )
        for due, label, basis, label_year in deadlines:
            if due >= today:
                tasks.append(
                    Task(
                        title=f"{label % {'year': label_year}} · {org.name}",
                        due=due,
                        tag=_("Due in %(days)s days") % {"days": (due - today).days},
                        tag_colour="yellow" if (due - today).days <= 30 else "blue",
                        basis=basis,
                    )
                )
    return tasks
