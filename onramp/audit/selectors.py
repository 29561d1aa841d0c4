"""Reads on the audit trail."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet

from onramp.audit.context import SOURCES

ACTIONS = {
    LogEntry.Action.CREATE: "created",
    LogEntry.Action.UPDATE: "changed",
    LogEntry.Action.DELETE: "deleted",
    LogEntry.Action.ACCESS: "viewed",
}

EXPORT_HEADERS = [
    "When (UTC)",
    "Who",
    "Source",
    "Action",
    "Record type",
    "Record id",
    "Record",
    "Field",
    "Old value",
    "New value",
    "From address",
    "Request id",
]


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str
    new: str


def audited_model(app_label: str, model_name: str) -> type[models.Model] | None:
    """The model named in a URL, if the audit trail follows it."""
    try:
        model = ContentType.objects.get_by_natural_key(app_label, model_name.lower()).model_class()
    except ContentType.DoesNotExist:
        return None
    if model is None or not auditlog.contains(model):
        return None
    return model


def _base() -> QuerySet[LogEntry]:
    return LogEntry.objects.select_related("actor", "content_type").order_by("-timestamp", "-id")


def entries_for_object(model: type[models.Model], pk: Any) -> QuerySet[LogEntry]:
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    return _base().filter(content_type=content_type, object_pk=str(pk))


def entries_for_service(service_id: int) -> QuerySet[LogEntry]:
    """Changes to the service and to every record under it (versions, rollouts, waves, ...)."""
    return _base().filter(additional_data__service_id=service_id)


def entry_list(
    *,
    source: str = "",
    model: type[models.Model] | None = None,
    actor_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    queryset: QuerySet[LogEntry] | None = None,
) -> QuerySet[LogEntry]:
    qs = queryset if queryset is not None else _base()
    if source in SOURCES:
        qs = qs.filter(additional_data__source=source)
    if model is not None:
        qs = qs.filter(content_type=ContentType.objects.get_for_model(model))
    if actor_id is not None:
        qs = qs.filter(actor_id=actor_id)
    if since is not None:
        qs = qs.filter(timestamp__date__gte=since)
    if until is not None:
        qs = qs.filter(timestamp__date__lte=until)
    return qs


def service_id_in_entries(entries: QuerySet[LogEntry]) -> int | None:
    """The service a (possibly deleted) record belonged to, as its entries recorded it."""
    for data in entries.values_list("additional_data", flat=True)[:20]:
        if isinstance(data, dict) and data.get("service_id") is not None:
            return int(data["service_id"])
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    return str(value)


def entry_changes(entry: LogEntry) -> list[Change]:
    """The fields an entry changed, with their labels and old and new values as text."""
    model = entry.content_type.model_class() if entry.content_type_id else None
    changes: list[Change] = []
    for name, values in (entry.changes_dict or {}).items():
        label = name
        if model is not None:
            with contextlib.suppress(FieldDoesNotExist):
                label = str(getattr(model._meta.get_field(name), "verbose_name", name))
        if isinstance(values, dict) and values.get("type") == "m2m":
            verb = "added" if values.get("operation") == "add" else "removed"
            changes.append(Change(name, label, "", f"{verb}: {_text(values.get('objects'))}"))
        elif isinstance(values, list | tuple) and len(values) == 2:
            changes.append(Change(name, label, _text(values[0]), _text(values[1])))
    return changes


def entry_source(entry: LogEntry) -> str:
    data = entry.additional_data if isinstance(entry.additional_data, dict) else {}
    return str(data.get("source") or "")


def entry_actor(entry: LogEntry) -> str:
    if entry.actor is not None:
        return entry.actor.get_full_name() or entry.actor.get_username()
    return entry.actor_email or ""


def export_rows(entries: Iterable[LogEntry]) -> Iterator[list[Any]]:
    """One row per changed field (one row for an entry without field changes)."""
    for entry in entries:
        head = [
            entry.timestamp.astimezone(dt.UTC).replace(tzinfo=None, microsecond=0),
            entry_actor(entry),
            entry_source(entry),
            ACTIONS.get(entry.action, str(entry.action)),
            entry.content_type.model_class()._meta.verbose_name
            if entry.content_type.model_class()
            else entry.content_type.model,
            entry.object_pk,
            entry.object_repr,
        ]
        tail = [entry.remote_addr or "", entry.cid or ""]
        changes = entry_changes(entry)
        if not changes:
            yield [*head, "", "", "", *tail]
        for change in changes:
            yield [*head, change.label, change.old, change.new, *tail]
