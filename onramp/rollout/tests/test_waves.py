"""Planning waves: order, overlap, double-targeting, moving waves and the capacity warning."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from onramp.rollout.models import Gate, Milestone, PlanningSettings, UnitCapacity, Wave
from onramp.rollout.selectors import wave_people_ids
from onramp.rollout.services import (
    CapacityWarning,
    LaterWavesCollide,
    gate_create,
    milestone_create,
    wave_create,
    wave_update,
)

D = dt.date


def plan(rollout, units, start, end, **extra):
    return wave_create(
        rollout=rollout,
        name=extra.pop("name", "Wave"),
        units=units,
        start_date=start,
        go_live_date=extra.pop("go_live_date", start),
        end_date=end,
        **extra,
    )


def test_waves_are_numbered_in_the_order_they_are_planned(rollout, pilot, wave1):
    assert [(w.order, w.name) for w in rollout.waves.order_by("order")] == [
        (1, "Pilot"),
        (2, "Wave 1"),
    ]


def test_it_rejects_a_wave_whose_dates_overlap_another_wave(rollout, pilot, small_org):
    with pytest.raises(ValidationError) as exc:
        plan(rollout, [small_org["team_b"]], D(2026, 1, 20), D(2026, 2, 20), name="Too early")
    message = str(exc.value)
    assert "overlap “Pilot”" in message
    assert "may overlap other waves" in message
    assert not Wave.objects.filter(name="Too early").exists()


def test_it_accepts_an_overlapping_wave_when_the_user_says_so(rollout, pilot, small_org):
    wave = plan(
        rollout,
        [small_org["team_b"]],
        D(2026, 1, 20),
        D(2026, 2, 20),
        name="Together",
        allow_overlap=True,
    )
    assert wave.pk


def test_it_rejects_targeting_the_same_people_twice_naming_the_wave_and_the_count(
    rollout, pilot, small_org
):
    # Delivery contains Team A, the pilot's unit: its two active people are already targeted.
    with pytest.raises(ValidationError) as exc:
        plan(rollout, [small_org["delivery"]], D(2026, 3, 1), D(2026, 3, 31), name="Delivery")
    assert "“Pilot” already targets 2 of the people" in str(exc.value)


def test_a_company_wide_wave_takes_everyone_not_yet_targeted(rollout, pilot, wave1, small_org):
    cw = plan(
        rollout,
        [small_org["acme"]],
        D(2026, 4, 1),
        D(2026, 6, 30),
        name="Everyone",
        kind="company_wide",
    )
    people = small_org["people"]
    # Bea (Operations) and Person 6 (Finance) are left; Team A and Team B are in earlier waves.
    assert wave_people_ids(cw) == {people[0].pk, people[5].pk}
    with pytest.raises(ValidationError, match="already this rollout's company-wide wave"):
        plan(
            rollout,
            [small_org["fin"]],
            D(2026, 7, 1),
            D(2026, 7, 31),
            name="Again",
            kind="company_wide",
        )


def test_it_rejects_dates_out_of_order_and_units_outside_the_rollout(
    rollout, small_org, other_service
):
    with pytest.raises(ValidationError, match="go-live date must fall between"):
        plan(
            rollout,
            [small_org["team_a"]],
            D(2026, 1, 10),
            D(2026, 1, 20),
            go_live_date=D(2026, 1, 25),
        )
    with pytest.raises(ValidationError, match="Choose at least one org unit"):
        plan(rollout, [], D(2026, 1, 10), D(2026, 1, 20))
    from onramp.rollout.services import rollout_create

    narrow = rollout_create(service=other_service, name="Finance only", units=[small_org["fin"]])
    with pytest.raises(ValidationError, match="outside the rollout's target population"):
        plan(narrow, [small_org["team_a"]], D(2026, 1, 10), D(2026, 1, 20))


def test_moving_a_wave_into_a_later_one_is_refused_until_the_user_shifts_them(
    rollout, pilot, wave1, small_org
):
    gate = gate_create(rollout=rollout, wave=wave1, name="Wave 1 gate", gate_date=D(2026, 3, 16))
    ms = milestone_create(
        rollout=rollout, wave=wave1, name="Wave 1 live", planned_date=D(2026, 2, 16)
    )
    with pytest.raises(LaterWavesCollide) as exc:
        wave_update(wave=pilot, end_date=D(2026, 2, 15))
    assert exc.value.later == [wave1]
    assert exc.value.days == 14
    assert "Shift the later waves by 14 day(s)" in exc.value.messages[0]
    wave1.refresh_from_db()
    assert wave1.start_date == D(2026, 2, 9)

    wave_update(wave=Wave.objects.get(pk=pilot.pk), end_date=D(2026, 2, 15), shift_later=True)
    wave1.refresh_from_db()
    assert (wave1.start_date, wave1.go_live_date, wave1.end_date) == (
        D(2026, 2, 23),
        D(2026, 3, 2),
        D(2026, 3, 29),
    )
    assert Gate.objects.get(pk=gate.pk).gate_date == D(2026, 3, 30)
    ms = Milestone.objects.get(pk=ms.pk)
    # The plan keeps its baseline; the forecast moves, so the slip shows.
    assert (ms.planned_date, ms.forecast_date) == (D(2026, 2, 16), D(2026, 3, 2))


def test_moving_a_wave_without_collision_leaves_later_waves_alone(rollout, pilot, wave1):
    wave_update(wave=pilot, end_date=D(2026, 2, 3))
    wave1.refresh_from_db()
    assert wave1.start_date == D(2026, 2, 9)


def test_planning_over_capacity_warns_before_saving_and_saves_when_accepted(
    rollout, pilot, service, other_service, small_org
):
    from onramp.rollout.services import rollout_create

    PlanningSettings.objects.update_or_create(pk=1, defaults={"default_capacity": 2})
    UnitCapacity.objects.create(unit=small_org["team_a"], capacity=1)
    other = rollout_create(service=other_service, name="Prioritisation", units=[small_org["acme"]])
    with pytest.raises(CapacityWarning) as exc:
        plan(other, [small_org["delivery"]], D(2026, 1, 12), D(2026, 1, 25), name="Busy")
    units = {o.unit.name for o in exc.value.overloads}
    # Team A already carries the pilot with a capacity of 1; Team B and Delivery have room for 2.
    assert units == {"Team A"}
    assert {o.week for o in exc.value.overloads} == {D(2026, 1, 12), D(2026, 1, 19)}
    assert "over their weekly change capacity (Team A)" in exc.value.messages[0]
    assert not Wave.objects.filter(name="Busy").exists()
    wave = plan(
        other,
        [small_org["delivery"]],
        D(2026, 1, 12),
        D(2026, 1, 25),
        name="Busy",
        accept_over_capacity=True,
    )
    assert wave.pk


def test_editing_a_wave_does_not_count_its_own_saved_version_against_capacity(
    rollout, pilot, small_org
):
    PlanningSettings.objects.update_or_create(pk=1, defaults={"default_capacity": 1})
    wave = wave_update(wave=pilot, units=[small_org["team_a"]], end_date=D(2026, 2, 3))
    assert wave.end_date == D(2026, 2, 3)
