"""Reads on the service catalog, and who may see or change a service."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from onramp.catalog.models import Service
from onramp.core.models import Role


def service_list(
    *, user: Any, query: str = "", lifecycle: str = "", archived: bool = False
) -> QuerySet[Service]:
    """The services `user` may see: every one for admins, owners and viewers; their own for
    champions; none for users without a role."""
    qs = Service.objects.select_related("owner", "sponsor")
    role = user.effective_role if user.is_authenticated else Role.NONE
    if role == Role.CHAMPION:
        qs = qs.filter(Q(champions=user) | Q(owner=user)).distinct()
    elif role not in (Role.ADMIN, Role.OWNER, Role.VIEWER):
        return qs.none()
    qs = qs.filter(archived_at__isnull=not archived)
    if lifecycle:
        qs = qs.filter(lifecycle=lifecycle)
    if query:
        qs = qs.filter(
            Q(name__icontains=query) | Q(summary__icontains=query) | Q(category__icontains=query)
        )
    return qs.order_by("name")


def service_can_read(user: Any, service: Service) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    role = user.effective_role
    if role in (Role.ADMIN, Role.OWNER, Role.VIEWER):
        return True
    if role == Role.CHAMPION:
        return service.owner_id == user.id or service.champions.filter(pk=user.pk).exists()
    return False


def service_can_edit(user: Any, service: Service) -> bool:
    """PMO admins edit every service; a service owner edits the services they own."""
    if not user.is_authenticated or not user.is_active:
        return False
    role = user.effective_role
    return role == Role.ADMIN or (role == Role.OWNER and service.owner_id == user.id)


def service_can_create(user: Any) -> bool:
    return (
        user.is_authenticated and user.is_active and user.effective_role in (Role.ADMIN, Role.OWNER)
    )


def service_get(*, slug: str) -> Service:
    return Service.objects.select_related("owner", "sponsor").get(slug=slug)
