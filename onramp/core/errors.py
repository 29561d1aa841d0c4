"""What users see when something goes wrong, above all when the database goes away.

A lost database raises `OperationalError`/`InterfaceError` wherever the next query happens: in a
view, in the session middleware saving on the way out, in token authentication. Two hooks cover
all of them:

- `DatabaseOutageMiddleware.process_exception` turns such an error raised by a view into a 503
  (a page, or JSON under /api/), also with DEBUG on;
- `server_error` (Django's `handler500`) does the same for errors raised anywhere else, and
  renders the plain 500 page for everything that is not a database outage.

The error pages are rendered without a request context: context processors read the signed-in
user (a database query), and the templates extend nothing that does. The outage is logged with
its traceback; the response never contains it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

logger = logging.getLogger("onramp.errors")

# psycopg's and sqlite3's "cannot connect", "connection lost", "database is locked", "no such
# table" after the file vanished: all reach Django as one of these two.
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
API_PREFIX = "/api/"

OUTAGE_MESSAGE = (
    "Onramp cannot reach its database just now, so this request was not completed: "
    "try again in a minute. If this persists, tell your Onramp administrator."
)


def is_database_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, OUTAGE_ERRORS)


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _page(template: str, status: int, context: dict[str, Any] | None = None) -> HttpResponse:
    # No request: no context processors, so no query on a database that may be gone.
    body = loader.get_template(template).render(context or {})
    return HttpResponse(body, status=status, content_type="text/html; charset=utf-8")


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 answer to a database outage: JSON for the API, a page for people."""
    if wants_json(request):
        response: HttpResponse = JsonResponse({"detail": OUTAGE_MESSAGE}, status=503)
    else:
        response = _page("503.html", 503, {"message": OUTAGE_MESSAGE})
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def _log_outage(request: HttpRequest, exc: BaseException) -> None:
    logger.error(
        "Database unavailable while serving %s %s: %s",
        request.method,
        request.path,
        exc,
        exc_info=(type(exc), exc, exc.__traceback__),
    )


class DatabaseOutageMiddleware:
    """Answers 503 instead of 500 when a view fails because the database is unreachable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_database_outage(exception):
            return None
        _log_outage(request, exception)
        return database_unavailable(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: Django calls it inside its `except` block, so the error is in sys.exc_info()."""
    exc = sys.exc_info()[1]
    if is_database_outage(exc):
        # Django logs it (with its traceback) once this handler returns.
        return database_unavailable(request)
    if wants_json(request):
        return JsonResponse(
            {"detail": "Onramp failed to answer this request. The error has been logged."},
            status=500,
        )
    return _page("500.html", 500)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403: says what the page needs (the access policy's message) and where to go."""
    reason = str(exception) if exception and str(exception) else ""
    if wants_json(request):
        return JsonResponse({"detail": reason or "Forbidden."}, status=403)
    return _page("403.html", 403, {"reason": reason})


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404."""
    if wants_json(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return _page("404.html", 404, {"request_path": request.path})


class NulByteMiddleware:
    """Refuse a query string carrying a NUL character before any view runs: no field can hold it
    and PostgreSQL refuses it outright (a 500 otherwise). The API answers 422 like any invalid
    parameter; pages answer 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "%00" in query.upper() or "\x00" in query or "\x00" in request.path:
            message = "A parameter holds a NUL character, which no field accepts: remove it."
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                return JsonResponse({"detail": [{"msg": message, "loc": ["query"]}]}, status=422)
            from django.http import HttpResponseBadRequest

            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
