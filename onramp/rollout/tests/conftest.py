"""Fixtures for rollout tests: a rollout of the Risk Framework over the small organisation."""

from __future__ import annotations

import datetime as dt

import pytest

D = dt.date


@pytest.fixture
def rollout(service, small_org, owner):
    from onramp.rollout.services import rollout_create

    return rollout_create(
        service=service,
        name="Risk Framework v1",
        objective="Every delivery project keeps a risk register.",
        units=[small_org["acme"]],
        owner=owner,
    )


@pytest.fixture
def pilot(rollout, small_org):
    from onramp.rollout.services import wave_create

    return wave_create(
        rollout=rollout,
        name="Pilot",
        kind="pilot",
        units=[small_org["team_a"]],
        start_date=D(2026, 1, 5),
        go_live_date=D(2026, 1, 12),
        end_date=D(2026, 2, 1),
    )


@pytest.fixture
def wave1(rollout, pilot, small_org):
    from onramp.rollout.services import wave_create

    return wave_create(
        rollout=rollout,
        name="Wave 1",
        units=[small_org["team_b"]],
        start_date=D(2026, 2, 9),
        go_live_date=D(2026, 2, 16),
        end_date=D(2026, 3, 15),
    )


@pytest.fixture
def gate(rollout, pilot):
    from onramp.rollout.services import gate_create

    return gate_create(rollout=rollout, wave=pilot, name="Pilot go/no-go", gate_date=D(2026, 2, 2))


@pytest.fixture
def future_metric(monkeypatch):
    """A planned metric key that no app registers (the real planned keys land one by one)."""
    from onramp.rollout.services import gates

    monkeypatch.setitem(gates.PLANNED_METRICS, "future.metric", ("A future metric", "%"))
    return "future.metric"
