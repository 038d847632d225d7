"""Registry writes: one function per business act (see CONVENTIONS.md)."""

from .events import organisation_close, organisation_merge, organisation_split  # noqa: F401
from .lists import (  # noqa: F401
    regulated_list_add_entry,
    regulated_list_approve,
    regulated_list_build,
    regulated_list_compile,
    regulated_list_remove_entry,
    regulated_list_restore_entry,
    regulated_list_return,
    regulated_list_submit,
)
from .organisations import (  # noqa: F401
    contact_create,
    criterion_revise,
    emission_record_set,
    facility_create,
    membership_grant,
    organisation_create,
    organisation_update,
    year_settings_revise,
)
