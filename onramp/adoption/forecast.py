"""Bass diffusion forecast of cumulative adopters (DOMAIN.md section 2, section 5 items 11-13).

Weekly new adopters n_t (t = 1..T weeks after go-live) and cumulative N_t. The discrete Bass
model n_t = pM + (q - p) N_{t-1} - (q/M) N_{t-1}^2 is fitted by OLS (n_t = a + bN + cN^2, M the
positive root of cM^2 + bM + a = 0, p = a/M, q = p + b) and refined by least squares on the
closed form N(t) = M F(t), F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}). When the OLS
answer is implausible (no real root, M not above the adopters so far, or above the population)
M is fixed to the target population and only p and q are fitted. The band is the 10th-90th
percentile of curves drawn from the fit's parameter covariance. Time is in weeks.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import curve_fit

MIN_POINTS = 4
BAND_DRAWS = 300


def bass_F(t: np.ndarray | float, p: float, q: float) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    e = np.exp(-(p + q) * t)
    return (1 - e) / (1 + (q / p) * e)


def time_to_share(x: float, p: float, q: float) -> float:
    """Weeks until the share x (< 1) of the ceiling M has adopted."""
    return -math.log((1 - x) / (1 + (q / p) * x)) / (p + q)


@dataclass(frozen=True)
class BassOLS:
    a: float
    b: float
    c: float
    m: float | None
    p: float | None
    q: float | None


def bass_ols(weekly: Sequence[float]) -> BassOLS:
    """The DOMAIN.md regression, with no plausibility judgement."""
    n = np.asarray(weekly, dtype=float)
    prev = np.concatenate([[0.0], np.cumsum(n)[:-1]])
    X = np.column_stack([np.ones_like(prev), prev, prev**2])
    (a, b, c), *_ = np.linalg.lstsq(X, n, rcond=None)
    disc = b * b - 4 * a * c
    if c >= 0 or disc < 0:
        return BassOLS(a, b, c, None, None, None)
    m = (-b - math.sqrt(disc)) / (2 * c)
    if m <= 0:
        return BassOLS(a, b, c, None, None, None)
    p = a / m
    return BassOLS(a, b, c, m, p, p + b)


@dataclass
class BassFit:
    p: float
    q: float
    m: float
    method: str  # "ols" (M fitted) or "nls-fixed-m" (M fixed to the population)
    cov: np.ndarray  # covariance of (p, q[, m])

    @property
    def peak_week(self) -> float | None:
        return math.log(self.q / self.p) / (self.p + self.q) if self.q > self.p else None


def _fit_free(t: np.ndarray, cum: np.ndarray, start: tuple[float, float, float]):
    return curve_fit(
        lambda tt, p, q, m: m * bass_F(tt, p, q),
        t,
        cum,
        p0=start,
        bounds=([1e-6, 0.0, 0.8 * cum[-1]], [1.0, 5.0, max(start[2], cum[-1]) * 10]),
        maxfev=20000,
    )


def _fit_fixed(t: np.ndarray, cum: np.ndarray, m: float):
    return curve_fit(
        lambda tt, p, q: m * bass_F(tt, p, q),
        t,
        cum,
        p0=(0.01, 0.3),
        bounds=([1e-6, 0.0], [1.0, 5.0]),
        maxfev=20000,
    )


def bass_fit(weekly: Sequence[float], *, population: float) -> BassFit | None:
    """Fit p, q and M on weekly new adopters (None with fewer than MIN_POINTS weeks)."""
    n = np.asarray(weekly, dtype=float)
    if len(n) < MIN_POINTS or n.sum() <= 0:
        return None
    cum = np.cumsum(n)
    t = np.arange(1, len(n) + 1, dtype=float)
    ols = bass_ols(n)
    plausible = (
        ols.m is not None
        and ols.p is not None
        and ols.q is not None
        and ols.p > 0
        and ols.q >= 0
        # The discrete regression underestimates M a little on a curve near its ceiling.
        and 0.9 * cum[-1] <= ols.m <= population * 1.02
    )
    if plausible:
        try:
            start = (ols.p, ols.q, max(ols.m, cum[-1]))  # type: ignore[type-var]
            params, cov = _fit_free(t, cum, start)  # type: ignore[arg-type]
            p, q, m = (float(v) for v in params)
            if m <= population * 1.02:
                return BassFit(p, q, m, "ols", np.nan_to_num(cov))
        except (RuntimeError, ValueError):
            pass
    try:
        params, cov = _fit_fixed(t, cum, float(population))
    except (RuntimeError, ValueError):
        return None
    p, q = (float(v) for v in params)
    return BassFit(p, q, float(population), "nls-fixed-m", np.nan_to_num(cov))


@dataclass
class Forecast:
    status: str  # "needs_data", "on_track", "late", "unreachable", "reached"
    message: str
    fit: BassFit | None = None
    weeks: list[dt.date] = field(default_factory=list)  # week ends, go-live week first
    expected: list[float] = field(default_factory=list)  # cumulative adopters, % of population
    low: list[float] = field(default_factory=list)
    high: list[float] = field(default_factory=list)
    reach_date: dt.date | None = None

    @property
    def label(self) -> str:
        """The status as a person reads it ("Needs data", "On track", ...)."""
        return STATUS_LABELS.get(self.status, self.status)


STATUS_LABELS = {
    "needs_data": "Needs data",
    "on_track": "On track",
    "late": "Late",
    "unreachable": "Will not reach",
    "reached": "Reached",
}


def adoption_forecast(
    weekly: Sequence[float],
    *,
    start: dt.date,
    population: int,
    target_pct: float,
    target_date: dt.date | None,
    horizon_weeks: int = 52,
    seed: int = 7,
) -> Forecast:
    """Forecast cumulative adopters (% of the population) from `start` (the go-live week's end)
    and say when the target share is reached."""
    if population <= 0:
        return Forecast("needs_data", "There is no target population to forecast.")
    observed = len(weekly)
    if observed < MIN_POINTS:
        return Forecast(
            "needs_data",
            f"Needs more data: a forecast needs at least {MIN_POINTS} weeks of adoption after "
            f"go-live; there are {observed}.",
        )
    share_now = 100 * float(np.sum(weekly)) / population
    fit = bass_fit(weekly, population=population)
    if fit is None:
        return Forecast("needs_data", "Needs more data: the weeks so far fit no diffusion curve.")
    horizon = max(horizon_weeks, observed + 12)
    t = np.arange(1, horizon + 1, dtype=float)
    expected = 100 * fit.m * bass_F(t, fit.p, fit.q) / population
    rng = np.random.default_rng(seed)
    mean = [fit.p, fit.q] + ([fit.m] if fit.method == "ols" else [])
    try:
        draws = rng.multivariate_normal(mean, fit.cov, size=BAND_DRAWS, check_valid="ignore")
    except (ValueError, np.linalg.LinAlgError):
        draws = np.tile(mean, (BAND_DRAWS, 1))
    curves = []
    for row in draws:
        p, q = max(float(row[0]), 1e-6), max(float(row[1]), 0.0)
        m = min(max(float(row[2]), 0.0), population) if len(row) > 2 else fit.m
        curves.append(100 * m * bass_F(t, p, q) / population)
    band = np.percentile(np.array(curves), [10, 90], axis=0)
    weeks = [start + dt.timedelta(weeks=i) for i in range(horizon)]
    result = Forecast(
        "on_track",
        "",
        fit,
        weeks,
        [round(float(v), 2) for v in expected],
        [round(float(v), 2) for v in band[0]],
        [round(float(v), 2) for v in band[1]],
    )
    ceiling = 100 * fit.m / population
    when = f" by {target_date:%d %b %Y}" if target_date else ""
    if share_now >= target_pct:
        result.status, result.message = "reached", f"The {target_pct:g}% target is reached."
        return result
    if ceiling <= target_pct:
        result.status = "unreachable"
        result.message = (
            f"The {target_pct:g}% target will not be reached{when} at this pace: the curve "
            f"levels off at about {ceiling:.0f}%."
        )
        return result
    weeks_needed = time_to_share(target_pct / ceiling, fit.p, fit.q)
    reach = start + dt.timedelta(days=round(7 * (weeks_needed - 1)))
    result.reach_date = reach
    if target_date and reach > target_date:
        result.status = "late"
        result.message = (
            f"The {target_pct:g}% target will not be reached{when} at this pace: the forecast "
            f"reaches it around {reach:%d %b %Y}."
        )
    else:
        result.message = f"On track: the forecast reaches {target_pct:g}% around {reach:%d %b %Y}."
    return result
