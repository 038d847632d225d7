"""The annual emission report's workflow (Measures Art. 16): which status may follow which.

A submitted report is never edited: a correction is a new version, and submitting it marks the
version it corrects superseded.
"""

from .choices import PlanStatus, ReportStatus

REPORT_TRANSITIONS: dict[str, set[str]] = {
    ReportStatus.DRAFT: {ReportStatus.SUBMITTED, ReportStatus.ABANDONED},
    ReportStatus.SUBMITTED: {ReportStatus.SUPERSEDED},
    ReportStatus.SUPERSEDED: set(),
    ReportStatus.ABANDONED: set(),
}
EDITABLE = frozenset({ReportStatus.DRAFT})
TERMINAL = frozenset({ReportStatus.SUPERSEDED, ReportStatus.ABANDONED})


def can_move(current: str, new: str) -> bool:
    return new in REPORT_TRANSITIONS.get(current, set())


# The data quality control plan (Measures Art. 15). The bureau accepts a submitted plan or returns it
# with comments per section. A returned plan is never edited: the unit revises it as a new draft
# version (its content copied), and starting that version marks the returned one superseded, so each
# unit and year has one current version and every earlier one stays on record for comparison. An
# accepted plan is final for its year.
PLAN_TRANSITIONS: dict[str, set[str]] = {
    PlanStatus.DRAFT: {PlanStatus.SUBMITTED},
    PlanStatus.SUBMITTED: {PlanStatus.ACCEPTED, PlanStatus.RETURNED},
    PlanStatus.RETURNED: {PlanStatus.SUPERSEDED},
    PlanStatus.ACCEPTED: set(),
    PlanStatus.SUPERSEDED: set(),
}
PLAN_EDITABLE = frozenset({PlanStatus.DRAFT})
PLAN_AWAITING_DECISION = frozenset({PlanStatus.SUBMITTED})
PLAN_TERMINAL = frozenset({PlanStatus.ACCEPTED, PlanStatus.SUPERSEDED})


def plan_can_move(current: str, new: str) -> bool:
    return new in PLAN_TRANSITIONS.get(current, set())
