"""Reads on surveys: results with the anonymity rules applied, breakdowns, trends.

Every number leaving this module has gone through `privacy`: an instrument's value is present
only when at least `min_group` people answered it, and sibling groups in a breakdown are
suppressed together so that none can be recovered by subtracting from the total.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet

from onramp.catalog.models import Service
from onramp.core.models import OutboxMessage, OutboxStatus
from onramp.org.models import OrgUnit
from onramp.surveys import scoring
from onramp.surveys.models import Anonymity, Answer, QuestionKind, Response, Survey
from onramp.surveys.privacy import suppress_siblings

INSTRUMENT_ORDER = ("nps", "csat", "ces", "sus", "adkar")
INSTRUMENT_LABELS = {
    "nps": "NPS",
    "csat": "CSAT",
    "ces": "CES",
    "sus": "SUS",
    "adkar": "ADKAR",
}


def survey_undelivered(survey: Survey) -> QuerySet[OutboxMessage]:
    """Invitations the outbox gave up on (no Slack user with that address, a bounced server...),
    newest first. Reminders are left out on purpose: in anonymous mode, who was reminded says
    who had not answered."""
    return OutboxMessage.objects.filter(
        key__startswith=f"survey:{survey.pk}:invite:", status=OutboxStatus.FAILED
    ).order_by("-id")


def survey_list(
    *, service: Service | None = None, services: Iterable[Service] | None = None
) -> QuerySet[Survey]:
    qs = Survey.objects.select_related("service", "rollout", "wave")
    if service is not None:
        qs = qs.filter(service=service)
    if services is not None:
        qs = qs.filter(service__in=list(services))
    return qs.order_by("-created_at")


@dataclass
class Collected:
    """Answers of a set of responses, grouped by instrument."""

    responses: int = 0
    nps: list[int] = field(default_factory=list)
    csat: list[int] = field(default_factory=list)
    ces: list[int] = field(default_factory=list)
    sus: list[list[int]] = field(default_factory=list)
    adkar: list[list[int]] = field(default_factory=list)
    scales: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    choices: dict[int, Counter] = field(default_factory=lambda: defaultdict(Counter))
    texts: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))


SUS_ITEMS = [f"sus{i}" for i in range(1, 11)]


def collect(response_ids: Iterable[int]) -> Collected:
    ids = list(response_ids)
    out = Collected(responses=len(ids))
    if not ids:
        return out
    sus_by: dict[int, dict[str, int]] = defaultdict(dict)
    adkar_by: dict[int, dict[str, int]] = defaultdict(dict)
    rows = Answer.objects.filter(response_id__in=ids).values_list(
        "response_id", "question_id", "question__kind", "question__item", "score", "text", "choices"
    )
    for response_id, qid, kind, item, score, text, choices in rows.iterator(chunk_size=5000):
        if kind == QuestionKind.NPS and score is not None:
            out.nps.append(score)
        elif kind == QuestionKind.CSAT and score is not None:
            out.csat.append(score)
        elif kind == QuestionKind.CES and score is not None:
            out.ces.append(score)
        elif kind == QuestionKind.SUS and score is not None:
            sus_by[response_id][item] = score
        elif kind == QuestionKind.ADKAR and score is not None:
            adkar_by[response_id][item] = score
        elif kind == QuestionKind.SCALE and score is not None:
            out.scales[qid].append(score)
        elif kind in (QuestionKind.SINGLE, QuestionKind.MULTI):
            out.choices[qid].update(choices or [])
        elif text:
            out.texts[qid].append(text)
    # SUS and ADKAR score only complete sets, as their definitions require.
    out.sus = [[items[k] for k in SUS_ITEMS] for items in sus_by.values() if len(items) == 10]
    out.adkar = [
        [items[k] for k in scoring.ADKAR_ELEMENTS] for items in adkar_by.values() if len(items) == 5
    ]
    return out


@dataclass
class Figure:
    """One instrument's headline for one group, already through the anonymity rules."""

    key: str
    label: str
    n: int
    value: float | None
    suppressed: bool
    unit: str
    formula: str
    scale: str
    detail: dict[str, Any] = field(default_factory=dict)


def _n_of(collected: Collected, key: str) -> int:
    return len(getattr(collected, key))


def figure(
    collected: Collected,
    key: str,
    *,
    k: int,
    population: int | None = None,
    suppressed: bool | None = None,
) -> Figure:
    """The headline of one instrument. Suppressed when fewer than k answered (or when the caller
    decided so for differencing)."""
    n = _n_of(collected, key)
    hide = (n < k) if suppressed is None else suppressed
    if key == "nps":
        r = scoring.nps(collected.nps, population)
        detail = (
            {}
            if hide
            else {
                "promoters": r.promoters,
                "passives": r.passives,
                "detractors": r.detractors,
                "promoter_pct": r.promoter_pct,
                "passive_pct": r.passive_pct,
                "detractor_pct": r.detractor_pct,
                "margin": r.margin,
                "thin": r.thin,
            }
        )
        return Figure(
            key,
            "NPS",
            n,
            None if hide or not n else r.score,
            hide,
            "score",
            r.formula,
            "0-10",
            detail,
        )
    if key in ("csat", "ces"):
        r = scoring.csat(collected.csat) if key == "csat" else scoring.ces(collected.ces)
        detail = {} if hide else {"mean": r.mean, "top_pct": r.top_pct}
        value = r.top_pct if key == "csat" else r.mean
        unit = "%" if key == "csat" else "mean"
        return Figure(
            key,
            INSTRUMENT_LABELS[key],
            n,
            None if hide or not n else value,
            hide,
            unit,
            r.formula,
            "1-5" if key == "csat" else "1-7",
            detail,
        )
    if key == "sus":
        r = scoring.sus(collected.sus)
        detail = {} if hide else {"at_or_above_68_pct": r.top_pct}
        return Figure(
            key,
            "SUS",
            n,
            None if hide or not n else r.mean,
            hide,
            "score",
            r.formula,
            "1-5 x 10 items",
            detail,
        )
    if key == "adkar":
        r = scoring.adkar(collected.adkar)
        detail = {} if hide else {"means": r.means, "low_pct": r.low_pct, "barriers": r.barriers}
        barrier = max(r.barriers, key=lambda b: r.barriers[b]) if r.n and not hide else None
        return Figure(
            key,
            "ADKAR",
            n,
            None,
            hide,
            "barrier",
            "Barrier = first element scoring 3 or less (A-D-K-A-R)",
            "1-5 x 5 elements",
            {**detail, "main_barrier": barrier},
        )
    raise KeyError(key)


def present_instruments(survey: Survey) -> list[str]:
    kinds = set(survey.questions.values_list("kind", flat=True))
    return [k for k in INSTRUMENT_ORDER if k in kinds]


@dataclass
class SurveyResults:
    survey: Survey
    invited: int
    responses: int
    response_rate: float | None
    suppressed: bool  # the whole survey is under the threshold
    figures: list[Figure]
    questions: list[dict[str, Any]]


def survey_results(survey: Survey) -> SurveyResults:
    response_ids = list(survey.responses.values_list("id", flat=True))
    invited = survey.invitations.count()
    collected = collect(response_ids)
    k = survey.min_group
    whole_hidden = len(response_ids) < k
    population = invited or None
    figures = [
        figure(collected, key, k=k, population=population, suppressed=whole_hidden or None)
        for key in present_instruments(survey)
    ]
    questions = []
    for q in survey.questions.all():
        entry: dict[str, Any] = {"question": q, "suppressed": whole_hidden}
        if q.kind == QuestionKind.SCALE:
            values = collected.scales.get(q.pk, [])
            entry["n"] = len(values)
            entry["suppressed"] = whole_hidden or len(values) < k
            if not entry["suppressed"]:
                entry["mean"] = sum(values) / len(values)
                entry["distribution"] = [(v, values.count(v)) for v in q.scale]
        elif q.kind in (QuestionKind.SINGLE, QuestionKind.MULTI):
            counts = collected.choices.get(q.pk, Counter())
            entry["n"] = sum(counts.values())
            entry["suppressed"] = whole_hidden or len(response_ids) < k
            if not entry["suppressed"]:
                entry["distribution"] = [(o, counts.get(o, 0)) for o in q.options]
        elif q.is_text:
            texts = collected.texts.get(q.pk, [])
            entry["n"] = len(texts)
            # Comments need a larger group: a few people's words are easy to recognise.
            entry["suppressed"] = len(response_ids) < survey.min_comments
            if not entry["suppressed"]:
                # Sorted, never in arrival order (which could be matched to who answered when);
                # identical comments are counted once with their number.
                entry["comments"] = sorted(texts)
                entry["comment_counts"] = sorted(
                    Counter(texts).items(), key=lambda kv: (-kv[1], kv[0])
                )
        else:
            continue
        questions.append(entry)
    rate = (100 * len(response_ids) / invited) if invited else None
    return SurveyResults(survey, invited, len(response_ids), rate, whole_hidden, figures, questions)


@dataclass
class BreakdownRow:
    key: str
    label: str
    n: int
    n_shown: bool
    figures: dict[str, Figure]
    url: str = ""


def _group_of(
    response: Response, by: str, units_by_id: dict[int, OrgUnit], level: int
) -> tuple[str, str]:
    if by == "wave":
        return (
            str(response.wave_id or "none"),
            response.wave.name if response.wave_id else "No wave",
        )
    if by == "title":
        return (response.job_title.lower() or "-", response.job_title or "Role not shown")
    unit = units_by_id.get(response.unit_id) if response.unit_id else None
    if unit is None or unit.depth < level:
        return ("-", "Not attributable at this level")
    ancestor_ids = [*unit.ancestor_ids(), unit.pk]
    ancestor = units_by_id.get(ancestor_ids[level])
    return (
        (str(ancestor.pk), ancestor.name) if ancestor else ("-", "Not attributable at this level")
    )


def breakdown(survey_ids: Iterable[int], *, by: str, k: int, level: int = 1) -> list[BreakdownRow]:
    """Results per wave, unit (at tree depth `level`: 1 = divisions) or role. Each instrument's
    cells go through suppress_siblings over the groups, so no group under k can be recovered
    from the total."""
    responses = list(
        Response.objects.filter(survey_id__in=list(survey_ids))
        .select_related("wave")
        .only("id", "wave_id", "wave__name", "unit_id", "job_title")
    )
    units_by_id = OrgUnit.objects.in_bulk() if by == "unit" else {}
    groups: dict[str, list[int]] = defaultdict(list)
    labels: dict[str, str] = {}
    for r in responses:
        key, label = _group_of(r, by, units_by_id, level)
        groups[key].append(r.pk)
        labels[key] = label
    collected = {key: collect(ids) for key, ids in groups.items()}
    n_cells = suppress_siblings({key: len(ids) for key, ids in groups.items()}, k)
    instruments = [
        key for key in INSTRUMENT_ORDER if any(_n_of(c, key) for c in collected.values())
    ]
    cells = {
        key: suppress_siblings({g: _n_of(c, key) for g, c in collected.items()}, k)
        for key in instruments
    }
    rows = []
    for g in sorted(groups, key=lambda g: labels[g]):
        figs = {
            key: figure(collected[g], key, k=k, suppressed=cells[key][g].suppressed)
            for key in instruments
        }
        rows.append(BreakdownRow(g, labels[g], len(groups[g]), not n_cells[g].suppressed, figs))
    return rows


@dataclass
class TrendPoint:
    survey: Survey
    label: str
    figures: dict[str, Figure]
    responses: int


def trend(survey: Survey) -> list[TrendPoint]:
    """The rounds of a recurring survey (or the surveys of its service with the same first
    title), oldest first, with their headline figures."""
    first = survey.series or survey
    rounds = [first, *first.rounds.order_by("round_number")]
    points = []
    for s in rounds:
        ids = list(s.responses.values_list("id", flat=True))
        c = collect(ids)
        hidden = len(ids) < s.min_group
        figs = {
            key: figure(c, key, k=s.min_group, suppressed=hidden or None)
            for key in present_instruments(s)
        }
        label = s.period_start.strftime("%b %Y") if s.period_start else f"Round {s.round_number}"
        points.append(TrendPoint(s, label, figs, len(ids)))
    return points


def scope_responses(scope: Any, *, window_days: int = 90) -> QuerySet[Response]:
    """Responses counted by the survey metrics for a scope: the service's surveys (narrowed to a
    rollout or a wave), from units in the scope (descendants included), in the window ending on
    the scope's date."""
    import datetime as dt

    from onramp.org.selectors import unit_descendant_ids

    qs = Response.objects.filter(
        submitted_on__lte=scope.as_of, submitted_on__gt=scope.as_of - dt.timedelta(days=window_days)
    )
    if scope.service is not None:
        qs = qs.filter(survey__service=scope.service)
    if scope.wave is not None:
        qs = qs.filter(Q(wave=scope.wave) | Q(survey__wave=scope.wave))
    elif scope.rollout is not None:
        qs = qs.filter(survey__rollout=scope.rollout)
    if scope.units is not None:
        qs = qs.filter(unit_id__in=unit_descendant_ids(scope.units))
    return qs


def can_see_identities(user: Any, survey: Survey) -> bool:
    """Who answered what: never in anonymous mode; PMO admins in confidential mode; whoever sees
    the results in identified mode."""
    if survey.anonymity == Anonymity.ANONYMOUS:
        return False
    if survey.anonymity == Anonymity.CONFIDENTIAL:
        return bool(getattr(user, "is_pmo_admin", False))
    return True


def nan_to_none(value: float | None) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value
