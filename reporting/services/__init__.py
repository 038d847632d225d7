"""Reporting writes: one function per business act (see CONVENTIONS.md)."""

from .factors import emission_factor_revise  # noqa: F401
from .monthly import monthly_file, monthly_withdraw  # noqa: F401
from .plans import (  # noqa: F401
    plan_accept,
    plan_create_draft,
    plan_parameter_add,
    plan_parameter_remove,
    plan_return,
    plan_revise,
    plan_submit,
    plan_update_boundary,
    plan_update_responsibilities,
)
from .reports import (  # noqa: F401
    report_abandon,
    report_correction_start,
    report_create_draft,
    report_line_add,
    report_line_remove,
    report_production_update,
    report_submit,
)
