"""Trading's contribution to the dashboard: a unit's staff are told when their holding account is
frozen, since nothing can then be moved to or from it. One query."""

from django.urls import reverse
from django.utils.translation import gettext as _

from carbon_portal.dashboard import Task
from carbon_portal.permissions import organisation_ids_of
from carbon_portal.roles import Role

from .choices import AccountKind, AccountStatus
from .models import Account


def tasks_for(user) -> list[Task]:
    units = organisation_ids_of(user, Role.UNIT_STAFF)
    if not units:
        return []
    frozen = Account.objects.filter(holder_id__in=units, kind=AccountKind.HOLDING, status=AccountStatus.FROZEN)
    return [
        Task(
            title=_("Holding account %(number)s is frozen: contact the bureau") % {"number": account.number},
            url=reverse("trading:account_detail", args=[account.number]),
            tag=_("Frozen"),
            tag_colour="red",
            basis=_("Art. 12 of the Measures"),
        )
        for account in frozen.order_by("number")
    ]
