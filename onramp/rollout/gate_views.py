"""Gates: plan one, add criteria, evaluate on live numbers, record a decision."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from onramp.core.access import MANAGE, READ, access
from onramp.core.metrics import get_metric, is_registered
from onramp.rollout import selectors, services
from onramp.rollout.forms import CriterionForm, DecisionForm, GateForm
from onramp.rollout.models import Gate, GateCriterion
from onramp.rollout.services.gates import PLANNED_METRICS
from onramp.rollout.views import add_errors, rollout_crumbs, rollout_for


def _gate_for(request: HttpRequest, pk: int, *, edit: bool = False) -> Gate:
    gate = get_object_or_404(Gate.objects.select_related("rollout__service", "wave"), pk=pk)
    rollout_for(request, gate.rollout_id, edit=edit)
    return gate


def _errors_to_messages(request: HttpRequest, prefix: str, exc: ValidationError) -> None:
    messages.error(request, f"{prefix} {' '.join(exc.messages)}")


@access(MANAGE)
def gate_create(request: HttpRequest, pk: int) -> HttpResponse:
    rollout = rollout_for(request, pk, edit=True)
    wave = rollout.waves.order_by("order").first()
    form = GateForm(
        request.POST or None,
        rollout=rollout,
        initial={
            "wave": wave.pk if wave else None,
            "gate_date": wave.end_date if wave else None,
            "name": f"{wave.name} go/no-go" if wave else "Go/no-go",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            gate = services.gate_create(rollout=rollout, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Gate “{gate.name}” planned. Add its criteria now.")
            return redirect(gate)
    return render(
        request,
        "rollout/form.html",
        {
            "title": f"New gate of {rollout.name}",
            "crumbs": rollout_crumbs(rollout, ("New gate", None)),
            "form": form,
            "submit": "Plan gate",
            "cancel": rollout.get_absolute_url(),
            "empty_hint": None if wave else "Plan a wave first: a gate judges a wave's results.",
        },
    )


def _metric_label(key: str) -> str:
    if is_registered(key):
        return get_metric(key).label
    return PLANNED_METRICS.get(key, (key, ""))[0]


@access(READ)
def gate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    gate = _gate_for(request, pk)
    rollout = gate.rollout
    criteria = list(gate.criteria.all())
    evaluations = list(
        gate.evaluations.select_related("evaluated_by").order_by("-evaluated_at", "-id")[:20]
    )
    latest = evaluations[0] if evaluations else None
    can_edit = selectors.rollout_can_edit(request.user, rollout)
    return render(
        request,
        "rollout/gate_detail.html",
        {
            "title": gate.name,
            "crumbs": rollout_crumbs(rollout, (gate.name, None)),
            "gate": gate,
            "rollout": rollout,
            "status": selectors.gate_status(gate),
            "criteria": [
                {
                    "c": c,
                    "label": _metric_label(c.metric_key),
                    "available": is_registered(c.metric_key),
                }
                for c in criteria
            ],
            "latest": latest,
            "evaluations": evaluations,
            "decisions": list(selectors.gate_decisions(gate)),
            "can_edit": can_edit,
            "criterion_form": CriterionForm() if can_edit else None,
            "decision_form": DecisionForm() if can_edit else None,
            "pass_pct": int(gate.pass_share * 100),
        },
    )


@require_POST
@access(MANAGE)
def criterion_add(request: HttpRequest, pk: int) -> HttpResponse:
    gate = _gate_for(request, pk, edit=True)
    form = CriterionForm(request.POST)
    if form.is_valid():
        try:
            c = services.criterion_add(gate=gate, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_messages(request, "The criterion was not added:", exc)
        else:
            messages.success(request, f"Criterion “{c}” added.")
    else:
        messages.error(
            request,
            "The criterion was not added: "
            + "; ".join(
                f"{form.fields[f].label or f}: {' '.join(e)}" if f in form.fields else " ".join(e)
                for f, e in form.errors.items()
            ),
        )
    return redirect(gate)


@require_POST
@access(MANAGE)
def criterion_delete(request: HttpRequest, pk: int) -> HttpResponse:
    criterion = get_object_or_404(GateCriterion.objects.select_related("gate"), pk=pk)
    gate = _gate_for(request, criterion.gate_id, edit=True)
    services.criterion_delete(criterion=criterion)
    messages.success(request, f"Criterion “{criterion}” removed. Past evaluations keep it.")
    return redirect(gate)


@require_POST
@access(MANAGE)
def gate_evaluate(request: HttpRequest, pk: int) -> HttpResponse:
    gate = _gate_for(request, pk, edit=True)
    evaluation = services.gate_evaluate(gate=gate, by=request.user)
    messages.success(request, f"Evaluated: {evaluation.get_result_display()}.")
    return redirect(gate)


@require_POST
@access(MANAGE)
def gate_decide(request: HttpRequest, pk: int) -> HttpResponse:
    gate = _gate_for(request, pk, edit=True)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            d = services.gate_decide(gate=gate, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_messages(request, "The decision was not recorded:", exc)
        else:
            messages.success(request, f"Decision recorded: {d.get_decision_display()}.")
    else:
        messages.error(request, "The decision was not recorded: choose a decision and say why.")
    return redirect(gate)
