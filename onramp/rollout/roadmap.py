"""The roadmap as plain rows, read with a handful of `values_list` queries (no model instances):
the roadmap page draws every rollout of every service, so it must stay fast at hundreds of waves
(see bench/roadmap.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.urls import reverse

from onramp.rollout.models import (
    Decision,
    Gate,
    GateDecision,
    GateEvaluation,
    GateResult,
    Milestone,
    Rollout,
    RolloutStatus,
    Wave,
    WaveKind,
    WaveStatus,
)
from onramp.rollout.selectors import GateStatus

_WAVE_STATUS = dict(WaveStatus.choices)
_WAVE_KIND = dict(WaveKind.choices)
_ROLLOUT_STATUS = dict(RolloutStatus.choices)
_DECISION = dict(Decision.choices)
_RESULT = dict(GateResult.choices)


@dataclass(frozen=True)
class RWave:
    id: int
    rollout_id: int
    order: int
    name: str
    kind: str
    status: str
    start_date: dt.date
    go_live_date: dt.date
    end_date: dt.date

    @property
    def kind_label(self) -> str:
        return _WAVE_KIND.get(self.kind, self.kind)

    @property
    def status_label(self) -> str:
        return _WAVE_STATUS.get(self.status, self.status)


@dataclass(frozen=True)
class RMilestone:
    id: int
    wave_id: int | None
    name: str
    planned_date: dt.date
    forecast_date: dt.date | None
    actual_date: dt.date | None


@dataclass(frozen=True)
class RGate:
    id: int
    wave_id: int
    name: str
    gate_date: dt.date
    status: GateStatus
    url: str


@dataclass
class RoadmapItem:
    id: int
    name: str
    status: str
    service_name: str
    service_slug: str
    url: str
    waves: list[RWave] = field(default_factory=list)
    milestones: list[RMilestone] = field(default_factory=list)
    gates: list[RGate] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return _ROLLOUT_STATUS.get(self.status, self.status)


def _url_maker(name: str) -> tuple[str, str]:
    sample = reverse(name, args=[987654321])
    head, _, tail = sample.partition("987654321")
    return head, tail


def status_from(decision: str | None, result: str | None) -> GateStatus:
    """The same rule as selectors.gate_status, from the latest codes."""
    if decision:
        return GateStatus(decision, f"Decided: {_DECISION[decision]}", True)
    if result:
        return GateStatus(result, f"Evaluated: {_RESULT[result]}", False)
    return GateStatus("none", "Not evaluated yet", False)


def roadmap_items(qs: QuerySet[Rollout]) -> list[RoadmapItem]:
    rh, rt = _url_maker("rollout:rollout_detail")
    gh, gt = _url_maker("rollout:gate_detail")
    items = [
        RoadmapItem(pk, name, status, service_name, slug, f"{rh}{pk}{rt}")
        for pk, name, status, service_name, slug in qs.values_list(
            "id", "name", "status", "service__name", "service__slug"
        )
    ]
    by_id = {item.id: item for item in items}
    if not by_id:
        return items
    ids = list(by_id)
    for row in (
        Wave.objects.filter(rollout_id__in=ids)
        .order_by("rollout_id", "order")
        .values_list(
            "id",
            "rollout_id",
            "order",
            "name",
            "kind",
            "status",
            "start_date",
            "go_live_date",
            "end_date",
        )
    ):
        by_id[row[1]].waves.append(RWave(*row))
    for rollout_id, *row in (
        Milestone.objects.filter(rollout_id__in=ids)
        .order_by("planned_date", "id")
        .values_list(
            "rollout_id", "id", "wave_id", "name", "planned_date", "forecast_date", "actual_date"
        )
    ):
        by_id[rollout_id].milestones.append(RMilestone(*row))
    gates = list(
        Gate.objects.filter(rollout_id__in=ids)
        .order_by("gate_date", "id")
        .values_list("id", "rollout_id", "wave_id", "name", "gate_date")
    )
    gate_ids = [g[0] for g in gates]
    decisions = dict(
        GateDecision.objects.filter(gate_id__in=gate_ids)
        .order_by("gate_id", "decided_at", "id")
        .values_list("gate_id", "decision")
    )
    results = dict(
        GateEvaluation.objects.filter(gate_id__in=gate_ids)
        .order_by("gate_id", "evaluated_at", "id")
        .values_list("gate_id", "result")
    )
    for gid, rollout_id, wave_id, name, gate_date in gates:
        by_id[rollout_id].gates.append(
            RGate(
                gid,
                wave_id,
                name,
                gate_date,
                status_from(decisions.get(gid), results.get(gid)),
                f"{gh}{gid}{gt}",
            )
        )
    return items
