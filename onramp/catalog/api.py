"""The service catalog over HTTP: services and their versions.

Who may see or change a service is decided by onramp.catalog.selectors (service_can_read,
service_can_edit, service_can_create), exactly as on the web pages: a service the caller may not
read answers 403, like its page does.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from onramp.api import Pages, api_access, errors
from onramp.catalog import selectors, services
from onramp.catalog.models import AdopterKind, Lifecycle, Service, ServiceVersion
from onramp.core.access import MANAGE, READ, ensure
from onramp.core.models import Role, User
from onramp.org.models import Person

router = Router(tags=["catalog"])

PAGE_SIZE = 25


# --- schemas -------------------------------------------------------------------------------


class PersonRef(Schema):
    id: int
    employee_id: str
    name: str


class ServiceOut(Schema):
    id: int
    slug: str
    name: str
    category: str
    summary: str
    problem: str
    value_proposition: str
    benefits: str = Field(description="One benefit per line.")
    target_users: str
    success_measures: str = Field(description="One measure per line.")
    owner: str | None = Field(description="Username of the service owner.")
    sponsor: PersonRef | None
    champions: list[str] = Field(description="Usernames of the service's champions.")
    lifecycle: Lifecycle
    adopter_kind: AdopterKind
    adoption_target_pct: float
    adoption_target_weeks: int
    archived: bool
    archived_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_owner(service: Service) -> str | None:
        return service.owner.username if service.owner else None

    @staticmethod
    def resolve_champions(service: Service) -> list[str]:
        return sorted(u.username for u in service.champions.all())

    @staticmethod
    def resolve_archived(service: Service) -> bool:
        return service.is_archived


class ServiceIn(Schema):
    name: str = Field(min_length=1, max_length=200)
    slug: str = Field("", max_length=80, description="Leave empty to derive it from the name.")
    category: str = Field("", max_length=100)
    summary: str = Field("", max_length=300)
    problem: str = ""
    value_proposition: str = ""
    benefits: str = ""
    target_users: str = ""
    success_measures: str = ""
    owner: str | None = Field(
        None, description="Username of a service owner or PMO admin; you when left out."
    )
    sponsor: str | None = Field(None, description="Employee id or email of the sponsor.")
    lifecycle: Lifecycle = Lifecycle.DESIGNED
    adopter_kind: AdopterKind = AdopterKind.PEOPLE
    adoption_target_pct: float = Field(85, ge=0, le=100, strict=True)
    adoption_target_weeks: int = Field(12, ge=1, le=32767, strict=True)


class ServicePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    slug: str | None = Field(None, min_length=1, max_length=80)
    category: str | None = Field(None, max_length=100)
    summary: str | None = Field(None, max_length=300)
    problem: str | None = None
    value_proposition: str | None = None
    benefits: str | None = None
    target_users: str | None = None
    success_measures: str | None = None
    owner: str | None = Field(None, description="Username; null leaves the service unowned.")
    sponsor: str | None = Field(None, description="Employee id or email; null removes it.")
    lifecycle: Lifecycle | None = None
    adopter_kind: AdopterKind | None = None
    adoption_target_pct: float | None = Field(None, ge=0, le=100, strict=True)
    adoption_target_weeks: int | None = Field(None, ge=1, le=32767, strict=True)


class ServiceFilters(Schema):
    q: str = Field("", description="Part of the name, summary or category.")
    lifecycle: Lifecycle | None = None
    archived: bool = Field(False, description="true lists the archived services instead.")


class VersionOut(Schema):
    id: int
    version: str
    released_on: dt.date
    notes: str
    created_at: dt.datetime


class VersionIn(Schema):
    version: str = Field(min_length=1, max_length=32)
    released_on: dt.date
    notes: str = ""


# --- helpers -------------------------------------------------------------------------------


def _service_for(request: HttpRequest, slug: str, *, edit: bool = False) -> Service:
    """The service, checked as the web pages check it (onramp.catalog.views._service_for)."""
    try:
        service = selectors.service_get(slug=slug)
    except Service.DoesNotExist:
        raise Http404 from None
    ensure(selectors.service_can_read(request.auth, service), "You cannot see this service.")
    if edit:
        ensure(
            selectors.service_can_edit(request.auth, service),
            "Only the service's owner or a PMO admin can change it.",
        )
    return service


def _owner(username: str) -> User:
    # The same choice the service form offers: active service owners and PMO admins.
    user = User.objects.filter(
        username=username, role__in=[Role.OWNER, Role.ADMIN], is_active=True
    ).first()
    if user is None:
        raise ValidationError(
            {"owner": [f"No active service owner or PMO admin has the username “{username}”."]}
        )
    return user


def _sponsor(value: str) -> Person | None:
    value = value.strip()
    if not value:
        return None
    person = (
        Person.objects.filter(employee_id=value).first()
        or Person.objects.filter(email__iexact=value).first()
    )
    if person is None:
        raise ValidationError({"sponsor": [f"No person has the employee id or email “{value}”."]})
    return person


def _reload(service: Service) -> Service:
    return Service.objects.select_related("owner", "sponsor").get(pk=service.pk)


# --- services ------------------------------------------------------------------------------


@router.get("/services", response={200: list[ServiceOut], **errors(401, 403, 422)})
@paginate(Pages, page_size=PAGE_SIZE)
@api_access(READ)
def service_list(request: HttpRequest, filters: Query[ServiceFilters]) -> QuerySet[Service]:
    """The services you may see (a champion: the ones they champion), by name."""
    return selectors.service_list(
        user=request.auth,
        query=filters.q.strip(),
        lifecycle=filters.lifecycle or "",
        archived=filters.archived,
    ).prefetch_related("champions")


@router.get("/services/{slug:slug}", response={200: ServiceOut, **errors(401, 403, 404, 422)})
@api_access(READ)
def service_detail(request: HttpRequest, slug: str) -> Service:
    """One service. 403 when you may not see it (a champion, another service)."""
    return _service_for(request, slug)


@router.post("/services", response={201: ServiceOut, **errors(401, 403, 422)})
@api_access(MANAGE)
def service_create(request: HttpRequest, payload: ServiceIn) -> Status:
    """Add a service (service owners and PMO admins). You own it unless you name an owner."""
    ensure(
        selectors.service_can_create(request.auth),
        "Only service owners and PMO admins can add services.",
    )
    data: dict[str, Any] = payload.dict()
    owner = data.pop("owner")
    data["owner"] = _owner(owner) if owner else request.auth
    data["sponsor"] = _sponsor(data.pop("sponsor") or "")
    service = services.service_create(**data)
    return Status(201, _reload(service))


@router.patch("/services/{slug:slug}", response={200: ServiceOut, **errors(401, 403, 404, 422)})
@api_access(MANAGE)
def service_update(request: HttpRequest, slug: str, payload: ServicePatch) -> Service:
    """Change a service: PMO admins, or its owner. Fields left out keep their value."""
    service = _service_for(request, slug, edit=True)
    fields: dict[str, Any] = payload.dict(exclude_unset=True)
    if "owner" in fields:
        fields["owner"] = _owner(fields["owner"]) if fields["owner"] else None
    if "sponsor" in fields:
        fields["sponsor"] = _sponsor(fields["sponsor"] or "")
    # null clears owner or sponsor; on any other field it changes nothing
    fields = {k: v for k, v in fields.items() if v is not None or k in ("owner", "sponsor")}
    services.service_update(service=service, **fields)
    return _reload(service)


@router.post(
    "/services/{slug:slug}/archive", response={200: ServiceOut, **errors(401, 403, 404, 422)}
)
@api_access(MANAGE)
def service_archive(request: HttpRequest, slug: str) -> Service:
    """Archive a service: it leaves the catalog and can be restored."""
    service = _service_for(request, slug, edit=True)
    services.service_archive(service=service)
    return _reload(service)


@router.post(
    "/services/{slug:slug}/restore", response={200: ServiceOut, **errors(401, 403, 404, 422)}
)
@api_access(MANAGE)
def service_restore(request: HttpRequest, slug: str) -> Service:
    """Bring an archived service back into the catalog."""
    service = _service_for(request, slug, edit=True)
    services.service_restore(service=service)
    return _reload(service)


# --- versions ------------------------------------------------------------------------------


@router.get(
    "/services/{slug:slug}/versions",
    response={200: list[VersionOut], **errors(401, 403, 404, 422)},
)
@paginate(Pages, page_size=PAGE_SIZE)
@api_access(READ)
def service_version_list(request: HttpRequest, slug: str) -> QuerySet[ServiceVersion]:
    """The versions Service Development handed over, newest release first."""
    return _service_for(request, slug).versions.all()


@router.post(
    "/services/{slug:slug}/versions",
    response={201: VersionOut, **errors(401, 403, 404, 422)},
)
@api_access(MANAGE)
def service_version_add(request: HttpRequest, slug: str, payload: VersionIn) -> Status:
    """Record a version of the service (unique per service)."""
    service = _service_for(request, slug, edit=True)
    version = services.service_version_add(service=service, **payload.dict())
    return Status(201, version)
