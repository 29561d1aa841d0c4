"""Demo rollouts in three states: one service past its pilot gate and into its waves, one
mid-wave, one still planned. Called by onramp.demo with its DemoContext."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from onramp.rollout import services
from onramp.rollout.models import (
    CalendarToken,
    GateDecision,
    GateEvaluation,
    Rollout,
    UnitCapacity,
    Wave,
)

if TYPE_CHECKING:
    from onramp.demo.context import DemoContext


def reset() -> None:
    """Delete every rollout row. Decisions go first: they protect their evaluations and users."""
    GateDecision.objects.all().delete()
    GateEvaluation.objects.all().delete()
    Rollout.objects.all().delete()
    UnitCapacity.objects.all().delete()
    CalendarToken.objects.all().delete()


def _wave(
    rollout: Rollout, name: str, kind: str, units: list, start: dt.date, weeks: int, status: str
) -> Wave:
    return services.wave_create(
        rollout=rollout,
        name=name,
        kind=kind,
        units=units,
        start_date=start,
        go_live_date=start + dt.timedelta(days=14),
        end_date=start + dt.timedelta(weeks=weeks) - dt.timedelta(days=1),
        status=status,
        rationale=_RATIONALE.get(kind, ""),
        accept_over_capacity=True,
    )


_RATIONALE = {
    "pilot": "Small, representative and reachable: a unit with an engaged lead and a mix of "
    "project sizes, so the pilot stress-tests the service without risking the portfolio.",
    "wave": "Next units by readiness: sponsors on board, champions named, no competing launch.",
    "company_wide": "Everyone not reached by an earlier wave.",
}


def build(ctx: DemoContext) -> None:
    today = ctx.today
    owner, admin = ctx.users["owner"], ctx.users["admin"]
    divs, deps = ctx.divisions, ctx.departments

    def deps_of(division) -> list:
        return [d for d in deps if d.parent_id == division.pk]

    def monday(weeks_from_today: int) -> dt.date:
        base = today - dt.timedelta(days=today.weekday())
        return base + dt.timedelta(weeks=weeks_from_today)

    # 1. Risk Management Framework: pilot done and passed its gate; wave 1 done with a
    #    conditional go; wave 2 running; company-wide planned behind a gate on adoption data.
    rmf = ctx.services["risk-management-framework"]
    version = rmf.versions.first()
    r1 = services.rollout_create(
        service=rmf,
        name="Risk Management Framework 2026",
        version=version,
        objective="85% of active projects keep a risk register reviewed monthly within 12 weeks "
        "of their unit's go-live.",
        units=[ctx.company],
        adoption_target_pct=85,
        adoption_target_date=monday(16),
        satisfaction_target=30,
        owner=owner,
        status="active",
    )
    ctx.progress("Rollouts", 0, 3)
    pilot = _wave(r1, "Pilot", "pilot", deps_of(divs[0])[:1], monday(-24), 7, "closed")
    w1 = _wave(
        r1, "Wave 1", "wave", deps_of(divs[0])[1:] + deps_of(divs[1]), monday(-14), 8, "hypercare"
    )
    w2 = _wave(r1, "Wave 2", "wave", [divs[2], divs[3]], monday(-4), 8, "active")
    _wave(r1, "Company-wide", "company_wide", [ctx.company], monday(6), 10, "planned")
    for wave, offsets in ((pilot, (-26, -24, -22)), (w1, (-16, -14, -12)), (w2, (-6, -4, -2))):
        services.milestone_create(
            rollout=r1,
            wave=wave,
            name=f"{wave.name}: training ready",
            owner=owner,
            planned_date=monday(offsets[0]),
            actual_date=monday(offsets[0]),
        )
        services.milestone_create(
            rollout=r1,
            wave=wave,
            name=f"{wave.name}: go-live",
            owner=owner,
            planned_date=wave.go_live_date,
            actual_date=wave.go_live_date + dt.timedelta(days=2 if wave == w1 else 0),
        )
    services.milestone_create(
        rollout=r1,
        wave=w2,
        name="Wave 2: hypercare exit",
        owner=owner,
        planned_date=monday(1),
        forecast_date=monday(3),
    )
    services.milestone_create(
        rollout=r1,
        name="Steering committee: company-wide go/no-go",
        owner=admin,
        planned_date=monday(5),
    )
    g1 = services.gate_create(
        rollout=r1,
        wave=pilot,
        name="Pilot go/no-go",
        gate_date=pilot.end_date + dt.timedelta(days=1),
    )
    services.criterion_add(
        gate=g1,
        metric_key="rollout.target_population",
        comparator=">=",
        threshold=5,
        must_have=True,
    )
    services.criterion_add(
        gate=g1, metric_key="rollout.milestones_on_time", comparator=">=", threshold=75, weight=2
    )
    services.criterion_add(
        gate=g1, metric_key="rollout.target_projects", comparator=">=", threshold=1
    )
    e1 = services.gate_evaluate(gate=g1, by=owner, as_of=g1.gate_date)
    services.gate_decide(
        gate=g1,
        decision="go" if e1.result == "go" else "no_go",
        rationale="The pilot reached its units on plan; registers are in use. Proceed to wave 1.",
        by=admin,
    )
    g2 = services.gate_create(
        rollout=r1, wave=w1, name="Wave 1 go/no-go", gate_date=w1.end_date + dt.timedelta(days=1)
    )
    services.criterion_add(
        gate=g2,
        metric_key="rollout.milestones_on_time",
        comparator=">=",
        threshold=100,
        must_have=False,
        weight=1,
    )
    services.criterion_add(
        gate=g2,
        metric_key="rollout.target_population",
        comparator=">=",
        threshold=5,
        must_have=True,
    )
    services.criterion_add(
        gate=g2, metric_key="rollout.milestones_overdue", comparator="<=", threshold=0
    )
    services.criterion_add(
        gate=g2, metric_key="org.headcount", comparator=">=", threshold=100000, weight=1
    )
    e2 = services.gate_evaluate(gate=g2, by=owner, as_of=g2.gate_date)
    if e2.result in ("go", "conditional"):
        services.gate_decide(
            gate=g2,
            decision="conditional",
            rationale="Go for wave 2 on condition that go-live slips are explained in the "
            "wave 2 plan and hypercare staffing is confirmed.",
            by=admin,
        )
    g3 = services.gate_create(
        rollout=r1, wave=w2, name="Company-wide go/no-go", gate_date=monday(5)
    )
    services.criterion_add(
        gate=g3, metric_key="adoption.rate", comparator=">=", threshold=70, must_have=True
    )
    services.criterion_add(
        gate=g3, metric_key="survey.nps", comparator=">=", threshold=30, min_n=30
    )
    services.criterion_add(gate=g3, metric_key="training.completion", comparator=">=", threshold=80)
    services.criterion_add(
        gate=g3, metric_key="feedback.open_critical", comparator="<=", threshold=0
    )
    services.lesson_create(
        wave=pilot,
        category="training",
        what_happened="Project managers skipped the e-learning and asked the same questions in "
        "office hours.",
        what_to_change="Replace the e-learning with a 45-minute live demo in each unit's first week.",
        applied_in_wave=w1,
        recorded_by=owner,
    )
    services.lesson_create(
        wave=w1,
        category="communication",
        what_happened="Two go-lives slipped because sponsors announced them late.",
        what_to_change="Sponsors send the launch note a week before go-live, from a template.",
        applied_in_wave=w2,
        recorded_by=owner,
    )
    ctx.progress("Rollouts", 1, 3)

    # 2. Project Status Reporting: a relaunch in the middle of its first wave.
    psr = ctx.services["project-status-reporting"]
    r2 = services.rollout_create(
        service=psr,
        name="Status reporting relaunch",
        objective="Every project manager files the fortnightly status report in the new format.",
        units=[divs[3], divs[4]],
        adoption_target_pct=90,
        adoption_target_date=monday(12),
        owner=psr.owner,
        status="active",
    )
    p2 = _wave(r2, "Pilot", "pilot", deps_of(divs[4])[:1], monday(-10), 5, "closed")
    w21 = _wave(r2, "Wave 1", "wave", deps_of(divs[4])[1:], monday(-3), 7, "active")
    w22 = _wave(r2, "Wave 2", "wave", [divs[3]], monday(5), 6, "planned")
    services.milestone_create(
        rollout=r2,
        wave=p2,
        name="Pilot report template agreed",
        planned_date=monday(-10),
        actual_date=monday(-10),
    )
    services.milestone_create(
        rollout=r2,
        wave=w21,
        name="Wave 1: first reporting cycle",
        planned_date=monday(-1),
        forecast_date=monday(1),
    )
    services.milestone_create(rollout=r2, wave=w22, name="Wave 2: kick-off", planned_date=monday(5))
    gp = services.gate_create(
        rollout=r2, wave=p2, name="Pilot go/no-go", gate_date=p2.end_date + dt.timedelta(days=1)
    )
    services.criterion_add(
        gate=gp,
        metric_key="rollout.target_population",
        comparator=">=",
        threshold=5,
        must_have=True,
    )
    services.criterion_add(
        gate=gp, metric_key="rollout.milestones_on_time", comparator=">=", threshold=50
    )
    ep = services.gate_evaluate(gate=gp, by=psr.owner, as_of=gp.gate_date)
    services.gate_decide(
        gate=gp,
        decision="go" if ep.result == "go" else "postpone",
        rationale="Pilot units file on time with the new template: start wave 1.",
        by=admin,
    )
    g21 = services.gate_create(
        rollout=r2, wave=w21, name="Wave 1 go/no-go", gate_date=w21.end_date + dt.timedelta(days=1)
    )
    services.criterion_add(
        gate=g21, metric_key="adoption.rate", comparator=">=", threshold=75, must_have=True
    )
    services.criterion_add(
        gate=g21, metric_key="rollout.milestones_on_time", comparator=">=", threshold=80
    )
    ctx.progress("Rollouts", 2, 3)

    # Finance closes its year in December: one change at a time there.
    finance = next((d for d in deps if d.name == "Finance"), None)
    if finance is not None:
        UnitCapacity.objects.create(
            unit=finance, capacity=1, note="Year-end close: one change at a time."
        )

    # 3. Portfolio Prioritisation: planned, nothing started.
    pp = ctx.services["portfolio-prioritisation"]
    r3 = services.rollout_create(
        service=pp,
        name="Portfolio Prioritisation launch",
        objective="Every investment proposal is scored with the shared model before the Q2 board.",
        units=[divs[1], divs[2]],
        adoption_target_pct=80,
        adoption_target_date=monday(30),
        owner=pp.owner,
        status="planned",
    )
    p3 = _wave(r3, "Pilot", "pilot", deps_of(divs[1])[:1], monday(10), 6, "planned")
    _wave(r3, "Wave 1", "wave", deps_of(divs[1])[1:] + [divs[2]], monday(18), 8, "planned")
    services.milestone_create(
        rollout=r3, name="Scoring model signed off", planned_date=monday(8), owner=pp.owner
    )
    services.milestone_create(
        rollout=r3, wave=p3, name="Pilot go-live", planned_date=p3.go_live_date
    )
    g31 = services.gate_create(
        rollout=r3, wave=p3, name="Pilot go/no-go", gate_date=p3.end_date + dt.timedelta(days=1)
    )
    services.criterion_add(
        gate=g31, metric_key="adoption.rate", comparator=">=", threshold=60, must_have=True
    )
    services.criterion_add(
        gate=g31, metric_key="survey.csat", comparator=">=", threshold=75, min_n=20
    )
    ctx.progress("Rollouts", 3, 3)
