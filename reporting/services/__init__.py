"""Reporting writes: one function per business act (see CONVENTIONS.md)."""

from .factors import emission_factor_revise  # noqa: F401
