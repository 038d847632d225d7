"""Trading: the allowance registry and its ledger (Art. 12)."""

from .ledger import Account, ChainHead, ChainState, Holding, Instrument, LedgerEntry, LedgerTransaction

__all__ = ["Account", "ChainHead", "ChainState", "Holding", "Instrument", "LedgerEntry", "LedgerTransaction"]
