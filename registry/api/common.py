"""Shared by the registry's public and bureau endpoints."""

TONNES = {"max_digits": 16, "decimal_places": 3}
