"""Survey metrics, all through the anonymity rules: a value is None and `suppressed` true when
fewer than the minimum group size answered."""

from __future__ import annotations

from django.db.models import Max

from onramp.core.metrics import Measurement, Scope, register
from onramp.surveys import scoring
from onramp.surveys.privacy import DEFAULT_MIN_GROUP
from onramp.surveys.selectors import collect, figure, scope_responses

WINDOW = 90
_WINDOW_TEXT = (
    f"Responses from the last {WINDOW} days up to the scope's date, in the scope's units."
)


def _k(scope_qs) -> int:
    return scope_qs.aggregate(k=Max("survey__min_group"))["k"] or DEFAULT_MIN_GROUP


def _instrument_metric(key: str, scope: Scope) -> Measurement:
    qs = scope_responses(scope, window_days=WINDOW)
    ids = list(qs.values_list("id", flat=True))
    c = collect(ids)
    f = figure(c, key, k=_k(qs))
    value = None if f.value is None else round(float(f.value), 2)
    detail = {**f.detail, "formula": f.formula, "scale": f.scale, "window_days": WINDOW}
    return Measurement(f"survey.{key}", value, f.n, f.unit, f.suppressed, detail)


INSTRUMENT_METRICS = (
    (
        "nps",
        "Net Promoter Score",
        "score",
        "NPS = % promoters (9-10) - % detractors (0-6), -100 to 100.",
    ),
    ("csat", "CSAT", "%", "% answering 4 or 5 on the 1-5 satisfaction question."),
    (
        "ces",
        "Customer effort (CES)",
        "mean",
        "Mean agreement (1-7) that the service made it easy (CES 2.0).",
    ),
    (
        "sus",
        "System Usability Scale",
        "score",
        "Mean SUS score (0-100; 68 is average) over complete sets of the ten items.",
    ),
)


def _instrument(key: str):
    def compute(scope: Scope) -> Measurement:
        return _instrument_metric(key, scope)

    return compute


for _key, _label, _unit, _definition in INSTRUMENT_METRICS:
    register(
        f"survey.{_key}",
        label=_label,
        unit=_unit,
        direction="higher",
        definition=f"{_definition} {_WINDOW_TEXT}",
    )(_instrument(_key))


@register(
    "survey.response_rate",
    label="Survey response rate",
    unit="%",
    direction="higher",
    definition="Responses / invitations, for invitations sent in the last 90 days up to the scope's date.",
)
def response_rate(scope: Scope) -> Measurement:
    import datetime as dt

    from onramp.surveys.models import Invitation

    invitations = Invitation.objects.filter(
        invited_on__lte=scope.as_of, invited_on__gt=scope.as_of - dt.timedelta(days=WINDOW)
    )
    if scope.service is not None:
        invitations = invitations.filter(survey__service=scope.service)
    if scope.wave is not None:
        invitations = invitations.filter(survey__wave=scope.wave)
    elif scope.rollout is not None:
        invitations = invitations.filter(survey__rollout=scope.rollout)
    if scope.units is not None:
        from onramp.org.selectors import unit_descendant_ids

        invitations = invitations.filter(person__unit_id__in=unit_descendant_ids(scope.units))
    n = invitations.count()
    answered = invitations.filter(responded=True).count()
    value = round(100 * answered / n, 2) if n else None
    return Measurement("survey.response_rate", value, n, "%", False, {"responded": answered})


def _adkar_metric(element: str):
    def compute(scope: Scope) -> Measurement:
        qs = scope_responses(scope, window_days=WINDOW)
        c = collect(list(qs.values_list("id", flat=True)))
        k = _k(qs)
        n = len(c.adkar)
        if n < k:
            return Measurement(
                f"survey.adkar.{element}", None, n, "mean", True, {"window_days": WINDOW}
            )
        r = scoring.adkar(c.adkar)
        return Measurement(
            f"survey.adkar.{element}",
            round(r.means[element], 2),
            n,
            "mean",
            False,
            {
                "low_pct": r.low_pct[element],
                "barrier_here": r.barriers[element],
                "window_days": WINDOW,
            },
        )

    return compute


for _element in scoring.ADKAR_ELEMENTS:
    register(
        f"survey.adkar.{_element}",
        label=f"ADKAR {_element}",
        unit="mean",
        direction="higher",
        definition=f"Mean {_element} score (1-5) in ADKAR pulses; 3 or less marks a barrier. "
        + _WINDOW_TEXT,
    )(_adkar_metric(_element))
