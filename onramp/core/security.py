"""Request-level protections: security headers (CSP and friends) and a small cache-based rate
limiter for the public and token endpoints.

The limiter counts requests per client in fixed windows held in Django's cache. The embedded
default (one process) keeps the counters in memory; a deployment with several processes sets
ONRAMP_CACHE=database so that all processes share them (see docs/security.md).
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

F = TypeVar("F", bound=Callable[..., Any])

_PERIODS = {"s": 1, "second": 1, "m": 60, "minute": 60, "h": 3600, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Rate:
    limit: int
    period: int  # seconds

    @classmethod
    def parse(cls, text: str, *, name: str = "rate") -> Rate:
        """'20/minute', '600/m', '5/10s' -> Rate. Raises ImproperlyConfigured on anything else."""
        try:
            count, _, per = text.strip().partition("/")
            digits = "".join(ch for ch in per if ch.isdigit())
            unit = per[len(digits) :].strip().lower()
            period = int(digits or 1) * _PERIODS[unit]
            limit = int(count)
        except (KeyError, ValueError):
            raise ImproperlyConfigured(
                f"{name}={text!r} is not a rate: write it as '<count>/<period>', "
                "for example '20/minute' or '600/hour'."
            ) from None
        if limit < 1 or period < 1:
            raise ImproperlyConfigured(f"{name}={text!r} must allow at least one request.")
        return cls(limit=limit, period=period)

    def __str__(self) -> str:
        return f"{self.limit} per {self.period} s"


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, or None when there is none (a request built in code). Behind a
    reverse proxy (ONRAMP_BEHIND_PROXY=true) it is the last address the proxy appended to
    X-Forwarded-For; the earlier ones are set by the client and cannot be trusted."""
    candidate = request.META.get("REMOTE_ADDR", "")
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            candidate = hops[-1]
    return _address(candidate)


@functools.lru_cache(maxsize=4096)
def _address(candidate: str) -> str | None:
    """`candidate` written as ipaddress writes it, or None if it is no address; remembered,
    since the same few addresses come back on every request (parsing one costs ~4 µs)."""
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def rate_limit_hit(
    scope: str, ident: str, rate: Rate, *, now: float | None = None, fresh: bool = False
) -> int | None:
    """Count one request of `ident` in `scope`. Returns None while under the limit, else the
    number of seconds until the window ends (for Retry-After). `fresh`: `ident` is most likely
    new in this window (a personal link, posted once), so its counter is made first instead of
    incremented first (which fails for a new one, and costs a cache call and an exception)."""
    now = time.time() if now is None else now
    window = int(now // rate.period)
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    key = f"onramp:rl:{scope}:{digest}:{window}"
    cache = caches[getattr(settings, "ONRAMP_RATE_LIMIT_CACHE", "default")]
    # Counting first: an address's window already has its counter after the first request,
    # and then one cache call is enough.
    if fresh and cache.add(key, 1, timeout=rate.period + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # the window's first request, or its counter expired
            # add() fails when another request made the counter meanwhile: count on it then.
            count = 1 if cache.add(key, 1, timeout=rate.period + 1) else cache.incr(key)
    if count <= rate.limit:
        return None
    return max(1, math.ceil((window + 1) * rate.period - now))


def too_many_requests(request: HttpRequest, retry_after: int, *, api: bool) -> HttpResponse:
    minutes = math.ceil(retry_after / 60)
    wait = f"{retry_after} seconds" if retry_after < 120 else f"{minutes} minutes"
    message = f"Too many requests from you in a short time. Wait {wait}, then try again."
    response: HttpResponse
    if api:
        response = JsonResponse({"detail": message}, status=429)
    else:
        html = render_to_string("429.html", {"message": message})
        response = HttpResponse(html, status=429)
    response["Retry-After"] = str(retry_after)
    return response


@functools.lru_cache(maxsize=8)
def _parsed(items: tuple[tuple[str, str], ...]) -> dict[str, Rate]:
    return {name: Rate.parse(text, name=f"rate limit {name}") for name, text in items}


def _rates() -> dict[str, Rate]:
    """settings.ONRAMP_RATE_LIMITS parsed, once per value rather than on every request (the
    limits are read by the middleware and the public views on each request). Shared: read it
    only."""
    return _parsed(tuple(getattr(settings, "ONRAMP_RATE_LIMITS", {}).items()))


def rate_limited(scope: str, *, methods: tuple[str, ...] = ("POST",)) -> Callable[[F], F]:
    """Limit a public view per client address, with the rate named `scope` in
    settings.ONRAMP_RATE_LIMITS (e.g. survey response pages: @rate_limited("public_form"))."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            rate = _rates().get(scope)
            if rate is not None and request.method in methods:
                retry = rate_limit_hit(scope, client_ip(request) or "unknown", rate)
                if retry is not None:
                    return too_many_requests(request, retry, api=False)
            return view(request, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


class RateLimitMiddleware:
    """Limits, before any view runs: sign-in attempts (POSTs to the login pages) per client
    address, and API calls per credential (token or session) or, without one, per address."""

    LOGIN_PATHS = ("/login/", "/admin/login/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limited = self._check(request)
        return limited if limited is not None else self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        rates = _rates()
        path = request.path_info
        if request.method == "POST" and path in self.LOGIN_PATHS and "login" in rates:
            retry = rate_limit_hit("login", client_ip(request) or "unknown", rates["login"])
            if retry is not None:
                return too_many_requests(request, retry, api=False)
        elif path.startswith("/api/") and "api" in rates:
            retry = rate_limit_hit("api", self._api_ident(request), rates["api"])
            if retry is not None:
                return too_many_requests(request, retry, api=True)
        return None

    @staticmethod
    def _api_ident(request: HttpRequest) -> str:
        auth = request.META.get("HTTP_AUTHORIZATION", "")
        if auth.lower().startswith("bearer ") and auth[7:].strip():
            return "token:" + auth[7:].strip()
        session = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if session:
            return "session:" + session
        return "ip:" + (client_ip(request) or "unknown")


def content_security_policy(path: str) -> str:
    """The policy for a page. Scripts only from our own origin, never inline; styles may be
    inline because htmx injects its indicator style and pages use a few style attributes.
    The API's Swagger page also needs data: images (its icons)."""
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data:",
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    if getattr(settings, "HTTPS", False):
        directives["upgrade-insecure-requests"] = ""
    return "; ".join(f"{k} {v}".strip() for k, v in directives.items())


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy and the headers Django's SecurityMiddleware does not
    set (Permissions-Policy, Cross-Origin-Opener-Policy already is)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = content_security_policy(request.path_info)
        response.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"
        )
        return response
