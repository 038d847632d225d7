"""Verification's contribution to each user's dashboard: reviews, requests, determinations and
objections waiting for the user. A fixed number of queries whatever the number of items."""

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from carbon_portal.dashboard import Task
from carbon_portal.permissions import is_bureau, is_bureau_approver, organisation_ids_of
from carbon_portal.roles import Role

from .choices import AssignmentStatus, DeterminationStatus, ObjectionStatus, RequestStatus
from .models import Determination, InformationRequest, Objection
from .permissions import assignments_for


def tasks_for(user) -> list[Task]:
    tasks: list[Task] = []
    if is_bureau(user):
        tasks += _bureau_tasks(user)
    if organisation_ids_of(user, Role.AGENCY_STAFF):
        tasks += _agency_tasks(user)
    units = organisation_ids_of(user, Role.UNIT_STAFF)
    if units:
        tasks += _unit_tasks(units)
    return tasks


def _bureau_tasks(user) -> list[Task]:
    tasks = []
    if is_bureau_approver(user):
        pending = (
            Determination.objects.filter(status=DeterminationStatus.PENDING)
            .exclude(prepared_by=user)
            .values("year")
            .annotate(n=Count("id"))
            .order_by("year")
        )
        for row in pending:
            tasks.append(
                Task(
                    title=ngettext(
                        "Approve or return %(n)s determination of %(year)s emissions",
                        "Approve or return %(n)s determinations of %(year)s emissions",
                        row["n"],
                    )
                    % row,
                    url=f"{reverse('verification:determination_list', args=[row['year']])}?state=pending",
                    tag=_("Awaiting your approval"),
                    tag_colour="yellow",
                    basis=_("Art. 18 of the Measures"),
                )
            )
    objections = (
        Objection.objects.filter(status=ObjectionStatus.FILED)
        .values("determination__year")
        .annotate(n=Count("id"), due=Min("decision_due_date"))
        .order_by("determination__year")
    )
    for row in objections:
        year = row["determination__year"]
        tasks.append(
            Task(
                title=ngettext(
                    "Decide %(n)s objection to the %(year)s determinations",
                    "Decide %(n)s objections to the %(year)s determinations",
                    row["n"],
                )
                % {"n": row["n"], "year": year},
                url=f"{reverse('verification:objection_admin', args=[year])}?status=filed",
                due=row["due"],
                tag=_("Awaiting your decision"),
                tag_colour="yellow",
                basis=_("Art. 20 of the Measures"),
            )
        )
    overdue = (
        assignments_for(user)
        .filter(status=AssignmentStatus.ASSIGNED, due_date__lt=timezone.localdate())
        .values("year")
        .annotate(n=Count("id"))
        .order_by("year")
    )
    for row in overdue:
        tasks.append(
            Task(
                title=ngettext(
                    "%(n)s technical review of %(year)s is overdue",
                    "%(n)s technical reviews of %(year)s are overdue",
                    row["n"],
                )
                % row,
                url=f"{reverse('verification:review_list', args=[row['year']])}?state=overdue",
                tag=_("Overdue"),
                tag_colour="red",
                basis=_("Art. 18 of the Measures"),
            )
        )
    return tasks


def _agency_tasks(user) -> list[Task]:
    tasks = []
    assigned = (
        assignments_for(user)
        .filter(status=AssignmentStatus.ASSIGNED)
        .select_related("organisation")
        .order_by("due_date", "pk")
    )
    today = timezone.localdate()
    for assignment in assigned:
        tasks.append(
            Task(
                title=_("Review the %(year)s report of %(org)s")
                % {"year": assignment.year, "org": assignment.organisation.name},
                url=reverse("verification:review_edit", args=[assignment.pk]),
                due=assignment.due_date,
                tag=_("Overdue") if assignment.due_date < today else _("Assigned"),
                tag_colour="red" if assignment.due_date < today else "blue",
                basis=_("Art. 18 of the Measures"),
            )
        )
    answered = InformationRequest.objects.filter(
        assignment__in=assignments_for(user), status=RequestStatus.ANSWERED
    ).select_related("assignment__organisation")
    for info_request in answered:
        tasks.append(
            Task(
                title=_("%(org)s answered: %(subject)s")
                % {"org": info_request.assignment.organisation.name, "subject": info_request.subject},
                url=reverse("verification:request_detail", args=[info_request.pk]),
                tag=_("Answered"),
                tag_colour="green",
                basis=_("Art. 18 of the Measures"),
            )
        )
    return tasks


def _unit_tasks(units) -> list[Task]:
    tasks = []
    requests = InformationRequest.objects.filter(
        assignment__organisation_id__in=units,
        assignment__status__in=[AssignmentStatus.ASSIGNED, AssignmentStatus.DONE],
        status=RequestStatus.OPEN,
    ).select_related("assignment__organisation")
    for info_request in requests:
        tasks.append(
            Task(
                title=_("Answer the reviewer's request: %(subject)s · %(org)s")
                % {"subject": info_request.subject, "org": info_request.assignment.organisation.name},
                url=reverse("verification:request_detail", args=[info_request.pk]),
                due=info_request.reply_due_date,
                tag=_("Awaiting your reply"),
                tag_colour="yellow",
                basis=_("Art. 18 of the Measures"),
            )
        )
    today = timezone.localdate()
    open_windows = (
        Determination.objects.filter(
            organisation_id__in=units, status=DeterminationStatus.APPROVED, objection_deadline__gte=today
        )
        .exclude(objections__isnull=False)
        .select_related("organisation")
    )
    for determination in open_windows:
        tasks.append(
            Task(
                title=_("Your %(year)s emissions were determined at %(tonnes)s tCO2e · %(org)s")
                % {
                    "year": determination.year,
                    "tonnes": determination.emissions_tco2e,
                    "org": determination.organisation.name,
                },
                url=reverse("verification:determination_unit"),
                due=determination.objection_deadline,
                tag=_("Objections open"),
                tag_colour="blue",
                basis=_("Art. 20 of the Measures"),
            )
        )
    return tasks
