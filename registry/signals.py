"""Signals the registry sends so that apps to its right act on its events without the registry
importing them (CONVENTIONS.md: dependencies point one way)."""

from django.dispatch import Signal

# Sent by registry.services.events inside the transaction that records a merger or a split, once
# the event, its facility transfers and the audit entry are saved. Arguments: event (the
# OrganisationEvent) and actor (the bureau user). Sent with send(), not send_robust(): a receiver
# that raises undoes the whole event, so a merger whose allowances cannot move is not recorded.
organisation_event_recorded = Signal()
