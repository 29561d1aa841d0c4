from __future__ import annotations

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "onramp.audit"
    label = "audit"
    verbose_name = "Audit and operations"

    def ready(self) -> None:
        from onramp.audit import jobs
        from onramp.audit.registration import register_all

        register_all()
        jobs.connect()
        # Bulk writes of lower apps (org imports) reach the trail through core.changes.
        from onramp.audit.bulk import audit_log_bulk
        from onramp.core.changes import on_bulk_write

        on_bulk_write(audit_log_bulk)
