"""The reporting REST API (mounted at /api/reporting/), one view per operation, for units' own
systems (token) and the bureau (session; tokens are refused for bureau accounts).

Every report and plan is reached through `reporting.permissions` (`reports_for`, `plans_for`),
the gate the pages use, so another unit's filing is a 404. Every write calls a service in
`reporting.services`; its ValidationError answers 400 with field errors in the caller's language,
its PermissionDenied 403. Numbers travel as decimal strings, never as JSON floats.

One module per topic (factors, reports, plans, evidence, imports, monthly, access, documents), each
with its views; serializers shared between topics live in serializers.py, and the pieces every
module uses in common.py.
"""
