"""Trading's answers to the registry's signals (registry/signals.py). The registry does not import
trading; it announces its events and trading acts on them in the same database transaction."""

from registry.choices import EventKind

from .services.succession import holdings_merge


def on_organisation_event(sender, *, event, actor, **kwargs) -> None:
    """Art. 14 ¶1: a merger moves the absorbed unit's holdings at once; an exception here undoes
    the merger. A split waits for the bureau to record its division (trading:succession_event)."""
    if event.kind == EventKind.MERGER:
        holdings_merge(actor=actor, event=event)
