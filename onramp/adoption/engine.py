"""The adoption rule over arrays: one place that decides who is active on which day.

Active on day d <=> at least k days with a qualifying event in (d - W, d]. Equivalently: the
adopter's k-th latest qualifying day on or before d is later than d - W. Everything here works
on each adopter's distinct days, sorted (`Days`), and answers for the days asked (the week
ends of a year, not all 365 of them): for 50,000 adopters and a million days of activity, a
few NumPy passes over the million, instead of several over a 50,000 x 365 matrix (a third of
the time).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Days:
    """Distinct (adopter, day) pairs sorted by adopter, then day. Adopters are 0..n-1 and days
    0..n_days-1; `start[a]:start[a + 1]` are adopter a's pairs."""

    adopter: np.ndarray
    day: np.ndarray
    start: np.ndarray


def sorted_days(adopter_idx: np.ndarray, day_idx: np.ndarray, n_adopters: int, n_days: int) -> Days:
    keys = np.sort(adopter_idx.astype(np.int64) * n_days + day_idx)
    if len(keys):  # distinct (np.unique hashes: twenty times slower on a million integers)
        keys = keys[np.concatenate(([True], keys[1:] != keys[:-1]))]
    adopter, day = np.divmod(keys, n_days)
    return Days(adopter, day, np.searchsorted(adopter, np.arange(n_adopters + 1)))


def first_day(days: Days) -> np.ndarray:
    """Per adopter, its first day, or -1 when it has none."""
    return _at(days, days.start[:-1])


def last_day(days: Days) -> np.ndarray:
    """Per adopter, its last day, or -1 when it has none."""
    return _at(days, days.start[1:] - 1)


def _at(days: Days, index: np.ndarray) -> np.ndarray:
    has = days.start[1:] > days.start[:-1]
    if not has.any():
        return np.full(len(has), -1, dtype=np.int64)
    return np.where(has, days.day[np.clip(index, 0, len(days.day) - 1)], -1)


def adopted_day(days: Days, *, k: int, w: int) -> np.ndarray:
    """Per adopter, the first day it is active under the rule, or -1: the first qualifying day
    whose window of W days holds k of them (activity only ever starts on a qualifying day)."""
    out = np.full(len(days.start) - 1, -1, dtype=np.int64)
    later = np.arange(k - 1, len(days.day))
    earlier = later - (k - 1)
    hits = later[
        (days.adopter[later] == days.adopter[earlier]) & (days.day[later] - days.day[earlier] < w)
    ]
    adopters, first = np.unique(days.adopter[hits], return_index=True)
    out[adopters] = days.day[hits[first]]
    return out


def active_on(days: Days, ends: np.ndarray, *, k: int, w: int) -> np.ndarray:
    """A bool matrix (adopter x len(ends)): active under the rule on each of the days `ends`
    (increasing). Each adopter's days up to each end are counted from a histogram of the
    ends' intervals; the k-th latest of them is then one look-up."""
    n, m = len(days.start) - 1, len(ends)
    if not len(days.day) or not m:
        return np.zeros((n, m), dtype=bool)
    bucket = np.searchsorted(ends, days.day)  # the first end on or after each day
    histogram = np.bincount(days.adopter * (m + 1) + bucket, minlength=n * (m + 1))
    upto = np.cumsum(histogram.reshape(n, m + 1)[:, :m], axis=1)  # days <= each end
    kth = days.start[:-1, None] + upto - k
    counted = upto >= k
    return counted & (days.day[np.where(counted, kth, 0)] > ends - w)
