"""Metrics published by the organisation app."""

from __future__ import annotations

from onramp.core.metrics import Measurement, Scope, register
from onramp.org.selectors import people_in_units


@register(
    "org.headcount",
    label="Headcount",
    unit="people",
    direction="higher",
    definition=(
        "Active people in the scope's org units (descendants included) who had started by the "
        "scope's date; the whole organisation when the scope names no units."
    ),
)
def headcount(scope: Scope) -> Measurement:
    n = people_in_units(scope.units, as_of=scope.as_of).count()
    return Measurement("org.headcount", float(n), n, "people")
