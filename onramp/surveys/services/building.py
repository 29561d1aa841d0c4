"""Building a survey: its settings, its questions from instruments or custom."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from onramp.catalog.models import Service
from onramp.core.chat import personal_chat_channels
from onramp.surveys.instruments import INSTRUMENTS
from onramp.surveys.models import Delivery, Question, QuestionKind, Survey, SurveyStatus


class SurveyError(ValidationError):
    """A rule of surveys was broken; the message says which and what to do."""


SETTINGS_FIELDS = (
    "title",
    "intro",
    "anonymity",
    "opens_on",
    "closes_on",
    "min_group",
    "min_comments",
    "recurrence",
    "rollout",
    "wave",
    "delivery",
)


def _check_delivery(delivery: str, *, current: str | None = None) -> None:
    """Email is always there; Slack and Teams only once configured. A survey keeps a channel
    switched off since it was chosen (it then goes out by email, and its page says so)."""
    if delivery in (Delivery.EMAIL, current) or delivery in personal_chat_channels():
        return
    if delivery not in Delivery.values:
        return  # full_clean() names the valid choices
    raise SurveyError(
        {
            "delivery": f"{Delivery(delivery).label} is not set up on this Onramp: choose "
            "email, or ask a PMO admin to configure it (see docs/surveys.md)."
        }
    )


@transaction.atomic
def survey_create(
    *,
    service: Service,
    title: str,
    created_by: Any = None,
    intro: str = "",
    anonymity: str = "anonymous",
    opens_on: dt.date | None = None,
    closes_on: dt.date | None = None,
    min_group: int = 5,
    min_comments: int = 8,
    recurrence: str = "none",
    rollout: Any = None,
    wave: Any = None,
    instruments: list[str] | None = None,
    delivery: str = Delivery.EMAIL,
) -> Survey:
    _check_delivery(delivery)
    if wave is not None and rollout is None:
        rollout = wave.rollout
    if rollout is not None and rollout.service_id != service.pk:
        raise SurveyError({"rollout": "The rollout belongs to another service."})
    survey = Survey(
        service=service,
        title=title,
        created_by=created_by,
        intro=intro,
        anonymity=anonymity,
        opens_on=opens_on,
        closes_on=closes_on,
        min_group=min_group,
        min_comments=min_comments,
        recurrence=recurrence,
        rollout=rollout,
        wave=wave,
        period_start=opens_on,
        delivery=delivery,
    )
    survey.full_clean()
    survey.save()
    for key in instruments or []:
        instrument_add(survey=survey, key=key)
    return survey


@transaction.atomic
def survey_update(*, survey: Survey, **fields: Any) -> Survey:
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"survey_update() does not edit {sorted(unknown)}")
    if "anonymity" in fields and fields["anonymity"] != survey.anonymity and survey.mode_locked:
        raise SurveyError(
            {
                "anonymity": "The anonymity mode is fixed once the first response has arrived: "
                "respondents answered under it. Create a new survey to change it."
            }
        )
    if "delivery" in fields:
        _check_delivery(fields["delivery"], current=survey.delivery)
    for name, value in fields.items():
        setattr(survey, name, value)
    survey.full_clean()
    survey.save()
    return survey


def _touch(survey: Survey) -> None:
    """Mark the survey changed when its questions change: the public response page keeps a
    survey's questions per process for as long as the survey's row is unchanged
    (responding.survey_questions). A plain UPDATE: the question's own change is what the audit
    trail records."""
    survey.updated_at = timezone.now()
    Survey.objects.filter(pk=survey.pk).update(updated_at=survey.updated_at)


def _next_order(survey: Survey) -> int:
    return (survey.questions.aggregate(m=Max("order"))["m"] or 0) + 1


def _editable(survey: Survey) -> None:
    if survey.responses.exists():
        raise SurveyError(
            "Questions cannot change once responses have arrived: the answers would no longer match."
        )


@transaction.atomic
def instrument_add(*, survey: Survey, key: str) -> list[Question]:
    """Add a standard instrument's questions, in its published wording, at the end."""
    _editable(survey)
    try:
        instrument = INSTRUMENTS[key]
    except KeyError:
        raise SurveyError(
            f"Unknown instrument {key!r}: choose one of {', '.join(INSTRUMENTS)}."
        ) from None
    if key != "training" and survey.questions.filter(instrument=key).exists():
        raise SurveyError(f"This survey already has the {instrument.label} questions.")
    order = _next_order(survey)
    created: list[Question] = []
    for i, spec in enumerate(instrument.items):
        question = Question(
            survey=survey,
            order=order + i,
            kind=spec.kind,
            instrument=key.split("_")[0],
            item=spec.item,
            text=spec.text.replace("{service}", survey.service.name),
            required=spec.required,
            options=list(spec.options),
            scale_min=spec.scale[0] if spec.scale else None,
            scale_max=spec.scale[1] if spec.scale else None,
            low_label=spec.labels[0],
            high_label=spec.labels[1],
            follows=created[spec.follows] if spec.follows is not None else None,
            show_min=spec.show[0],
            show_max=spec.show[1],
        )
        question.full_clean()
        question.save()
        created.append(question)
    _touch(survey)
    return created


DEFAULT_SCALES = {
    QuestionKind.NPS: (0, 10),
    QuestionKind.CSAT: (1, 5),
    QuestionKind.CES: (1, 7),
    QuestionKind.SUS: (1, 5),
    QuestionKind.ADKAR: (1, 5),
    QuestionKind.SCALE: (1, 5),
}


@transaction.atomic
def question_add(
    *,
    survey: Survey,
    kind: str,
    text: str,
    required: bool = True,
    options: list[str] | None = None,
    scale_min: int | None = None,
    scale_max: int | None = None,
    low_label: str = "",
    high_label: str = "",
    help_text: str = "",
) -> Question:
    """Add a custom question (scale, single or multiple choice, short or long text)."""
    _editable(survey)
    options = [o.strip() for o in (options or []) if o.strip()]
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTI) and len(options) < 2:
        raise SurveyError(
            {"options": "A choice question needs at least two options, one per line."}
        )
    if kind in DEFAULT_SCALES:
        low, high = DEFAULT_SCALES[kind]
        scale_min = low if scale_min is None else scale_min
        scale_max = high if scale_max is None else scale_max
        if scale_max <= scale_min:
            raise SurveyError({"scale_max": "The top of the scale must be above its bottom."})
    question = Question(
        survey=survey,
        order=_next_order(survey),
        kind=kind,
        instrument="custom",
        text=text,
        required=required,
        options=options,
        scale_min=scale_min,
        scale_max=scale_max,
        low_label=low_label,
        high_label=high_label,
        help_text=help_text,
    )
    question.full_clean()
    question.save()
    _touch(survey)
    return question


@transaction.atomic
def question_delete(*, question: Question) -> None:
    _editable(question.survey)
    question.delete()
    _touch(question.survey)


@transaction.atomic
def question_move(*, question: Question, direction: int) -> None:
    """Swap a question with its neighbour above (-1) or below (+1)."""
    siblings = list(question.survey.questions.order_by("order", "id"))
    index = next(i for i, q in enumerate(siblings) if q.pk == question.pk)
    other = index + (1 if direction > 0 else -1)
    if not 0 <= other < len(siblings):
        return
    siblings[index], siblings[other] = siblings[other], siblings[index]
    for order, q in enumerate(siblings, start=1):
        if q.order != order:
            Question.objects.filter(pk=q.pk).update(order=order)
    _touch(question.survey)


@transaction.atomic
def questions_copy(*, source: Survey, target: Survey) -> list[Question]:
    """Copy every question of `source` to `target` (a new round), follow-up links included."""
    mapping: dict[int, int] = {}
    copies = []
    for q in source.questions.order_by("order", "id"):
        old_pk, follows = q.pk, q.follows_id
        q.pk, q.survey, q.follows_id = None, target, mapping.get(follows) if follows else None
        q.save()
        mapping[old_pk] = q.pk
        copies.append(q)
    _touch(target)
    return copies


@transaction.atomic
def survey_open(*, survey: Survey, today: dt.date | None = None) -> Survey:
    if not survey.questions.exists():
        raise SurveyError("Add at least one question before opening the survey.")
    survey.status = SurveyStatus.OPEN
    if survey.opens_on is None:
        survey.opens_on = today or timezone.localdate()
        survey.period_start = survey.period_start or survey.opens_on
    survey.full_clean()
    survey.save()
    return survey


@transaction.atomic
def survey_close(*, survey: Survey) -> Survey:
    survey.status = SurveyStatus.CLOSED
    survey.save(update_fields=["status", "updated_at"])
    return survey
