"""The one NinjaAPI. Each app contributes a Router in its api.py; this module mounts them.

Browsers authenticate with the session (CSRF checked on writes); scripts send a personal token
as `Authorization: Bearer onr_...`. Every endpoint declares its policy with `@api_access`.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, get_type_hints

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError
from ninja.openapi.docs import Swagger, _csrf_needed
from ninja.pagination import PageNumberPagination
from ninja.security import APIKeyCookie, HttpBearer

from onramp.core.access import PUBLIC, Policy, access
from onramp.core.services import api_token_authenticate

F = TypeVar("F", bound=Callable[..., Any])


class SessionAuth(APIKeyCookie):
    """Django's session, with CSRF enforced on unsafe methods."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


def api_access(policy: Policy) -> Callable[[F], F]:
    """Declare who may call an endpoint (checked after authentication)."""

    def decorate(fn: F) -> F:
        # ninja evaluates string annotations (`from __future__ import annotations`) in the
        # outermost wrapper's module, where the endpoint's schemas are unknown: resolve them here.
        with contextlib.suppress(NameError):
            fn.__annotations__ = get_type_hints(fn, include_extras=True)

        @wraps(fn)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not policy.allows(request.auth):
                raise PermissionDenied(f"This endpoint needs: {policy.description}")
            return fn(request, *args, **kwargs)

        wrapper.access_policy = policy  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


class ErrorOut(Schema):
    """Every error body: a sentence, or for 422 a {field: [messages]} map (ninja's own input
    errors give a list of {loc, msg, type})."""

    detail: Any


def errors(*codes: int) -> dict[int, type[ErrorOut]]:
    """Error responses an endpoint declares, e.g. `response={200: UnitOut, **errors(401, 403)}`."""
    return {code: ErrorOut for code in codes}


# The largest id a database row can have (a signed 64-bit integer): bigger ones are refused as
# input (422) rather than overflowing the database driver.
MAX_ID = 2**63 - 1


class Pages(PageNumberPagination):
    """`?page=` (from 1) and `?page_size=` (at most 100) on every list endpoint."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1, le=100)


class LocalSwagger(Swagger):
    """Swagger UI from this server's static files. Ninja uses them only when it is an installed
    app, which it is not here (see settings: it would slow every command's start); otherwise
    it links a CDN, and Onramp works offline."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": json.dumps(self.settings, indent=1),
            "api": api,
            "add_csrf": _csrf_needed(api),
        }
        return render(request, self.template, context)


class OnrampAPI(NinjaAPI):
    """Documents the responses that come from outside an endpoint: 400 for a body that is not
    JSON (ninja's parser), 422 for input that fails validation, and 429 from the rate limit
    (onramp.core.security) on every operation."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        error = {
            "content": {
                "application/json": {
                    "schema": {
                        "type": "object",
                        "properties": {"detail": {"title": "Detail"}},
                        "required": ["detail"],
                    }
                }
            }
        }
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                # ninja keys responses by int, added ones are str: one key each, as JSON writes it
                # (a key twice is a YAML error and Swagger UI renders nothing).
                responses = {
                    str(code): value for code, value in operation.get("responses", {}).items()
                }
                operation["responses"] = responses
                if "requestBody" in operation:
                    responses.setdefault(
                        "400", {"description": "The request body is not valid JSON.", **error}
                    )
                if "requestBody" in operation or operation.get("parameters"):
                    # ninja answers 422 to any input that fails its schema, declared or not.
                    responses.setdefault(
                        "422", {"description": "The input is not valid: see detail.", **error}
                    )
                responses.setdefault(
                    "429",
                    {
                        "description": "Too many requests: wait the Retry-After seconds.",
                        "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                        **error,
                    },
                )
        return schema


api = OnrampAPI(
    title="Onramp API",
    version="1",
    description=(
        "Onramp's REST API. Authenticate with a personal token (create one on your account "
        "page) sent as `Authorization: Bearer <token>`, or with the browser session."
    ),
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    # The schema and the docs page describe the API, they hold no data: public, and declared so.
    docs_decorator=access(PUBLIC),
    docs=LocalSwagger(),
)


def _error(request: HttpRequest, status: int, detail: Any) -> HttpResponse:
    return api.create_response(request, {"detail": detail}, status=status)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or "Forbidden.")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "Not found.")


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return _error(request, 422, detail)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request, 401, "Sign in, or send a personal API token as 'Authorization: Bearer <token>'."
    )


def _mount() -> None:
    from importlib import import_module

    for app in ("org", "catalog", "rollout", "adoption", "surveys"):
        try:
            module = import_module(f"onramp.{app}.api")
        except ModuleNotFoundError as exc:
            if exc.name != f"onramp.{app}.api":
                raise
            continue
        api.add_router(f"/{app}/" if app not in ("org", "catalog") else "/", module.router)


_mount()
