"""Surveys over HTTP: building, distributing, results (through the anonymity rules) and imports.

The same services and selectors as the web pages; the same access rules (a survey is seen by
whoever may read its service, changed by whoever may edit it). Results never carry a value for a
group under the survey's minimum size: `suppressed` is true and `value` null instead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from onramp.api import api_access, errors
from onramp.catalog.models import Service
from onramp.catalog.selectors import service_can_edit, service_can_read, service_list
from onramp.core.access import MANAGE, READ, ensure
from onramp.surveys import selectors, services
from onramp.surveys.instruments import INSTRUMENTS
from onramp.surveys.models import Anonymity, Delivery, Recurrence, Survey, SurveyStatus
from onramp.surveys.services.distribution import audience

router = Router(tags=["surveys"])


class QuestionOut(Schema):
    id: int
    order: int
    kind: str
    instrument: str
    item: str
    text: str
    required: bool
    scale_min: int | None
    scale_max: int | None
    options: list[str]
    follows_id: int | None
    show_min: int | None
    show_max: int | None


class SurveyOut(Schema):
    id: int
    service: str = Field(description="The service's slug.")
    title: str
    anonymity: Anonymity
    status: SurveyStatus
    opens_on: dt.date | None
    closes_on: dt.date | None
    min_group: int
    min_comments: int
    recurrence: Recurrence
    delivery: Delivery = Field(
        description="How invitations, reminders and rounds go out: email, slack_dm or teams_dm."
    )
    round_number: int
    rollout_id: int | None
    wave_id: int | None
    questions: list[QuestionOut]

    @staticmethod
    def resolve_service(survey: Survey) -> str:
        return survey.service.slug

    @staticmethod
    def resolve_questions(survey: Survey) -> list[Any]:
        return list(survey.questions.all())


class SurveyIn(Schema):
    service: str = Field(description="The service's slug.")
    title: str = Field(min_length=1, max_length=200)
    intro: str = ""
    anonymity: Anonymity = Anonymity.ANONYMOUS
    opens_on: dt.date | None = None
    closes_on: dt.date | None = None
    min_group: int = Field(5, ge=3, le=100)
    min_comments: int = Field(8, ge=3, le=100)
    recurrence: Recurrence = Recurrence.NONE
    delivery: Delivery = Field(
        Delivery.EMAIL,
        description="email, or slack_dm / teams_dm when configured on this Onramp (a person is "
        "found by their email address).",
    )
    rollout_id: int | None = None
    wave_id: int | None = None
    instruments: list[str] = Field(
        default_factory=list, description=f"Any of: {', '.join(INSTRUMENTS)}."
    )


class QuestionIn(Schema):
    instrument: str | None = Field(
        None, description="Add a standard instrument; the other fields are then ignored."
    )
    kind: Literal["scale", "single", "multi", "short_text", "long_text"] | None = None
    text: str = Field("", max_length=500)
    required: bool = True
    options: list[str] = Field(default_factory=list)
    scale_min: int | None = None
    scale_max: int | None = None


class DistributeIn(Schema):
    rollout: bool = Field(False, description="Everyone in the survey's rollout.")
    wave: bool = Field(False, description="Everyone in the survey's wave.")
    units: list[str] = Field(
        default_factory=list, description="Org unit codes (units below included)."
    )
    title_contains: str = Field("", description="People whose job title contains this text.")
    people: list[str] = Field(default_factory=list, description="Employee ids or emails.")


class DistributeOut(Schema):
    invited: int
    already_invited: int
    skipped_recent: int
    skipped_no_email: int
    channel: Delivery = Field(description="How these invitations went out.")
    summary: str


class FigureOut(Schema):
    key: str
    label: str
    n: int
    value: float | None
    suppressed: bool
    unit: str
    formula: str
    scale: str
    detail: dict[str, Any]


class ResultsOut(Schema):
    survey_id: int
    invited: int
    responses: int
    response_rate: float | None
    suppressed: bool
    min_group: int
    figures: list[FigureOut]


class BreakdownRowOut(Schema):
    group: str
    n: int | None = Field(description="Null when the group is too small to show even its size.")
    figures: list[FigureOut]


class ImportOut(Schema):
    format: str
    new: int
    duplicates: int
    errors: list[dict[str, Any]]
    applied: bool
    message: str


class SurveyFilters(Schema):
    service: str | None = Field(None, description="A service's slug.")
    status: SurveyStatus | None = None


def _survey(request: HttpRequest, pk: int, *, edit: bool = False) -> Survey:
    survey = Survey.objects.select_related("service").filter(pk=pk).first()
    if survey is None or not service_can_read(request.auth, survey.service):
        raise Http404
    if edit:
        ensure(
            service_can_edit(request.auth, survey.service),
            "Only the service's owner or a PMO admin can change its surveys.",
        )
    return survey


def _figure(f: selectors.Figure) -> dict[str, Any]:
    return {
        "key": f.key,
        "label": f.label,
        "n": f.n,
        "value": selectors.nan_to_none(f.value),
        "suppressed": f.suppressed,
        "unit": f.unit,
        "formula": f.formula,
        "scale": f.scale,
        "detail": {
            k: selectors.nan_to_none(v) if isinstance(v, float) else v for k, v in f.detail.items()
        },
    }


@router.get("/", response={200: list[SurveyOut], **errors(401, 403, 422)})
@paginate(PageNumberPagination, page_size=25)
@api_access(READ)
def survey_list(request: HttpRequest, filters: Query[SurveyFilters]):
    qs = selectors.survey_list(services=service_list(user=request.auth)).prefetch_related(
        "questions"
    )
    if filters.service:
        qs = qs.filter(service__slug=filters.service)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return qs


@router.post("/", response={201: SurveyOut, **errors(401, 403, 404, 422)})
@api_access(MANAGE)
def survey_create(request: HttpRequest, payload: SurveyIn):
    service = Service.objects.filter(slug=payload.service).first()
    if service is None or not service_can_read(request.auth, service):
        raise Http404
    ensure(
        service_can_edit(request.auth, service),
        "Only the service's owner or a PMO admin can add surveys to it.",
    )
    unknown = [k for k in payload.instruments if k not in INSTRUMENTS]
    if unknown:
        raise ValidationError({"instruments": [f"Unknown instrument(s): {', '.join(unknown)}."]})
    from onramp.rollout.models import Rollout, Wave

    rollout = Rollout.objects.filter(pk=payload.rollout_id).first() if payload.rollout_id else None
    wave = Wave.objects.filter(pk=payload.wave_id).first() if payload.wave_id else None
    if (payload.rollout_id and rollout is None) or (payload.wave_id and wave is None):
        raise ValidationError({"rollout_id": ["No such rollout or wave."]})
    data = payload.dict(exclude={"service", "rollout_id", "wave_id"})
    survey = services.survey_create(
        service=service, created_by=request.auth, rollout=rollout, wave=wave, **data
    )
    return Status(201, survey)


@router.get("/{int:pk}", response={200: SurveyOut, **errors(401, 403, 404, 422)})
@api_access(READ)
def survey_detail(request: HttpRequest, pk: int):
    return _survey(request, pk)


@router.post("/{int:pk}/questions", response={201: SurveyOut, **errors(401, 403, 404, 422)})
@api_access(MANAGE)
def question_add(request: HttpRequest, pk: int, payload: QuestionIn):
    survey = _survey(request, pk, edit=True)
    if payload.instrument:
        services.instrument_add(survey=survey, key=payload.instrument)
    else:
        if not payload.kind or not payload.text.strip():
            raise ValidationError(
                {"kind": ["Give the kind and text of a custom question, or an instrument."]}
            )
        services.question_add(
            survey=survey,
            kind=payload.kind,
            text=payload.text,
            required=payload.required,
            options=payload.options,
            scale_min=payload.scale_min,
            scale_max=payload.scale_max,
        )
    return Status(201, survey)


@router.post("/{int:pk}/open", response={200: SurveyOut, **errors(401, 403, 404, 422)})
@api_access(MANAGE)
def survey_open(request: HttpRequest, pk: int):
    return services.survey_open(survey=_survey(request, pk, edit=True))


@router.post("/{int:pk}/close", response={200: SurveyOut, **errors(401, 403, 404, 422)})
@api_access(MANAGE)
def survey_close(request: HttpRequest, pk: int):
    return services.survey_close(survey=_survey(request, pk, edit=True))


@router.post("/{int:pk}/distribute", response={200: DistributeOut, **errors(401, 403, 404, 422)})
@api_access(MANAGE)
def survey_distribute(request: HttpRequest, pk: int, payload: DistributeIn):
    survey = _survey(request, pk, edit=True)
    from onramp.org.models import OrgUnit

    found = dict(OrgUnit.objects.filter(code__in=payload.units).values_list("code", "id"))
    missing = [c for c in payload.units if c not in found]
    if missing:
        raise ValidationError({"units": [f"Unknown unit code(s): {', '.join(missing)}."]})
    ids = audience(
        survey=survey,
        rollout=payload.rollout,
        wave=payload.wave,
        unit_ids=found.values(),
        title_contains=payload.title_contains.strip(),
        identifiers=payload.people,
    )
    if not ids:
        raise ValidationError(
            {"__all__": ["Nobody matches: choose the rollout, the wave, units, a role or a list."]}
        )
    result = services.survey_distribute(survey=survey, person_ids=ids)
    return {**result.__dict__, "summary": result.summary()}


@router.post("/{int:pk}/remind", response={200: dict[str, int], **errors(401, 403, 404, 422)})
@api_access(MANAGE)
def survey_remind(request: HttpRequest, pk: int):
    return {"reminded": services.survey_remind(survey=_survey(request, pk, edit=True))}


@router.get("/{int:pk}/results", response={200: ResultsOut, **errors(401, 403, 404, 422)})
@api_access(READ)
def survey_results(request: HttpRequest, pk: int):
    survey = _survey(request, pk)
    r = selectors.survey_results(survey)
    return {
        "survey_id": survey.pk,
        "invited": r.invited,
        "responses": r.responses,
        "response_rate": r.response_rate,
        "suppressed": r.suppressed,
        "min_group": survey.min_group,
        "figures": [_figure(f) for f in r.figures],
    }


class BreakdownQuery(Schema):
    by: Literal["wave", "unit", "title"] = "wave"
    level: int = Field(1, ge=0, le=6, description="For units: tree depth (1 = divisions).")


@router.get(
    "/{int:pk}/breakdown", response={200: list[BreakdownRowOut], **errors(401, 403, 404, 422)}
)
@api_access(READ)
def survey_breakdown(request: HttpRequest, pk: int, query: Query[BreakdownQuery]):
    survey = _survey(request, pk)
    rows = selectors.breakdown([survey.pk], by=query.by, k=survey.min_group, level=query.level)
    return [
        {
            "group": r.label,
            "n": r.n if r.n_shown else None,
            "figures": [_figure(f) for f in r.figures.values()],
        }
        for r in rows
    ]


@router.post("/{int:pk}/import", response={200: ImportOut, **errors(401, 403, 404, 422)})
@api_access(MANAGE)
def survey_import(
    request: HttpRequest,
    pk: int,
    file: File[UploadedFile],
    dry_run: Form[bool] = True,
    format: Form[Literal["auto", "msforms", "surveymonkey"]] = "auto",
):
    """Import responses exported from Microsoft Forms or SurveyMonkey. Columns map to questions
    by their text. With dry_run (the default) nothing is written."""
    from onramp.surveys.services import importing

    survey = _survey(request, pk, edit=True)
    plan = importing.responses_import_preview(
        survey=survey, data=file.read(), filename=file.name or "upload.csv", fmt=format
    )
    errors_out = [
        {"file": e.file, "row": e.row, "column": e.column, "message": e.message}
        for e in plan.errors
    ]
    applied, message = False, f"{plan.new} responses ready to import."
    if not dry_run and not plan.errors:
        message, applied = importing.responses_import_apply(plan=plan), True
    elif plan.errors:
        message = "The file has errors: nothing was imported."
    return {
        "format": plan.fmt,
        "new": plan.new,
        "duplicates": plan.duplicates,
        "errors": errors_out,
        "applied": applied,
        "message": message,
    }
