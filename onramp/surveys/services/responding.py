"""Answering a survey through a personal link."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from onramp.core.outbox import outbox_enqueue
from onramp.org.models import OrgUnit, Person
from onramp.org.selectors import unit_descendant_ids
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
    invitation = (
        Invitation.objects.select_related("survey", "survey__service", "person")
        .filter(token_hash=hash_survey_token(raw))
        .first()
    )
    if invitation is None or invitation.responded:
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


def coarse_unit(survey: Survey, person: Person) -> OrgUnit | None:
    """The person's unit, or the nearest ancestor holding at least min_group invitees of this
    survey: in anonymous mode, a response is never placed in a group smaller than that."""
    if person.unit_id is None:
        return None
    unit = person.unit
    invitee_units = list(survey.invitations.values_list("person__unit_id", flat=True))
    chain = [*unit.ancestor_ids(), unit.pk][::-1]  # the unit first, then up to the root
    units = OrgUnit.objects.in_bulk(chain)
    for unit_id in chain:
        members = unit_descendant_ids([unit_id])
        if sum(1 for u in invitee_units if u in members) >= survey.min_group:
            return units.get(unit_id)
    return None


def coarse_title(survey: Survey, person: Person) -> str:
    if not person.title:
        return ""
    same = survey.invitations.filter(person__title__iexact=person.title).count()
    return person.title if same >= survey.min_group else ""


def _wave_of(survey: Survey, person: Person) -> Any:
    if survey.wave_id:
        return survey.wave
    if survey.rollout_id is None:
        return None
    from onramp.rollout.selectors import wave_people_ids

    for wave in survey.rollout.waves.all():
        if person.pk in wave_people_ids(wave):
            return wave
    return None


@transaction.atomic
def response_submit(
    *, raw_token: str, answers: dict[str, Any], today: dt.date | None = None
) -> Response:
    """Store one response for the invitation behind `raw_token`. In anonymous mode the response
    keeps no link to the person or the invitation: only the invitation's `responded` flag flips."""
    today = today or timezone.localdate()
    invitation = invitation_for_token(raw_token, today=today)
    # Lock the invitation so that two submissions with one token cannot both pass.
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("survey", "person", "survey__service")
        .get(pk=invitation.pk)
    )
    if invitation.responded:
        raise InvalidToken
    survey, person = invitation.survey, invitation.person
    cleaned = clean_answers(survey, answers)
    anonymous = survey.anonymity == Anonymity.ANONYMOUS
    response = Response.objects.create(
        survey=survey,
        invitation=None if anonymous else invitation,
        person=None if anonymous else person,
        unit=coarse_unit(survey, person) if anonymous else person.unit,
        wave=_wave_of(survey, person),
        job_title=coarse_title(survey, person) if anonymous else person.title,
        submitted_on=today,
    )
    Answer.objects.bulk_create(
        [Answer(response=response, question_id=qid, **values) for qid, values in cleaned.items()]
    )
    invitation.responded = True
    invitation.save(update_fields=["responded"])
    if not anonymous:
        _notify_detractor(survey, response, person, cleaned)
    return response


def _notify_detractor(
    survey: Survey, response: Response, person: Person, cleaned: dict[int, dict[str, Any]]
) -> None:
    nps_ids = set(survey.questions.filter(kind=QuestionKind.NPS).values_list("id", flat=True))
    scores = [v["score"] for qid, v in cleaned.items() if qid in nps_ids and v["score"] is not None]
    owner = survey.service.owner
    if not scores or min(scores) > 6 or owner is None or not owner.email:
        return
    key = f"detractor:{response.pk}"
    if Notification.objects.filter(key=key).exists():
        return
    Notification.objects.create(key=key, survey=survey, response=response, recipient=owner.email)
    comments = [v["text"] for v in cleaned.values() if v["text"]]
    from onramp.surveys.services.distribution import _schedule_delivery

    outbox_enqueue(
        key=key,
        recipient=owner.email,
        subject=f"Detractor on {survey.title}: follow up with {person.name}",
        body=(
            f"{person.name} ({person.email}) answered {min(scores)} out of 10 on “{survey.title}” "
            f"about {survey.service.name}.\n\n"
            + (f"They wrote: {comments[0]}\n\n" if comments else "")
            + "Reach out within a few days: a detractor who is heard often becomes a promoter.\n"
        ),
    )
    _schedule_delivery()
