"""The adoption rule of a service: which actions qualify, and k active days in a W-day window."""

from __future__ import annotations

from django.db import transaction

from onramp.adoption.models import AdoptionRule
from onramp.catalog.models import Service


def rule_for(service: Service) -> AdoptionRule:
    """The service's rule, or the defaults (k=1, W=28, every action) unsaved."""
    try:
        return AdoptionRule.objects.select_related("service").get(service=service)
    except AdoptionRule.DoesNotExist:
        return AdoptionRule(service=service)


def rule_update(
    *,
    service: Service,
    qualifying_actions: str | list[str] = "",
    min_active_days: int = 1,
    window_days: int = 28,
) -> AdoptionRule:
    """Save the rule and recompute the service's adoption. Qualifying actions apply to usage
    imported from now on (each day's qualifying count is fixed at import)."""
    from onramp.adoption.services.rollup import adoption_refresh

    if isinstance(qualifying_actions, list):
        qualifying_actions = "\n".join(a.strip() for a in qualifying_actions if a.strip())
    rule = rule_for(service)
    rule.qualifying_actions = "\n".join(
        dict.fromkeys(a.strip() for a in qualifying_actions.splitlines() if a.strip())
    )
    rule.min_active_days = min_active_days
    rule.window_days = window_days
    rule.full_clean()
    with transaction.atomic():
        rule.save()
        adoption_refresh(service=service)
    return rule
