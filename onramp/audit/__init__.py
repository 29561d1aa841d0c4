"""Trust and operations: the audit trail, backup and restore, health checks, metrics, and the
export and anonymisation of a person's data.

Sits above every domain app in INSTALLED_APPS, so it may import them all; no domain app imports it
(they reach it through the hooks documented in docs/operations.md).
"""
