"""Reads on adoption: target populations, who is active, and the lists the pages show."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.db.models import Count, QuerySet

from onramp.adoption.models import (
    AdopterState,
    AdoptionRule,
    IngestBatch,
    UnmatchedIdentity,
    activity_model,
)
from onramp.adoption.services.rules import rule_for
from onramp.catalog.models import Service
from onramp.core.metrics import Scope
from onramp.org.selectors import people_in_units, projects_in_units
from onramp.rollout.models import Wave
from onramp.rollout.selectors import (
    rollout_people,
    rollout_projects,
    wave_people_ids,
    wave_projects,
)

LIVE_PROJECTS = ("active", "proposed")
T = TypeVar("T")
_MEMO: ContextVar[dict[tuple[Any, ...], Any] | None] = ContextVar("adoption_memo", default=None)


@contextmanager
def memoised() -> Iterator[None]:
    """Inside the block, each scope's target population, each day's active adopters and each
    service's rule are read once however many metrics ask for them: measuring every adoption
    metric of one scope reads the population once instead of once per metric. For reads only:
    a write inside the block is not seen by a later read of what was already read."""
    token = _MEMO.set({})
    try:
        yield
    finally:
        _MEMO.reset(token)


def remembered(key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    """compute(), or inside memoised() what it returned for the same key (do not mutate it)."""
    memo = _MEMO.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def adopter_column(service: Service) -> str:
    return "project_id" if service.adopter_kind == "projects" else "person_id"


def population(scope: Scope) -> set[int]:
    """Ids of the scope's target population: the wave's, else the rollout's, else everyone
    (people, or live projects, by the service's adopter kind); narrowed to `units` when given."""
    return remembered(("population", scope), lambda: _population(scope))


def _population(scope: Scope) -> set[int]:
    projects = scope.service.adopter_kind == "projects"
    if scope.wave is not None:
        ids = (
            set(wave_projects(scope.wave).values_list("id", flat=True))
            if projects
            else wave_people_ids(scope.wave, as_of=scope.as_of)
        )
    elif scope.rollout is not None:
        qs = (
            rollout_projects(scope.rollout)
            if projects
            else rollout_people(scope.rollout, as_of=scope.as_of)
        )
        ids = set(qs.values_list("id", flat=True))
    else:
        ids = None
    if scope.units is not None or ids is None:
        units = list(scope.units) if scope.units is not None else None
        qs = (
            projects_in_units(units, statuses=LIVE_PROJECTS)
            if projects
            else people_in_units(units, as_of=scope.as_of)
        )
        narrowed = set(qs.values_list("id", flat=True))
        ids = narrowed if ids is None else ids & narrowed
    return ids


def active_ids(service: Service, as_of: dt.date, *, rule: AdoptionRule | None = None) -> set[int]:
    """Adopters active on `as_of`: at least k qualifying days in (as_of - W, as_of]."""
    rule = rule or service_rule(service)
    key = ("active", service.pk, as_of, rule.min_active_days, rule.window_days)
    return remembered(key, lambda: _active_ids(service, as_of, rule))


def service_rule(service: Service) -> AdoptionRule:
    return remembered(("rule", service.pk), lambda: rule_for(service))


def _active_ids(service: Service, as_of: dt.date, rule: AdoptionRule) -> set[int]:
    col = adopter_column(service)
    since = as_of - dt.timedelta(days=rule.window_days)
    return set(
        activity_model(service.adopter_kind)
        .objects.filter(service=service, day__gt=since, day__lte=as_of, qualifying_events__gt=0)
        .values(col)
        .annotate(days=Count("day"))
        .filter(days__gte=rule.min_active_days)
        .values_list(col, flat=True)
    )


def adopted_on(service: Service, as_of: dt.date) -> dict[int, dt.date]:
    """Adopter id -> the first day they were active under the rule, for those who were by
    `as_of`."""
    col = adopter_column(service)
    return remembered(
        ("adopted", service.pk, as_of),
        lambda: dict(
            AdopterState.objects.filter(
                service=service, adopted_on__lte=as_of, **{f"{col}__isnull": False}
            ).values_list(col, "adopted_on")
        ),
    )


def daily_qualifying(service: Service, start: dt.date, end: dt.date) -> dict[dt.date, set[int]]:
    """Day -> adopters with a qualifying event that day, for days in (start, end]."""
    col = adopter_column(service)
    out: dict[dt.date, set[int]] = defaultdict(set)
    rows = (
        activity_model(service.adopter_kind)
        .objects.filter(service=service, day__gt=start, day__lte=end, qualifying_events__gt=0)
        .values_list(col, "day")
    )
    for adopter, day in rows:
        out[day].add(adopter)
    return out


def go_live_of(scope: Scope) -> dict[int, dt.date]:
    """Adopter id -> the go-live date of the wave that reaches them (the scope's wave, else the
    first wave by go-live of the scope's rollout, else of any rollout of the service)."""
    projects = scope.service.adopter_kind == "projects"
    if scope.wave is not None:
        waves = [scope.wave]
    else:
        qs = Wave.objects.filter(rollout__service=scope.service)
        if scope.rollout is not None:
            qs = qs.filter(rollout=scope.rollout)
        waves = list(qs.order_by("go_live_date", "order"))
    out: dict[int, dt.date] = {}
    for wave in waves:
        ids = (
            wave_projects(wave).values_list("id", flat=True)
            if projects
            else wave_people_ids(wave, as_of=scope.as_of)
        )
        for i in ids:
            out.setdefault(i, wave.go_live_date)
    return out


# --- lists for pages and the API ----------------------------------------------------------------


def unmatched_list(*, service: Service, mapped: bool = False) -> QuerySet[UnmatchedIdentity]:
    qs = UnmatchedIdentity.objects.filter(service=service).select_related(
        "mapped_to", "mapped_project"
    )
    if mapped:
        return qs.exclude(mapped_to__isnull=True, mapped_project__isnull=True)
    return qs.filter(mapped_to__isnull=True, mapped_project__isnull=True)


def batch_list(*, service: Service) -> QuerySet[IngestBatch]:
    return IngestBatch.objects.filter(services=service).select_related("created_by")
