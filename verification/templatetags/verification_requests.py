"""Template tags for requests for information, so a page can show a thread summary from
`assignment` and the current user alone (the workspace page includes _workspace_requests.html)."""

from django import template

from verification.choices import AssignmentStatus
from verification.selectors import requests as selectors

register = template.Library()


@register.simple_tag
def request_counts(assignment) -> dict[str, int]:
    """{"total", "open", "answered"} threads of the assignment, in one query."""
    return selectors.request_counts(assignment)


@register.simple_tag(takes_context=True)
def may_open_request(context, assignment) -> bool:
    """The user is the reviewing agency's staff and the review is still under way."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    if user is None:
        return False
    return assignment.status == AssignmentStatus.ASSIGNED and selectors.is_reviewing_agency(user, assignment)
