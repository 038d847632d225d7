"""Trading reads."""
