"""The annual emission report's workflow (Measures Art. 16): which status may follow which.

A submitted report is never edited: a correction is a new version, and submitting it marks the
version it corrects superseded.
"""

from .choices import ReportStatus

REPORT_TRANSITIONS: dict[str, set[str]] = {
    ReportStatus.DRAFT: {ReportStatus.SUBMITTED},
    ReportStatus.SUBMITTED: {ReportStatus.SUPERSEDED},
    ReportStatus.SUPERSEDED: set(),
}
EDITABLE = frozenset({ReportStatus.DRAFT})
TERMINAL = frozenset({ReportStatus.SUPERSEDED})


def can_move(current: str, new: str) -> bool:
    return new in REPORT_TRANSITIONS.get(current, set())
