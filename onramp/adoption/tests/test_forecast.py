from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from onramp.adoption.forecast import (
    adoption_forecast,
    bass_F,
    bass_fit,
    bass_ols,
    time_to_share,
)


def closed_form_weekly(p: float, q: float, m: float, weeks: int) -> np.ndarray:
    cum = m * bass_F(np.arange(0, weeks + 1), p, q)
    return np.diff(cum)


def discrete_weekly(p: float, q: float, m: float, weeks: int) -> list[float]:
    out, cum = [], 0.0
    for _ in range(weeks):
        n = p * m + (q - p) * cum - (q / m) * cum * cum
        out.append(n)
        cum += n
    return out


def test_ols_recovers_p_q_and_m_from_the_discrete_model_exactly():
    fit = bass_ols(discrete_weekly(0.02, 0.35, 5000, 30))
    assert fit.p == pytest.approx(0.02, rel=1e-6)
    assert fit.q == pytest.approx(0.35, rel=1e-6)
    assert fit.m == pytest.approx(5000, rel=1e-6)


@pytest.mark.parametrize(("p", "q"), [(0.01, 0.4), (0.03, 0.25), (0.05, 0.6)])
def test_the_fit_recovers_p_and_q_from_a_noisy_closed_form_curve(p, q):
    rng = np.random.default_rng(1)
    weekly = closed_form_weekly(p, q, 4000, 40)
    noisy = np.maximum(weekly * rng.normal(1, 0.03, len(weekly)), 0)
    fit = bass_fit(noisy, population=5000)
    assert fit is not None and fit.method == "ols"
    assert fit.p == pytest.approx(p, rel=0.15)
    assert fit.q == pytest.approx(q, rel=0.1)
    assert fit.m == pytest.approx(4000, rel=0.05)


def test_it_fixes_m_to_the_population_when_the_ols_ceiling_is_implausible():
    # The first 5 weeks of a slow start, zig-zagging by 10% (fortnightly reporting): the
    # regression's curvature comes out positive, so it has no ceiling.
    weekly = closed_form_weekly(0.01, 0.3, 2000, 5) * np.array([1.1, 0.9, 1.1, 0.9, 1.1])
    assert bass_ols(weekly).m is None
    fit = bass_fit(weekly, population=2000)
    assert fit is not None and fit.method == "nls-fixed-m" and fit.m == 2000
    assert fit.p == pytest.approx(0.01, rel=0.05)
    assert fit.q == pytest.approx(0.3, rel=0.05)


def test_time_to_share_inverts_the_curve():
    t = time_to_share(0.85, 0.02, 0.4)
    assert bass_F(t, 0.02, 0.4) == pytest.approx(0.85)


def test_a_forecast_needs_four_weekly_points():
    f = adoption_forecast(
        [3, 5, 8], start=dt.date(2026, 1, 4), population=100, target_pct=85, target_date=None
    )
    assert f.status == "needs_data" and "Needs more data" in f.message


def test_the_forecast_gives_a_band_and_the_date_the_target_is_reached():
    weekly = closed_form_weekly(0.03, 0.5, 950, 6)
    start = dt.date(2026, 1, 4)
    f = adoption_forecast(
        weekly, start=start, population=1000, target_pct=85, target_date=dt.date(2026, 12, 31)
    )
    assert f.status == "on_track"
    expected_weeks = time_to_share(850 / 950, 0.03, 0.5)
    assert abs((f.reach_date - start).days - 7 * (expected_weeks - 1)) <= 7
    assert all(
        lo <= mid + 1e-6 and mid <= hi + 1e-6
        for lo, mid, hi in zip(f.low, f.expected, f.high, strict=True)
    )
    assert f.high[20] - f.low[20] < 10


def test_it_says_the_target_will_not_be_reached_when_the_curve_levels_off_below_it():
    weekly = closed_form_weekly(0.04, 0.5, 500, 20)  # levels off at 50% of 1,000
    f = adoption_forecast(
        weekly, start=dt.date(2026, 1, 4), population=1000, target_pct=85,
        target_date=dt.date(2026, 6, 30),
    )  # fmt: skip
    assert f.status == "unreachable"
    assert "will not be reached by 30 Jun 2026 at this pace" in f.message


def test_it_says_late_when_the_target_comes_after_the_target_date():
    weekly = closed_form_weekly(0.005, 0.2, 1000, 8)
    f = adoption_forecast(
        weekly, start=dt.date(2026, 1, 4), population=1000, target_pct=85,
        target_date=dt.date(2026, 3, 1),
    )  # fmt: skip
    assert f.status == "late" and f.reach_date > dt.date(2026, 3, 1)
    assert "will not be reached by 01 Mar 2026 at this pace" in f.message
