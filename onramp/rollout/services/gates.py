"""Go/no-go gates: criteria on registered metrics, evaluations kept with their evidence, and
decisions that are never edited.

The rule, applied to the criteria of a gate measured over its wave's scope:
1. A criterion passes or fails by its comparator; it is PENDING when the metric is not available
   yet, has no value, is suppressed (anonymity) or has fewer data points than its minimum n.
   PENDING is never a pass.
2. Any failed must-have: NO-GO.
3. Else any pending must-have: PENDING.
4. Else share = weight of passed criteria / weight of all criteria (must-haves included).
   share >= the gate's pass share (default 0.8): GO. If the pending criteria could not lift the
   share to the threshold even if they all passed: CONDITIONAL, with an action per failed
   criterion. Otherwise PENDING: the missing data decides.
A gate without criteria is PENDING.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from onramp.core.metrics import Measurement, Scope, all_metrics, is_registered, measure
from onramp.rollout.models import (
    Comparator,
    Decision,
    Gate,
    GateCriterion,
    GateDecision,
    GateEvaluation,
    GateResult,
    Rollout,
    Wave,
)

# Metrics that later parts of Onramp will register. A criterion may use them today: it evaluates
# as PENDING ("metric not available yet") until the metric is registered, then counts.
PLANNED_METRICS: dict[str, tuple[str, str]] = {
    "adoption.rate": ("Adoption rate", "%"),
    "adoption.active_users": ("Active users", "people"),
    "adoption.stickiness": ("Stickiness (WAU/MAU)", "%"),
    "survey.nps": ("Net Promoter Score", "score"),
    "survey.csat": ("CSAT", "%"),
    "survey.ces": ("Customer Effort Score", "score"),
    "survey.sus": ("System Usability Scale", "score"),
    "training.completion": ("Training completion", "%"),
    "champions.coverage": ("Champion coverage", "%"),
    "comms.reach": ("Communication reach", "%"),
    "feedback.open_critical": ("Open critical feedback items", "items"),
}
PLANNED_PREFIXES = ("adoption.", "survey.", "training.", "champions.", "comms.", "feedback.")


def metric_choices() -> list[tuple[str, str]]:
    """Registered metrics, then the planned ones not registered yet (marked as such)."""
    out = [(m.key, f"{m.label} ({m.key}, {m.unit})") for m in all_metrics()]
    for key, (label, unit) in sorted(PLANNED_METRICS.items()):
        if not is_registered(key):
            out.append((key, f"{label} ({key}, {unit}) – not available yet"))
    return out


def _check_key(key: str) -> None:
    if is_registered(key) or key in PLANNED_METRICS:
        return
    raise ValidationError(
        {
            "metric_key": f"No metric is registered under “{key}”. Pick one from the list; "
            f"planned keys ({', '.join(PLANNED_PREFIXES)}) may be chosen before they land."
        }
    )


# --- the rule ---------------------------------------------------------------------------------

PASS, FAIL, PENDING = "pass", "fail", "pending"


@dataclass(frozen=True)
class CriterionOutcome:
    criterion_id: int | None
    metric_key: str
    comparator: str
    threshold: float
    must_have: bool
    weight: Decimal
    min_n: int | None
    value: float | None
    n: int
    unit: str
    suppressed: bool
    result: str  # pass, fail, pending
    reason: str

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["weight"] = str(self.weight)
        return data

    @property
    def text(self) -> str:
        return f"{self.metric_key} {self.comparator} {self.threshold:g}"


@dataclass(frozen=True)
class GateOutcome:
    result: str
    share: float | None
    actions: list[str]
    criteria: list[CriterionOutcome]


def compare(value: float, comparator: str, threshold: float) -> bool:
    if comparator == Comparator.GTE:
        return value >= threshold or math.isclose(value, threshold, abs_tol=1e-9)
    if comparator == Comparator.GT:
        return value > threshold and not math.isclose(value, threshold, abs_tol=1e-9)
    if comparator == Comparator.LTE:
        return value <= threshold or math.isclose(value, threshold, abs_tol=1e-9)
    if comparator == Comparator.LT:
        return value < threshold and not math.isclose(value, threshold, abs_tol=1e-9)
    if comparator == Comparator.EQ:
        return math.isclose(value, threshold, rel_tol=1e-9, abs_tol=1e-9)
    raise ValueError(f"Unknown comparator {comparator!r}")


def judge(
    *,
    metric_key: str,
    comparator: str,
    threshold: float,
    measurement: Measurement | None,
    must_have: bool = False,
    weight: Decimal | float = Decimal("1"),
    min_n: int | None = None,
    criterion_id: int | None = None,
) -> CriterionOutcome:
    """One criterion against one measurement (None: the metric is not registered yet)."""
    m = measurement
    common = dict(
        criterion_id=criterion_id,
        metric_key=metric_key,
        comparator=comparator,
        threshold=float(threshold),
        must_have=must_have,
        weight=Decimal(str(weight)),
        min_n=min_n,
        value=m.value if m and not m.suppressed else None,
        n=m.n if m else 0,
        unit=m.unit if m else PLANNED_METRICS.get(metric_key, ("", ""))[1],
        suppressed=bool(m and m.suppressed),
    )
    if m is None:
        return CriterionOutcome(**common, result=PENDING, reason="Metric not available yet.")
    if m.suppressed:
        return CriterionOutcome(
            **common, result=PENDING, reason="Hidden by the anonymity threshold: too few answers."
        )
    if m.value is None:
        return CriterionOutcome(**common, result=PENDING, reason="No data yet.")
    if min_n and m.n < min_n:
        return CriterionOutcome(
            **common, result=PENDING, reason=f"n = {m.n} is below the minimum of {min_n}."
        )
    ok = compare(m.value, comparator, float(threshold))
    return CriterionOutcome(
        **common,
        result=PASS if ok else FAIL,
        reason=f"{m.value:g} {'meets' if ok else 'misses'} the target "
        f"{_SIGNS.get(comparator, comparator)} {float(threshold):g}.",
    )


_SIGNS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}


def gate_rule(outcomes: list[CriterionOutcome], *, pass_share: Decimal | float) -> GateOutcome:
    """Combine criterion outcomes into GO / CONDITIONAL / NO-GO / PENDING (see module docstring)."""
    threshold = Decimal(str(pass_share))
    if not outcomes:
        return GateOutcome(GateResult.PENDING, None, ["Add criteria to this gate."], outcomes)
    must = [o for o in outcomes if o.must_have]
    if any(o.result == FAIL for o in must):
        actions = [f"Must-have missed: {o.text} ({o.reason})" for o in must if o.result == FAIL]
        return GateOutcome(GateResult.NO_GO, _share(outcomes), actions, outcomes)
    if any(o.result == PENDING for o in must):
        actions = [f"Get data for {o.text}: {o.reason}" for o in must if o.result == PENDING]
        return GateOutcome(GateResult.PENDING, _share(outcomes), actions, outcomes)
    total = sum((o.weight for o in outcomes), Decimal(0))
    if total == 0:
        return GateOutcome(GateResult.GO, 1.0, [], outcomes)
    passed = sum((o.weight for o in outcomes if o.result == PASS), Decimal(0))
    pending = sum((o.weight for o in outcomes if o.result == PENDING), Decimal(0))
    share = passed / total
    if share >= threshold:
        return GateOutcome(GateResult.GO, float(share), [], outcomes)
    if (passed + pending) / total < threshold:
        actions = [f"Bring {o.text} on track ({o.reason})" for o in outcomes if o.result == FAIL]
        actions += [f"Get data for {o.text}" for o in outcomes if o.result == PENDING]
        return GateOutcome(GateResult.CONDITIONAL, float(share), actions, outcomes)
    actions = [f"Get data for {o.text}: {o.reason}" for o in outcomes if o.result == PENDING]
    return GateOutcome(GateResult.PENDING, float(share), actions, outcomes)


def _share(outcomes: list[CriterionOutcome]) -> float | None:
    total = sum((o.weight for o in outcomes), Decimal(0))
    if total == 0:
        return None
    return float(sum((o.weight for o in outcomes if o.result == PASS), Decimal(0)) / total)


# --- writes -------------------------------------------------------------------------------------


@transaction.atomic
def gate_create(
    *,
    rollout: Rollout,
    wave: Wave,
    name: str,
    gate_date: dt.date,
    pass_share: Decimal | float = Decimal("0.80"),
) -> Gate:
    if wave.rollout_id != rollout.pk:
        raise ValidationError({"wave": f"“{wave}” belongs to another rollout."})
    gate = Gate(
        rollout=rollout,
        wave=wave,
        name=name.strip(),
        gate_date=gate_date,
        pass_share=Decimal(str(pass_share)),
    )
    gate.full_clean()
    gate.save()
    return gate


@transaction.atomic
def criterion_add(
    *,
    gate: Gate,
    metric_key: str,
    comparator: str,
    threshold: float,
    must_have: bool = False,
    weight: Decimal | float = Decimal("1"),
    min_n: int | None = None,
) -> GateCriterion:
    metric_key = metric_key.strip()
    _check_key(metric_key)
    criterion = GateCriterion(
        gate=gate,
        metric_key=metric_key,
        comparator=comparator,
        threshold=threshold,
        must_have=must_have,
        weight=Decimal(str(weight)),
        min_n=min_n or None,
    )
    criterion.full_clean()
    criterion.save()
    return criterion


def criterion_delete(*, criterion: GateCriterion) -> None:
    # Past evaluations keep their own copy of each criterion, so removing one loses no history.
    criterion.delete()


def wave_scope(gate: Gate, as_of: dt.date) -> Scope:
    wave = gate.wave
    return Scope(
        service=gate.rollout.service,
        rollout=gate.rollout,
        wave=wave,
        units=frozenset(wave.units.values_list("id", flat=True)),
        as_of=as_of,
    )


def gate_outcome(gate: Gate, *, as_of: dt.date) -> GateOutcome:
    scope = wave_scope(gate, as_of)
    outcomes = []
    for c in gate.criteria.all():
        m = measure(c.metric_key, scope) if is_registered(c.metric_key) else None
        outcomes.append(
            judge(
                metric_key=c.metric_key,
                comparator=c.comparator,
                threshold=c.threshold,
                measurement=m,
                must_have=c.must_have,
                weight=c.weight,
                min_n=c.min_n,
                criterion_id=c.pk,
            )
        )
    return gate_rule(outcomes, pass_share=gate.pass_share)


@transaction.atomic
def gate_evaluate(*, gate: Gate, by: Any = None, as_of: dt.date | None = None) -> GateEvaluation:
    """Measure every criterion for the wave's scope and keep the result with its evidence."""
    as_of = as_of or timezone.localdate()
    outcome = gate_outcome(gate, as_of=as_of)
    return GateEvaluation.objects.create(
        gate=gate,
        as_of=as_of,
        evaluated_by=by,
        result=outcome.result,
        share=outcome.share,
        snapshot=[o.as_json() for o in outcome.criteria],
        actions="\n".join(outcome.actions),
    )


# Which decisions an evaluation result supports. NO-GO and postponing are always open.
ALLOWED_DECISIONS = {
    GateResult.GO: {Decision.GO, Decision.CONDITIONAL, Decision.NO_GO, Decision.POSTPONE},
    GateResult.CONDITIONAL: {Decision.CONDITIONAL, Decision.NO_GO, Decision.POSTPONE},
    GateResult.NO_GO: {Decision.NO_GO, Decision.POSTPONE},
    GateResult.PENDING: {Decision.NO_GO, Decision.POSTPONE},
}


@transaction.atomic
def gate_decide(*, gate: Gate, decision: str, rationale: str, by: Any) -> GateDecision:
    """Record a decision on the latest evaluation. Decisions are only ever added: the previous
    ones stay as history (and the database refuses to update them)."""
    rationale = rationale.strip()
    if not rationale:
        raise ValidationError({"rationale": "Say why: a decision needs its rationale."})
    if decision not in Decision.values:
        raise ValidationError(
            {"decision": f"“{decision}” is not a decision: use {', '.join(Decision.values)}."}
        )
    evaluation = gate.evaluations.order_by("-evaluated_at", "-id").first()
    if evaluation is None:
        raise ValidationError(
            {"decision": "Evaluate the gate first: a decision rests on measured numbers."}
        )
    if decision not in ALLOWED_DECISIONS[GateResult(evaluation.result)]:
        raise ValidationError(
            {
                "decision": f"The latest evaluation says {evaluation.get_result_display()}, "
                f"which does not support “{Decision(decision).label}”. Evaluate again when the "
                "numbers have moved, or record no-go or postpone."
            }
        )
    record = GateDecision(
        gate=gate, evaluation=evaluation, decision=decision, rationale=rationale, decided_by=by
    )
    record.full_clean()
    record.save()
    return record
