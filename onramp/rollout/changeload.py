"""Change load: how many change activities reach each org unit in each week, across all services,
against the unit's capacity.

An activity reaches the units it names and every unit below them. Waves are the activities this
app knows; apps above it (training sessions, communications, survey waves) add theirs with
`register_change_source`, so the heatmap and the capacity warning count them the day they land.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from onramp.org.models import OrgUnit
from onramp.rollout.models import RolloutStatus, UnitCapacity, Wave, WaveStatus


@dataclass(frozen=True)
class ChangeActivity:
    kind: str  # "wave", "session", "communication", "survey", ...
    label: str
    unit_ids: frozenset[int]
    start: dt.date
    end: dt.date
    key: str = ""  # identifies the activity, so that one being edited is not counted twice


ChangeSource = Callable[[dt.date, dt.date], Iterable[ChangeActivity]]
_SOURCES: dict[str, ChangeSource] = {}


def register_change_source(name: str) -> Callable[[ChangeSource], ChangeSource]:
    def decorate(fn: ChangeSource) -> ChangeSource:
        _SOURCES[name] = fn
        return fn

    return decorate


# Waves that do not put load on anyone: paused ones, and those of stopped rollouts.
IDLE_WAVE_STATUSES = (WaveStatus.ON_HOLD,)
IDLE_ROLLOUT_STATUSES = (RolloutStatus.ON_HOLD, RolloutStatus.CANCELLED)


@register_change_source("waves")
def wave_activities(start: dt.date, end: dt.date) -> Iterable[ChangeActivity]:
    waves = (
        Wave.objects.filter(start_date__lte=end, end_date__gte=start)
        .exclude(status__in=IDLE_WAVE_STATUSES)
        .exclude(rollout__status__in=IDLE_ROLLOUT_STATUSES)
    )
    units_by_wave: dict[int, set[int]] = defaultdict(set)
    for wave_id, unit_id in Wave.units.through.objects.filter(wave__in=waves).values_list(
        "wave_id", "orgunit_id"
    ):
        units_by_wave[wave_id].add(unit_id)
    for wave_id, name, first, last, service in waves.values_list(
        "id", "name", "start_date", "end_date", "rollout__service__name"
    ):
        yield ChangeActivity(
            "wave",
            f"{service}: {name}",
            frozenset(units_by_wave.get(wave_id, ())),
            first,
            last,
            key=f"wave:{wave_id}",
        )


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class UnitRow:
    """An org unit as the heatmap needs it (plain values: no model instances for 500 units)."""

    id: int
    name: str
    parent_id: int | None
    path: str
    depth: int

    def __str__(self) -> str:
        return self.name


@dataclass
class UnitTree:
    """All units in memory, with their descendants on demand (memoised)."""

    units: list[UnitRow]
    index: dict[int, int] = field(default_factory=dict)
    children: dict[int, list[int]] = field(default_factory=dict)
    _below: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> UnitTree:
        units = [
            UnitRow(*row)
            for row in OrgUnit.objects.order_by("path").values_list(
                "id", "name", "parent_id", "path", "depth"
            )
        ]
        tree = cls(units)
        tree.index = {u.id: i for i, u in enumerate(units)}
        children: dict[int, list[int]] = defaultdict(list)
        for u in units:
            if u.parent_id:
                children[u.parent_id].append(u.id)
        tree.children = children
        return tree

    def below(self, unit_id: int) -> list[int]:
        """The unit and all its descendants."""
        if unit_id in self._below:
            return self._below[unit_id]
        out = [unit_id]
        for child in self.children.get(unit_id, ()):
            out.extend(self.below(child))
        self._below[unit_id] = out
        return out

    def reached(self, unit_ids: Iterable[int]) -> list[int]:
        seen: set[int] = set()
        for uid in unit_ids:
            if uid in self.index:
                seen.update(self.below(uid))
        return [self.index[u] for u in seen]


@dataclass
class ChangeLoad:
    weeks: list[dt.date]  # Mondays
    units: list[UnitRow]
    load: np.ndarray  # units x weeks
    capacity: np.ndarray  # units
    activities: list[ChangeActivity] = field(default_factory=list)
    # unit row -> (first week, last week, activity index) of each activity reaching it
    by_row: dict[int, list[tuple[int, int, int]]] = field(default_factory=dict)

    def cell(self, unit_row: int, week: int) -> int:
        return int(self.load[unit_row, week])

    def labels_for(self, unit_row: int, week: int, limit: int = 4) -> list[str]:
        """The activities reaching a unit in a week (computed on demand: only shown cells ask)."""
        out = []
        for w0, w1, i in self.by_row.get(unit_row, ()):
            if w0 <= week <= w1:
                out.append(self.activities[i].label)
                if len(out) >= limit:
                    break
        return out


def _capacities(units: list[UnitRow], default: int) -> np.ndarray:
    overrides = dict(UnitCapacity.objects.values_list("unit_id", "capacity"))
    return np.array([overrides.get(u.id, default) for u in units], dtype=np.int32)


def change_load(
    *,
    start: dt.date,
    weeks: int,
    default_capacity: int,
    extra: Iterable[ChangeActivity] = (),
    exclude_keys: Iterable[str] = (),
    tree: UnitTree | None = None,
) -> ChangeLoad:
    """The load matrix for `weeks` weeks from the Monday of `start`: every registered source,
    plus `extra` activities (a wave being planned), minus those whose key is in `exclude_keys`
    (the same wave's saved version)."""
    tree = tree or UnitTree.load()
    first = week_start(start)
    week_list = [first + dt.timedelta(weeks=i) for i in range(weeks)]
    last = week_list[-1] + dt.timedelta(days=6)
    load = np.zeros((len(tree.units), weeks), dtype=np.int32)
    excluded = set(exclude_keys)
    activities: list[ChangeActivity] = []
    for source in _SOURCES.values():
        activities.extend(a for a in source(first, last) if a.key not in excluded)
    activities.extend(extra)
    by_row: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    kept: list[ChangeActivity] = []
    for activity in activities:
        if activity.end < first or activity.start > last:
            continue
        w0 = max(0, (activity.start - first).days // 7)
        w1 = min(weeks - 1, (activity.end - first).days // 7)
        rows = tree.reached(activity.unit_ids)
        if not rows:
            continue
        load[np.array(rows)[:, None], np.arange(w0, w1 + 1)[None, :]] += 1
        index = len(kept)
        kept.append(activity)
        entry = (w0, w1, index)
        for r in rows:
            by_row[r].append(entry)
    return ChangeLoad(
        week_list, tree.units, load, _capacities(tree.units, default_capacity), kept, by_row
    )


@dataclass(frozen=True)
class Overload:
    unit: UnitRow
    week: dt.date
    load: int
    capacity: int


def overloads_with(
    activity: ChangeActivity, *, default_capacity: int, exclude_keys: Iterable[str] = ()
) -> list[Overload]:
    """The unit-weeks that `activity` would push over capacity (and that were not over already)."""
    span = (activity.end - week_start(activity.start)).days // 7 + 1
    tree = UnitTree.load()
    before = change_load(
        start=activity.start,
        weeks=span,
        default_capacity=default_capacity,
        exclude_keys=exclude_keys,
        tree=tree,
    )
    rows = tree.reached(activity.unit_ids)
    out = []
    for r in sorted(rows, key=lambda i: tree.units[i].path):
        cap = int(before.capacity[r])
        for w, monday in enumerate(before.weeks):
            if before.load[r, w] + 1 > cap >= before.load[r, w]:
                out.append(Overload(tree.units[r], monday, int(before.load[r, w]) + 1, cap))
    return out
