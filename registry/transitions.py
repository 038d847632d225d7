"""The regulated-unit list's workflow: which status may follow which."""

from .choices import ListStatus

LIST_TRANSITIONS: dict[str, set[str]] = {
    ListStatus.DRAFT: {ListStatus.PENDING_APPROVAL},
    ListStatus.PENDING_APPROVAL: {ListStatus.PUBLISHED, ListStatus.DRAFT},
    ListStatus.PUBLISHED: set(),
}
LIST_EDITABLE = frozenset({ListStatus.DRAFT})
LIST_TERMINAL = frozenset({ListStatus.PUBLISHED})


def can_move(current: str, new: str) -> bool:
    return new in LIST_TRANSITIONS.get(current, set())
