"""Trading: the allowance registry and its ledger (Art. 12), and the allocation plans (Art. 10, 13)."""

from .allocation import (
    AllocationPlan,
    AllocationRun,
    IncentiveAdjustment,
    IndustryRule,
    IssuanceBatch,
    PlanComment,
    UnitAllocation,
)
from .compliance import Surrender
from .ledger import Account, ChainHead, ChainState, Holding, Instrument, LedgerEntry, LedgerTransaction

__all__ = [
    "Account",
    "AllocationPlan",
    "AllocationRun",
    "ChainHead",
    "ChainState",
    "Holding",
    "IncentiveAdjustment",
    "IndustryRule",
    "Instrument",
    "IssuanceBatch",
    "LedgerEntry",
    "LedgerTransaction",
    "PlanComment",
    "Surrender",
    "UnitAllocation",
]
