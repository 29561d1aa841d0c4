"""Reads on rollouts: who may see them, who they reach, and the roadmap."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from onramp.catalog.models import Service
from onramp.catalog.selectors import service_can_edit, service_can_read, service_list
from onramp.org.models import OrgUnit, Person, Project
from onramp.org.selectors import people_in_units, projects_in_units, unit_descendant_ids
from onramp.rollout.models import (
    Gate,
    GateDecision,
    GateEvaluation,
    Milestone,
    PlanningSettings,
    Rollout,
    Wave,
    WaveKind,
)

# --- access -----------------------------------------------------------------------------------


def rollout_can_read(user: Any, rollout: Rollout) -> bool:
    return service_can_read(user, rollout.service)


def rollout_can_edit(user: Any, rollout: Rollout) -> bool:
    return service_can_edit(user, rollout.service)


def rollout_list(
    *,
    user: Any,
    service: Service | None = None,
    status: str = "",
    division: OrgUnit | None = None,
) -> QuerySet[Rollout]:
    """The rollouts of the services `user` may see, optionally narrowed to a service, a status,
    or a division (rollouts with a wave or target unit in that division's subtree)."""
    qs = Rollout.objects.filter(service__in=service_list(user=user)).select_related(
        "service", "owner", "version"
    )
    if service is not None:
        qs = qs.filter(service=service)
    if status:
        qs = qs.filter(status=status)
    if division is not None:
        # A rollout reaches a division when it targets a unit inside it, or the division itself
        # or a unit above it (a company-wide rollout reaches every division).
        above = [*division.ancestor_ids(), division.pk]
        qs = qs.filter(
            Q(units__path__startswith=division.path)
            | Q(units__id__in=above)
            | Q(waves__units__path__startswith=division.path)
        ).distinct()
    return qs.order_by("service__name", "name")


def planning_settings() -> PlanningSettings:
    settings, _ = PlanningSettings.objects.get_or_create(pk=1)
    return settings


# --- population -------------------------------------------------------------------------------


def rollout_unit_ids(rollout: Rollout) -> set[int]:
    return set(rollout.units.values_list("id", flat=True))


def wave_unit_ids(wave: Wave) -> set[int]:
    return set(wave.units.values_list("id", flat=True))


def rollout_people(rollout: Rollout, *, as_of: dt.date | None = None) -> QuerySet[Person]:
    """The target population: active people in the rollout's units, descendants included.
    A rollout without units targets no one yet."""
    return people_in_units(rollout_unit_ids(rollout), as_of=as_of)


def rollout_projects(rollout: Rollout) -> QuerySet[Project]:
    return projects_in_units(rollout_unit_ids(rollout), statuses=["active", "proposed"])


def _people_ids(unit_ids: Iterable[int], as_of: dt.date | None = None) -> set[int]:
    return set(people_in_units(list(unit_ids), as_of=as_of).values_list("id", flat=True))


def wave_people_ids(wave: Wave, *, as_of: dt.date | None = None) -> set[int]:
    """People a wave targets. A company-wide wave takes everyone in its units whom no other
    wave of the rollout targets."""
    ids = _people_ids(wave_unit_ids(wave), as_of)
    if wave.kind != WaveKind.COMPANY_WIDE:
        return ids
    others = Wave.objects.filter(rollout_id=wave.rollout_id).exclude(pk=wave.pk)
    for other in others.exclude(kind=WaveKind.COMPANY_WIDE):
        ids -= _people_ids(wave_unit_ids(other), as_of)
    return ids


def wave_projects(wave: Wave) -> QuerySet[Project]:
    return projects_in_units(wave_unit_ids(wave), statuses=["active", "proposed"])


# --- gates and milestones -----------------------------------------------------------------------


@dataclass(frozen=True)
class GateStatus:
    code: str  # go, conditional, no_go, pending, postpone, none
    label: str
    decided: bool


def gate_status(gate: Gate) -> GateStatus:
    """The latest decision if there is one, else the latest evaluation, else not evaluated.
    Uses prefetched `decisions`/`evaluations` when present."""
    decisions = list(gate.decisions.all())
    if decisions:
        d = max(decisions, key=lambda x: (x.decided_at, x.id))
        return GateStatus(d.decision, f"Decided: {d.get_decision_display()}", True)
    evaluations = list(gate.evaluations.all())
    if evaluations:
        e = max(evaluations, key=lambda x: (x.evaluated_at, x.id))
        return GateStatus(e.result, f"Evaluated: {e.get_result_display()}", False)
    return GateStatus("none", "Not evaluated yet", False)


def gate_latest_evaluation(gate: Gate) -> GateEvaluation | None:
    return gate.evaluations.order_by("-evaluated_at", "-id").first()


def gate_decisions(gate: Gate) -> QuerySet[GateDecision]:
    return gate.decisions.select_related("decided_by", "evaluation").order_by("-decided_at", "-id")


@dataclass(frozen=True)
class MilestoneRow:
    milestone: Milestone
    slip: int
    rag: str


def milestone_rows(
    milestones: Iterable[Milestone], *, today: dt.date | None = None
) -> list[MilestoneRow]:
    today = today or timezone.localdate()
    settings = planning_settings()
    return [
        MilestoneRow(
            m,
            m.slip_days(today),
            m.rag(today, amber_days=settings.slip_amber_days, red_days=settings.slip_red_days),
        )
        for m in milestones
    ]


def milestone_list(*, rollouts: Iterable[Rollout]) -> QuerySet[Milestone]:
    return (
        Milestone.objects.filter(rollout__in=list(rollouts))
        .select_related("rollout", "rollout__service", "wave", "owner")
        .order_by("planned_date", "id")
    )


def rollout_full(pk: int) -> Rollout:
    """A rollout with everything its page shows, in a handful of queries."""
    return (
        Rollout.objects.select_related("service", "owner", "version")
        .prefetch_related(
            "units",
            Prefetch("waves", queryset=Wave.objects.prefetch_related("units").order_by("order")),
            Prefetch(
                "gates",
                queryset=Gate.objects.select_related("wave").prefetch_related(
                    "criteria", "decisions", "evaluations"
                ),
            ),
        )
        .get(pk=pk)
    )


def roadmap_rollouts(qs: QuerySet[Rollout]) -> list[Rollout]:
    """Rollouts with waves, milestones and gates (with their status) prefetched for the timeline."""
    return list(
        qs.prefetch_related(
            Prefetch("waves", queryset=Wave.objects.order_by("order")),
            Prefetch("milestones", queryset=Milestone.objects.order_by("planned_date")),
            Prefetch(
                "gates",
                queryset=Gate.objects.prefetch_related(
                    Prefetch(
                        "decisions",
                        queryset=GateDecision.objects.only(
                            "id", "gate_id", "decision", "decided_at"
                        ),
                    ),
                    Prefetch(
                        "evaluations",
                        queryset=GateEvaluation.objects.only(
                            "id", "gate_id", "result", "evaluated_at"
                        ),
                    ),
                ),
            ),
        )
    )


def divisions() -> QuerySet[OrgUnit]:
    """Units one level below the top, which the roadmap and heatmap filter by."""
    return OrgUnit.objects.filter(depth__lte=1).order_by("depth", "name")


def units_in_scope(unit_ids: Iterable[int]) -> set[int]:
    return unit_descendant_ids(unit_ids)
