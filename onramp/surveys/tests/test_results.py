"""Results, breakdowns, exports and metrics never reveal a group under the threshold."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onramp.core.metrics import Scope, measure
from onramp.surveys.models import Answer, Response
from onramp.surveys.selectors import breakdown, survey_results
from onramp.surveys.services import response_submit

from .conftest import TODAY, answers_for


def _answer_all(survey, invite, people, scores):
    tokens = invite(survey, people)
    for person, (nps, csat) in zip(people, scores, strict=True):
        response_submit(
            raw_token=tokens[person.employee_id],
            answers=answers_for(survey, nps=nps, csat=csat),
            today=TODAY,
        )


def test_results_are_hidden_until_the_minimum_group_has_answered(big_org, make_survey, invite):
    survey = make_survey()
    s1 = [p for p in big_org["people"].values() if p.unit_id == big_org["s1"].pk]
    _answer_all(survey, invite, s1[:4], [(10, 5)] * 4)
    results = survey_results(survey)
    assert results.suppressed
    assert all(f.value is None and f.suppressed for f in results.figures)
    _answer_all(survey, invite, s1[4:5], [(0, 1)])
    results = survey_results(survey)
    nps = next(f for f in results.figures if f.key == "nps")
    assert not results.suppressed
    assert (nps.n, nps.value) == (5, pytest.approx(60.0))  # 4 promoters, 1 detractor of 5
    assert nps.detail["thin"] is True


def test_a_small_unit_is_hidden_with_its_next_smallest_sibling(big_org, make_survey, invite):
    survey = make_survey(anonymity="identified")
    people = list(big_org["people"].values())
    _answer_all(survey, invite, people, [(9, 4)] * len(people))
    rows = {r.label: r for r in breakdown([survey.pk], by="unit", k=5, level=2)}
    # Teams: N1 has 8, N2 has 3, S1 has 12. N2 is small, N1 the next smallest: both hidden.
    assert rows["Team N2"].figures["nps"].suppressed
    assert rows["Team N1"].figures["nps"].suppressed
    assert not rows["Team S1"].figures["nps"].suppressed
    assert rows["Team S1"].figures["nps"].value == pytest.approx(100.0)  # 9 is a promoter


def _visible_cells(rows, key):
    shown = {
        r.label: r.figures[key].n
        for r in rows
        if key in r.figures and not r.figures[key].suppressed
    }
    hidden = {
        r.label: r.figures[key].n for r in rows if key in r.figures and r.figures[key].suppressed
    }
    return shown, hidden


def _export_cells(survey, client):
    response = client.get(f"/surveys/{survey.pk}/results.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book["By unit"]
    return [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]


@settings(max_examples=12, suppress_health_check=list(__import__("hypothesis").HealthCheck))
@given(
    n1=st.integers(0, 8),
    n2=st.integers(0, 3),
    s1=st.integers(0, 12),
    scores=st.lists(st.integers(0, 10), min_size=23, max_size=23),
)
def test_no_breakdown_export_or_metric_reveals_a_group_under_the_threshold(
    big_org, make_survey, invite, client_for, admin_user, n1, n2, s1, scores
):
    from django.db import transaction

    k = 5
    with transaction.atomic():
        survey = make_survey(anonymity="identified", title="Prop")
        by_unit = {
            u: [p for p in big_org["people"].values() if p.unit_id == big_org[u].pk]
            for u in ("n1", "n2", "s1")
        }
        chosen = by_unit["n1"][:n1] + by_unit["n2"][:n2] + by_unit["s1"][:s1]
        if chosen:
            _answer_all(survey, invite, chosen, [(sc, 3) for sc in scores[: len(chosen)]])
        total = len(chosen)
        for level in (1, 2):
            rows = breakdown([survey.pk], by="unit", k=k, level=level)
            shown, hidden = _visible_cells(rows, "nps") if rows else ({}, {})
            # No shown cell holds fewer than k answers.
            assert all(n >= k for n in shown.values())
            # Total minus the shown cells never isolates fewer than k answers (unless nothing shows).
            if shown and hidden:
                assert sum(hidden.values()) >= k and len(hidden) >= 2
            if total < k:
                assert not shown
        # The export applies the same rule: every numeric NPS cell comes from a shown group.
        rows = {r.label: r for r in breakdown([survey.pk], by="unit", k=k, level=1)}
        for label, _n, *values in _export_cells(survey, client_for(admin_user)):
            if (
                label in rows
                and "nps" in rows[label].figures
                and rows[label].figures["nps"].suppressed
            ):
                assert values[0] == "suppressed"
        # The metric is suppressed below k and shows n.
        m = measure("survey.nps", Scope(service=survey.service, as_of=TODAY))
        assert m.n == total
        assert m.suppressed == (total < k) and (m.value is None) == (total < k)
        transaction.set_rollback(True)


def test_the_nps_metric_serves_a_gate_with_n_and_honours_units(big_org, make_survey, invite):
    survey = make_survey()
    s1 = [p for p in big_org["people"].values() if p.unit_id == big_org["s1"].pk]
    _answer_all(survey, invite, s1, [(10, 5)] * 9 + [(5, 2)] * 3)  # 9 promoters, 3 detractors of 12
    scope = Scope(service=survey.service, as_of=TODAY)
    m = measure("survey.nps", scope)
    assert (m.value, m.n, m.suppressed) == (50.0, 12, False)
    assert m.detail["formula"].startswith("NPS")
    north = measure(
        "survey.nps",
        Scope(service=survey.service, units=frozenset({big_org["north"].pk}), as_of=TODAY),
    )
    assert (north.n, north.value, north.suppressed) == (0, None, True)
    later = measure("survey.nps", scope.at(TODAY + dt.timedelta(days=120)))
    assert later.n == 0  # outside the 90-day window
    csat = measure("survey.csat", scope)
    assert csat.value == 75.0
    rate = measure("survey.response_rate", scope)
    assert (rate.value, rate.n) == (100.0, 12)


def test_comments_need_the_larger_group(big_org, service, invite):
    from onramp.surveys.services import survey_create

    survey = survey_create(
        service=service, title="Why", instruments=["nps"], opens_on=TODAY, closes_on=TODAY
    )
    nps_q, why_q = survey.questions.all()
    people = [p for p in big_org["people"].values() if p.unit_id == big_org["s1"].pk]
    tokens = invite(survey, people[:7])
    for p in people[:7]:
        response_submit(
            raw_token=tokens[p.employee_id],
            answers={f"q{nps_q.pk}": "8", f"q{why_q.pk}": f"Because {p.pk}"},
            today=TODAY,
        )
    entry = next(q for q in survey_results(survey).questions if q["question"].pk == why_q.pk)
    assert entry["suppressed"] and "comments" not in entry
    tokens = invite(survey, people[7:8])
    response_submit(
        raw_token=tokens[people[7].employee_id], answers={f"q{nps_q.pk}": "8"}, today=TODAY
    )
    entry = next(q for q in survey_results(survey).questions if q["question"].pk == why_q.pk)
    assert not entry["suppressed"] and len(entry["comments"]) == 7
    assert Response.objects.filter(survey=survey).count() == 8
    assert Answer.objects.filter(question=why_q).count() == 7
