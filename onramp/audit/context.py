"""Where a change came from: web, api, import, worker or cli.

Every audit entry records its source in `additional_data["source"]`. Requests set it in
`AuditMiddleware` (web, or api under /api/); everything else wraps its work in

    from onramp.audit.context import audit_source

    with audit_source("import"):
        ...  # every create, change and delete here is recorded as coming from an import

Changes made inside `onramp worker` are recorded as "worker" without a block.
`actor` (a User) names who is responsible when there is no signed-in request, e.g. the user who
uploaded the file a background import reads. Outside any block the source is "cli": a change
made with no request and no declared source was made from a shell or a script.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from auditlog.context import auditlog_value, set_actor

SOURCES = ("web", "api", "import", "worker", "cli")
DEFAULT_SOURCE = "cli"

_source: ContextVar[str | None] = ContextVar("onramp_audit_source", default=None)
# True while a django-auditlog actor context is open (a request, or audit_source with an actor).
# Its own context variable is never reset, so it cannot tell an open context from a stale one.
_actor_context: ContextVar[bool] = ContextVar("onramp_audit_actor_context", default=False)


def current_source() -> str:
    # A process that declared itself (an import run from a web page) wins over the door it
    # came through.
    from onramp.core.changes import declared_source

    return declared_source() or _source.get() or process_source()


def process_source(argv: list[str] | None = None) -> str:
    """The source of a change made with no declared one: "worker" inside `onramp worker` (its
    tasks need not each say so), "cli" anywhere else."""
    args = (argv if argv is not None else sys.argv)[1:2]
    return "worker" if args and args[0] in ("worker", "db_worker") else DEFAULT_SOURCE


@contextlib.contextmanager
def audit_source(source: str, *, actor: Any = None) -> Iterator[None]:
    """Record every change made inside the block as coming from `source` (one of SOURCES), and
    made by `actor` when given (a User: who started the job, e.g. who uploaded the file)."""
    if source not in SOURCES:
        raise ValueError(f"Unknown audit source {source!r}: use one of {', '.join(SOURCES)}.")
    token = _source.set(source)
    try:
        if actor is not None and not _actor_context.get():
            # django-auditlog's own context gives log entries their actor. Open one only when
            # none is: nesting its contexts would detach the outer one.
            with actor_context(), set_actor(actor):
                yield
        else:
            yield
    finally:
        _source.reset(token)


@contextlib.contextmanager
def actor_context() -> Iterator[None]:
    """Mark a django-auditlog actor context as open for the length of the block."""
    previous = auditlog_value.get(None)
    flag = _actor_context.set(True)
    try:
        yield
    finally:
        _actor_context.reset(flag)
        auditlog_value.set(previous if previous is not None else {})


def set_request_source(path: str) -> Any:
    """Used by AuditMiddleware: returns the token to reset when the request ends."""
    return _source.set("api" if path.startswith("/api/") else "web")


def reset_source(token: Any) -> None:
    _source.reset(token)
