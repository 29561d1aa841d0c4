"""The scoring formulas of the standard instruments, as pure functions.

Each follows its published definition (see DOMAIN.md §2 and §5 for the sources):
- NPS (Reichheld): promoters 9-10, passives 7-8, detractors 0-6; NPS = %P - %D in -100..100.
- CSAT: share of 4 and 5 answers on a 1-5 scale (top-2-box), in %.
- CES 2.0: 1-7 agreement with "... made it easy"; the mean, and the % answering 5-7.
- SUS (Brooke 1996): ten 1-5 items; odd items score r-1, even items 5-r; SUS = 2.5 x sum (0-100).
- ADKAR (Prosci): five 1-5 scores; the barrier point is the first element scoring 3 or less.
- Margin of error with the finite population correction, since internal populations are small.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Z95 = 1.959963984540054


def fpc(n: int, population: int | None) -> float:
    """Finite population correction sqrt((N-n)/(N-1)); 1 when N is unknown or n > N."""
    if not population or population <= 1:
        return 1.0
    if n >= population:
        return 0.0  # everyone answered: no sampling error
    return math.sqrt((population - n) / (population - 1))


def proportion_margin(p: float, n: int, population: int | None = None, z: float = Z95) -> float:
    """Margin of error of a proportion p (0..1) from n answers, as a proportion."""
    if n <= 0:
        return math.nan
    return z * math.sqrt(p * (1 - p) / n) * fpc(n, population)


@dataclass(frozen=True)
class NpsResult:
    n: int
    promoters: int
    passives: int
    detractors: int
    score: float  # -100..100
    margin: float  # +/- points at 95%, finite population corrected
    thin: bool  # n < 30: too few answers to trust
    formula: str = "NPS = %promoters(9-10) - %detractors(0-6)"

    @property
    def promoter_pct(self) -> float:
        return 100 * self.promoters / self.n if self.n else math.nan

    @property
    def detractor_pct(self) -> float:
        return 100 * self.detractors / self.n if self.n else math.nan

    @property
    def passive_pct(self) -> float:
        return 100 * self.passives / self.n if self.n else math.nan


def nps_category(score: int) -> str:
    if not 0 <= score <= 10:
        raise ValueError(f"An NPS answer is 0 to 10, not {score}.")
    return "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"


def nps(scores: Iterable[int], population: int | None = None, z: float = Z95) -> NpsResult:
    counts = Counter(nps_category(s) for s in scores)
    n = sum(counts.values())
    p, d = counts["promoter"], counts["detractor"]
    if n == 0:
        return NpsResult(0, 0, 0, 0, math.nan, math.nan, True)
    pp, pd = p / n, d / n
    # Each answer scores +1, 0 or -1; NPS/100 is their mean, whose variance is pP + pD - (pP - pD)^2.
    variance = pp + pd - (pp - pd) ** 2
    margin = 100 * z * math.sqrt(variance / n) * fpc(n, population)
    return NpsResult(n, p, counts["passive"], d, 100 * (pp - pd), margin, n < 30)


@dataclass(frozen=True)
class ScaleResult:
    n: int
    mean: float
    top_pct: float  # share at or above the "top" cut, in %
    formula: str


def _check_range(values: Sequence[int], low: int, high: int, name: str) -> None:
    for v in values:
        if not low <= v <= high:
            raise ValueError(f"A {name} answer is {low} to {high}, not {v}.")


def csat(scores: Iterable[int]) -> ScaleResult:
    values = list(scores)
    _check_range(values, 1, 5, "CSAT")
    n = len(values)
    if not n:
        return ScaleResult(0, math.nan, math.nan, "CSAT = % answering 4 or 5 on 1-5")
    top = sum(1 for v in values if v >= 4)
    return ScaleResult(n, sum(values) / n, 100 * top / n, "CSAT = % answering 4 or 5 on 1-5")


def ces(scores: Iterable[int]) -> ScaleResult:
    values = list(scores)
    _check_range(values, 1, 7, "CES")
    n = len(values)
    formula = "CES 2.0 = mean of 1-7 agreement; top = % answering 5-7"
    if not n:
        return ScaleResult(0, math.nan, math.nan, formula)
    top = sum(1 for v in values if v >= 5)
    return ScaleResult(n, sum(values) / n, 100 * top / n, formula)


def sus_score(items: Sequence[int]) -> float:
    """One respondent's SUS score from the ten item answers, in questionnaire order."""
    if len(items) != 10:
        raise ValueError(f"SUS needs the ten item answers, got {len(items)}.")
    _check_range(items, 1, 5, "SUS item")
    odd = sum(items[i] - 1 for i in range(0, 10, 2))
    even = sum(5 - items[i] for i in range(1, 10, 2))
    return 2.5 * (odd + even)


def sus(respondents: Iterable[Sequence[int]]) -> ScaleResult:
    scores = [sus_score(items) for items in respondents]
    n = len(scores)
    formula = "SUS = 2.5 x (sum(odd - 1) + sum(5 - even)); 68 is average"
    if not n:
        return ScaleResult(0, math.nan, math.nan, formula)
    above = sum(1 for s in scores if s >= 68)
    return ScaleResult(n, sum(scores) / n, 100 * above / n, formula)


ADKAR_ELEMENTS = ("awareness", "desire", "knowledge", "ability", "reinforcement")


def adkar_barrier(scores: Sequence[int], cut: int = 3) -> str | None:
    """The first ADKAR element scoring `cut` or less, in A-D-K-A-R order; None when there is none."""
    if len(scores) != 5:
        raise ValueError(f"ADKAR needs five scores, got {len(scores)}.")
    _check_range(scores, 1, 5, "ADKAR")
    for element, score in zip(ADKAR_ELEMENTS, scores, strict=True):
        if score <= cut:
            return element
    return None


@dataclass(frozen=True)
class AdkarResult:
    n: int
    means: dict[str, float]
    low_pct: dict[str, float]  # % scoring 3 or less, per element
    barriers: dict[str, int]  # barrier point -> respondents; "none" for no barrier


def adkar(respondents: Iterable[Sequence[int]]) -> AdkarResult:
    rows = [list(r) for r in respondents]
    n = len(rows)
    barriers: Counter[str] = Counter(adkar_barrier(r) or "none" for r in rows)
    if not n:
        return AdkarResult(0, {}, {}, {})
    means = {e: sum(r[i] for r in rows) / n for i, e in enumerate(ADKAR_ELEMENTS)}
    low = {e: 100 * sum(1 for r in rows if r[i] <= 3) / n for i, e in enumerate(ADKAR_ELEMENTS)}
    return AdkarResult(n, means, low, {k: barriers.get(k, 0) for k in (*ADKAR_ELEMENTS, "none")})
