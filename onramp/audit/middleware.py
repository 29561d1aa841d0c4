from __future__ import annotations

from collections.abc import Callable
from typing import Any

from auditlog.middleware import AuditlogMiddleware
from django.http import HttpRequest, HttpResponse

from onramp.audit.context import actor_context, reset_source, set_request_source


class AuditMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware (the signed-in user becomes the actor of every change, with
    the client's address), plus the source of the change: "api" under /api/, "web" otherwise."""

    get_response: Callable[[HttpRequest], HttpResponse]

    @staticmethod
    def _get_actor(request: HttpRequest) -> None:
        # Read lazily below: django-auditlog's own lookup loads the session and the user on
        # every request, even on pages that never use them (the public survey page).
        return None

    def get_extra_data(self, request: HttpRequest) -> dict[str, Any]:
        data = super().get_extra_data(request)
        # The actor is read when an entry is written, not when the request arrives: API calls
        # with a personal token are signed in later, by the API's authentication.
        data.pop("actor", None)
        data["actor_id"] = lambda: _user(request).pk if _user(request) else None
        data["actor_email"] = lambda: (_user(request).email or None) if _user(request) else None
        return data

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = set_request_source(request.path)
        try:
            with actor_context():
                return super().__call__(request)
        finally:
            reset_source(token)


def _user(request: HttpRequest) -> Any:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None
