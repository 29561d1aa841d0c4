"""Adoption over HTTP: send usage events in batches, see imports, map unmatched identities,
read and set the rule, and read the adoption metrics of a scope. The same services and access
rules as the pages: read with the service, write as its owner or a PMO admin."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from onramp.adoption import selectors, services
from onramp.adoption.models import UnmatchedIdentity
from onramp.api import MAX_ID, Pages, api_access, errors
from onramp.catalog.models import Service
from onramp.catalog.selectors import service_can_edit, service_can_read
from onramp.core.access import MANAGE, READ, ensure
from onramp.core.metrics import Scope, all_metrics, measure
from onramp.core.tabular import TableError
from onramp.org.models import Person, Project
from onramp.rollout.models import Rollout, Wave

router = Router(tags=["adoption"])
MAX_EVENTS = 10_000
CANNOT_EDIT = "Only the service's owner or a PMO admin can send usage or change the rule."


def _service(request: HttpRequest, slug: str, *, edit: bool = False) -> Service:
    service = Service.objects.filter(slug=slug).first()
    if service is None or not service_can_read(request.auth, service):
        raise Http404
    if edit:
        ensure(service_can_edit(request.auth, service), CANNOT_EDIT)
    return service


class EventIn(Schema):
    timestamp: str = Field(description="ISO 8601 date and time, e.g. 2026-03-02T09:30:00.")
    user: str | None = Field(None, max_length=254, description="Email or employee id.")
    project: str | None = Field(None, max_length=64, description="Project code.")
    action: str = Field("", max_length=120)
    count: int = Field(1, ge=0, le=1_000_000)


class EventsIn(Schema):
    service: str = Field(description="The service's slug.")
    mode: Literal["add", "replace"] = Field(
        "add", description="add: events add to the days they fall on; replace: they replace them."
    )
    events: list[EventIn] = Field(min_length=1, max_length=MAX_EVENTS)


class BatchOut(Schema):
    id: int
    file_name: str
    sha256: str
    mode: str
    source: str
    events: int
    rows: int
    skipped_rows: int
    unmatched: int
    first_day: dt.date | None
    last_day: dt.date | None
    days: int
    created_at: dt.datetime


class IngestOut(Schema):
    duplicate: bool
    summary: str
    batch: BatchOut | None


class UnmatchedOut(Schema):
    id: int
    identity: str
    events: int
    first_day: dt.date
    last_day: dt.date
    mapped_to: str | None = Field(None, description="Employee id of the person, if mapped.")
    mapped_project: str | None = Field(None, description="Code of the project, if mapped.")

    @staticmethod
    def resolve_mapped_to(u: UnmatchedIdentity) -> str | None:
        return u.mapped_to.employee_id if u.mapped_to_id else None

    @staticmethod
    def resolve_mapped_project(u: UnmatchedIdentity) -> str | None:
        return u.mapped_project.code if u.mapped_project_id else None


class MapIn(Schema):
    person: str | None = Field(None, max_length=254, description="Employee id or email.")
    project: str | None = Field(None, max_length=64, description="Project code.")


class RuleIO(Schema):
    qualifying_actions: list[str] = Field(default_factory=list)
    min_active_days: int = Field(1, ge=1, le=366, description="k")
    window_days: int = Field(28, ge=1, le=366, description="W")


class RuleOut(RuleIO):
    service: str
    adopter_kind: str
    text: str


class ServiceQuery(Schema):
    service: str = Field(description="The service's slug.")
    mapped: bool = False


class MetricsQuery(Schema):
    rollout: int | None = Field(None, ge=1, le=MAX_ID)
    wave: int | None = Field(None, ge=1, le=MAX_ID)
    as_of: dt.date | None = Field(None, ge=dt.date(1900, 1, 1), le=dt.date(2999, 12, 31))


class MeasurementOut(Schema):
    key: str
    label: str
    value: float | None
    n: int
    unit: str
    definition: str
    detail: dict[str, Any]


@router.post("/events", response={200: IngestOut, **errors(401, 403, 404, 422)})
@api_access(MANAGE)
def events_post(request: HttpRequest, payload: EventsIn):
    """Send up to 10,000 usage events. A batch identical to one sent before changes nothing."""
    service = _service(request, payload.service, edit=True)
    key = "project" if service.adopter_kind == "projects" else "user"
    missing = [i for i, e in enumerate(payload.events) if not getattr(e, key)]
    if missing:
        raise ValidationError(
            {
                "events": [
                    f"Event {i} has no {key}: {service.name} is adopted by {service.adopter_kind}."
                    for i in missing[:5]
                ]
            }
        )
    rows = [
        {"timestamp": e.timestamp, key: getattr(e, key), "action": e.action, "count": e.count}
        for e in payload.events
    ]
    try:
        result = services.events_ingest(
            events=rows,
            service=service,
            mode=payload.mode,
            by=request.auth,
            directory=Path(settings.MEDIA_ROOT) / "usage-api",
        )
    except TableError as exc:
        # Row n of the error is the n-th event of the batch.
        raise ValidationError({"events": [str(e) for e in exc.errors]}) from None
    return {"duplicate": result.duplicate, "summary": result.summary, "batch": result.batch}


@router.get("/batches", response={200: list[BatchOut], **errors(401, 403, 404, 422)})
@paginate(Pages)
@api_access(READ)
def batch_list(request: HttpRequest, query: Query[ServiceQuery]):
    return selectors.batch_list(service=_service(request, query.service))


@router.get("/unmatched", response={200: list[UnmatchedOut], **errors(401, 403, 404, 422)})
@paginate(Pages)
@api_access(READ)
def unmatched_list(request: HttpRequest, query: Query[ServiceQuery]):
    return selectors.unmatched_list(service=_service(request, query.service), mapped=query.mapped)


@router.post("/unmatched/{int:pk}/map", response={200: UnmatchedOut, **errors(401, 403, 404, 422)})
@api_access(MANAGE)
def unmatched_map(request: HttpRequest, pk: int, payload: MapIn):
    u = UnmatchedIdentity.objects.select_related("service").filter(pk=pk).first()
    if u is None:
        raise Http404
    _service(request, u.service.slug, edit=True)
    if u.service.adopter_kind == "projects":
        project = Project.objects.filter(code__iexact=(payload.project or "").strip()).first()
        if project is None:
            raise ValidationError({"project": ["No project has this code."]})
        return services.unmatched_map(unmatched=u, project=project)
    who = (payload.person or "").strip()
    person = Person.objects.filter(Q(employee_id__iexact=who) | Q(email__iexact=who)).first()
    if not who or person is None:
        raise ValidationError({"person": ["Nobody has this employee id or email."]})
    return services.unmatched_map(unmatched=u, person=person)


def _rule_out(service: Service) -> dict[str, Any]:
    rule = services.rule_for(service)
    return {
        "service": service.slug,
        "adopter_kind": service.adopter_kind,
        "text": rule.text,
        "qualifying_actions": rule.actions,
        "min_active_days": rule.min_active_days,
        "window_days": rule.window_days,
    }


@router.get("/rules/{slug}", response={200: RuleOut, **errors(401, 403, 404, 422)})
@api_access(READ)
def rule_get(request: HttpRequest, slug: str):
    return _rule_out(_service(request, slug))


@router.put("/rules/{slug}", response={200: RuleOut, **errors(401, 403, 404, 422)})
@api_access(MANAGE)
def rule_put(request: HttpRequest, slug: str, payload: RuleIO):
    service = _service(request, slug, edit=True)
    services.rule_update(
        service=service,
        qualifying_actions=payload.qualifying_actions,
        min_active_days=payload.min_active_days,
        window_days=payload.window_days,
    )
    return _rule_out(service)


@router.get("/metrics/{slug}", response={200: list[MeasurementOut], **errors(401, 403, 404, 422)})
@api_access(READ)
def metrics_get(request: HttpRequest, slug: str, query: Query[MetricsQuery]):
    """Every adoption.* metric for the service, optionally narrowed to a rollout or a wave."""
    service = _service(request, slug)
    rollout = wave = None
    if query.rollout is not None:
        rollout = Rollout.objects.filter(pk=query.rollout, service=service).first()
        if rollout is None:
            raise Http404
    if query.wave is not None:
        wave = Wave.objects.filter(pk=query.wave, rollout__service=service).first()
        if wave is None:
            raise Http404
    scope = Scope(service=service, rollout=rollout, wave=wave)
    if query.as_of is not None:
        scope = scope.at(query.as_of)
    out = []
    with selectors.memoised():  # the population and actives read once for every metric
        measured = [
            (metric, measure(metric.key, scope))
            for metric in all_metrics()
            if metric.key.startswith("adoption.")
        ]
    for metric, m in measured:
        out.append(
            {
                "key": m.key,
                "label": metric.label,
                "value": m.value,
                "n": m.n,
                "unit": m.unit,
                "definition": metric.definition,
                "detail": m.detail,
            }
        )
    return out
