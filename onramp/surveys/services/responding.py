"""Answering a survey through a personal link."""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init
from django.utils import timezone

from onramp.catalog.models import Service
from onramp.core.models import User
from onramp.core.outbox import chat_channels, outbox_enqueue
from onramp.org.models import OrgUnit, Person
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


# The public response page is the one page every invitee opens, often all at once after an
# email goes out: its reads are plain SQL on the unique token hash and the survey's id, turned
# into model instances with the ORM's own converters, instead of querysets that Django compiles
# anew on every request (select_related over four joins cost more than everything else on the
# page; docs/performance.md, "Survey submissions").

# The columns the link's page, its validity, anonymous placement and follow-ups read; the
# others are deferred (read on first access, like .only()).
_LINK_FIELDS: tuple[tuple[type[Model], str, tuple[str, ...]], ...] = (
    (Invitation, "i", ("id", "survey", "person", "token_hash", "responded")),
    (
        Survey,
        "s",
        (
            "id",
            "updated_at",
            "service",
            "rollout",
            "wave",
            "title",
            "intro",
            "anonymity",
            "status",
            "opens_on",
            "closes_on",
            "min_group",
        ),
    ),
    (Service, "sv", ("id", "updated_at", "name", "owner")),
    (Person, "p", ("id", "name", "email", "title", "unit")),
    (OrgUnit, "u", ("id", "code", "name", "path")),
)


def _plain_init(model: type[Model]) -> bool:
    """Whether Model.__init__ would only set the fields' attributes of a `model` instance: no
    __init__ of its own, no receiver of pre_init or post_init for it (checked when the page's
    queries are first built, after every app connected its receivers)."""
    return (
        model.__init__ is Model.__init__
        and not pre_init.has_listeners(model)
        and not post_init.has_listeners(model)
    )


def _instance(
    model: type[Model], db: str, attnames: tuple[str, ...], values: Any, plain: bool
) -> Model:
    """An instance of `model` as loaded from the database (Model.from_db) with the fields of
    `attnames` set to `values`, the others deferred (read on first access). When `plain`
    (_plain_init), without going through Model.__init__, which costs ~15 µs for what comes
    down to setting these attributes."""
    if not plain:
        return model.from_db(db, attnames, values)
    obj = model.__new__(model)
    state = obj._state = ModelState()
    state.adding, state.db = False, db
    obj.__dict__.update(zip(attnames, values, strict=True))
    return obj


@dataclass(frozen=True)
class _Columns:
    """How to turn a slice of a raw row into an instance of `model`: the attribute names of the
    selected fields (the order of the SELECT) and the converters the ORM would apply."""

    model: type[Model]
    attnames: tuple[str, ...]
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]
    plain: bool

    def build(
        self,
        values: list[Any] | tuple[Any, ...],
        db: str,
        connection: BaseDatabaseWrapper | None = None,
    ) -> Model:
        values = list(values)
        if self.converters:
            connection = connection or connections[db]
            for i, funcs, expression in self.converters:
                for convert in funcs:
                    values[i] = convert(values[i], expression, connection)
        return _instance(self.model, db, self.attnames, values, self.plain)


def _columns(
    model: type[Model], alias: str, db: str, names: tuple[str, ...] | None = None
) -> tuple[str, _Columns]:
    """The SELECT list of the named fields of `model` (all concrete fields if None) under the
    table alias, and its _Columns."""
    connection = connections[db]
    quote = connection.ops.quote_name
    if names is None:
        fields = list(model._meta.concrete_fields)
    else:  # in the model's order, as Model.from_db expects
        fields = [f for f in model._meta.concrete_fields if f.name in names]
        if len(fields) != len(names):
            raise LookupError(f"{model.__name__} lacks one of the fields {names}.")
    converters = []
    for i, field in enumerate(fields):
        col = field.get_col(alias)
        funcs = tuple(connection.ops.get_db_converters(col)) + tuple(
            col.get_db_converters(connection)
        )
        if funcs:
            converters.append((i, funcs, col))
    select = ", ".join(f"{quote(alias)}.{quote(f.column)}" for f in fields)
    attnames = tuple(f.attname for f in fields)
    return select, _Columns(model, attnames, tuple(converters), _plain_init(model))


def _driver_cursor(connection: BaseDatabaseWrapper) -> Any:
    """A cursor of the database driver itself, opened as Django opens its own (the connection's
    health check, then connecting if needed): the statements of the response page run on it
    through _execute, without Django's cursor wrapper, which costs more on this path (~20 µs
    a statement, ~15 µs a cursor) than SQLite takes to run them. Close it after use."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        return connection.create_cursor()


def _execute(connection: BaseDatabaseWrapper, cursor: Any, sql: str, params: list[Any]) -> None:
    """Run a statement on a _driver_cursor as Django's cursor would: the driver's errors
    raised as Django's (the 503 page of a database outage relies on them), none in a
    transaction already marked for rollback, and the statement logged whenever Django logs
    queries (DEBUG, the tests' CaptureQueriesContext)."""
    connection.validate_no_broken_transaction()
    if not connection.queries_logged:
        with connection.wrap_database_errors:
            cursor.execute(sql, params)
        return
    start = time.monotonic()
    try:
        with connection.wrap_database_errors:
            cursor.execute(sql, params)
    finally:
        connection.queries_log.append(
            {
                "sql": connection.ops.last_executed_query(cursor, sql, params),
                "time": f"{time.monotonic() - start:.3f}",
            }
        )


@functools.cache
def _link_query(db: str) -> tuple[str, tuple[_Columns, ...]]:
    quote = connections[db].ops.quote_name
    parts = [_columns(model, alias, db, names) for model, alias, names in _LINK_FIELDS]
    table = {model: quote(model._meta.db_table) for model, _, _ in _LINK_FIELDS}
    sql = (
        f"SELECT {', '.join(select for select, _ in parts)} "
        f"FROM {table[Invitation]} i "
        f"INNER JOIN {table[Survey]} s ON s.id = i.survey_id "
        f"INNER JOIN {table[Service]} sv ON sv.id = s.service_id "
        f"INNER JOIN {table[Person]} p ON p.id = i.person_id "
        f"LEFT OUTER JOIN {table[OrgUnit]} u ON u.id = p.unit_id "
        "WHERE i.token_hash = %s"
    )
    return sql, tuple(columns for _, columns in parts)


@functools.cache
def _questions_query(db: str) -> tuple[str, _Columns]:
    select, columns = _columns(Question, "q", db)
    quote = connections[db].ops.quote_name
    sql = (
        f"SELECT {select} FROM {quote(Question._meta.db_table)} q "
        f"WHERE q.survey_id = %s ORDER BY q.{quote('order')}, q.id"
    )
    return sql, columns


@dataclass
class _CachedSurvey:
    """A survey and its service as built from a link's row, with the survey's questions once
    read: shared by the requests of one process while that row's survey and service columns are
    the same (`key`). Shared, so never changed by a request."""

    key: tuple[Any, ...]
    survey: Survey
    questions: list[Question] | None = None
    # The survey's shape as last read from the cache, and until when (time.monotonic()) it is
    # used without reading the cache again.
    shape: SurveyShape | None = None
    shape_until: float = 0.0


# Per process, by survey id. Every link's query reads the survey's and service's columns anyway,
# so a cached survey is used only while they are all unchanged: any edit of the survey (its
# status, dates, title...) or of its service's name makes a new entry, in every process, on its
# next request. Questions are not in that row: the services that change them touch the
# survey's `updated_at` (building.py, `_touch`), which is.
_SURVEYS: dict[int, _CachedSurvey] = {}
_SURVEYS_MAX = 256


def _survey_of(
    values: tuple[Any, ...], db: str, connection: BaseDatabaseWrapper | None = None
) -> Survey:
    """The survey (with its service) of the link's row slice `values` (survey then service
    columns, raw): the cached one while those columns are unchanged, else built from them."""
    cached = _SURVEYS.get(values[0])
    if cached is not None and cached.key == values:
        return cached.survey
    _, survey_columns, service_columns, _, _ = _link_query(db)[1]
    split = len(survey_columns.attnames)
    survey = survey_columns.build(values[:split], db, connection)
    survey.service = service_columns.build(values[split:], db, connection)
    if len(_SURVEYS) >= _SURVEYS_MAX:
        _SURVEYS.clear()
    _SURVEYS[survey.pk] = _CachedSurvey(values, survey)
    return survey


def invitation_for_token(raw: str, *, today: dt.date | None = None) -> Invitation:
    """The open, unanswered invitation behind a raw token, or InvalidToken. Its survey (with
    the service) and its person (with the unit) come in the same query."""
    if not raw or len(raw) > 100:
        raise InvalidToken
    db = router.db_for_read(Invitation)
    connection = connections[db]
    sql, columns = _link_query(db)
    cursor = _driver_cursor(connection)
    try:
        _execute(connection, cursor, sql, [hash_survey_token(raw)])
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is None:
        raise InvalidToken
    invitation_columns, survey_columns, service_columns, person_columns, unit_columns = columns
    survey_at = len(invitation_columns.attnames)
    person_at = survey_at + len(survey_columns.attnames) + len(service_columns.attnames)
    unit_at = person_at + len(person_columns.attnames)
    invitation = invitation_columns.build(row[:survey_at], db, connection)
    if invitation.responded:
        raise InvalidToken
    survey = _survey_of(tuple(row[survey_at:person_at]), db, connection)
    today = today or timezone.localdate()
    if survey.status != SurveyStatus.OPEN:
        raise InvalidToken
    if (survey.opens_on and today < survey.opens_on) or (
        survey.closes_on and today > survey.closes_on
    ):
        raise InvalidToken
    person = person_columns.build(row[person_at:unit_at], db, connection)
    unit = None if row[unit_at] is None else unit_columns.build(row[unit_at:], db, connection)
    # The related objects cached as their descriptors would (their ids are already those of
    # the row), without the descriptors' checks of instances just built from one row.
    Person.unit.field.set_cached_value(person, unit)
    Invitation.survey.field.set_cached_value(invitation, survey)
    Invitation.person.field.set_cached_value(invitation, person)
    return invitation


def survey_questions(survey: Survey) -> list[Question]:
    """The survey's questions in order. Read once per process for a survey that came with a
    link (invitation_for_token) and kept with it until the survey changes (the services that
    change questions touch it); otherwise one plain query."""
    cached = _SURVEYS.get(survey.pk)
    if cached is not None and cached.survey is survey and cached.questions is not None:
        return list(cached.questions)
    db = router.db_for_read(Question)
    sql, columns = _questions_query(db)
    with connections[db].cursor() as cursor:
        cursor.execute(sql, [survey.pk])
        rows = cursor.fetchall()
    questions = [columns.build(row, db) for row in rows]
    for q in questions:
        q.survey = survey
    if cached is not None and cached.survey is survey:
        cached.questions = questions
    return list(questions)


def visible_questions(survey: Survey, scores: dict[int, int | None]) -> list[Question]:
    """The questions shown given the scores answered so far (follow-ups depend on them)."""
    return [
        q
        for q in survey.questions.all()
        if q.shows_for(scores.get(q.follows_id) if q.follows_id else None)
    ]


def clean_answers(
    survey: Survey, raw: dict[str, Any], *, questions: list[Question] | None = None
) -> dict[int, dict[str, Any]]:
    """Validate posted answers (keys "q<id>", lists for multiple choice) against the questions
    (the survey's, read unless given). Returns question id -> {score, text, choices}; raises
    ValidationError with a message per question."""
    if questions is None:
        questions = survey_questions(survey)
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
# Seconds a process uses the shape it read from the cache before reading it again (unpickling
# it from the cache costs as much as the rest of the anonymous placement).
SHAPE_KEPT = 10.0


def _shape_key(survey_id: int) -> str:
    return f"onramp:survey-shape:{survey_id}"


def survey_shape(survey: Survey) -> SurveyShape:
    """Invitations are only ever added, so a cached shape can only under-count: placement from
    it is coarser than needed, never finer. Distribution drops the cache; a process that kept
    the shape of a survey that came with a link (invitation_for_token) reads the cache again
    within SHAPE_KEPT seconds."""
    kept = _SURVEYS.get(survey.pk)
    if kept is None or kept.survey is not survey:
        kept = None
    elif kept.shape is not None and time.monotonic() < kept.shape_until:
        return kept.shape
    shape = cache.get(_shape_key(survey.pk))
    if shape is None:
        shape = _shape_compute(survey)
        cache.set(_shape_key(survey.pk), shape, SHAPE_TTL)
    if kept is not None:
        kept.shape, kept.shape_until = shape, time.monotonic() + SHAPE_KEPT
    return shape


def _shape_compute(survey: Survey) -> SurveyShape:
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
    return SurveyShape(dict(subtree), dict(titles), waves)


def survey_shape_forget(survey_id: int) -> None:
    cache.delete(_shape_key(survey_id))
    kept = _SURVEYS.get(survey_id)
    if kept is not None:
        kept.shape = None


def coarse_unit_id(survey: Survey, person: Person, shape: SurveyShape | None = None) -> int | None:
    """The person's unit, or the nearest ancestor holding at least min_group invitees of this
    survey: in anonymous mode, a response is never placed in a group smaller than that."""
    if person.unit_id is None:
        return None
    shape = shape or survey_shape(survey)
    return place_in_unit(shape.subtree, person.unit.path, survey.min_group)


def place_in_unit(subtree: dict[str, int], unit_path: str, min_group: int) -> int | None:
    """The id of the lowest unit on `unit_path` (itself, then up to the root) whose subtree
    holds at least min_group invitees; None when even the root holds fewer."""
    parts = unit_path.strip("/").split("/")
    for i in range(len(parts), 0, -1):
        if subtree.get("/" + "/".join(parts[:i]) + "/", 0) >= min_group:
            return int(parts[i - 1])
    return None


def coarse_title(survey: Survey, person: Person, shape: SurveyShape | None = None) -> str:
    if not person.title:
        return ""
    same = (shape or survey_shape(survey)).titles.get(person.title.lower(), 0)
    return person.title if same >= survey.min_group else ""


def _wave_id_of(survey: Survey, person: Person, shape: SurveyShape | None = None) -> int | None:
    """The wave of the survey's rollout that targets the person, found from the person's unit:
    a wave whose units contain it, a company-wide wave last (it takes whoever the others left)."""
    if survey.wave_id:
        return survey.wave_id
    if survey.rollout_id is None or person.unit_id is None:
        return None
    path = person.unit.path
    for wave_id, paths in (shape or survey_shape(survey)).waves:
        if any(path.startswith(p) for p in paths):
            return wave_id
    return None


def response_submit(
    *,
    raw_token: str,
    answers: dict[str, Any],
    today: dt.date | None = None,
    invitation: Invitation | None = None,
    questions: list[Question] | None = None,
) -> Response:
    """Store one response for the invitation behind `raw_token`. In anonymous mode the response
    keeps no link to the person or the invitation: only the invitation's `responded` flag flips.

    Everything that only reads (the link, the questions, validation, anonymous placement) is
    done before the transaction; the transaction holds the writes alone, so that on SQLite the
    database's single write lock is held as briefly as possible."""
    today = today or timezone.localdate()
    if invitation is None or invitation.token_hash != hash_survey_token(raw_token):
        invitation = invitation_for_token(raw_token, today=today)
    survey, person = invitation.survey, invitation.person
    cleaned = clean_answers(survey, answers, questions=questions)
    anonymous = survey.anonymity == Anonymity.ANONYMOUS
    # The cached shape, read once (anonymous placement; the wave of a rollout-wide survey).
    shape = (
        survey_shape(survey) if anonymous or (survey.rollout_id and not survey.wave_id) else None
    )
    # The response's columns by field name, then its INSERT's parameters, all prepared
    # before the transaction. Ids and text are stored as they are; the date as the ORM
    # stores it.
    values = {
        "survey": survey.pk,
        "invitation": None if anonymous else invitation.pk,
        "person": None if anonymous else person.pk,
        "unit": coarse_unit_id(survey, person, shape) if anonymous else person.unit_id,
        "wave": _wave_id_of(survey, person, shape),
        "job_title": coarse_title(survey, person, shape) if anonymous else person.title,
        "submitted_on": today,
        "source": _RESPONSE_SOURCE,
        "external_id": "",
    }
    db = router.db_for_write(Response)
    connection = connections[db]
    insert, fields, returning = _insert_query(db, Response, 1)
    params = [values[f.name] for f in fields]  # a new field fails here, loudly
    params[_SUBMITTED_ON] = connection.ops.adapt_datefield_value(today)
    answers_params = _answers_params(connection, cleaned)
    # The instance returned, made here too (its id is set once known).
    response = _instance(
        Response,
        db,
        tuple(f.attname for f in fields),
        tuple(values[f.name] for f in fields),
        _plain_response(),
    )
    Response.survey.field.set_cached_value(response, survey)
    with transaction.atomic(using=db):
        cursor = _driver_cursor(connection)
        try:
            # Claim the invitation with one conditional update: of two submissions with one
            # token, exactly one changes the row; the other finds it answered and stops. A
            # survey closed since the link was read claims nothing either.
            if not _claim(connection, cursor, db, invitation):
                raise InvalidToken
            _execute(connection, cursor, insert, params)
            if returning:
                response.pk = cursor.fetchone()[0]
            else:
                table, pk = Response._meta.db_table, Response._meta.pk.column
                response.pk = connection.ops.last_insert_id(cursor, table, pk)
            if answers_params:
                _insert_answers(connection, cursor, db, response.pk, answers_params)
        finally:
            cursor.close()
        if not anonymous:
            response.invitation, response.person = invitation, person
            _notify_detractor(survey, response, person, cleaned)
    return response


_RESPONSE_SOURCE = Response._meta.get_field("source").get_default()
# The place of submitted_on among the INSERT's parameters (the fields of _insert_query).
_SUBMITTED_ON = [f.name for f in Response._meta.concrete_fields if not f.primary_key].index(
    "submitted_on"
)


@functools.cache
def _plain_response() -> bool:
    return _plain_init(Response)


@functools.cache
def _claim_query(db: str) -> str:
    quote = connections[db].ops.quote_name
    return (
        f"UPDATE {quote(Invitation._meta.db_table)} SET responded = %s "
        "WHERE id = %s AND responded = %s AND survey_id IN "
        f"(SELECT id FROM {quote(Survey._meta.db_table)} WHERE id = %s AND status = %s)"
    )


@functools.cache
def _insert_query(db: str, model: type[Model], rows: int) -> tuple[str, tuple[Field, ...], bool]:
    connection = connections[db]
    quote = connection.ops.quote_name
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES {', '.join([row] * rows)}"
    )
    returning = rows == 1 and connection.features.can_return_columns_from_insert
    if returning:
        sql += f" RETURNING {quote(model._meta.pk.column)}"
    return sql, fields, returning


def _answers_params(
    connection: BaseDatabaseWrapper, cleaned: dict[int, dict[str, Any]]
) -> list[list[Any]]:
    """The INSERT parameters of each answer of clean_answers(), without making an Answer of
    each: their values are already what the columns hold (ids, scores, text), except the list
    of choices, which its field turns into JSON as the ORM does. The response's id, not known
    yet, is None here (_insert_answers sets it)."""
    _, fields, _ = _insert_query(connection.alias, Answer, 1)
    choices = Answer._meta.get_field("choices")
    no_choice = _no_choice(connection.alias)
    rows = []
    for question_id, values in cleaned.items():
        row = {
            "response": None,
            "question": question_id,
            "score": values["score"],
            "text": values["text"],
            "choices": (
                no_choice
                if no_choice is not None and not values["choices"]
                else choices.get_db_prep_save(values["choices"], connection)
            ),
        }
        rows.append([row[f.name] for f in fields])  # a new field fails here, loudly
    return rows


@functools.cache
def _no_choice(db: str) -> str | None:
    """An empty list of choices as its field stores it, when that is plain text (SQLite: "[]"),
    which can serve every answer without choices (most of them: scores and text); else None
    (PostgreSQL's driver takes a wrapper object, made for each answer)."""
    prepared = Answer._meta.get_field("choices").get_db_prep_save([], connections[db])
    return prepared if isinstance(prepared, str) else None


_ANSWER_RESPONSE = [f.name for f in Answer._meta.concrete_fields if not f.primary_key].index(
    "response"
)


def _insert_answers(
    connection: BaseDatabaseWrapper, cursor: Any, db: str, response_id: int, rows: list[list[Any]]
) -> None:
    """INSERT the answers (_answers_params) of the response `response_id` in one statement."""
    sql, _, _ = _insert_query(db, Answer, len(rows))
    params: list[Any] = []
    for row in rows:
        row[_ANSWER_RESPONSE] = response_id
        params.extend(row)
    _execute(connection, cursor, sql, params)


def _claim(connection: BaseDatabaseWrapper, cursor: Any, db: str, invitation: Invitation) -> bool:
    """Mark the invitation answered if it was not and its survey is still open: True when
    this call did it."""
    _execute(
        connection,
        cursor,
        _claim_query(db),
        [True, invitation.pk, False, invitation.survey_id, SurveyStatus.OPEN.value],
    )
    return cursor.rowcount == 1


def _notify_detractor(
    survey: Survey, response: Response, person: Person, cleaned: dict[int, dict[str, Any]]
) -> None:
    """Tell the service owner, once: by email and by Slack/Teams direct message (found by their
    email address) when those are configured, and on each configured chat channel's webhook."""
    from onramp.core.chat import personal_chat_channels

    nps_ids = set(survey.questions.filter(kind=QuestionKind.NPS).values_list("id", flat=True))
    scores = [v["score"] for qid, v in cleaned.items() if qid in nps_ids and v["score"] is not None]
    if not scores or min(scores) > 6 or survey.service.owner_id is None:
        return
    # Read here, not through survey.service: that service may be the one shared by the
    # process's requests (invitation_for_token), which must not keep a user's details.
    owner = User.objects.get(pk=survey.service.owner_id)
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
