"""Adoption metrics. Each one is measured over the scope's target population (the wave's, the
rollout's or the units' people, or projects for project services) under the service's rule:
active on day d = at least k days with a qualifying event in (d - W, d].

Measuring several of them for one scope? Do it inside `selectors.memoised()`: the population,
the active adopters and the rule are then read once, not once per metric."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from onramp.adoption import selectors
from onramp.core.metrics import Measurement, Scope, register

STICKY_DAYS = 28
VELOCITY_WEEKS = 4


def _rule_detail(scope: Scope) -> dict[str, Any]:
    rule = selectors.service_rule(scope.service)
    return {
        "rule": rule.text,
        "k": rule.min_active_days,
        "window_days": rule.window_days,
        "qualifying_actions": rule.actions,
        "adopter_kind": scope.service.adopter_kind,
    }


def _no_service(key: str, unit: str) -> Measurement:
    return Measurement(key, None, 0, unit, False, {"reason": "Adoption is measured per service."})


def rate_at(scope: Scope) -> tuple[float | None, int, int]:
    """(rate %, active adopters, population) for the scope."""
    pop = selectors.population(scope)
    if not pop:
        return None, 0, 0
    active = len(selectors.active_ids(scope.service, scope.as_of) & pop)
    return round(100 * active / len(pop), 2), active, len(pop)


@register(
    "adoption.rate",
    label="Adoption rate",
    unit="%",
    direction="higher",
    definition="Active adopters / target population x 100, as of the scope's date. Active: at "
    "least k days with a qualifying event in the last W days (the service's rule; default "
    "k=1, W=28). The population is the wave's, rollout's or units' people (projects for "
    "project services).",
)
def adoption_rate(scope: Scope) -> Measurement:
    if scope.service is None:
        return _no_service("adoption.rate", "%")
    value, active, n = rate_at(scope)
    return Measurement(
        "adoption.rate", value, n, "%", False, {"active": active, **_rule_detail(scope)}
    )


@register(
    "adoption.active_users",
    label="Active adopters",
    unit="adopters",
    direction="higher",
    definition="How many of the target population are active under the service's rule as of "
    "the scope's date.",
)
def adoption_active(scope: Scope) -> Measurement:
    if scope.service is None:
        return _no_service("adoption.active_users", "adopters")
    value, active, n = rate_at(scope)
    return Measurement(
        "adoption.active_users",
        None if value is None else float(active),
        n,
        "adopters",
        False,
        {"rate": value, **_rule_detail(scope)},
    )


@register(
    "adoption.ever",
    label="Ultimate utilisation",
    unit="%",
    direction="higher",
    definition="Share of the target population who have ever been active under the rule by the "
    "scope's date (Prosci's ultimate utilisation).",
)
def adoption_ever(scope: Scope) -> Measurement:
    if scope.service is None:
        return _no_service("adoption.ever", "%")
    pop = selectors.population(scope)
    ever = len(set(selectors.adopted_on(scope.service, scope.as_of)) & pop)
    value = round(100 * ever / len(pop), 2) if pop else None
    return Measurement(
        "adoption.ever", value, len(pop), "%", False, {"ever": ever, **_rule_detail(scope)}
    )


@register(
    "adoption.stickiness",
    label="Stickiness (DAU/MAU)",
    unit="%",
    direction="higher",
    definition="Mean daily active adopters over the last 28 days / adopters active at least "
    "once in those 28 days x 100. Daily active: a qualifying event that day.",
)
def adoption_stickiness(scope: Scope) -> Measurement:
    if scope.service is None:
        return _no_service("adoption.stickiness", "%")
    pop = selectors.population(scope)
    start = scope.as_of - dt.timedelta(days=STICKY_DAYS)
    by_day = selectors.daily_qualifying(scope.service, start, scope.as_of)
    dau = [len(ids & pop) for ids in by_day.values()]
    mau = len(set().union(*by_day.values()) & pop) if by_day else 0
    mean_dau = sum(dau) / STICKY_DAYS
    value = round(100 * mean_dau / mau, 2) if mau else None
    return Measurement(
        "adoption.stickiness",
        value,
        mau,
        "%",
        False,
        {"mean_dau": round(mean_dau, 3), "mau": mau, "days": STICKY_DAYS},
    )


@register(
    "adoption.time_to_adopt",
    label="Time to adopt (median)",
    unit="days",
    direction="lower",
    definition="Days from the go-live of the adopter's wave to the first day they are active "
    "under the rule (0 when they were active before), over adopters by the scope's date: the "
    "median, with the 80th percentile (linear interpolation) in the detail.",
)
def adoption_time_to_adopt(scope: Scope) -> Measurement:
    if scope.service is None:
        return _no_service("adoption.time_to_adopt", "days")
    pop = selectors.population(scope)
    go_live = selectors.go_live_of(scope)
    adopted = selectors.adopted_on(scope.service, scope.as_of)
    days = [
        max(0, (day - go_live[a]).days)
        for a, day in adopted.items()
        if a in pop and a in go_live and go_live[a] <= scope.as_of
    ]
    if not days:
        reason = "No wave reaches this population yet." if not go_live else "Nobody adopted yet."
        return Measurement("adoption.time_to_adopt", None, 0, "days", False, {"reason": reason})
    arr = np.array(days, dtype=float)
    return Measurement(
        "adoption.time_to_adopt",
        round(float(np.median(arr)), 1),
        len(days),
        "days",
        False,
        {"median": float(np.median(arr)), "p80": round(float(np.percentile(arr, 80)), 1)},
    )


@register(
    "adoption.lapse",
    label="Lapse rate",
    unit="%",
    direction="lower",
    definition="Adopters (ever active under the rule) who are not active as of the scope's "
    "date / adopters x 100.",
)
def adoption_lapse(scope: Scope) -> Measurement:
    if scope.service is None:
        return _no_service("adoption.lapse", "%")
    pop = selectors.population(scope)
    ever = set(selectors.adopted_on(scope.service, scope.as_of)) & pop
    lapsed = ever - selectors.active_ids(scope.service, scope.as_of)
    value = round(100 * len(lapsed) / len(ever), 2) if ever else None
    return Measurement(
        "adoption.lapse",
        value,
        len(ever),
        "%",
        False,
        {"lapsed": len(lapsed), **_rule_detail(scope)},
    )


@register(
    "adoption.velocity",
    label="Adoption velocity",
    unit="pp/week",
    direction="higher",
    definition="Change of the adoption rate over the last 4 weeks, in percentage points per week.",
)
def adoption_velocity(scope: Scope) -> Measurement:
    if scope.service is None:
        return _no_service("adoption.velocity", "pp/week")
    now, _, n = rate_at(scope)
    before, _, _ = rate_at(scope.at(scope.as_of - dt.timedelta(weeks=VELOCITY_WEEKS)))
    if now is None or before is None:
        return Measurement("adoption.velocity", None, n, "pp/week", False, {})
    return Measurement(
        "adoption.velocity",
        round((now - before) / VELOCITY_WEEKS, 2),
        n,
        "pp/week",
        False,
        {"rate": now, "rate_4_weeks_before": before},
    )
