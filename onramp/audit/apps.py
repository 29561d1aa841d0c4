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
