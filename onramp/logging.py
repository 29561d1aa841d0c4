"""Logging: a request id on every line, plain text or JSON lines.

`RequestIdMiddleware` gives each request an id (the caller's X-Request-ID when it sends a sane
one, a new one otherwise), keeps it in a context variable for the length of the request and
returns it in the X-Request-ID response header. `RequestIdFilter` copies it onto every log
record, so one grep finds every line a request wrote; the audit trail stores it too (as
django-auditlog's correlation id), linking an audit entry to the log lines of its request.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

_request_id: ContextVar[str | None] = ContextVar("onramp_request_id", default=None)
# An incoming id is trusted only if it looks like an id: it ends up in logs and headers.
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
HEADER = "X-Request-ID"

access_log = logging.getLogger("onramp.request")


def current_request_id() -> str | None:
    """The id of the request (or job) being handled in this context, if any."""
    return _request_id.get()


@contextlib.contextmanager
def request_id_context(value: str | None = None) -> Iterator[str]:
    """Run a block under a request id (a new one unless given): commands and tasks use it so
    that their log lines and audit entries can be told apart and found together."""
    rid = value or uuid.uuid4().hex
    token = _request_id.set(rid)
    try:
        yield rid
    finally:
        _request_id.reset(token)


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(HEADER, "")
        rid = incoming if _SANE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = rid  # type: ignore[attr-defined]
        started = time.perf_counter()
        with request_id_context(rid):
            response = self.get_response(request)
            access_log.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        response[HEADER] = rid
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get() or "-"
        return True


# Attributes every LogRecord has; anything else was passed with `extra=` and goes into the JSON.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, the
    fields given with `extra=`, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or _request_id.get() or "-",
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in payload and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


def logging_config(*, level: str = "INFO", fmt: str = "text") -> dict[str, Any]:
    """The LOGGING setting. `fmt` is "text" (readable, for a terminal) or "json" (one JSON
    object per line, for a log collector)."""
    from django.core.exceptions import ImproperlyConfigured

    fmt = (fmt or "text").strip().lower()
    if fmt not in ("text", "json"):
        raise ImproperlyConfigured(f"LOG_FORMAT={fmt!r} is not valid: use text or json.")
    level = (level or "INFO").strip().upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise ImproperlyConfigured(
            f"LOG_LEVEL={level!r} is not valid: use DEBUG, INFO, WARNING, ERROR or CRITICAL."
        )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "onramp.logging.RequestIdFilter"}},
        "formatters": {
            "text": {
                "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
            },
            "json": {"()": "onramp.logging.JsonFormatter"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": fmt,
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # Django's own "django.server"/"django.request" lines repeat onramp.request's.
            "django.server": {"level": "WARNING"},
        },
    }
