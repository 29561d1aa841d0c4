"""A bare Django view behind the same middleware as Onramp: reads the posted form, answers a line.
The baseline a survey submission is compared with."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie


@ensure_csrf_cookie
@csrf_protect
def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"ok {len(request.POST)}", content_type="text/plain")


bare.access_policy = None  # bench only: never mounted in Onramp

urlpatterns = [path("bare/", bare), path("login/", bare)]
