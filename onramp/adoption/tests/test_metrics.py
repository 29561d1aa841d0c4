"""Worked examples, computed by hand in the comments.

Rule k=2, W=7 (active on d: 2 qualifying days in (d-7, d]). Six active people in the org
(E1 ops, E2 E3 team A, E4 E5 team B, E6 finance; E9 has left). Qualifying days in March 2026:
  E2: 1, 3        -> active 3..7 March, lapsed on the 8th; adopted 3 March
  E3: 5           -> never active
  E4: 6, 8        -> active on the 8th; adopted 8 March
  E5: 8 (and a non-qualifying day on the 2nd) -> not active
"""

from __future__ import annotations

import datetime as dt

import pytest

from onramp.adoption.models import PersonActivity
from onramp.adoption.services import adoption_refresh, rule_update
from onramp.core.metrics import Scope, measure
from onramp.rollout.services import rollout_create, wave_create

D = dt.date


@pytest.fixture
def usage(small_org, other_service):
    service = other_service
    rule_update(service=service, min_active_days=2, window_days=7)
    by_id = {p.employee_id: p for p in small_org["people"]}
    rows = [
        ("E2", 1, 1), ("E2", 3, 2), ("E3", 5, 1), ("E4", 6, 1), ("E4", 8, 3),
        ("E5", 2, 0), ("E5", 8, 1),
    ]  # fmt: skip
    PersonActivity.objects.bulk_create(
        PersonActivity(
            service=service,
            person=by_id[e],
            day=D(2026, 3, day),
            events=max(q, 1),
            qualifying_events=q,
        )
        for e, day, q in rows
    )
    adoption_refresh(service=service)
    return service


def value(key: str, **scope) -> float | None:
    return measure(key, Scope(**scope)).value


def test_rate_counts_people_with_k_qualifying_days_in_the_window(usage, small_org):
    # 8 March: only E4 is active (E2's 1 March fell out of the window) -> 1/6
    assert value("adoption.rate", service=usage, as_of=D(2026, 3, 8)) == pytest.approx(16.67)
    # 7 March: E2 (1st and 3rd) -> 1/6; 5 March, Team A only (E2, E3): E2 -> 50%
    assert value("adoption.active_users", service=usage, as_of=D(2026, 3, 7)) == 1
    team_a = frozenset({small_org["team_a"].pk})
    assert value("adoption.rate", service=usage, units=team_a, as_of=D(2026, 3, 5)) == 50.0
    m = measure("adoption.rate", Scope(service=usage, as_of=D(2026, 3, 8)))
    assert m.n == 6 and m.detail["k"] == 2 and m.detail["window_days"] == 7


def test_ever_and_lapse_follow_the_first_active_day(usage):
    # Ever by 8 March: E2 and E4 -> 2/6; E2 lapsed -> 1 of 2
    assert value("adoption.ever", service=usage, as_of=D(2026, 3, 8)) == pytest.approx(33.33)
    assert value("adoption.lapse", service=usage, as_of=D(2026, 3, 8)) == 50.0
    # By 7 March only E2 had adopted, and is active
    assert value("adoption.ever", service=usage, as_of=D(2026, 3, 7)) == pytest.approx(16.67)
    assert value("adoption.lapse", service=usage, as_of=D(2026, 3, 7)) == 0.0


def test_stickiness_is_mean_daily_actives_over_monthly_actives(usage):
    # 28 days to 8 March: DAU 1 (1st) + 1 (3rd) + 1 (5th) + 1 (6th) + 2 (8th) = 6 -> mean 6/28;
    # MAU = E2, E3, E4, E5 = 4 -> 6/28/4 = 5.36%
    m = measure("adoption.stickiness", Scope(service=usage, as_of=D(2026, 3, 8)))
    assert m.value == pytest.approx(5.36) and m.n == 4


def test_time_to_adopt_is_median_and_p80_days_from_the_wave_go_live(usage, small_org):
    rollout = rollout_create(service=usage, name="R", units=[small_org["ops"]])
    wave = wave_create(
        rollout=rollout,
        name="Pilot",
        units=[small_org["delivery"]],
        start_date=D(2026, 2, 20),
        go_live_date=D(2026, 3, 1),
        end_date=D(2026, 4, 30),
        accept_over_capacity=True,
    )
    # E2 adopted 2 days after go-live, E4 7 days: median 4.5, P80 2 + 0.8 * 5 = 6
    m = measure("adoption.time_to_adopt", Scope(service=usage, wave=wave, as_of=D(2026, 3, 8)))
    assert (m.value, m.n, m.detail["p80"]) == (4.5, 2, 6.0)
    # Wave population E2..E5: E4 active on the 8th -> 25%; 4 weeks before: 0 -> 6.25 pp/week
    assert value("adoption.rate", service=usage, wave=wave, as_of=D(2026, 3, 8)) == 25.0
    assert value("adoption.velocity", service=usage, wave=wave, as_of=D(2026, 3, 8)) == 6.25
    # Rollout of Operations: E1..E5 -> E4 = 20%
    assert value("adoption.rate", service=usage, rollout=rollout, as_of=D(2026, 3, 8)) == 20.0


def test_metrics_have_no_value_without_population_or_adopters(other_service, small_org):
    m = measure(
        "adoption.rate", Scope(service=other_service, units=frozenset(), as_of=D(2026, 3, 8))
    )
    assert m.value is None and m.n == 0
    m = measure("adoption.time_to_adopt", Scope(service=other_service, as_of=D(2026, 3, 8)))
    assert m.value is None and "wave" in m.detail["reason"]


def test_weekly_unit_rollup_matches_the_metric(usage, small_org):
    from onramp.adoption.models import UnitWeek

    # Week ending Sunday 8 March: Team B has E4 active; Team A had E2 ever adopted
    rows = {(r.unit_id, r.week_end): r for r in UnitWeek.objects.filter(service=usage)}
    team_a, team_b = small_org["team_a"].pk, small_org["team_b"].pk
    assert rows[(team_b, D(2026, 3, 8))].active == 1
    assert rows[(team_a, D(2026, 3, 8))].active == 0
    assert rows[(team_a, D(2026, 3, 8))].ever == 1
    assert rows[(team_a, D(2026, 3, 1))].active == 0
