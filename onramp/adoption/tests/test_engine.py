"""The adoption rule's array functions against the rule as written, day by day: active on day d
when at least k days with a qualifying event fall in (d - W, d]."""

from __future__ import annotations

import numpy as np
import pytest

from onramp.adoption import engine


def _by_hand(days: dict[int, set[int]], n_days: int, k: int, w: int) -> dict[int, list[bool]]:
    return {
        a: [sum(1 for q in qs if d - w < q <= d) >= k for d in range(n_days)]
        for a, qs in days.items()
    }


def test_a_worked_example_of_two_active_days_in_a_week():
    # Adopter 0 qualifies on days 1, 5 and 20; adopter 1 on day 3 only; adopter 2 never.
    # With k=2, W=7: adopter 0 is active from day 5 (days 1 and 5) to day 7 (day 1 leaves the
    # window on day 8); adopter 1 never.
    days = engine.sorted_days(np.array([0, 0, 0, 1, 0]), np.array([1, 5, 20, 3, 5]), 3, 28)
    assert days.day.tolist() == [1, 5, 20, 3]  # distinct, by adopter then day
    assert engine.first_day(days).tolist() == [1, 3, -1]
    assert engine.last_day(days).tolist() == [20, 3, -1]
    assert engine.adopted_day(days, k=2, w=7).tolist() == [5, -1, -1]
    assert engine.active_on(days, np.array([4, 5, 7, 8, 27]), k=2, w=7).tolist() == [
        [False, True, True, False, False],
        [False] * 5,
        [False] * 5,
    ]
    # k=1, W=28: each is active from its first qualifying day for 28 days.
    assert engine.adopted_day(days, k=1, w=28).tolist() == [1, 3, -1]
    assert engine.active_on(days, np.array([0, 3, 27]), k=1, w=28).tolist() == [
        [False, True, True],
        [False, True, True],
        [False, False, False],
    ]


@pytest.mark.parametrize("seed", range(30))
def test_the_arrays_follow_the_rule_day_by_day(seed):
    rng = np.random.default_rng(seed)
    n, n_days = int(rng.integers(1, 12)), int(rng.integers(1, 80))
    k, w = int(rng.integers(1, 5)), int(rng.integers(1, 35))
    rows = int(rng.integers(0, 120))
    adopter, day = rng.integers(0, n, rows), rng.integers(0, n_days, rows)
    qualifying = {a: set() for a in range(n)}
    for a, d in zip(adopter.tolist(), day.tolist(), strict=True):
        qualifying[a].add(d)
    active = _by_hand(qualifying, n_days, k, w)
    days = engine.sorted_days(adopter, day, n, n_days)
    assert engine.first_day(days).tolist() == [min(qualifying[a], default=-1) for a in range(n)]
    assert engine.last_day(days).tolist() == [max(qualifying[a], default=-1) for a in range(n)]
    assert engine.adopted_day(days, k=k, w=w).tolist() == [
        active[a].index(True) if True in active[a] else -1 for a in range(n)
    ]
    ends = np.sort(rng.choice(n_days, size=min(n_days, 9), replace=False))
    assert engine.active_on(days, ends, k=k, w=w).tolist() == [
        [active[a][e] for e in ends.tolist()] for a in range(n)
    ]


@pytest.mark.parametrize(
    "ids",
    [[7, 3, 7, 1, 3], [5], [10**12, 3, 10**12], [-4, 2, -4]],
    ids=["row ids", "one", "far apart", "negative"],
)
def test_ranks_are_those_of_numpy_unique(ids):
    from onramp.adoption.services.rollup import _ranks

    values = np.array(ids, dtype=np.int64)
    distinct, position = _ranks(values)
    expected, inverse = np.unique(values, return_inverse=True)
    assert distinct.tolist() == expected.tolist() and position.tolist() == inverse.tolist()
