"""Trading writes."""
