"""Demo data: a deterministic, Shanghai-like registry to try the portal on and to benchmark it.

`build_plan()` (plan.py) is pure: the same units and seed always give the same organisations,
credit codes and emissions, with no database involved; words.py holds the words and codes they
are named with. `seed_demo()` (write.py) writes a plan through the registry's services and then
runs the annual list workflow the way the bureau would: alice compiles and submits, bob approves
and publishes.
"""

from .plan import YEARS, ContactPlan, FacilityPlan, OrgPlan, Plan, build_plan, minimum_units
from .words import make_uscc
from .write import (
    ADMIN,
    ALICE,
    BOB,
    BULK_FROM,
    BUREAU_USCC,
    CAST,
    DEMO_PASSWORD,
    TOTP_COMMAND,
    TOTP_SECRET,
    demo_logins,
    seed_demo,
)

__all__ = [
    "ADMIN",
    "ALICE",
    "BOB",
    "BULK_FROM",
    "BUREAU_USCC",
    "CAST",
    "DEMO_PASSWORD",
    "TOTP_COMMAND",
    "TOTP_SECRET",
    "YEARS",
    "ContactPlan",
    "FacilityPlan",
    "OrgPlan",
    "Plan",
    "build_plan",
    "demo_logins",
    "make_uscc",
    "minimum_units",
    "seed_demo",
]
