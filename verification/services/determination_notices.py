"""What the determination's people are told: its preparer when the approver returns it, the unit's
staff when it is approved (the notice is on the portal; the objection window, Art. 20)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy

from carbon_portal import notifications
from carbon_portal.formatting import format_tco2e
from reporting.notices import staff_of

from ..models import Determination


def notify_returned(determination: Determination, *, approver, reason: str) -> None:
    notifications.notify(
        recipients=[determination.prepared_by],
        kind="determination.returned",
        subject=gettext_lazy("Determination returned: %(unit)s, %(year)s"),
        body=gettext_lazy("%(approver)s sent the determination back: %(reason)s"),
        params={
            "unit": determination.organisation.name_zh,
            "year": determination.year,
            "approver": str(approver),
            "reason": reason,
        },
        url=reverse("verification:determination_workspace", args=[determination.year, determination.organisation_id]),
    )


def notify_approved(determination: Determination) -> None:
    params = {
        "year": determination.year,
        "unit": determination.organisation.name_zh,
        "tco2e": format_tco2e(determination.emissions_tco2e),
        "reference": determination.reference,
    }
    if determination.objection_deadline:
        body = gettext_lazy(
            "The bureau has determined the %(year)s emissions of %(unit)s at %(tco2e)s tCO2e (%(reference)s). "
            "The notice is on the portal. You may object until %(deadline)s, in the portal (Art. 20)."
        )
        params["deadline"] = determination.objection_deadline.isoformat()
    else:
        body = gettext_lazy(
            "On the re-examination's results the bureau has determined the %(year)s emissions of %(unit)s at "
            "%(tco2e)s tCO2e (%(reference)s), replacing the earlier determination. The notice is on the portal; "
            "this determination is final (Art. 20)."
        )
    notifications.notify(
        recipients=staff_of(determination.organisation_id),
        kind="determination.approved",
        subject=gettext_lazy("Your %(year)s emissions are determined: %(tco2e)s tCO2e"),
        body=body,
        params=params,
        url=reverse("verification:determination_unit"),
    )
