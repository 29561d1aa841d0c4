"""What the adoption page shows, read from the weekly unit roll-ups (UnitWeek) and adopter states
(AdopterState) that every import refreshes, so that the page costs the same whatever the volume
of usage. The figures follow the same rule as the registered metrics (onramp.adoption.engine);
the page shows them as of the last week end with data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count

from onramp.adoption.forecast import Forecast, adoption_forecast
from onramp.adoption.models import AdopterState, UnitWeek
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


@dataclass
class Tree:
    """The org tree as closures: unit id -> ids of it and every unit below."""

    units: dict[int, OrgUnit]
    below: dict[int, set[int]]

    @classmethod
    def load(cls) -> Tree:
        units = {u.pk: u for u in OrgUnit.objects.only("id", "name", "path", "depth", "parent_id")}
        below: dict[int, set[int]] = defaultdict(set)
        for u in units.values():
            for a in u.path.strip("/").split("/"):
                if a:
                    below[int(a)].add(u.pk)
        return cls(units, below)

    def closure(self, ids: list[int] | set[int]) -> set[int]:
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

    def rows(self, units: set[int]) -> list[int]:
        return [i for u, i in self.unit_index.items() if u in units]

    def rate(self, units: set[int], what: str = "active") -> tuple[np.ndarray, int]:
        idx = self.rows(units)
        pop = int(self.population[idx].sum())
        values = getattr(self, what)[idx].sum(axis=0)
        return (100 * values / pop if pop else np.full(len(self.weeks), np.nan)), pop


def load_counts(service: Service, weeks_back: int = 52) -> Counts:
    projects = service.adopter_kind == "projects"
    if projects:
        pop_rows = (
            Project.objects.filter(status__in=["active", "proposed"])
            .values("unit_id")
            .annotate(n=Count("id"))
        )
    else:
        pop_rows = Person.objects.filter(active=True).values("unit_id").annotate(n=Count("id"))
    pop = {r["unit_id"]: r["n"] for r in pop_rows}
    uw = list(
        UnitWeek.objects.filter(service=service).values_list(
            "unit_id", "week_end", "active", "ever", "dau_mean", "mau"
        )
    )
    present = sorted({r[1] for r in uw})
    all_weeks = []
    if present:  # every week end from the first to the last, gaps included
        n = (present[-1] - present[0]).days // 7 + 1
        all_weeks = [present[0] + dt.timedelta(weeks=i) for i in range(n)][-weeks_back:]
    w_index = {w: i for i, w in enumerate(all_weeks)}
    unit_ids = sorted(set(pop) | {r[0] for r in uw}, key=lambda u: (u is None, u or 0))
    u_index = {u: i for i, u in enumerate(unit_ids)}
    shape = (len(unit_ids), len(all_weeks))
    active, ever, mau = (np.zeros(shape, dtype=np.int64) for _ in range(3))
    dau = np.zeros(shape)
    for unit, week, a, e, d, m in uw:
        j = w_index.get(week)
        if j is None:
            continue
        i = u_index[unit]
        active[i, j], ever[i, j], dau[i, j], mau[i, j] = a, e, d, m
    population = np.array([pop.get(u, 0) for u in unit_ids], dtype=np.int64)
    return Counts(all_weeks, u_index, population, active, ever, dau, mau)


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


def wave_units(wave: Wave, waves: list[Wave], tree: Tree) -> set[int]:
    units = tree.closure([u.pk for u in wave.units.all()])
    if wave.kind == WaveKind.COMPANY_WIDE:
        for other in waves:
            if other.pk != wave.pk and other.kind != WaveKind.COMPANY_WIDE:
                units -= tree.closure([u.pk for u in other.units.all()])
    return units


def _week_of(counts: Counts, day: dt.date) -> int | None:
    """Index of the week containing `day` (negative before the first week of the roll-up)."""
    if not counts.weeks:
        return None
    end = day + dt.timedelta(days=6 - day.weekday())
    return (end - counts.weeks[0]).days // 7


def rollout_view(rollout: Rollout, counts: Counts, tree: Tree) -> RolloutView:
    waves = sorted(rollout.waves.all(), key=lambda w: w.order)
    units = tree.closure([u.pk for u in rollout.units.all()])
    rates, pop = counts.rate(units)
    ever, _ = counts.rate(units, "ever")
    curves = []
    for wave in waves:
        wu = wave_units(wave, waves, tree) & units if units else wave_units(wave, waves, tree)
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


def _forecast(
    rollout: Rollout, waves: list[Wave], counts: Counts, units: set[int], pop: int
) -> Forecast:
    live = [w for w in waves if counts.weeks and w.go_live_date <= counts.weeks[-1]]
    if not live or not pop:
        return adoption_forecast(
            [], start=dt.date.today(), population=pop, target_pct=0, target_date=None
        )
    first = min(w.go_live_date for w in live)
    start = max(0, _week_of(counts, first) or 0)
    idx = counts.rows(units)
    ever = counts.ever[idx].sum(axis=0)
    cumulative = ever[start:].astype(float)
    weekly = np.diff(np.concatenate([[ever[start - 1] if start > 0 else 0.0], cumulative]))
    return adoption_forecast(
        list(np.maximum(weekly, 0)),
        start=counts.weeks[start],
        population=pop,
        target_pct=float(rollout.adoption_target_pct),
        target_date=rollout.adoption_target_date,
    )


@dataclass
class UnitRow:
    unit: OrgUnit
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
                sub = tree.closure([uid]) & curve.units
                rates, pop = counts.rate(sub)
                own = counts.population[counts.rows({uid})].sum() if uid in counts.unit_index else 0
                if pop < MIN_UNIT_SIZE or not own:
                    continue  # units that hold people themselves, big enough to judge
                rate = float(rates[last])
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


def rogers_categories(service: Service, views: list[RolloutView]) -> Categories:
    """Adopters by time to adopt from their wave's go-live, cut at mean -2, -1, 0, +1 sd."""
    go_live: dict[int, dt.date] = {}
    populations = 0
    for view in views:
        for curve in view.waves:
            for uid in curve.units:
                go_live.setdefault(uid, curve.wave.go_live_date)
        populations += view.population
    states = AdopterState.objects.filter(service=service, adopted_on__isnull=False).values_list(
        "unit_id", "adopted_on"
    )
    days = [max(0, (day - go_live[u]).days) for u, day in states if u in go_live]
    out = Categories(not_yet=max(0, populations - len(days)))
    if len(days) < 2:
        return out
    arr = np.array(days, dtype=float)
    mu, sd = float(arr.mean()), float(arr.std())
    z = (arr - mu) / sd if sd else np.zeros_like(arr)
    out.mean_days, out.sd_days = round(mu, 1), round(sd, 1)
    for name, lo, hi in ROGERS:
        n = int(((z >= lo) & (z < hi)).sum())
        out.rows.append((name, n, round(100 * n / len(arr), 1)))
    return out
