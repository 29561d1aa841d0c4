"""Rollouts over HTTP: rollouts, waves, milestones, gates (criteria, evaluate, decide) and lessons.

The same services as the pages, so the same rules: double-targeting and overlapping waves are
refused (422), a move that runs into later waves needs `shift_later`, a wave over capacity needs
`accept_over_capacity`, decisions need an evaluation that supports them and are never edited.
Reading needs a role and sight of the service; writing needs to own the service or be a PMO admin.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from onramp.api import api_access, errors
from onramp.catalog.models import Service, ServiceVersion
from onramp.catalog.selectors import service_can_edit, service_can_read
from onramp.core.access import MANAGE, READ, ensure
from onramp.core.models import User
from onramp.org.models import OrgUnit
from onramp.rollout import selectors, services
from onramp.rollout.models import (
    Comparator,
    Decision,
    Gate,
    GateCriterion,
    GateDecision,
    GateEvaluation,
    Lesson,
    LessonCategory,
    Milestone,
    Rollout,
    RolloutStatus,
    Wave,
    WaveKind,
    WaveStatus,
)

router = Router(tags=["rollout"])
PAGE_SIZE = 25
CANNOT_SEE = "You cannot see this service's rollouts."
CANNOT_EDIT = "Only the service's owner or a PMO admin can change its rollouts."


# --- schemas ------------------------------------------------------------------------------------


class RolloutOut(Schema):
    id: int
    service: str = Field(description="The service's slug.")
    name: str
    version: str | None
    objective: str
    units: list[str] = Field(description="Codes of the target units (descendants included).")
    adoption_target_pct: float
    adoption_target_date: dt.date | None
    satisfaction_target: float | None
    owner: str | None
    status: RolloutStatus
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_service(r: Rollout) -> str:
        return r.service.slug

    @staticmethod
    def resolve_version(r: Rollout) -> str | None:
        return r.version.version if r.version else None

    @staticmethod
    def resolve_units(r: Rollout) -> list[str]:
        return sorted(u.code for u in r.units.all())

    @staticmethod
    def resolve_owner(r: Rollout) -> str | None:
        return r.owner.username if r.owner else None


class RolloutIn(Schema):
    service: str = Field(description="The service's slug.")
    name: str = Field(min_length=1, max_length=200)
    objective: str = ""
    units: list[str] = Field(default_factory=list, description="Org unit codes.")
    version: str | None = Field(None, description="A version of the service, e.g. '2.0'.")
    adoption_target_pct: float | None = Field(None, ge=0, le=100)
    adoption_target_date: dt.date | None = None
    satisfaction_target: float | None = None
    owner: str | None = Field(None, description="Username; the service's owner when left out.")
    status: RolloutStatus = RolloutStatus.PLANNED


class RolloutPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    objective: str | None = None
    units: list[str] | None = None
    version: str | None = None
    adoption_target_pct: float | None = Field(None, ge=0, le=100)
    adoption_target_date: dt.date | None = None
    satisfaction_target: float | None = None
    owner: str | None = None
    status: RolloutStatus | None = None


class WaveOut(Schema):
    id: int
    rollout: int = Field(alias="rollout_id")
    order: int
    kind: WaveKind
    name: str
    units: list[str]
    rationale: str
    objective: str
    start_date: dt.date
    go_live_date: dt.date
    end_date: dt.date
    status: WaveStatus
    allow_overlap: bool

    @staticmethod
    def resolve_units(w: Wave) -> list[str]:
        return sorted(u.code for u in w.units.all())


class WaveIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    kind: WaveKind = WaveKind.WAVE
    units: list[str] = Field(description="Org unit codes; their people are the wave's cohort.")
    rationale: str = ""
    objective: str = ""
    start_date: dt.date
    go_live_date: dt.date
    end_date: dt.date
    status: WaveStatus = WaveStatus.PLANNED
    allow_overlap: bool = False
    accept_over_capacity: bool = Field(
        False, description="Save even if units go over their weekly change capacity."
    )


class WavePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: WaveKind | None = None
    units: list[str] | None = None
    rationale: str | None = None
    objective: str | None = None
    start_date: dt.date | None = None
    go_live_date: dt.date | None = None
    end_date: dt.date | None = None
    status: WaveStatus | None = None
    allow_overlap: bool | None = None
    shift_later: bool = Field(
        False, description="When the new dates run into later waves, move them by as many days."
    )
    accept_over_capacity: bool = False


class MilestoneOut(Schema):
    id: int
    rollout: int = Field(alias="rollout_id")
    wave: int | None = Field(alias="wave_id")
    name: str
    owner: str | None
    planned_date: dt.date
    forecast_date: dt.date | None
    actual_date: dt.date | None
    slip_days: int
    rag: str

    @staticmethod
    def resolve_owner(m: Milestone) -> str | None:
        return m.owner.username if m.owner else None

    @staticmethod
    def resolve_slip_days(m: Milestone) -> int:
        return m.slip_days(timezone.localdate())

    @staticmethod
    def resolve_rag(m: Milestone) -> str:
        s = selectors.planning_settings()
        return m.rag(timezone.localdate(), amber_days=s.slip_amber_days, red_days=s.slip_red_days)


class MilestoneIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    wave: int | None = Field(None, description="A wave id of this rollout; none for the rollout.")
    owner: str | None = Field(None, description="Username.")
    planned_date: dt.date
    forecast_date: dt.date | None = None
    actual_date: dt.date | None = None


class MilestonePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    wave: int | None = None
    owner: str | None = None
    planned_date: dt.date | None = None
    forecast_date: dt.date | None = None
    actual_date: dt.date | None = None


class CriterionOut(Schema):
    id: int
    metric_key: str
    comparator: Comparator
    threshold: float
    must_have: bool
    weight: float
    min_n: int | None


class CriterionIn(Schema):
    metric_key: str = Field(description="A registered metric, or a planned one (see /metrics).")
    comparator: Comparator = Comparator.GTE
    threshold: float
    must_have: bool = False
    weight: float = Field(1, ge=0)
    min_n: int | None = Field(None, ge=1)


class GateOut(Schema):
    id: int
    rollout: int = Field(alias="rollout_id")
    wave: int = Field(alias="wave_id")
    name: str
    gate_date: dt.date
    pass_share: float
    status: str = Field(description="Latest decision, else latest evaluation, else none.")
    criteria: list[CriterionOut]

    @staticmethod
    def resolve_status(g: Gate) -> str:
        return selectors.gate_status(g).code

    @staticmethod
    def resolve_criteria(g: Gate) -> list[GateCriterion]:
        return list(g.criteria.all())


class GateIn(Schema):
    wave: int = Field(description="The wave (of this rollout) whose results the gate judges.")
    name: str = Field(min_length=1, max_length=200)
    gate_date: dt.date
    pass_share: float = Field(0.8, ge=0, le=1)


class EvaluationOut(Schema):
    id: int
    gate: int = Field(alias="gate_id")
    as_of: dt.date
    evaluated_at: dt.datetime
    evaluated_by: str | None
    result: str
    share: float | None
    criteria: list[dict[str, Any]] = Field(
        description="Per criterion: metric_key, comparator, threshold, must_have, weight, min_n, "
        "value, n, unit, suppressed, result (pass/fail/pending), reason."
    )
    actions: list[str]

    @staticmethod
    def resolve_evaluated_by(e: GateEvaluation) -> str | None:
        return e.evaluated_by.username if e.evaluated_by else None

    @staticmethod
    def resolve_criteria(e: GateEvaluation) -> list[dict[str, Any]]:
        return list(e.snapshot)

    @staticmethod
    def resolve_actions(e: GateEvaluation) -> list[str]:
        return [line for line in e.actions.splitlines() if line]


class EvaluateIn(Schema):
    as_of: dt.date | None = Field(None, description="Measure as of this date; today when left out.")


class DecisionOut(Schema):
    id: int
    gate: int = Field(alias="gate_id")
    evaluation: int | None = Field(alias="evaluation_id")
    decision: Decision
    rationale: str
    decided_by: str
    decided_at: dt.datetime

    @staticmethod
    def resolve_decided_by(d: GateDecision) -> str:
        return d.decided_by.username


class DecisionIn(Schema):
    decision: Decision
    rationale: str = Field(min_length=1)


class LessonOut(Schema):
    id: int
    wave: int = Field(alias="wave_id")
    what_happened: str
    category: LessonCategory
    what_to_change: str
    applied_in_wave: int | None = Field(alias="applied_in_wave_id")
    applied_in_version: str | None
    created_at: dt.datetime

    @staticmethod
    def resolve_applied_in_version(lesson: Lesson) -> str | None:
        return lesson.applied_in_version.version if lesson.applied_in_version else None


class LessonIn(Schema):
    what_happened: str = Field(min_length=1)
    category: LessonCategory = LessonCategory.OTHER
    what_to_change: str = Field(min_length=1)
    applied_in_wave: int | None = None
    applied_in_version: str | None = None


class LessonPatch(Schema):
    applied_in_wave: int | None = Field(None, description="A later wave of the same service.")
    applied_in_version: str | None = Field(None, description="A version of the service.")


class MetricOut(Schema):
    key: str
    label: str
    available: bool


class RolloutFilters(Schema):
    service: str = Field("", description="A service slug.")
    status: RolloutStatus | None = None


# --- lookups ------------------------------------------------------------------------------------


def _rollout(request: HttpRequest, pk: int, *, edit: bool = False) -> Rollout:
    rollout = get_object_or_404(
        Rollout.objects.select_related("service", "owner", "version"), pk=pk
    )
    ensure(service_can_read(request.auth, rollout.service), CANNOT_SEE)
    if edit:
        ensure(service_can_edit(request.auth, rollout.service), CANNOT_EDIT)
    return rollout


def _units(codes: list[str]) -> list[OrgUnit]:
    units = list(OrgUnit.objects.filter(code__in=codes))
    missing = sorted(set(codes) - {u.code for u in units})
    if missing:
        raise ValidationError({"units": [f"No org unit has the code(s): {', '.join(missing)}."]})
    return units


def _user(username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationError({"owner": [f"No active user has the username “{username}”."]})
    return user


def _version(service: Service, value: str | None) -> ServiceVersion | None:
    if not value:
        return None
    version = service.versions.filter(version=value).first()
    if version is None:
        raise ValidationError({"version": [f"{service} has no version “{value}”."]})
    return version


def _service_wave(service: Service, pk: int | None) -> Wave | None:
    """A wave of any rollout of the service (where a lesson was applied), or None."""
    if pk is None:
        return None
    wave = Wave.objects.filter(pk=pk, rollout__service=service).first()
    if wave is None:
        raise ValidationError({"applied_in_wave": [f"Wave {pk} is not a wave of {service}."]})
    return wave


def _wave_of(rollout: Rollout, pk: int | None, field: str = "wave") -> Wave | None:
    if pk is None:
        return None
    wave = Wave.objects.filter(pk=pk, rollout=rollout).first()
    if wave is None:
        raise ValidationError({field: [f"Wave {pk} is not a wave of “{rollout}”."]})
    return wave


# --- rollouts -----------------------------------------------------------------------------------


@router.get("/metrics", response={200: list[MetricOut], **errors(401, 403)})
@api_access(READ)
def metric_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The metric keys a gate criterion may use; `available` is false for planned ones."""
    from onramp.core.metrics import is_registered

    return [
        {"key": key, "label": label, "available": is_registered(key)}
        for key, label in services.metric_choices()
    ]


@router.get("/rollouts", response={200: list[RolloutOut], **errors(401, 403, 422)})
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
@api_access(READ)
def rollout_list(request: HttpRequest, filters: Query[RolloutFilters]) -> QuerySet[Rollout]:
    service = Service.objects.filter(slug=filters.service).first() if filters.service else None
    if filters.service and service is None:
        return Rollout.objects.none()
    return selectors.rollout_list(
        user=request.auth, service=service, status=filters.status or ""
    ).prefetch_related("units")


@router.post("/rollouts", response={201: RolloutOut, **errors(401, 403, 404, 422)})
@api_access(MANAGE)
def rollout_create(request: HttpRequest, payload: RolloutIn) -> Status:
    service = get_object_or_404(Service, slug=payload.service)
    ensure(service_can_edit(request.auth, service), CANNOT_EDIT)
    data = payload.dict()
    data.pop("service")
    rollout = services.rollout_create(
        service=service,
        units=_units(data.pop("units")),
        version=_version(service, data.pop("version")),
        owner=_user(data.pop("owner")),
        **data,
    )
    return Status(201, _rollout(request, rollout.pk))


@router.get("/rollouts/{int:pk}", response={200: RolloutOut, **errors(401, 403, 404)})
@api_access(READ)
def rollout_detail(request: HttpRequest, pk: int) -> Rollout:
    return _rollout(request, pk)


@router.patch("/rollouts/{int:pk}", response={200: RolloutOut, **errors(401, 403, 404, 422)})
@api_access(MANAGE)
def rollout_update(request: HttpRequest, pk: int, payload: RolloutPatch) -> Rollout:
    rollout = _rollout(request, pk, edit=True)
    fields = payload.dict(exclude_unset=True)
    units = _units(fields.pop("units")) if fields.get("units") is not None else None
    fields.pop("units", None)
    if "version" in fields:
        fields["version"] = _version(rollout.service, fields["version"])
    if "owner" in fields:
        fields["owner"] = _user(fields["owner"])
    for key in ("name", "objective", "status", "adoption_target_pct"):
        if key in fields and fields[key] is None:
            fields.pop(key)
    services.rollout_update(rollout=rollout, units=units, **fields)
    return _rollout(request, pk)


# --- waves --------------------------------------------------------------------------------------


@router.get("/rollouts/{int:pk}/waves", response={200: list[WaveOut], **errors(401, 403, 404)})
@api_access(READ)
def wave_list(request: HttpRequest, pk: int) -> QuerySet[Wave]:
    return _rollout(request, pk).waves.prefetch_related("units").order_by("order")


@router.post("/rollouts/{int:pk}/waves", response={201: WaveOut, **errors(401, 403, 404, 422)})
@api_access(MANAGE)
def wave_create(request: HttpRequest, pk: int, payload: WaveIn) -> Status:
    rollout = _rollout(request, pk, edit=True)
    data = payload.dict()
    wave = services.wave_create(rollout=rollout, units=_units(data.pop("units")), **data)
    return Status(201, wave)


@router.patch("/waves/{int:pk}", response={200: WaveOut, **errors(401, 403, 404, 422)})
@api_access(MANAGE)
def wave_update(request: HttpRequest, pk: int, payload: WavePatch) -> Wave:
    wave = get_object_or_404(Wave, pk=pk)
    _rollout(request, wave.rollout_id, edit=True)
    fields = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    units = _units(fields.pop("units")) if "units" in fields else None
    return services.wave_update(wave=wave, units=units, **fields)


# --- milestones ---------------------------------------------------------------------------------


@router.get(
    "/rollouts/{int:pk}/milestones", response={200: list[MilestoneOut], **errors(401, 403, 404)}
)
@api_access(READ)
def milestone_list(request: HttpRequest, pk: int) -> QuerySet[Milestone]:
    return _rollout(request, pk).milestones.select_related("owner").order_by("planned_date", "id")


@router.post(
    "/rollouts/{int:pk}/milestones", response={201: MilestoneOut, **errors(401, 403, 404, 422)}
)
@api_access(MANAGE)
def milestone_create(request: HttpRequest, pk: int, payload: MilestoneIn) -> Status:
    rollout = _rollout(request, pk, edit=True)
    data = payload.dict()
    data["wave"] = _wave_of(rollout, data["wave"])
    data["owner"] = _user(data["owner"])
    return Status(201, services.milestone_create(rollout=rollout, **data))


@router.patch("/milestones/{int:pk}", response={200: MilestoneOut, **errors(401, 403, 404, 422)})
@api_access(MANAGE)
def milestone_update(request: HttpRequest, pk: int, payload: MilestonePatch) -> Milestone:
    milestone = get_object_or_404(Milestone, pk=pk)
    rollout = _rollout(request, milestone.rollout_id, edit=True)
    fields = payload.dict(exclude_unset=True)
    if "wave" in fields:
        fields["wave"] = _wave_of(rollout, fields["wave"])
    if "owner" in fields:
        fields["owner"] = _user(fields["owner"])
    for key in ("name", "planned_date"):
        if key in fields and fields[key] is None:
            fields.pop(key)
    return services.milestone_update(milestone=milestone, **fields)


# --- gates --------------------------------------------------------------------------------------


def _gate(request: HttpRequest, pk: int, *, edit: bool = False) -> Gate:
    gate = get_object_or_404(Gate.objects.select_related("rollout", "wave"), pk=pk)
    _rollout(request, gate.rollout_id, edit=edit)
    return gate


@router.get("/rollouts/{int:pk}/gates", response={200: list[GateOut], **errors(401, 403, 404)})
@api_access(READ)
def gate_list(request: HttpRequest, pk: int) -> QuerySet[Gate]:
    return _rollout(request, pk).gates.prefetch_related("criteria", "decisions", "evaluations")


@router.post("/rollouts/{int:pk}/gates", response={201: GateOut, **errors(401, 403, 404, 422)})
@api_access(MANAGE)
def gate_create(request: HttpRequest, pk: int, payload: GateIn) -> Status:
    rollout = _rollout(request, pk, edit=True)
    data = payload.dict()
    wave = _wave_of(rollout, data.pop("wave"))
    assert wave is not None
    gate = services.gate_create(
        rollout=rollout,
        wave=wave,
        name=data["name"],
        gate_date=data["gate_date"],
        pass_share=Decimal(str(data["pass_share"])),
    )
    return Status(201, gate)


@router.get("/gates/{int:pk}", response={200: GateOut, **errors(401, 403, 404)})
@api_access(READ)
def gate_detail(request: HttpRequest, pk: int) -> Gate:
    return _gate(request, pk)


@router.post("/gates/{int:pk}/criteria", response={201: CriterionOut, **errors(401, 403, 404, 422)})
@api_access(MANAGE)
def criterion_add(request: HttpRequest, pk: int, payload: CriterionIn) -> Status:
    gate = _gate(request, pk, edit=True)
    return Status(201, services.criterion_add(gate=gate, **payload.dict()))


@router.delete("/criteria/{int:pk}", response={204: None, **errors(401, 403, 404)})
@api_access(MANAGE)
def criterion_delete(request: HttpRequest, pk: int) -> Status:
    criterion = get_object_or_404(GateCriterion, pk=pk)
    _gate(request, criterion.gate_id, edit=True)
    services.criterion_delete(criterion=criterion)
    return Status(204, None)


@router.post(
    "/gates/{int:pk}/evaluate", response={201: EvaluationOut, **errors(401, 403, 404, 422)}
)
@api_access(MANAGE)
def gate_evaluate(request: HttpRequest, pk: int, payload: EvaluateIn) -> Status:
    gate = _gate(request, pk, edit=True)
    return Status(201, services.gate_evaluate(gate=gate, by=request.auth, as_of=payload.as_of))


@router.get(
    "/gates/{int:pk}/evaluations", response={200: list[EvaluationOut], **errors(401, 403, 404)}
)
@paginate(PageNumberPagination, page_size=PAGE_SIZE)
@api_access(READ)
def evaluation_list(request: HttpRequest, pk: int) -> QuerySet[GateEvaluation]:
    return (
        _gate(request, pk)
        .evaluations.select_related("evaluated_by")
        .order_by("-evaluated_at", "-id")
    )


@router.post("/gates/{int:pk}/decisions", response={201: DecisionOut, **errors(401, 403, 404, 422)})
@api_access(MANAGE)
def gate_decide(request: HttpRequest, pk: int, payload: DecisionIn) -> Status:
    gate = _gate(request, pk, edit=True)
    decision = services.gate_decide(
        gate=gate, decision=payload.decision, rationale=payload.rationale, by=request.auth
    )
    return Status(201, decision)


@router.get("/gates/{int:pk}/decisions", response={200: list[DecisionOut], **errors(401, 403, 404)})
@api_access(READ)
def decision_list(request: HttpRequest, pk: int) -> QuerySet[GateDecision]:
    return selectors.gate_decisions(_gate(request, pk))


# --- lessons ------------------------------------------------------------------------------------


@router.get("/waves/{int:pk}/lessons", response={200: list[LessonOut], **errors(401, 403, 404)})
@api_access(READ)
def lesson_list(request: HttpRequest, pk: int) -> QuerySet[Lesson]:
    wave = get_object_or_404(Wave, pk=pk)
    _rollout(request, wave.rollout_id)
    return wave.lessons.select_related("applied_in_version")


@router.post("/waves/{int:pk}/lessons", response={201: LessonOut, **errors(401, 403, 404, 422)})
@api_access(MANAGE)
def lesson_create(request: HttpRequest, pk: int, payload: LessonIn) -> Status:
    wave = get_object_or_404(Wave.objects.select_related("rollout__service"), pk=pk)
    rollout = _rollout(request, wave.rollout_id, edit=True)
    data = payload.dict()
    applied_wave = _service_wave(rollout.service, data["applied_in_wave"])
    lesson = services.lesson_create(
        wave=wave,
        what_happened=data["what_happened"],
        what_to_change=data["what_to_change"],
        category=data["category"],
        applied_in_wave=applied_wave,
        applied_in_version=_version(rollout.service, data["applied_in_version"]),
        recorded_by=request.auth,
    )
    return Status(201, lesson)


@router.patch("/lessons/{int:pk}", response={200: LessonOut, **errors(401, 403, 404, 422)})
@api_access(MANAGE)
def lesson_apply(request: HttpRequest, pk: int, payload: LessonPatch) -> Lesson:
    """Record which later wave or service version applied the lesson (null clears it)."""
    lesson = get_object_or_404(Lesson.objects.select_related("wave__rollout__service"), pk=pk)
    rollout = _rollout(request, lesson.wave.rollout_id, edit=True)
    fields = payload.dict(exclude_unset=True)
    wave = lesson.applied_in_wave
    if "applied_in_wave" in fields:
        wave = _service_wave(rollout.service, fields["applied_in_wave"])
    version = lesson.applied_in_version
    if "applied_in_version" in fields:
        version = _version(rollout.service, fields["applied_in_version"])
    return services.lesson_apply(lesson=lesson, applied_in_wave=wave, applied_in_version=version)
