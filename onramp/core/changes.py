"""Bulk writes, made visible to the audit trail without the lower apps knowing about it.

`bulk_create`, `bulk_update` and raw SQL send no model signals, so an app that writes in bulk
(the HRIS and portfolio imports of `org`) reports what it wrote with `record_bulk()`; whoever keeps
an audit trail (the `audit` app, above every other) subscribes with `on_bulk_write()`. And code
that changes records on behalf of a process (an import, a sync) says so with `changes_from()`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db import models


@dataclass(frozen=True)
class BulkChange:
    pk: Any
    action: Literal["create", "update", "delete"]
    label: str = ""
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    service_id: int | None = None


BulkHandler = Callable[[type[models.Model], list[BulkChange]], Any]
_handlers: list[BulkHandler] = []
_declared: ContextVar[str | None] = ContextVar("onramp_change_source", default=None)


def on_bulk_write(handler: BulkHandler) -> BulkHandler:
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


def record_bulk(model: type[models.Model], changes: Iterable[BulkChange]) -> None:
    batch = list(changes)
    if batch:
        for handler in _handlers:
            handler(model, batch)


@contextlib.contextmanager
def changes_from(source: str) -> Iterator[None]:
    """Declare that changes in the block come from `source` ("import", ...)."""
    token = _declared.set(source)
    try:
        yield
    finally:
        _declared.reset(token)


def declared_source() -> str | None:
    return _declared.get()
