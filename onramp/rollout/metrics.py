"""Metrics published by the rollout app, so gates have real numbers today."""

from __future__ import annotations

from django.db.models import Q

from onramp.core.metrics import Measurement, Scope, register
from onramp.org.selectors import people_in_units, projects_in_units


def _unit_ids(scope: Scope) -> set[int] | None:
    """The units a scope covers: its units, else its wave's, else its rollout's."""
    if scope.units is not None:
        return set(scope.units)
    if scope.wave is not None:
        return set(scope.wave.units.values_list("id", flat=True))
    if scope.rollout is not None:
        return set(scope.rollout.units.values_list("id", flat=True))
    return None


@register(
    "rollout.target_population",
    label="People in scope",
    unit="people",
    direction="higher",
    definition=(
        "Active people who had started by the date, in the scope's units (descendants included); "
        "for a wave its units, for a rollout its target population."
    ),
)
def target_population(scope: Scope) -> Measurement:
    units = _unit_ids(scope)
    if units is None:
        n = people_in_units(None, as_of=scope.as_of).count()
    else:
        n = people_in_units(units, as_of=scope.as_of).count() if units else 0
    return Measurement("rollout.target_population", float(n), n, "people")


@register(
    "rollout.target_projects",
    label="Projects in scope",
    unit="projects",
    direction="higher",
    definition="Active and proposed projects run by the scope's units (descendants included).",
)
def target_projects(scope: Scope) -> Measurement:
    units = _unit_ids(scope)
    if units is not None and not units:
        return Measurement("rollout.target_projects", 0.0, 0, "projects")
    n = projects_in_units(units, statuses=["active", "proposed"]).count()
    return Measurement("rollout.target_projects", float(n), n, "projects")


def _milestones(scope: Scope):  # -> QuerySet[Milestone]
    from onramp.rollout.models import Milestone

    qs = Milestone.objects.filter(planned_date__lte=scope.as_of)
    if scope.wave is not None:
        qs = qs.filter(Q(wave=scope.wave) | Q(rollout=scope.wave.rollout_id, wave__isnull=True))
    elif scope.rollout is not None:
        qs = qs.filter(rollout=scope.rollout)
    elif scope.service is not None:
        qs = qs.filter(rollout__service=scope.service)
    return qs


@register(
    "rollout.milestones_on_time",
    label="Milestones on time",
    unit="%",
    direction="higher",
    definition=(
        "Of the milestones due by the date (planned on or before it), the share done on or "
        "before their planned date. For a wave: its milestones and the rollout-wide ones. "
        "No value while none is due."
    ),
)
def milestones_on_time(scope: Scope) -> Measurement:
    due = list(_milestones(scope).values_list("planned_date", "actual_date"))
    n = len(due)
    if not n:
        return Measurement("rollout.milestones_on_time", None, 0, "%")
    on_time = sum(1 for planned, actual in due if actual is not None and actual <= planned)
    return Measurement(
        "rollout.milestones_on_time",
        round(100.0 * on_time / n, 1),
        n,
        "%",
        detail={"on_time": on_time},
    )


@register(
    "rollout.milestones_overdue",
    label="Overdue milestones",
    unit="milestones",
    direction="lower",
    definition="Milestones planned on or before the date and not done by then.",
)
def milestones_overdue(scope: Scope) -> Measurement:
    qs = _milestones(scope)
    n = qs.count()
    overdue = qs.filter(Q(actual_date__isnull=True) | Q(actual_date__gt=scope.as_of)).count()
    return Measurement("rollout.milestones_overdue", float(overdue), n, "milestones")
