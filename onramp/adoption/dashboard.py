"""What the adoption page shows, read from the weekly unit roll-ups (UnitWeek) and adopter states
(AdopterState) that every import refreshes, so that the page costs the same whatever the volume
of usage. The figures follow the same rule as the registered metrics (onramp.adoption.engine);
the page shows them as of the last week end with data.

The page never reads DailyActivity. Its reads are few and plain: tuples fetched without Django's
per-row converters (no model instances, no date objects per row; the handful of distinct dates
is parsed once), and the org tree and the rollouts' units as ids.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar

import numpy as np
from django.core.cache import cache
from django.db import connections
from django.db.models import (
    CharField,
    Count,
    F,
    Max,
    Min,
    QuerySet,
)
from django.db.models.functions import Cast

from onramp.adoption.forecast import Forecast, adoption_forecast
from onramp.adoption.models import (
    AdopterState,
    AdoptionRule,
    IngestBatch,
    UnitWeek,
    UnmatchedIdentity,
)
from onramp.adoption.selectors import remembered
from onramp.catalog.models import Service
from onramp.org.models import OrgUnit, Person, Project
from onramp.rollout.models import Rollout, Wave, WaveKind

ROGERS = (
    ("Innovators", -np.inf, -2.0),
    ("Early adopters", -2.0, -1.0),
    ("Early majority", -1.0, 0.0),
    ("Late majority", 0.0, 1.0),
    ("Laggards", 1.0, np.inf),
)
RETENTION_WEEKS = 12
MIN_UNIT_SIZE = 5
NO_UNIT = -1  # AdopterState.unit is NULL
DAY_BITS = 22  # day ordinals (date.toordinal()) fit in 22 bits until the year 11483
CACHE_SECONDS = 7 * 24 * 3600  # the key changes with the data: this only bounds idle entries
T = TypeVar("T")


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block. Fetching tens of thousands of rows makes
    as many tuples, which would set off collections that walk every object of the process
    (a hundred milliseconds in a busy Django process); the rows hold no cycles, and reference
    counting frees them when the block's caller drops them."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def raw_rows(qs: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a values_list() query as the database driver returns them: no per-row
    converters (on SQLite dates stay ISO strings), which for tens of thousands of rows is most
    of the cost of fetching them through the ORM."""
    sql, params = qs.query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def day_text(name: str, using: str = "default") -> Cast | F:
    """A date column to fetch with raw_rows: as text on SQLite, whose driver would otherwise
    parse every row's date in Python (the column's declared type), as is elsewhere."""
    if connections[using].vendor == "sqlite":
        return Cast(name, output_field=CharField())
    return F(name)


def _dates(values: Iterable[Any]) -> dict[Any, dt.date]:
    """Each distinct raw date value (ISO text or a date) -> the date."""
    return {
        v: v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10]) for v in set(values)
    }


@dataclass(frozen=True)
class Unit:
    """An org unit as the page needs it: plain values, no model instance."""

    pk: int
    name: str
    path: str
    depth: int

    def __str__(self) -> str:
        return self.name


@dataclass
class Tree:
    """The org tree as closures: unit id -> ids of it and every unit below."""

    units: dict[int, Unit]
    below: dict[int, set[int]]

    @classmethod
    def load(cls) -> Tree:
        rows = OrgUnit.objects.order_by("path").values_list("id", "name", "path", "depth")
        units = {pk: Unit(pk, name, path, depth) for pk, name, path, depth in rows}
        below: dict[int, set[int]] = defaultdict(set)
        for u in units.values():
            for a in u.path.strip("/").split("/"):
                if a:
                    below[int(a)].add(u.pk)
        return cls(units, below)

    def closure(self, ids: Iterable[int]) -> set[int]:
        out: set[int] = set()
        for i in ids:
            out |= self.below.get(i, {i})
        return out


@dataclass
class Counts:
    """Population per own unit, and the weekly roll-up as arrays (units x weeks)."""

    weeks: list[dt.date]
    unit_index: dict[int | None, int]
    population: np.ndarray
    active: np.ndarray
    ever: np.ndarray
    dau: np.ndarray
    mau: np.ndarray
    _rows: dict[frozenset[Any], list[int]] = field(default_factory=dict, repr=False)

    def rows(self, units: Iterable[Any]) -> list[int]:
        """Row indexes of the units (in row order), memoised per set of units."""
        key = units if isinstance(units, frozenset) else frozenset(units)
        found = self._rows.get(key)
        if found is None:
            index = self.unit_index
            found = sorted(index[u] for u in key if u in index)
            self._rows[key] = found
        return found

    def rate(self, units: Iterable[Any], what: str = "active") -> tuple[np.ndarray, int]:
        idx = self.rows(units)
        pop = int(self.population[idx].sum())
        values = getattr(self, what)[idx].sum(axis=0)
        return (100 * values / pop if pop else np.full(len(self.weeks), np.nan)), pop


@dataclass
class Weekly:
    """The last weeks of a service's weekly roll-up: one row per unit that has any (None: people
    without a unit), one column per week end from the first to the last, gaps included."""

    weeks: list[dt.date]
    units: list[int | None]
    active: np.ndarray
    ever: np.ndarray
    dau: np.ndarray
    mau: np.ndarray

    @classmethod
    def load(cls, service: Service, weeks_back: int) -> Weekly:
        mine = UnitWeek.objects.filter(service=service)
        bounds = mine.aggregate(first=Min("week_end"), last=Max("week_end"))
        if bounds["first"] is None:
            empty = np.zeros((0, 0), dtype=np.int64)
            return cls([], [], empty, empty, np.zeros((0, 0)), empty)
        first, last = bounds["first"], bounds["last"]
        n = (last - first).days // 7 + 1
        weeks = [first + dt.timedelta(weeks=i) for i in range(n)][-weeks_back:]
        with gc_paused():
            rows = raw_rows(
                mine.filter(week_end__gte=weeks[0]).values_list(
                    "unit_id", day_text("week_end"), "active", "ever", "dau_mean", "mau"
                )
            )
            units = sorted({r[0] for r in rows}, key=lambda u: (u is None, u or 0))
            u_index = {u: i for i, u in enumerate(units)}
            w_index = {w: i for i, w in enumerate(weeks)}
            shape = (len(units), len(weeks))
            active, ever, mau = (np.zeros(shape, dtype=np.int64) for _ in range(3))
            dau = np.zeros(shape)
            if rows:
                unit, week, a, e, d, m = zip(*rows, strict=True)
                day = _dates(week)
                i = np.fromiter((u_index[u] for u in unit), dtype=np.int64, count=len(rows))
                j = np.fromiter((w_index[day[w]] for w in week), dtype=np.int64, count=len(rows))
                active[i, j], ever[i, j], dau[i, j], mau[i, j] = a, e, d, m
                del unit, week, a, e, d, m
            del rows
        return cls(weeks, units, active, ever, dau, mau)


def unit_population(service: Service) -> dict[int | None, int]:
    """Own unit id -> how many people (live projects, for project services) it holds."""
    if service.adopter_kind == "projects":
        live = Project.objects.filter(status__in=["active", "proposed"])
    else:
        live = Person.objects.filter(active=True)
    return dict(live.values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n"))


def load_counts(service: Service, weeks_back: int = 52, *, key: str | None = None) -> Counts:
    """The target population per own unit and the last `weeks_back` weeks of the roll-up. With
    a `key` from rollup_key() the roll-up part comes from the cache when it holds it."""
    pop = remembered(("unit_population", service.adopter_kind), lambda: unit_population(service))
    weekly = _cached(key, f"weekly:{weeks_back}", lambda: Weekly.load(service, weeks_back))
    unit_ids = sorted(set(pop) | set(weekly.units), key=lambda u: (u is None, u or 0))
    u_index = {u: i for i, u in enumerate(unit_ids)}
    shape = (len(unit_ids), len(weekly.weeks))
    active, ever, mau = (np.zeros(shape, dtype=np.int64) for _ in range(3))
    dau = np.zeros(shape)
    if weekly.units:
        rows = np.array([u_index[u] for u in weekly.units], dtype=np.int64)
        active[rows], ever[rows], dau[rows], mau[rows] = (
            weekly.active,
            weekly.ever,
            weekly.dau,
            weekly.mau,
        )
    population = np.array([pop.get(u, 0) for u in unit_ids], dtype=np.int64)
    return Counts(weekly.weeks, u_index, population, active, ever, dau, mau)


@dataclass
class Plan:
    """A service's rollouts with their waves, and the org units each names (as ids)."""

    rollouts: list[Rollout]
    rollout_units: dict[int, list[int]]
    wave_units: dict[int, list[int]]

    @classmethod
    def load(cls, service: Service) -> Plan:
        rollouts = list(
            Rollout.objects.filter(service=service)
            .prefetch_related("waves")
            .order_by("-status", "name")
        )
        r_units: dict[int, list[int]] = defaultdict(list)
        w_units: dict[int, list[int]] = defaultdict(list)
        if rollouts:
            through = Rollout.units.through.objects.filter(rollout__service=service)
            for rid, uid in through.values_list("rollout_id", "orgunit_id"):
                r_units[rid].append(uid)
            through = Wave.units.through.objects.filter(wave__rollout__service=service)
            for wid, uid in through.values_list("wave_id", "orgunit_id"):
                w_units[wid].append(uid)
        return cls(rollouts, r_units, w_units)


@dataclass
class WaveCurve:
    wave: Wave
    units: set[int]
    population: int
    rates: list[float | None]
    retention: list[float | None]  # % active k weeks after go-live, k = 1..RETENTION_WEEKS


@dataclass
class RolloutView:
    rollout: Rollout
    units: set[int]
    population: int
    rates: list[float | None]
    waves: list[WaveCurve]
    forecast: Forecast
    ever_rates: list[float | None]
    forecast_population: int = 0


def _clean(values: np.ndarray) -> list[float | None]:
    return [None if np.isnan(v) else round(float(v), 1) for v in values]


def wave_units(wave: Wave, waves: list[Wave], tree: Tree, plan: Plan) -> set[int]:
    units = tree.closure(plan.wave_units.get(wave.pk, []))
    if wave.kind == WaveKind.COMPANY_WIDE:
        for other in waves:
            if other.pk != wave.pk and other.kind != WaveKind.COMPANY_WIDE:
                units -= tree.closure(plan.wave_units.get(other.pk, []))
    return units


def _week_of(counts: Counts, day: dt.date) -> int | None:
    """Index of the week containing `day` (negative before the first week of the roll-up)."""
    if not counts.weeks:
        return None
    end = day + dt.timedelta(days=6 - day.weekday())
    return (end - counts.weeks[0]).days // 7


def rollout_view(rollout: Rollout, counts: Counts, tree: Tree, plan: Plan) -> RolloutView:
    waves = sorted(rollout.waves.all(), key=lambda w: w.order)
    units = tree.closure(plan.rollout_units.get(rollout.pk, []))
    rates, pop = counts.rate(units)
    ever, _ = counts.rate(units, "ever")
    curves = []
    for wave in waves:
        wu = wave_units(wave, waves, tree, plan)
        if units:
            wu &= units
        w_rates, w_pop = counts.rate(wu)
        start = _week_of(counts, wave.go_live_date)
        retention: list[float | None] = []
        for k in range(1, RETENTION_WEEKS + 1):
            j = None if start is None else start + k
            if j is not None and j < 0 and w_pop:
                retention.append(0.0)  # before the first usage of the service: nobody active
            elif j is None or j >= len(counts.weeks) or np.isnan(w_rates[j]):
                retention.append(None)
            else:
                retention.append(round(float(w_rates[j]), 1))
        curves.append(WaveCurve(wave, wu, w_pop, _clean(w_rates), retention))
    # Forecast the waves that have gone live: a diffusion curve cannot foresee a wave that has
    # not started.
    last = counts.weeks[-1] if counts.weeks else None
    live_units: set[int] = set()
    for curve in curves:
        if last is not None and curve.wave.go_live_date <= last:
            live_units |= curve.units
    live_pop = int(counts.population[counts.rows(live_units)].sum()) if live_units else 0
    forecast = _forecast(rollout, waves, counts, live_units, live_pop)
    live_ever, _ = counts.rate(live_units, "ever") if live_units else (ever, pop)
    return RolloutView(
        rollout, units, pop, _clean(rates), curves, forecast, _clean(live_ever), live_pop
    )


@lru_cache(maxsize=64)
def _forecast_of(
    weekly: tuple[float, ...],
    start: dt.date,
    population: int,
    target_pct: float,
    target_date: dt.date | None,
) -> Forecast:
    """adoption_forecast is a pure function of these values (its random draws are seeded):
    the same weeks of the same roll-up are fitted once per process, not at every render."""
    return adoption_forecast(
        list(weekly),
        start=start,
        population=population,
        target_pct=target_pct,
        target_date=target_date,
    )


def _forecast(
    rollout: Rollout, waves: list[Wave], counts: Counts, units: set[int], pop: int
) -> Forecast:
    live = [w for w in waves if counts.weeks and w.go_live_date <= counts.weeks[-1]]
    if not live:  # then no wave's population counts yet either
        return Forecast(
            "needs_data",
            "Needs more data: no usage has been imported from after a wave's go-live yet.",
        )
    if not pop:
        return adoption_forecast(
            [], start=dt.date.today(), population=0, target_pct=0, target_date=None
        )
    first = min(w.go_live_date for w in live)
    start = max(0, _week_of(counts, first) or 0)
    idx = counts.rows(units)
    ever = counts.ever[idx].sum(axis=0)
    cumulative = ever[start:].astype(float)
    weekly = np.diff(np.concatenate([[ever[start - 1] if start > 0 else 0.0], cumulative]))
    return _forecast_of(
        tuple(float(v) for v in np.maximum(weekly, 0)),
        counts.weeks[start],
        pop,
        float(rollout.adoption_target_pct),
        rollout.adoption_target_date,
    )


@dataclass
class UnitRow:
    unit: Unit
    population: int
    rate: float
    target: float
    gap: float
    go_live: dt.date


def lagging_units(
    service: Service, views: list[RolloutView], counts: Counts, tree: Tree, *, limit: int = 10
) -> list[UnitRow]:
    """Units furthest under the target curve: the target rises in a straight line from 0 at the
    unit's go-live to the target at go-live + the service's target weeks."""
    if not counts.weeks:
        return []
    last = len(counts.weeks) - 1
    as_of = counts.weeks[last]
    # Only the last week counts here: one column instead of every week for every unit.
    active_now = counts.active[:, last]
    rows: dict[int, UnitRow] = {}
    for view in views:
        target_pct = float(view.rollout.adoption_target_pct)
        for curve in view.waves:
            go_live = curve.wave.go_live_date
            if go_live > as_of:
                continue
            weeks_in = (as_of - go_live).days / 7
            target = target_pct * min(1.0, weeks_in / service.adoption_target_weeks)
            for uid in curve.units:
                unit = tree.units.get(uid)
                if unit is None or uid in rows:
                    continue
                own_row = counts.unit_index.get(uid)
                if own_row is None or not counts.population[own_row]:
                    continue  # units that hold people themselves
                idx = counts.rows(tree.closure([uid]) & curve.units)
                pop = int(counts.population[idx].sum())
                if pop < MIN_UNIT_SIZE:
                    continue  # big enough to judge
                rate = float(100 * active_now[idx].sum() / pop)
                rows[uid] = UnitRow(
                    unit, pop, round(rate, 1), round(target, 1), round(target - rate, 1), go_live
                )
    return sorted(rows.values(), key=lambda r: -r.gap)[:limit]


def heatmap(
    counts: Counts, tree: Tree, units: set[int] | None, *, max_rows: int = 24
) -> tuple[list[str], list[str], list[list[float | None]]]:
    """Rate per unit (the level with at most max_rows units) and week, the last 16 weeks."""
    candidates = [u for u in tree.units.values() if units is None or u.pk in units]
    if not candidates or not counts.weeks:
        return [], [], []
    depths = sorted({u.depth for u in candidates})
    chosen = depths[0]
    for d in depths:
        if len([u for u in candidates if u.depth == d]) <= max_rows:
            chosen = d
    level = sorted((u for u in candidates if u.depth == chosen), key=lambda u: u.name)[:max_rows]
    weeks = counts.weeks[-16:]
    offset = len(counts.weeks) - len(weeks)
    labels, values = [], []
    for unit in level:
        sub = tree.closure([unit.pk]) if units is None else tree.closure([unit.pk]) & units
        rates, pop = counts.rate(sub)
        if not pop:
            continue
        labels.append(unit.name)
        values.append(_clean(rates[offset:]))
    return labels, [f"{w:%d %b}" for w in weeks], values


@dataclass
class Categories:
    rows: list[tuple[str, int, float]] = field(default_factory=list)
    not_yet: int = 0
    mean_days: float | None = None
    sd_days: float | None = None


def rogers_categories(
    service: Service, views: list[RolloutView], *, key: str | None = None
) -> Categories:
    """Adopters by time to adopt from their wave's go-live, cut at mean -2, -1, 0, +1 sd."""
    go_live: dict[int, dt.date] = {}
    populations = 0
    for view in views:
        for curve in view.waves:
            for uid in curve.units:
                go_live.setdefault(uid, curve.wave.go_live_date)
        populations += view.population
    days = adoption_days(service, go_live, key=key)
    out = Categories(not_yet=max(0, populations - len(days)))
    if len(days) < 2:
        return out
    arr = days.astype(float)
    mu, sd = float(arr.mean()), float(arr.std())
    z = (arr - mu) / sd if sd else np.zeros_like(arr)
    out.mean_days, out.sd_days = round(mu, 1), round(sd, 1)
    for name, lo, hi in ROGERS:
        n = int(((z >= lo) & (z < hi)).sum())
        out.rows.append((name, n, round(100 * n / len(arr), 1)))
    return out


@dataclass
class Adopted:
    """How many adopters of a service adopted on each day, per own unit (NO_UNIT: none)."""

    units: np.ndarray
    days: np.ndarray  # day ordinals
    counts: np.ndarray

    @classmethod
    def load(cls, service: Service) -> Adopted:
        with gc_paused():
            rows = raw_rows(
                AdopterState.objects.filter(service=service, adopted_on__isnull=False).values_list(
                    "unit_id", day_text("adopted_on")
                )
            )
            if not rows:
                empty = np.zeros(0, dtype=np.int64)
                return cls(empty, empty, empty)
            unit, adopted = zip(*rows, strict=True)
            ordinal = {v: d.toordinal() for v, d in _dates(adopted).items()}
            units = np.fromiter((NO_UNIT if u is None else u for u in unit), dtype=np.int64)
            days = np.fromiter((ordinal[a] for a in adopted), dtype=np.int64, count=len(rows))
            del rows, unit, adopted
        # One integer per (unit, day) pair: a one-dimensional unique is far faster than axis=0.
        distinct, counts = np.unique((units - NO_UNIT) << DAY_BITS | days, return_counts=True)
        return cls((distinct >> DAY_BITS) + NO_UNIT, distinct & ((1 << DAY_BITS) - 1), counts)


def adoption_days(
    service: Service, go_live: dict[int, dt.date], *, key: str | None = None
) -> np.ndarray:
    """Days from go-live to adoption (0 when adopted before), one per adopter whose own unit has
    a go-live in `go_live` (unit id -> date)."""
    if not go_live:
        return np.zeros(0, dtype=np.int64)
    adopted = _cached(key, "adopted", lambda: Adopted.load(service))
    if not len(adopted.units):
        return np.zeros(0, dtype=np.int64)
    # Each distinct unit's go-live looked up once, then array operations over (unit, day) pairs.
    distinct, inverse = np.unique(adopted.units, return_inverse=True)
    start = np.array(
        [go_live[u].toordinal() if u in go_live else -1 for u in distinct.tolist()],
        dtype=np.int64,
    )[inverse]
    reached = start >= 0
    days = np.maximum(0, adopted.days[reached] - start[reached])
    return np.repeat(days, adopted.counts[reached])


# --- the cache of what an import computes -------------------------------------------------------


def rollup_key(service: Service, *, rule: AdoptionRule, batch: IngestBatch | None) -> str | None:
    """A cache key for what the page reads from the service's roll-ups (UnitWeek, AdopterState),
    or None when there is nothing worth caching or no import or saved rule to date it.

    Every change to the roll-ups changes the key, twice over. Each write that refreshes them
    leaves its mark: an import its batch, a rule change the rule's updated_at, a mapping its
    mapped_at. And a refresh deletes the service's rows and writes new ones under new ids (the
    rows' count or highest id change), as does deleting a person or a unit (the count). The
    marks also keep ids that a rolled-back transaction handed out again (tests) from bringing
    back an older entry. A new way of refreshing the roll-ups must leave such a mark too.
    What the page reads elsewhere (people, units, rollouts) is read at every render."""
    if batch is None and rule.pk is None:
        return None
    weekly = UnitWeek.objects.filter(service=service).aggregate(n=Count("id"), last=Max("id"))
    if not weekly["n"]:
        return None
    states = AdopterState.objects.filter(service=service).aggregate(n=Count("id"), last=Max("id"))
    mapped = UnmatchedIdentity.objects.filter(service=service).aggregate(at=Max("mapped_at"))
    parts = (
        service.pk,
        weekly["n"],
        weekly["last"],
        states["n"],
        states["last"],
        batch.pk if batch else None,
        batch.created_at.isoformat() if batch else None,
        rule.updated_at.isoformat() if rule.pk else None,
        mapped["at"].isoformat() if mapped["at"] else None,
    )
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]
    return f"adoption:rollup:{service.pk}:{digest}"


def _cached(key: str | None, part: str, compute: Callable[[], T]) -> T:
    """compute(), or what it gave for the same key. One cache entry per service and part,
    holding the key it was computed under: a new import replaces the entry instead of adding
    one (a service that receives a batch every minute does not fill the cache)."""
    if key is None:
        return compute()
    slot = f"{key.rsplit(':', 1)[0]}:{part}"
    found = cache.get(slot)
    if found is not None and found[0] == key:
        return found[1]
    value = compute()
    cache.set(slot, (key, value), CACHE_SECONDS)
    return value
