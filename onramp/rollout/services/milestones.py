"""Milestones of a rollout or of one of its waves."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from onramp.rollout.models import Milestone, Rollout, Wave


def _check_wave(rollout: Rollout, wave: Wave | None) -> None:
    if wave is not None and wave.rollout_id != rollout.pk:
        raise ValidationError(
            {"wave": f"“{wave}” belongs to another rollout: pick one of its own."}
        )


@transaction.atomic
def milestone_create(
    *,
    rollout: Rollout,
    name: str,
    planned_date: dt.date,
    wave: Wave | None = None,
    owner: Any = None,
    forecast_date: dt.date | None = None,
    actual_date: dt.date | None = None,
) -> Milestone:
    _check_wave(rollout, wave)
    milestone = Milestone(
        rollout=rollout,
        wave=wave,
        name=name.strip(),
        owner=owner,
        planned_date=planned_date,
        forecast_date=forecast_date,
        actual_date=actual_date,
    )
    milestone.full_clean()
    milestone.save()
    return milestone


MILESTONE_FIELDS = ("name", "wave", "owner", "planned_date", "forecast_date", "actual_date")


@transaction.atomic
def milestone_update(*, milestone: Milestone, **fields: Any) -> Milestone:
    unknown = set(fields) - set(MILESTONE_FIELDS)
    if unknown:
        raise TypeError(f"milestone_update() got unexpected fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(milestone, name, value)
    _check_wave(milestone.rollout, milestone.wave)
    milestone.full_clean()
    milestone.save()
    return milestone
