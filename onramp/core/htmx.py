"""One helper decides whether a request gets the full page or only its partial (NetBox style)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def htmx_partial(request: HttpRequest) -> bool:
    """True when an htmx request asks to swap part of the page rather than load it whole."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    partial: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """Render `template`, or `partial` alone when htmx asked for a swap."""
    chosen = partial if partial and htmx_partial(request) else template
    return render(request, chosen, context, status=status)
