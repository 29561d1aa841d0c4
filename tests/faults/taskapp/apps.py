from __future__ import annotations

from django.apps import AppConfig


class TaskAppConfig(AppConfig):
    """A tests-only app: an idempotent task and the table that records its effect."""

    name = "tests.faults.taskapp"
    label = "faults_taskapp"
    default_auto_field = "django.db.models.BigAutoField"
