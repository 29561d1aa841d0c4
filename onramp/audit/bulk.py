"""Audit entries for bulk writes.

django-auditlog follows model signals, which `bulk_create`, `bulk_update` and `QuerySet.update`
do not send. Code that writes in bulk (HRIS and portfolio imports) records what it wrote with
one call per batch, inside the same transaction:

    from onramp.audit.bulk import BulkChange, audit_log_bulk

    audit_log_bulk(Person, [
        BulkChange(pk=p.pk, action="create", label=p.name,
                   changes={"name": (None, p.name), "email": (None, p.email)}),
        BulkChange(pk=17, action="update", label="Ann Lee", changes={"title": ("Analyst", "Lead")}),
    ])

The entries are the same as single saves make: actor, address and request id from the current
request or `audit_source(..., actor=...)` block, `additional_data["source"]` from it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from auditlog.cid import get_cid
from auditlog.context import auditlog_value
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models

from onramp.audit.context import current_source
from onramp.core.changes import BulkChange as _CoreBulkChange

_ACTIONS = {
    "create": LogEntry.Action.CREATE,
    "update": LogEntry.Action.UPDATE,
    "delete": LogEntry.Action.DELETE,
}
BATCH = 2000


# One definition, in core, so that lower apps can report bulk writes (core.changes.record_bulk).
BulkChange = _CoreBulkChange


def _json(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _context() -> dict[str, Any]:
    """Actor, address and port as django-auditlog's context for this request or job has them."""
    try:
        data = auditlog_value.get()
    except LookupError:
        return {}
    found: dict[str, Any] = {}
    actor = data.get("actor")
    if actor is not None:
        found["actor_id"] = actor.pk
        found["actor_email"] = getattr(actor, "email", None) or None
    for key in ("actor_id", "actor_email", "remote_addr", "remote_port"):
        value = data.get(key)
        if callable(value):
            value = value()
        if value is not None:
            found.setdefault(key, value)
    return found


def audit_log_bulk(model: type[models.Model], changes: Iterable[BulkChange]) -> int:
    """Write one audit entry per change; returns how many were written."""
    content_type = ContentType.objects.get_for_model(model)
    context = _context()
    cid = get_cid()
    source = current_source()
    entries = []
    for change in changes:
        if change.action not in _ACTIONS:
            raise ValueError(f"Unknown action {change.action!r}: use create, update or delete.")
        additional: dict[str, Any] = {"source": source}
        if change.service_id is not None:
            additional["service_id"] = change.service_id
        entries.append(
            LogEntry(
                content_type=content_type,
                object_pk=str(change.pk),
                object_id=change.pk if isinstance(change.pk, int) else None,
                object_repr=change.label or f"{model._meta.verbose_name} {change.pk}",
                action=_ACTIONS[change.action],
                changes={k: [_json(old), _json(new)] for k, (old, new) in change.changes.items()},
                cid=cid,
                additional_data=additional,
                **context,
            )
        )
    LogEntry.objects.bulk_create(entries, batch_size=BATCH)
    return len(entries)
