"""The adoption rule over arrays: one place that decides who is active on which day.

Active on day d <=> at least k days with a qualifying event in (d - W, d]. Everything here works
on dense (adopter x day) matrices of small integers, which for 50,000 adopters over a year is a
few tens of megabytes and a few hundred milliseconds.
"""

from __future__ import annotations

import numpy as np


def qualifying_matrix(
    adopter_idx: np.ndarray, day_idx: np.ndarray, n_adopters: int, n_days: int
) -> np.ndarray:
    """A bool matrix: adopter i had a qualifying event on day j."""
    m = np.zeros((n_adopters, n_days), dtype=bool)
    if len(adopter_idx):
        m[adopter_idx, day_idx] = True
    return m


def window_counts(q: np.ndarray, w: int) -> np.ndarray:
    """Per adopter and day d, the number of qualifying days in (d - w, d]."""
    # 16-bit counts when the span allows: half the memory traffic of the cumulative sums.
    dtype = np.int16 if q.shape[1] < np.iinfo(np.int16).max else np.int32
    cs = np.zeros((q.shape[0], q.shape[1] + 1), dtype=dtype)
    np.cumsum(q, axis=1, dtype=dtype, out=cs[:, 1:])
    lagged = np.zeros_like(cs[:, 1:])
    if q.shape[1] > w:
        lagged[:, w:] = cs[:, 1 : q.shape[1] - w + 1]
    return cs[:, 1:] - lagged


def active_matrix(q: np.ndarray, *, k: int, w: int) -> np.ndarray:
    """Active on each day under the rule (k qualifying days in the trailing W days)."""
    return window_counts(q, w) >= k


def first_true(m: np.ndarray) -> np.ndarray:
    """Per row, the index of the first True, or -1 when there is none."""
    if m.shape[1] == 0:
        return np.full(m.shape[0], -1)
    idx = m.argmax(axis=1)
    return np.where(m.any(axis=1), idx, -1)
