"""Reporting writes: one function per business act (see CONVENTIONS.md)."""

from .factors import emission_factor_revise  # noqa: F401
from .reports import (  # noqa: F401
    report_correction_start,
    report_create_draft,
    report_line_add,
    report_line_remove,
    report_production_update,
    report_submit,
)
