"""Template helpers for rollout pages, and the hook the service page includes."""

from __future__ import annotations

from typing import Any

from django import template

from onramp.catalog.selectors import service_can_edit, service_can_read

register = template.Library()

BADGES = {
    # rollout and wave statuses
    "planned": "badge-info",
    "active": "badge-good",
    "hypercare": "badge-warn",
    "completed": "",
    "closed": "",
    "on_hold": "badge-warn",
    "cancelled": "badge-bad",
    # gate results and decisions
    "go": "badge-good",
    "conditional": "badge-warn",
    "no_go": "badge-bad",
    "pending": "",
    "postpone": "",
    "none": "",
    # criteria and RAG
    "pass": "badge-good",
    "fail": "badge-bad",
    "green": "badge-good",
    "amber": "badge-warn",
    "red": "badge-bad",
}


@register.filter
def badge_class(code: str) -> str:
    return BADGES.get(str(code), "")


@register.filter
def pct(value: Any) -> str:
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.0f}%"


@register.inclusion_tag("rollout/partials/service_rollouts.html", takes_context=True)
def service_rollouts(context: template.Context, service: Any) -> dict[str, Any]:
    """The "Rollouts" card on a service's page."""
    user = context["request"].user
    if service is None or not service_can_read(user, service):
        return {"visible": False}
    rollouts = list(service.rollouts.prefetch_related("waves").order_by("-created_at"))
    return {
        "visible": True,
        "service": service,
        "rollouts": rollouts,
        "can_edit": service_can_edit(user, service),
    }
