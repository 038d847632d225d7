"""Trading's workflows: which status may follow which, one table per state machine.

Each table is `{FROM: {TO, ...}}`, derived from what the services do. The services keep their own,
more specific refusals in front; `move` is the last line of defence, so no status changes outside its
table whatever a service forgets to check.

    allocation plan  draft --open for comment--> consultation --submit--> pending
                     draft --submit--> pending --approve--> published
                     pending --return--> draft
                     published is final: a change is a new version (a new draft)
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import PlanStatus

Table = dict[str, set[str]]

# Four eyes: nothing reaches PUBLISHED but from PENDING, and a published plan never changes.
PLAN_TRANSITIONS: Table = {
    PlanStatus.DRAFT: {PlanStatus.CONSULTATION, PlanStatus.PENDING},
    PlanStatus.CONSULTATION: {PlanStatus.PENDING},
    PlanStatus.PENDING: {PlanStatus.PUBLISHED, PlanStatus.DRAFT},
    # A published plan is never edited; approving its next version replaces it (both stay on record).
    PlanStatus.PUBLISHED: {PlanStatus.SUPERSEDED},
    PlanStatus.SUPERSEDED: set(),
}

# The statuses in which the bureau may still change a plan's figures and rules.
PLAN_EDITABLE = frozenset({PlanStatus.DRAFT})
# The statuses the public sees.
PLAN_PUBLIC = frozenset({PlanStatus.CONSULTATION, PlanStatus.PUBLISHED})


def can_move(table: Table, current: str, new: str) -> bool:
    return new in table.get(current, set())


def _label(obj, status: str) -> str:
    return str(dict(obj._meta.get_field("status").flatchoices).get(status, status))


def move(obj, new: str, table: Table, *, message: str | None = None) -> None:
    """Sets obj.status to `new` if its table allows the move, or refuses with a translated
    ValidationError and leaves obj as it was. The caller saves. `message` may replace the wording; it
    is formatted with %(thing)s, %(from)s and %(to)s."""
    if not can_move(table, obj.status, new):
        template = message or _("This %(thing)s cannot go from %(from)s to %(to)s.")
        raise ValidationError(
            template % {"thing": obj._meta.verbose_name, "from": _label(obj, obj.status), "to": _label(obj, new)},
            code="transition",
        )
    obj.status = new
