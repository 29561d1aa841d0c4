"""Writes on rollouts, split by sub-domain. Import from here: `from onramp.rollout import services`."""

from __future__ import annotations

from onramp.rollout.services.calendar import (
    calendar_token_authenticate,
    calendar_token_create,
    calendar_token_revoke,
)
from onramp.rollout.services.gates import (
    CriterionOutcome,
    GateOutcome,
    criterion_add,
    criterion_delete,
    gate_create,
    gate_decide,
    gate_evaluate,
    gate_rule,
    metric_choices,
)
from onramp.rollout.services.lessons import lesson_apply, lesson_create
from onramp.rollout.services.milestones import milestone_create, milestone_update
from onramp.rollout.services.rollouts import rollout_create, rollout_update
from onramp.rollout.services.waves import (
    CapacityWarning,
    LaterWavesCollide,
    WaveProblem,
    later_waves_after_move,
    wave_create,
    wave_update,
)

__all__ = [
    "CapacityWarning",
    "LaterWavesCollide",
    "later_waves_after_move",
    "CriterionOutcome",
    "GateOutcome",
    "WaveProblem",
    "calendar_token_authenticate",
    "calendar_token_create",
    "calendar_token_revoke",
    "criterion_add",
    "criterion_delete",
    "gate_create",
    "gate_decide",
    "gate_evaluate",
    "gate_rule",
    "lesson_apply",
    "lesson_create",
    "metric_choices",
    "milestone_create",
    "milestone_update",
    "rollout_create",
    "rollout_update",
    "wave_create",
    "wave_update",
]
