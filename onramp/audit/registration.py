"""Which records the audit trail follows, in one place.

Every model of every `onramp.*` app is registered with django-auditlog when the app registry is
ready, so models that other apps add later are followed without an edit here. A model opts out
with a class attribute `audit_exclude = True` (for high-volume derived rows: daily activity,
outbox sends, ...); fields listed in `audit_exclude_fields` are not recorded (hashes, counters).

Each entry's `additional_data` holds:
  source      web, api, import, worker or cli (see onramp/audit/context.py)
  service_id  the service the record belongs to, if any: the activity page of a service lists
              the entries carrying its id. It is found by following foreign keys from the record
              to catalog.Service (ServiceVersion.service, Wave.rollout.service, ...); a model
              whose path is not found that way names it: `audit_service_path = "rollout__service"`.
              Entries written before a model was linked to a service carry no service_id.
"""

from __future__ import annotations

import logging
from typing import Any

from auditlog.registry import auditlog
from django.apps import apps
from django.db import models

log = logging.getLogger(__name__)

# Never worth an entry: secrets and per-use bookkeeping.
EXCLUDED_FIELDS: dict[str, list[str]] = {
    "core.user": ["password", "last_login"],
    "core.apitoken": ["token_hash", "last_used_at"],
}
SERVICE_MODEL = "catalog.service"

# model label (lower) -> paths of attribute names to the service, best first ([[]] for Service
# itself, [] for a model unrelated to services)
_service_paths: dict[str, list[list[str]]] = {}


def onramp_models() -> list[type[models.Model]]:
    found = []
    for config in apps.get_app_configs():
        if not config.name.startswith("onramp."):
            continue
        for model in config.get_models():
            if model._meta.abstract or model._meta.proxy or not model._meta.managed:
                continue
            if getattr(model, "audit_exclude", False):
                continue
            found.append(model)
    return found


def register_all() -> None:
    for model in onramp_models():
        if auditlog.contains(model):
            continue
        label = model._meta.label_lower
        exclude = [*EXCLUDED_FIELDS.get(label, []), *getattr(model, "audit_exclude_fields", [])]
        m2m = [
            f.name
            for f in model._meta.local_many_to_many
            if f.remote_field.through._meta.auto_created
        ]
        auditlog.register(model, exclude_fields=exclude, m2m_fields=m2m)
        _service_paths[label] = _find_service_paths(model)
        if not hasattr(model, "get_additional_data"):
            # django-auditlog calls this on the record when it writes an entry.
            model.get_additional_data = _additional_data  # type: ignore[attr-defined]


def _find_service_paths(model: type[models.Model]) -> list[list[str]]:
    declared = getattr(model, "audit_service_path", None)
    if declared is not None:
        return [[part for part in declared.split("__") if part]]
    if model._meta.label_lower == SERVICE_MODEL:
        return [[]]
    # Every chain of foreign keys to a Service, three hops at most; chains of required keys
    # first (a Lesson belongs to its wave's service, whatever version it was applied in), then
    # the shorter, then those through a field called "service".
    found: list[tuple[bool, int, bool, list[str]]] = []

    def walk(current: type[models.Model], path: list[str], nullable: bool, depth: int) -> None:
        for field in current._meta.get_fields():
            if not (isinstance(field, models.ForeignKey) and field.concrete):
                continue
            target = field.related_model
            step = [*path, field.name]
            optional = nullable or field.null
            if target._meta.label_lower == SERVICE_MODEL:
                found.append((optional, len(step), field.name != "service", step))
            elif (
                depth < 3
                and target is not current
                and target._meta.app_label
                not in (
                    "core",
                    "org",
                )
            ):
                walk(target, step, optional, depth + 1)

    walk(model, [], False, 1)
    return [path for *_, path in sorted(found)]


def service_paths(model: type[models.Model]) -> list[list[str]]:
    return _service_paths.get(model._meta.label_lower, [])


def service_id_of(instance: models.Model) -> int | None:
    """The id of the service a record belongs to, or None."""
    for path in service_paths(type(instance)):
        if not path:
            return instance.pk
        current: Any = instance
        try:
            for name in path[:-1]:
                current = getattr(current, name)
                if current is None:
                    break
            else:
                service_id = getattr(current, f"{path[-1]}_id")
                if service_id is not None:
                    return service_id
        except models.ObjectDoesNotExist:
            continue
    return None


def _additional_data(self: models.Model) -> dict[str, Any]:
    from onramp.audit.context import current_source

    data: dict[str, Any] = {"source": current_source()}
    try:
        service_id = service_id_of(self)
    except Exception:  # an entry must never fail the change it records
        log.exception("Could not find the service of %r for the audit trail.", self)
        service_id = None
    if service_id is not None:
        data["service_id"] = service_id
    return data
