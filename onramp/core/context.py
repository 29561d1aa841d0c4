"""Template context shared by every page: the navigation."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    namespace: str
    icon: str
    hint: str


NAVIGATION = [
    NavItem("Home", "home", "", "◎", "What needs attention"),
    NavItem("Services", "catalog:service_list", "catalog", "▦", "The PMO services you onboard"),
    NavItem("Organisation", "org:unit_tree", "org", "⌂", "Units, people and projects"),
    NavItem("Rollouts", "rollout:index", "rollout", "➤", "Waves, milestones and gates"),
    NavItem("Engagement", "engagement:index", "engagement", "☍", "Stakeholders and ADKAR"),
    NavItem("Communications", "comms:index", "comms", "✉", "Messages per audience"),
    NavItem("Training", "enablement:index", "enablement", "✎", "Sessions, learning, champions"),
    NavItem("Adoption", "adoption:index", "adoption", "↗", "Usage and forecasts"),
    NavItem("Surveys", "surveys:index", "surveys", "☺", "NPS, CSAT, SUS, ADKAR"),
    NavItem("Improvement", "improvement:index", "improvement", "↻", "Feedback and retros"),
    NavItem("Reports", "reports:index", "reports", "▤", "Portfolio and steering"),
]


def navigation(request: HttpRequest) -> dict[str, object]:
    match = getattr(request, "resolver_match", None)
    current_ns = match.namespace if match else ""
    current_name = match.url_name if match else ""
    items = []
    for item in NAVIGATION:
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        active = (item.namespace and item.namespace == current_ns) or (
            not item.namespace and not current_ns and current_name == item.url_name
        )
        items.append({"item": item, "url": url, "active": active})
    return {"nav_items": items}
