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
from .auction import Auction, Bid
from .compliance import ComplianceExemption, HoldingsSuccession, NationalMarketMove, RolloverTranche, Surrender
from .ledger import Account, ChainHead, ChainState, Holding, Instrument, LedgerEntry, LedgerTransaction
from .market import EarlyWarning, MarketDay, MarketImport

__all__ = [
    "Account",
    "AllocationPlan",
    "AllocationRun",
    "Auction",
    "Bid",
    "ChainHead",
    "ChainState",
    "ComplianceExemption",
    "EarlyWarning",
    "Holding",
    "HoldingsSuccession",
    "IncentiveAdjustment",
    "IndustryRule",
    "Instrument",
    "IssuanceBatch",
    "LedgerEntry",
    "LedgerTransaction",
    "MarketDay",
    "MarketImport",
    "NationalMarketMove",
    "PlanComment",
    "RolloverTranche",
    "Surrender",
    "UnitAllocation",
]
