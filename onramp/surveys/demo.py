"""Demo surveys: a monthly anonymous pulse on the Risk Management Framework whose satisfaction
rises over six months (CSAT from about 55% to about 90%, as in the article), an NPS that can be
read by wave, and one small team whose results stay hidden. Rows are bulk-written: the demo
invents answers, it does not go through personal links."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import Counter
from typing import TYPE_CHECKING

from onramp.surveys.models import (
    Answer,
    Invitation,
    Response,
    Survey,
    SurveyStatus,
    hash_survey_token,
)
from onramp.surveys.services import survey_create
from onramp.surveys.services.building import questions_copy
from onramp.surveys.services.responding import place_in_unit

if TYPE_CHECKING:
    from onramp.demo.context import DemoContext


def reset() -> None:
    Survey.objects.all().delete()


# Round by round: share of CSAT 4-5 and of NPS promoters/detractors aimed at.
CURVE = [
    (0.55, 0.25, 0.40),
    (0.62, 0.30, 0.33),
    (0.70, 0.38, 0.25),
    (0.78, 0.45, 0.18),
    (0.85, 0.52, 0.12),
    (0.90, 0.58, 0.08),
]


COMMENTS = {
    "low": [
        "Too many fields to fill in for small projects.",
        "I did not know where to find the risk register template.",
        "The monthly review clashes with our steering meeting.",
        "Training came after go-live for our team.",
    ],
    "high": [
        "Escalations are faster now that risks are visible.",
        "Office hours answered my questions in ten minutes.",
        "The register template saves me time every week.",
        "Our sponsor finally sees the same risks we do.",
    ],
}


def _nps_answer(rng, promoters: float, detractors: float) -> int:
    x = rng.random()
    if x < promoters:
        return rng.choice((9, 10))
    if x < promoters + detractors:
        return rng.choice((2, 4, 5, 6, 6))
    return rng.choice((7, 8))


def _csat_answer(rng, satisfied: float) -> int:
    return rng.choice((4, 5, 5)) if rng.random() < satisfied else rng.choice((1, 2, 3, 3))


def build(ctx: DemoContext) -> None:
    from onramp.rollout.models import Rollout
    from onramp.rollout.selectors import wave_people_ids

    rng = ctx.rng
    service = ctx.services["risk-management-framework"]
    rollout = Rollout.objects.filter(service=service).order_by("pk").first()
    if rollout is None:
        return
    waves = [w for w in rollout.waves.order_by("order") if w.go_live_date <= ctx.today]
    members = {w.pk: wave_people_ids(w) for w in waves}
    first_day = min(w.go_live_date for w in waves)
    pulse = survey_create(
        service=service,
        rollout=rollout,
        title="Risk framework monthly pulse",
        anonymity="anonymous",
        recurrence="monthly",
        opens_on=first_day,
        closes_on=first_day + dt.timedelta(days=10),
        instruments=["nps", "csat", "adkar"],
        created_by=ctx.users["owner"],
        intro="Two minutes to tell us how the risk framework works for you. Anonymous.",
    )
    questions = list(pulse.questions.order_by("order", "id"))
    people_by_id = {p.pk: p for p in ctx.active_people}
    # One small team is kept small on purpose: its answers exist but are never shown alone.
    small_team = next(
        t
        for t in ctx.teams
        if any(p.pk in members[waves[0].pk] for p in ctx.people_by_unit.get(t.code, []))
    )
    for number in range(1, len(CURVE) + 1):
        ctx.progress("Surveys", number - 1, len(CURVE))
        start = first_day + dt.timedelta(days=30 * (number - 1))
        if start > ctx.today:
            break
        survey = (
            pulse
            if number == 1
            else Survey.objects.create(
                service=service,
                rollout=rollout,
                title=f"{pulse.title} — round {number}",
                intro=pulse.intro,
                anonymity=pulse.anonymity,
                recurrence=pulse.recurrence,
                series=pulse,
                round_number=number,
                period_start=start,
                opens_on=start,
                closes_on=start + dt.timedelta(days=10),
                created_by=pulse.created_by,
            )
        )
        questions_now = (
            questions if survey is pulse else questions_copy(source=pulse, target=survey)
        )
        live = [w for w in waves if w.go_live_date <= start]
        invitees: list[tuple[int, int]] = []  # (person id, wave id)
        for w in live:
            sample = sorted(members[w.pk])
            rng.shuffle(sample)
            invitees += [(pid, w.pk) for pid in sample[:180] if pid in people_by_id]
        small = [p.pk for p in ctx.people_by_unit.get(small_team.code, [])][:3]
        invitees = [
            (pid, wid) for pid, wid in invitees if people_by_id[pid].unit_id != small_team.pk
        ]
        invitees += [(pid, live[0].pk) for pid in small]
        Invitation.objects.bulk_create(
            [
                Invitation(
                    survey=survey,
                    person_id=pid,
                    token_hash=hash_survey_token(secrets.token_urlsafe(24)),
                    invited_on=start,
                    sent_at=None,
                )
                for pid, _ in invitees
            ],
            ignore_conflicts=True,
        )
        # Anonymous mode: the unit kept is the lowest one holding at least min_group invitees.
        per_unit: Counter[int] = Counter(people_by_id[pid].unit_id for pid, _ in invitees)
        responders = [(pid, wid) for pid, wid in invitees if rng.random() < 0.62 or pid in small]
        responded = {pid for pid, _ in responders}
        Invitation.objects.filter(survey=survey, person_id__in=responded).update(responded=True)
        coarse = _coarse_units(per_unit, survey.min_group)
        responses = Response.objects.bulk_create(
            [
                Response(
                    survey=survey,
                    unit_id=coarse[people_by_id[pid].unit_id],
                    wave_id=wid,
                    submitted_on=start + dt.timedelta(days=rng.randint(0, 9)),
                    source="web",
                )
                for pid, wid in responders
            ]
        )
        # Later waves warm up later: their NPS trails the curve by a round.
        lag = {w.pk: i for i, w in enumerate(waves)}
        answers = []
        for response, (_pid, wid) in zip(responses, responders, strict=True):
            r_sat = CURVE[number - 1][0]
            _, r_pro, r_det = CURVE[max(0, number - 1 - lag[wid])]
            for q in questions_now:
                if q.kind == "nps":
                    score = _nps_answer(rng, r_pro, r_det)
                    answers.append(Answer(response=response, question=q, score=score))
                    if rng.random() < 0.25:
                        why = next(x for x in questions_now if x.follows_id == q.pk)
                        text = rng.choice(COMMENTS["high" if score >= 9 else "low"])
                        answers.append(Answer(response=response, question=why, text=text))
                elif q.kind == "csat":
                    answers.append(
                        Answer(response=response, question=q, score=_csat_answer(rng, r_sat))
                    )
                elif q.kind == "adkar":
                    base = 4 if rng.random() < r_sat else 3
                    dip = 1 if q.item == "knowledge" and number < 3 else 0
                    answers.append(
                        Answer(
                            response=response,
                            question=q,
                            score=max(1, min(5, base - dip + rng.choice((-1, 0, 0, 1)))),
                        )
                    )
        Answer.objects.bulk_create(answers, batch_size=2000)
        survey.status = (
            SurveyStatus.CLOSED if start + dt.timedelta(days=10) < ctx.today else SurveyStatus.OPEN
        )
        survey.save(update_fields=["status"])
    ctx.progress("Surveys", len(CURVE), len(CURVE))


def _coarse_units(invitees_per_unit: Counter[int], min_group: int) -> dict[int, int | None]:
    """For each invitee's unit, where an anonymous response from it is placed (the rule of
    onramp.surveys.services.responding.place_in_unit)."""
    from onramp.org.models import OrgUnit

    paths = dict(OrgUnit.objects.values_list("id", "path"))
    subtree: Counter[str] = Counter()
    for unit_id, n in invitees_per_unit.items():
        parts = paths[unit_id].strip("/").split("/")
        for i in range(1, len(parts) + 1):
            subtree["/" + "/".join(parts[:i]) + "/"] += n
    return {u: place_in_unit(subtree, paths[u], min_group) for u in invitees_per_unit}
