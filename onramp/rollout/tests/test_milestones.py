"""Slip (forecast - planned) and RAG from the configurable thresholds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from onramp.rollout.models import Milestone, PlanningSettings
from onramp.rollout.selectors import milestone_rows
from onramp.rollout.services import milestone_create, rollout_create

D = dt.date
TODAY = D(2026, 3, 1)


def ms(planned, forecast=None, actual=None):
    return Milestone(name="m", planned_date=planned, forecast_date=forecast, actual_date=actual)


@pytest.mark.parametrize(
    ("milestone", "slip", "rag"),
    [
        (ms(D(2026, 3, 10)), 0, "green"),  # future, on plan
        (ms(D(2026, 3, 10), forecast=D(2026, 3, 8)), -2, "green"),  # forecast early
        (ms(D(2026, 3, 10), forecast=D(2026, 3, 11)), 1, "amber"),  # one day late: amber from 1
        (ms(D(2026, 3, 10), forecast=D(2026, 3, 19)), 9, "amber"),
        (ms(D(2026, 3, 10), forecast=D(2026, 3, 20)), 10, "red"),  # red from 10
        (ms(D(2026, 2, 1), actual=D(2026, 2, 1)), 0, "green"),  # done on time
        (ms(D(2026, 2, 1), actual=D(2026, 2, 4)), 3, "amber"),  # done late
        (ms(D(2026, 2, 15)), 14, "red"),  # not done, planned date passed: slips until today
        (ms(D(2026, 2, 15), forecast=D(2026, 2, 20)), 14, "red"),  # a stale forecast too
    ],
)
def test_slip_and_rag_follow_the_default_thresholds(milestone, slip, rag):
    assert milestone.slip_days(TODAY) == slip
    assert milestone.rag(TODAY, amber_days=1, red_days=10) == rag


def test_rag_uses_the_thresholds_admins_configure(rollout):
    PlanningSettings.objects.update_or_create(
        pk=1, defaults={"slip_amber_days": 5, "slip_red_days": 20}
    )
    m = milestone_create(
        rollout=rollout, name="Comms", planned_date=D(2026, 3, 10), forecast_date=D(2026, 3, 14)
    )
    [row] = milestone_rows([m], today=TODAY)
    assert (row.slip, row.rag) == (4, "green")


def test_it_rejects_a_milestone_on_a_wave_of_another_rollout(
    rollout, pilot, other_service, small_org
):
    other = rollout_create(service=other_service, name="Other", units=[small_org["acme"]])
    with pytest.raises(ValidationError, match="belongs to another rollout"):
        milestone_create(rollout=other, wave=pilot, name="Wrong", planned_date=TODAY)
