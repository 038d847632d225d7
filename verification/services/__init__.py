"""Verification writes."""

from .assignments import assignment_create, assignment_reassign  # noqa: F401
