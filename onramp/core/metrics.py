"""The metric registry: every number a gate, dashboard or report shows is a registered metric.

    measure("adoption.rate", Scope(service=s, wave=w, as_of=date)) -> Measurement

Apps register their metrics in their own `metrics.py`, imported when the app is ready. Callers
never read another app's tables: they ask the registry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from django.utils import timezone

Direction = Literal["higher", "lower"]


@dataclass(frozen=True)
class Scope:
    """What a metric is measured over: a service, optionally narrowed to a rollout, a wave or a set
    of org units (descendants included), as of a date. `units` holds org unit ids; None means the
    whole organisation (or the service's whole target population, for metrics that know it)."""

    service: Any = None
    rollout: Any = None
    wave: Any = None
    units: frozenset[int] | None = None
    as_of: dt.date = field(default_factory=lambda: timezone.localdate())

    def at(self, as_of: dt.date) -> Scope:
        return replace(self, as_of=as_of)

    def describe(self) -> str:
        parts = []
        for name in ("service", "rollout", "wave"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name} {value}")
        if self.units is not None:
            parts.append(f"{len(self.units)} unit(s)")
        parts.append(f"as of {self.as_of.isoformat()}")
        return ", ".join(parts)


@dataclass(frozen=True)
class Measurement:
    key: str
    value: float | None
    n: int
    unit: str
    suppressed: bool = False
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def has_data(self) -> bool:
        return self.value is not None and not self.suppressed


Compute = Callable[[Scope], Measurement]


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str  # "%", "people", "days", "score", ...
    direction: Direction
    definition: str
    compute: Compute

    def __call__(self, scope: Scope) -> Measurement:
        return self.compute(scope)


class UnknownMetric(KeyError):
    pass


_REGISTRY: dict[str, Metric] = {}


def register(
    key: str, *, label: str, unit: str, direction: Direction, definition: str
) -> Callable[[Compute], Compute]:
    """Decorator registering a compute function under `key`."""

    def decorate(fn: Compute) -> Compute:
        if key in _REGISTRY and _REGISTRY[key].compute is not fn:
            raise ValueError(f"Metric {key!r} is registered twice.")
        _REGISTRY[key] = Metric(key, label, unit, direction, definition, fn)
        return fn

    return decorate


def get_metric(key: str) -> Metric:
    try:
        return _REGISTRY[key]
    except KeyError:
        raise UnknownMetric(f"No metric is registered under {key!r}.") from None


def is_registered(key: str) -> bool:
    return key in _REGISTRY


def all_metrics() -> list[Metric]:
    return sorted(_REGISTRY.values(), key=lambda m: m.key)


def measure(key: str, scope: Scope) -> Measurement:
    """Measure one metric for one scope. An unknown key raises UnknownMetric."""
    return get_metric(key)(scope)


def series(key: str, scope: Scope, dates: Iterable[dt.date]) -> list[Measurement]:
    """A time series is the same measurement at several dates."""
    metric = get_metric(key)
    return [metric(scope.at(d)) for d in dates]
