from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from onramp.rollout.models import (
    GateDecision,
    GateEvaluation,
    PlanningSettings,
    Rollout,
    UnitCapacity,
    Wave,
)

admin.site.register(Rollout, list_display=("name", "service", "status", "owner"))
admin.site.register(Wave, list_display=("name", "rollout", "kind", "start_date", "end_date"))
admin.site.register(
    PlanningSettings,
    list_display=("__str__", "default_capacity", "slip_amber_days", "slip_red_days"),
)
admin.site.register(UnitCapacity, list_display=("unit", "capacity", "note"))


class ReadOnlyAdmin(admin.ModelAdmin):
    """Evidence and decisions are shown, never changed."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(GateDecision)
class GateDecisionAdmin(ReadOnlyAdmin):
    list_display = ("gate", "decision", "decided_by", "decided_at")


@admin.register(GateEvaluation)
class GateEvaluationAdmin(ReadOnlyAdmin):
    list_display = ("gate", "result", "as_of", "evaluated_at", "evaluated_by")
