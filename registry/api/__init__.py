"""The registry's REST API (mounted at /api/registry/), one view per operation.

Every organisation is reached through `registry.permissions.organisations_for`, the same gate
the pages use; every write goes through a service in `registry.services`.
"""
