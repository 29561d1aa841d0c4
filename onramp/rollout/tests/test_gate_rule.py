"""The gate rule on worked examples, then gates evaluated and decided on live numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from onramp.core.metrics import Measurement
from onramp.rollout.models import GateDecision, GateEvaluation
from onramp.rollout.services import (
    criterion_add,
    gate_decide,
    gate_evaluate,
    gate_rule,
    milestone_create,
)
from onramp.rollout.services.gates import judge


def m(value, n=50, suppressed=False):
    return Measurement("x", value, n, "%", suppressed=suppressed)


def crit(
    value, comparator=">=", threshold=70, *, must_have=False, weight=1, min_n=None, measured=True
):
    return judge(
        metric_key="adoption.rate",
        comparator=comparator,
        threshold=threshold,
        measurement=m(value) if measured else None,
        must_have=must_have,
        weight=Decimal(str(weight)),
        min_n=min_n,
    )


def test_it_says_go_when_every_criterion_passes():
    outcome = gate_rule([crit(80, must_have=True), crit(75), crit(3, "<=", 5)], pass_share=0.8)
    assert outcome.result == "go"
    assert outcome.share == 1.0
    assert outcome.actions == []


def test_it_says_no_go_when_a_must_have_fails_even_if_the_share_is_high():
    outcome = gate_rule(
        [crit(60, must_have=True, weight=1), crit(90, weight=50), crit(90, weight=50)],
        pass_share=0.8,
    )
    assert outcome.result == "no_go"
    assert outcome.share > 0.98
    assert "Must-have missed" in outcome.actions[0]


def test_it_says_conditional_when_the_weighted_share_is_just_under_the_threshold():
    # 79 of 100 weight passed: 0.79 < 0.80.
    outcome = gate_rule([crit(80, weight=79), crit(10, weight=21)], pass_share=Decimal("0.80"))
    assert outcome.result == "conditional"
    assert outcome.share == pytest.approx(0.79)
    assert len(outcome.actions) == 1 and "adoption.rate >= 70" in outcome.actions[0]


def test_it_says_go_when_the_weighted_share_just_reaches_the_threshold():
    # 80 of 100 weight passed: exactly 0.80, computed in decimals so no float rounding bites.
    outcome = gate_rule([crit(80, weight=80), crit(10, weight=20)], pass_share=Decimal("0.80"))
    assert outcome.result == "go"
    outcome = gate_rule([crit(80, weight=81), crit(10, weight=19)], pass_share=Decimal("0.80"))
    assert outcome.result == "go"


def test_a_criterion_without_data_is_pending_and_never_a_pass():
    assert crit(None).result == "pending"
    assert crit(None).reason == "No data yet."
    assert crit(90, measured=False).reason == "Metric not available yet."
    hidden = judge(
        metric_key="survey.nps",
        comparator=">=",
        threshold=30,
        measurement=m(45, n=3, suppressed=True),
    )
    assert hidden.result == "pending" and hidden.value is None
    thin = crit(45, ">=", 30, min_n=30)
    assert thin.result == "pass"  # n = 50 here
    thin = judge(
        metric_key="survey.nps", comparator=">=", threshold=30, measurement=m(45, n=12), min_n=30
    )
    assert thin.result == "pending" and "below the minimum of 30" in thin.reason


def test_missing_data_makes_the_gate_pending_unless_it_cannot_change_the_result():
    # A must-have without data: pending.
    assert gate_rule([crit(None, must_have=True), crit(90)], pass_share=0.8).result == "pending"
    # Missing weighted data could still lift 2/4 to 3/4 ... or not: 0.75 < 0.8 either way.
    outcome = gate_rule([crit(90), crit(90), crit(10), crit(None)], pass_share=0.8)
    assert outcome.result == "conditional"
    # 3 of 4 passed, one missing: it could reach 1.0, so the missing number decides.
    outcome = gate_rule([crit(90), crit(90), crit(90), crit(None)], pass_share=0.8)
    assert outcome.result == "pending"
    assert outcome.share == 0.75
    # A failed must-have decides even with missing data.
    assert gate_rule([crit(10, must_have=True), crit(None)], pass_share=0.8).result == "no_go"
    # No criteria: nothing to decide on.
    assert gate_rule([], pass_share=0.8).result == "pending"


@pytest.mark.parametrize(
    ("value", "comparator", "threshold", "expected"),
    [
        (70, ">=", 70, "pass"),
        (70, ">", 70, "fail"),
        (70, "<=", 70, "pass"),
        (70, "<", 70, "fail"),
        (70, "==", 70.0, "pass"),
        (69.9, ">=", 70, "fail"),
        (0.1 + 0.2, "==", 0.3, "pass"),
    ],
)
def test_comparators_treat_the_threshold_itself_as_documented(
    value, comparator, threshold, expected
):
    assert crit(value, comparator, threshold).result == expected


def test_it_evaluates_a_gate_on_live_numbers_for_the_wave_scope_and_keeps_the_evidence(
    gate, pilot, owner, future_metric
):
    criterion_add(
        gate=gate,
        metric_key="rollout.target_population",
        comparator=">=",
        threshold=2,
        must_have=True,
    )
    criterion_add(gate=gate, metric_key="org.headcount", comparator=">=", threshold=5)
    criterion_add(gate=gate, metric_key=future_metric, comparator=">=", threshold=30, min_n=30)
    evaluation = gate_evaluate(gate=gate, by=owner, as_of=dt.date(2026, 2, 2))
    by_key = {c["metric_key"]: c for c in evaluation.snapshot}
    # Team A has two active people (a third left): the pilot's scope, not the organisation.
    assert by_key["rollout.target_population"]["value"] == 2.0
    assert by_key["rollout.target_population"]["n"] == 2
    assert by_key["org.headcount"]["value"] == 2.0
    assert by_key["org.headcount"]["result"] == "fail"
    assert by_key[future_metric]["result"] == "pending"
    assert by_key[future_metric]["reason"] == "Metric not available yet."
    # must-have passed; 1 of 3 weight passed, 1 pending: at most 2/3 < 0.8 -> conditional.
    assert evaluation.result == "conditional"
    assert evaluation.evaluated_by == owner
    assert evaluation.evaluated_at is not None
    assert "org.headcount >= 5" in evaluation.actions


def test_milestones_on_time_is_a_real_metric_a_gate_can_use(gate, rollout, pilot, owner):
    milestone_create(
        rollout=rollout,
        wave=pilot,
        name="Training ready",
        planned_date=dt.date(2026, 1, 5),
        actual_date=dt.date(2026, 1, 5),
    )
    milestone_create(
        rollout=rollout,
        name="Comms sent",
        planned_date=dt.date(2026, 1, 8),
        actual_date=dt.date(2026, 1, 12),
    )
    criterion_add(gate=gate, metric_key="rollout.milestones_on_time", comparator=">=", threshold=50)
    evaluation = gate_evaluate(gate=gate, by=owner, as_of=dt.date(2026, 2, 2))
    assert evaluation.snapshot[0]["value"] == 50.0
    assert evaluation.snapshot[0]["n"] == 2
    assert evaluation.result == "go"


def test_it_refuses_a_criterion_on_an_unknown_metric_but_accepts_a_planned_one(gate):
    with pytest.raises(ValidationError) as exc:
        criterion_add(gate=gate, metric_key="adoption.vibes", comparator=">=", threshold=1)
    assert "No metric is registered" in str(exc.value)
    c = criterion_add(gate=gate, metric_key="training.completion", comparator=">=", threshold=80)
    assert c.pk


def test_a_decision_needs_an_evaluation_that_supports_it(gate, owner):
    criterion_add(
        gate=gate, metric_key="org.headcount", comparator=">=", threshold=100, must_have=True
    )
    with pytest.raises(ValidationError, match="Evaluate the gate first"):
        gate_decide(gate=gate, decision="go", rationale="Looks fine.", by=owner)
    gate_evaluate(gate=gate, by=owner)
    with pytest.raises(ValidationError, match="does not support"):
        gate_decide(gate=gate, decision="go", rationale="Looks fine.", by=owner)
    with pytest.raises(ValidationError, match="rationale"):
        gate_decide(gate=gate, decision="no_go", rationale="  ", by=owner)
    decision = gate_decide(
        gate=gate, decision="no_go", rationale="Too few people reached.", by=owner
    )
    assert decision.evaluation.result == "no_go"


def test_a_recorded_decision_cannot_be_edited_and_new_ones_keep_the_history(gate, owner):
    criterion_add(gate=gate, metric_key="org.headcount", comparator=">=", threshold=1)
    gate_evaluate(gate=gate, by=owner)
    first = gate_decide(gate=gate, decision="postpone", rationale="Wait for the survey.", by=owner)
    first.rationale = "Rewritten history"
    with pytest.raises(IntegrityError), transaction.atomic():
        first.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        GateDecision.objects.filter(pk=first.pk).update(decision="go")
    with pytest.raises(IntegrityError), transaction.atomic():
        GateEvaluation.objects.update(result="go")
    gate_decide(gate=gate, decision="go", rationale="Survey in: go.", by=owner)
    assert [d.decision for d in gate.decisions.order_by("id")] == ["postpone", "go"]
    assert GateDecision.objects.get(pk=first.pk).rationale == "Wait for the survey."
