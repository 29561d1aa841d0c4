from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from onramp.surveys.privacy import suppress_siblings


def test_groups_of_five_or_more_are_shown_when_no_sibling_is_small():
    cells = suppress_siblings({"a": 5, "b": 12, "c": 30})
    assert not any(c.suppressed for c in cells.values())


def test_a_small_group_hides_the_next_smallest_so_it_cannot_be_found_by_subtraction():
    cells = suppress_siblings({"small": 3, "mid": 6, "big": 40})
    assert cells["small"].suppressed and cells["small"].reason == "small"
    assert cells["mid"].suppressed and cells["mid"].reason == "complement"
    assert not cells["big"].suppressed


def test_a_parent_under_the_threshold_hides_every_child():
    cells = suppress_siblings({"a": 2, "b": 2})
    assert all(c.suppressed and c.reason == "parent" for c in cells.values())


def test_hidden_groups_are_joined_until_they_hold_k_answers_together():
    # 1 + 2 = 3 < 5: the next smallest (6) joins them.
    cells = suppress_siblings({"a": 1, "b": 2, "c": 6, "d": 20})
    assert [k for k, c in cells.items() if c.suppressed] == ["a", "b", "c"]


@given(
    st.dictionaries(st.text(min_size=1, max_size=3), st.integers(0, 40), min_size=1, max_size=8),
    st.integers(2, 10),
)
def test_no_group_under_k_can_be_read_directly_or_by_differencing(counts, k):
    cells = suppress_siblings(counts, k)
    total = sum(counts.values())
    shown = {key: c.n for key, c in cells.items() if not c.suppressed}
    hidden = {key: c.n for key, c in cells.items() if c.suppressed}
    # Directly: every shown cell holds at least k answers.
    assert all(n >= k for n in shown.values())
    # By differencing the shown parent total: the hidden remainder is empty or holds >= k answers,
    # and never a single group on its own.
    if hidden and total >= k:
        assert sum(hidden.values()) >= k or not shown
        assert len(hidden) >= 2 or not shown
