"""The demo gets rollouts in three states: past its pilot gate, mid-wave, planned."""

from __future__ import annotations

import pytest

from onramp.rollout.models import GateDecision, Rollout, UnitCapacity

pytestmark = pytest.mark.django_db


def test_the_demo_builds_rollouts_in_three_states_on_live_numbers():
    from onramp.demo.builder import MIN_SIZE, demo_build
    from onramp.rollout.selectors import gate_status

    ctx = demo_build(size=MIN_SIZE, apps=("rollout",))
    today = ctx.today
    by_service = {r.service.slug: r for r in Rollout.objects.select_related("service")}
    assert set(by_service) == {
        "risk-management-framework",
        "project-status-reporting",
        "portfolio-prioritisation",
    }

    rmf = by_service["risk-management-framework"]
    pilot_gate = rmf.gates.get(name="Pilot go/no-go")
    assert gate_status(pilot_gate).code == "go", [
        (c["metric_key"], c["value"], c["result"]) for c in pilot_gate.evaluations.get().snapshot
    ]
    # The GO rests on an evaluation that said GO, measured by the registry.
    decision = pilot_gate.decisions.get()
    assert decision.evaluation.result == "go"
    assert {c["metric_key"] for c in decision.evaluation.snapshot} >= {"rollout.target_population"}
    assert rmf.waves.filter(start_date__lte=today, end_date__gte=today, status="active").exists()

    psr = by_service["project-status-reporting"]
    current = psr.waves.get(start_date__lte=today, end_date__gte=today)
    assert (current.name, current.status) == ("Wave 1", "active")
    assert gate_status(psr.gates.get(wave__order=1)).code == "go"

    pp = by_service["portfolio-prioritisation"]
    assert pp.status == "planned"
    assert not pp.waves.filter(start_date__lte=today).exists()
    assert not GateDecision.objects.filter(gate__rollout=pp).exists()
    assert UnitCapacity.objects.filter(unit__name="Finance", capacity=1).exists()


def test_the_demo_reset_removes_every_rollout_row_even_decisions():
    from onramp.demo.builder import MIN_SIZE, demo_build
    from onramp.rollout import demo

    demo_build(size=MIN_SIZE, apps=("rollout",))
    assert GateDecision.objects.exists()
    demo.reset()
    assert not Rollout.objects.exists() and not GateDecision.objects.exists()
