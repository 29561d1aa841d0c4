"""Worked examples from the published definitions (sources in DOMAIN.md)."""

from __future__ import annotations

import math

import pytest

from onramp.surveys.scoring import (
    adkar,
    adkar_barrier,
    ces,
    csat,
    fpc,
    nps,
    proportion_margin,
    sus,
    sus_score,
)


def test_nps_is_percent_promoters_minus_percent_detractors():
    # 10 answers: 9,10,10 promoters (3); 7,8 passives (2); 0,3,5,6,6 detractors (5) -> 30% - 50%.
    result = nps([9, 10, 10, 7, 8, 0, 3, 5, 6, 6])
    assert (result.n, result.promoters, result.passives, result.detractors) == (10, 3, 2, 5)
    assert result.score == pytest.approx(-20.0)
    assert result.thin is True


def test_nps_boundaries_six_is_a_detractor_seven_passive_nine_promoter():
    assert nps([6]).score == -100 and nps([7]).score == 0 and nps([9]).score == 100
    with pytest.raises(ValueError, match="0 to 10"):
        nps([11])


def test_nps_margin_of_error_with_and_without_finite_population_correction():
    # 100 answers: 50 promoters, 30 passives, 20 detractors -> NPS 30.
    scores = [10] * 50 + [8] * 30 + [2] * 20
    result = nps(scores)
    # variance = 0.5 + 0.2 - 0.3^2 = 0.61; SE = sqrt(0.61/100) = 0.0781 -> 7.81 points; x1.96.
    assert result.score == pytest.approx(30.0)
    assert result.margin == pytest.approx(1.96 * 7.8102, abs=0.01)
    assert not result.thin
    corrected = nps(scores, population=500)
    assert corrected.margin == pytest.approx(result.margin * math.sqrt(400 / 499), abs=1e-9)
    assert nps(scores, population=100).margin == 0.0  # a census has no sampling error


def test_proportion_margin_matches_the_textbook_example():
    # p = 0.5, n = 400: 1.96 * sqrt(0.25/400) = 0.049; with N = 1000: x sqrt(600/999) = 0.0380.
    assert proportion_margin(0.5, 400) == pytest.approx(0.049, abs=1e-4)
    assert proportion_margin(0.5, 400, 1000) == pytest.approx(0.0380, abs=1e-4)
    assert fpc(10, None) == 1.0


def test_csat_is_the_top_two_box_share_not_the_mean():
    result = csat([5, 4, 4, 3, 2, 1, 5, 5, 3, 4])
    assert result.top_pct == pytest.approx(60.0)
    assert result.mean == pytest.approx(3.6)
    with pytest.raises(ValueError):
        csat([6])


def test_ces_reports_the_mean_and_the_share_answering_five_to_seven():
    result = ces([7, 6, 5, 4, 3, 7, 2, 5])
    assert result.mean == pytest.approx(39 / 8)
    assert result.top_pct == pytest.approx(62.5)


@pytest.mark.parametrize(
    ("items", "score"),
    [
        ([4, 2, 4, 2, 4, 2, 4, 2, 4, 2], 75.0),  # odd 3x5=15, even 3x5=15 -> 30 x 2.5
        ([3] * 10, 50.0),
        ([5, 1] * 5, 100.0),
        ([1, 5] * 5, 0.0),
        ([5, 2, 4, 1, 4, 2, 5, 1, 4, 2], 85.0),  # (4+3+3+4+3) + (3+4+3+4+3) = 34 -> 85
    ],
)
def test_sus_scores_odd_items_r_minus_1_and_even_items_5_minus_r(items, score):
    assert sus_score(items) == score


def test_sus_needs_the_ten_items_and_averages_respondents():
    with pytest.raises(ValueError, match="ten"):
        sus_score([3] * 9)
    result = sus([[4, 2] * 5, [3] * 10])
    assert result.mean == pytest.approx(62.5)
    assert result.top_pct == pytest.approx(50.0)  # one of two at or above 68


def test_adkar_barrier_is_the_first_element_scoring_three_or_less():
    assert adkar_barrier([4, 4, 2, 3, 2]) == "knowledge"  # Prosci's example: K is the barrier
    assert adkar_barrier([3, 5, 5, 5, 5]) == "awareness"
    assert adkar_barrier([4, 5, 4, 4, 4]) is None


def test_adkar_group_view_gives_means_low_shares_and_barrier_distribution():
    result = adkar([[4, 4, 2, 3, 2], [5, 5, 5, 5, 5], [2, 4, 4, 4, 4]])
    assert result.barriers == {
        "awareness": 1,
        "desire": 0,
        "knowledge": 1,
        "ability": 0,
        "reinforcement": 0,
        "none": 1,
    }
    assert result.means["awareness"] == pytest.approx(11 / 3)
    assert result.low_pct["knowledge"] == pytest.approx(100 / 3)
