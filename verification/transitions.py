"""The verification workflows (Art. 18-20): which status may follow which, one table per state machine.

Each table is `{FROM: {TO, ...}}`, derived from what the services do. The services keep their own,
more specific refusals in front; `move` is the last line of defence, so no status changes outside its
table whatever a service forgets to check.

    assignment     assigned --review submitted--> done --review returned--> assigned
                   assigned --reassigned, or its re-examination cancelled--> withdrawn
    review         draft --submit--> submitted --return--> returned (the next version is a new draft)
    request        open <--follow-up-- answered, open/answered --answer--> answered, --close--> closed
    determination  draft --submit--> pending --approve--> approved --re-examined--> superseded
                   pending --return--> draft
    objection      filed --reject--> rejected; filed --accept--> reexamining --decided or cancelled--> decided
    re-examination open --review submitted--> reviewed --review returned--> open
                   reviewed --its determination approved--> decided; open/reviewed --cancel--> cancelled
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import (
    AssignmentStatus,
    DeterminationStatus,
    ObjectionStatus,
    ReexamStatus,
    RequestStatus,
    ReviewStatus,
)

Table = dict[str, set[str]]

# A withdrawn assignment is final; a done one goes back to the agency only when its review is returned
# (reassigning and cancelling withdraw only an assignment still with the agency).
ASSIGNMENT_TRANSITIONS: Table = {
    AssignmentStatus.ASSIGNED: {AssignmentStatus.DONE, AssignmentStatus.WITHDRAWN},
    AssignmentStatus.DONE: {AssignmentStatus.ASSIGNED},
    AssignmentStatus.WITHDRAWN: set(),
}

# A returned version stays on record as it was: the agency's correction is the next version.
REVIEW_TRANSITIONS: Table = {
    ReviewStatus.DRAFT: {ReviewStatus.SUBMITTED},
    ReviewStatus.SUBMITTED: {ReviewStatus.RETURNED},
    ReviewStatus.RETURNED: set(),
}

# The agency's follow-up re-opens a thread; the unit's answer (or a further answer) leaves it
# answered; only the agency closes it, and closed is final.
REQUEST_TRANSITIONS: Table = {
    RequestStatus.OPEN: {RequestStatus.OPEN, RequestStatus.ANSWERED, RequestStatus.CLOSED},
    RequestStatus.ANSWERED: {RequestStatus.OPEN, RequestStatus.ANSWERED, RequestStatus.CLOSED},
    RequestStatus.CLOSED: set(),
}

# Four eyes: nothing reaches APPROVED but from PENDING; SUPERSEDED is final.
DETERMINATION_TRANSITIONS: Table = {
    DeterminationStatus.DRAFT: {DeterminationStatus.PENDING},
    DeterminationStatus.PENDING: {DeterminationStatus.APPROVED, DeterminationStatus.DRAFT},
    DeterminationStatus.APPROVED: {DeterminationStatus.SUPERSEDED},
    DeterminationStatus.SUPERSEDED: set(),
}

# An accepted objection is decided by its re-examination: by the determination on its results, or
# by cancelling the re-examination with a reason.
OBJECTION_TRANSITIONS: Table = {
    # filed -> decided: an objection still waiting when a re-examination's result replaces the
    # determination it objects to is answered by that result (Art. 20).
    ObjectionStatus.FILED: {ObjectionStatus.REJECTED, ObjectionStatus.REEXAMINING, ObjectionStatus.DECIDED},
    ObjectionStatus.REEXAMINING: {ObjectionStatus.DECIDED},
    ObjectionStatus.REJECTED: set(),
    ObjectionStatus.DECIDED: set(),
}

REEXAM_TRANSITIONS: Table = {
    ReexamStatus.OPEN: {ReexamStatus.REVIEWED, ReexamStatus.CANCELLED},
    ReexamStatus.REVIEWED: {ReexamStatus.OPEN, ReexamStatus.DECIDED, ReexamStatus.CANCELLED},
    ReexamStatus.DECIDED: set(),
    ReexamStatus.CANCELLED: set(),
}


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
