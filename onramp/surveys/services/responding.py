"""Answering a survey through a personal link."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from onramp.core.outbox import chat_channels, outbox_enqueue
from onramp.org.models import Person
from onramp.surveys.models import (
    Anonymity,
    Answer,
    Invitation,
    Notification,
    Question,
    QuestionKind,
    Response,
    Survey,
    SurveyStatus,
    hash_survey_token,
)


class InvalidToken(Exception):
    """Unknown, used or expired link. Deliberately says nothing more."""


def invitation_for_token(raw: str, *, today: dt.date | None = None) -> Invitation:
    """The open, unanswered invitation behind a raw token, or InvalidToken."""
    if not raw or len(raw) > 100:
        raise InvalidToken
    try:
        # get() on the unique hash: first() would add ORDER BY id, which SQLite may answer by
        # scanning the table in id order instead of using the index.
        invitation = Invitation.objects.select_related(
            "survey", "survey__service", "person", "person__unit"
        ).get(token_hash=hash_survey_token(raw))
    except Invitation.DoesNotExist:
        raise InvalidToken from None
    if invitation.responded:
        raise InvalidToken
    survey = invitation.survey
    today = today or timezone.localdate()
    if survey.status != SurveyStatus.OPEN:
        raise InvalidToken
    if (survey.opens_on and today < survey.opens_on) or (
        survey.closes_on and today > survey.closes_on
    ):
        raise InvalidToken
    return invitation


def visible_questions(survey: Survey, scores: dict[int, int | None]) -> list[Question]:
    """The questions shown given the scores answered so far (follow-ups depend on them)."""
    return [
        q
        for q in survey.questions.all()
        if q.shows_for(scores.get(q.follows_id) if q.follows_id else None)
    ]


def clean_answers(survey: Survey, raw: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Validate posted answers (keys "q<id>", lists for multiple choice) against the questions.
    Returns question id -> {score, text, choices}; raises ValidationError with a message per
    question."""
    questions = list(survey.questions.all())
    errors: dict[str, str] = {}
    cleaned: dict[int, dict[str, Any]] = {}
    scores: dict[int, int | None] = {}
    for q in questions:
        value = raw.get(f"q{q.pk}")
        if q.scale:
            if value in (None, "", []):
                scores[q.pk] = None
                continue
            try:
                score = int(value if not isinstance(value, list) else value[0])
            except (TypeError, ValueError):
                errors[f"q{q.pk}"] = f"Choose a value from {q.scale_min} to {q.scale_max}."
                continue
            if score not in q.scale:
                errors[f"q{q.pk}"] = f"Choose a value from {q.scale_min} to {q.scale_max}."
                continue
            scores[q.pk] = score
            cleaned[q.pk] = {"score": score, "text": "", "choices": []}
        elif q.kind == QuestionKind.SINGLE:
            if value in (None, ""):
                continue
            value = value[0] if isinstance(value, list) else value
            if value not in q.options:
                errors[f"q{q.pk}"] = "Choose one of the options."
                continue
            cleaned[q.pk] = {"score": None, "text": "", "choices": [value]}
        elif q.kind == QuestionKind.MULTI:
            values = value if isinstance(value, list) else ([value] if value else [])
            if any(v not in q.options for v in values):
                errors[f"q{q.pk}"] = "Choose among the options."
                continue
            if values:
                cleaned[q.pk] = {"score": None, "text": "", "choices": values}
        else:
            text = (value[0] if isinstance(value, list) else value or "").strip()
            limit = 300 if q.kind == QuestionKind.SHORT_TEXT else 5000
            if len(text) > limit:
                errors[f"q{q.pk}"] = f"Keep it under {limit} characters."
                continue
            if text:
                cleaned[q.pk] = {"score": None, "text": text, "choices": []}
    for q in questions:
        shown = q.shows_for(scores.get(q.follows_id)) if q.follows_id else True
        if not shown:
            cleaned.pop(q.pk, None)  # an answer to a follow-up that does not apply is dropped
        elif q.required and q.pk not in cleaned and f"q{q.pk}" not in errors:
            errors[f"q{q.pk}"] = "This question needs an answer."
    if errors:
        raise ValidationError(errors)
    return cleaned


@dataclass(frozen=True)
class SurveyShape:
    """What anonymous placement needs to know of a survey's invitees and its rollout's waves,
    computed once and cached: invitees per unit subtree (by unit path), per job title, and the
    unit paths of each wave."""

    subtree: dict[str, int]
    titles: dict[str, int]
    waves: list[tuple[int, list[str]]]


SHAPE_TTL = 300


def _shape_key(survey_id: int) -> str:
    return f"onramp:survey-shape:{survey_id}"


def survey_shape(survey: Survey) -> SurveyShape:
    """Invitations are only ever added, so a cached shape can only under-count: placement from
    it is coarser than needed, never finer. Distribution drops the cache."""
    shape = cache.get(_shape_key(survey.pk))
    if shape is not None:
        return shape
    subtree: Counter[str] = Counter()
    titles: Counter[str] = Counter()
    for path, title in survey.invitations.values_list("person__unit__path", "person__title"):
        titles[(title or "").lower()] += 1
        if path:
            parts = path.strip("/").split("/")
            for i in range(1, len(parts) + 1):
                subtree["/" + "/".join(parts[:i]) + "/"] += 1
    waves: list[tuple[int, list[str]]] = []
    if survey.rollout_id and not survey.wave_id:
        ordered = sorted(
            survey.rollout.waves.prefetch_related("units"),
            key=lambda w: (w.kind == "company_wide", w.order),
        )
        waves = [(w.pk, [u.path for u in w.units.all()]) for w in ordered]
    shape = SurveyShape(dict(subtree), dict(titles), waves)
    cache.set(_shape_key(survey.pk), shape, SHAPE_TTL)
    return shape


def survey_shape_forget(survey_id: int) -> None:
    cache.delete(_shape_key(survey_id))


def coarse_unit_id(survey: Survey, person: Person) -> int | None:
    """The person's unit, or the nearest ancestor holding at least min_group invitees of this
    survey: in anonymous mode, a response is never placed in a group smaller than that."""
    if person.unit_id is None:
        return None
    return place_in_unit(survey_shape(survey).subtree, person.unit.path, survey.min_group)


def place_in_unit(subtree: dict[str, int], unit_path: str, min_group: int) -> int | None:
    """The id of the lowest unit on `unit_path` (itself, then up to the root) whose subtree
    holds at least min_group invitees; None when even the root holds fewer."""
    parts = unit_path.strip("/").split("/")
    for i in range(len(parts), 0, -1):
        if subtree.get("/" + "/".join(parts[:i]) + "/", 0) >= min_group:
            return int(parts[i - 1])
    return None


def coarse_title(survey: Survey, person: Person) -> str:
    if not person.title:
        return ""
    same = survey_shape(survey).titles.get(person.title.lower(), 0)
    return person.title if same >= survey.min_group else ""


def _wave_id_of(survey: Survey, person: Person) -> int | None:
    """The wave of the survey's rollout that targets the person, found from the person's unit:
    a wave whose units contain it, a company-wide wave last (it takes whoever the others left)."""
    if survey.wave_id:
        return survey.wave_id
    if survey.rollout_id is None or person.unit_id is None:
        return None
    path = person.unit.path
    for wave_id, paths in survey_shape(survey).waves:
        if any(path.startswith(p) for p in paths):
            return wave_id
    return None


@transaction.atomic
def response_submit(
    *,
    raw_token: str,
    answers: dict[str, Any],
    today: dt.date | None = None,
    invitation: Invitation | None = None,
) -> Response:
    """Store one response for the invitation behind `raw_token`. In anonymous mode the response
    keeps no link to the person or the invitation: only the invitation's `responded` flag flips."""
    today = today or timezone.localdate()
    if invitation is None or invitation.token_hash != hash_survey_token(raw_token):
        invitation = invitation_for_token(raw_token, today=today)
    survey, person = invitation.survey, invitation.person
    cleaned = clean_answers(survey, answers)
    # Claim the invitation with one conditional update: of two submissions with one token,
    # exactly one changes the row; the other finds it answered and stops.
    if not Invitation.objects.filter(pk=invitation.pk, responded=False).update(responded=True):
        raise InvalidToken
    anonymous = survey.anonymity == Anonymity.ANONYMOUS
    response = Response.objects.create(
        survey=survey,
        invitation=None if anonymous else invitation,
        person=None if anonymous else person,
        unit_id=coarse_unit_id(survey, person) if anonymous else person.unit_id,
        wave_id=_wave_id_of(survey, person),
        job_title=coarse_title(survey, person) if anonymous else person.title,
        submitted_on=today,
    )
    Answer.objects.bulk_create(
        [Answer(response=response, question_id=qid, **values) for qid, values in cleaned.items()]
    )
    if not anonymous:
        _notify_detractor(survey, response, person, cleaned)
    return response


def _notify_detractor(
    survey: Survey, response: Response, person: Person, cleaned: dict[int, dict[str, Any]]
) -> None:
    """Tell the service owner, once: by email and by Slack/Teams direct message (found by their
    email address) when those are configured, and on each configured chat channel's webhook."""
    from onramp.core.chat import personal_chat_channels

    nps_ids = set(survey.questions.filter(kind=QuestionKind.NPS).values_list("id", flat=True))
    scores = [v["score"] for qid, v in cleaned.items() if qid in nps_ids and v["score"] is not None]
    owner = survey.service.owner
    if not scores or min(scores) > 6 or owner is None:
        return
    personal = [(c, owner.email) for c in ("email", *personal_chat_channels())]
    channels = (personal if owner.email else []) + [(c, c) for c in chat_channels()]
    key = f"detractor:{response.pk}"
    if not channels or Notification.objects.filter(key=key).exists():
        return
    Notification.objects.create(
        key=key,
        survey=survey,
        response=response,
        recipient=owner.email or owner.username,
        channel=",".join(c for c, _ in channels),
    )
    comments = [v["text"] for v in cleaned.values() if v["text"]]
    subject = f"Detractor on {survey.title}: follow up with {person.name}"
    body = (
        f"{person.name} ({person.email}) answered {min(scores)} out of 10 on “{survey.title}” "
        f"about {survey.service.name}.\n\n"
        + (f"They wrote: {comments[0]}\n\n" if comments else "")
        + f"{owner.get_full_name() or owner.username}: reach out within a few days; a detractor "
        "who is heard often becomes a promoter.\n"
    )
    for channel, recipient in channels:
        outbox_enqueue(
            key=f"{key}:{channel}", recipient=recipient, subject=subject, body=body, channel=channel
        )
    from onramp.surveys.services.distribution import _schedule_delivery

    _schedule_delivery()
