"""Anonymity rules applied to every survey figure, chart, export and API answer.

A cell (a group of respondents) is shown only when it holds at least `k` answers (default 5; a
higher `k` for free-text comments, default 8). Differencing: when a parent total is shown, hiding
one small child is not enough, because parent minus the shown children gives it back. So, among
siblings, hidden children are joined by the next smallest ones until the hidden ones together hold
at least `k` answers (or every child is hidden). A parent under `k` hides all its children too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_MIN_GROUP = 5
DEFAULT_MIN_COMMENTS = 8


@dataclass(frozen=True)
class Cell:
    key: str
    n: int
    suppressed: bool
    reason: str = ""  # "small" (n < k), "complement" (hidden to protect a small sibling), "parent"


def suppress_siblings(counts: Mapping[str, int], k: int = DEFAULT_MIN_GROUP) -> dict[str, Cell]:
    """Decide which sibling groups (key -> respondents) are hidden under a shown parent whose total
    is the sum of the siblings."""
    total = sum(counts.values())
    if total < k:
        return {key: Cell(key, n, True, "parent") for key, n in counts.items()}
    cells = {key: Cell(key, n, n < k, "small" if n < k else "") for key, n in counts.items()}
    hidden = [c for c in cells.values() if c.suppressed]
    if hidden:
        hidden_n = sum(c.n for c in hidden)
        # Shown siblings from the smallest up, ties broken by key for a stable answer.
        shown = sorted((c for c in cells.values() if not c.suppressed), key=lambda c: (c.n, c.key))
        while shown and (hidden_n < k or len(hidden) == 1):
            nxt = shown.pop(0)
            cells[nxt.key] = Cell(nxt.key, nxt.n, True, "complement")
            hidden.append(cells[nxt.key])
            hidden_n += nxt.n
    return cells


def is_shown(n: int, k: int = DEFAULT_MIN_GROUP) -> bool:
    return n >= k
