"""Writes on the service catalog."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from onramp.catalog.models import AdopterKind, Lifecycle, Service, ServiceVersion
from onramp.org.models import Person

EDITABLE_FIELDS = (
    "name",
    "slug",
    "category",
    "summary",
    "problem",
    "value_proposition",
    "benefits",
    "target_users",
    "success_measures",
    "owner",
    "sponsor",
    "lifecycle",
    "adopter_kind",
    "adoption_target_pct",
    "adoption_target_weeks",
)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "service"
    slug, n = base, 2
    while Service.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def service_create(
    *,
    name: str,
    slug: str = "",
    category: str = "",
    summary: str = "",
    problem: str = "",
    value_proposition: str = "",
    benefits: str = "",
    target_users: str = "",
    success_measures: str = "",
    owner: Any = None,
    sponsor: Person | None = None,
    lifecycle: str = Lifecycle.DESIGNED,
    adopter_kind: str = AdopterKind.PEOPLE,
    adoption_target_pct: Decimal | float = Decimal("85"),
    adoption_target_weeks: int = 12,
) -> Service:
    service = Service(
        name=name,
        slug=slug or _unique_slug(name),
        category=category,
        summary=summary,
        problem=problem,
        value_proposition=value_proposition,
        benefits=benefits,
        target_users=target_users,
        success_measures=success_measures,
        owner=owner,
        sponsor=sponsor,
        lifecycle=lifecycle,
        adopter_kind=adopter_kind,
        adoption_target_pct=Decimal(str(adoption_target_pct)),
        adoption_target_weeks=adoption_target_weeks,
    )
    service.full_clean()
    service.save()
    return service


@transaction.atomic
def service_update(*, service: Service, **fields: Any) -> Service:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"service_update() got fields it does not edit: {sorted(unknown)}")
    for name, value in fields.items():
        if name == "adoption_target_pct" and value is not None:
            value = Decimal(str(value))
        setattr(service, name, value)
    service.full_clean()
    service.save()
    return service


@transaction.atomic
def service_archive(*, service: Service) -> Service:
    if service.archived_at is None:
        service.archived_at = timezone.now()
        service.save(update_fields=["archived_at", "updated_at"])
    return service


@transaction.atomic
def service_restore(*, service: Service) -> Service:
    if service.archived_at is not None:
        service.archived_at = None
        service.save(update_fields=["archived_at", "updated_at"])
    return service


@transaction.atomic
def service_version_add(
    *, service: Service, version: str, released_on: dt.date, notes: str = ""
) -> ServiceVersion:
    item = ServiceVersion(service=service, version=version, released_on=released_on, notes=notes)
    item.full_clean()
    item.save()
    return item


def service_champions_set(*, service: Service, users: list[Any]) -> None:
    service.champions.set(users)
