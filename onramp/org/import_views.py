"""Import pages (upload, preview with every row error, apply). Being built."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from onramp.core.access import ADMIN, access


@access(ADMIN)
def import_upload(request: HttpRequest) -> HttpResponse:
    return render(request, "core/coming_soon.html", {"title": "Import", "items": []})


@access(ADMIN)
def import_preview(request: HttpRequest, token: str) -> HttpResponse:
    return render(request, "core/coming_soon.html", {"title": "Import", "items": []})


@access(ADMIN)
def import_apply(request: HttpRequest, token: str) -> HttpResponse:
    return render(request, "core/coming_soon.html", {"title": "Import", "items": []})
