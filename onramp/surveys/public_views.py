"""The employee's side: answering through a personal link, without an account."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.template.context_processors import csrf
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_protect

from onramp.core.access import PUBLIC, access
from onramp.core.security import Rate, rate_limit_hit, rate_limited, too_many_requests
from onramp.surveys.models import Survey
from onramp.surveys.services import InvalidToken, invitation_for_token, response_submit
from onramp.surveys.services.responding import survey_questions

PER_TOKEN = Rate(limit=10, period=60)
# What Django's never_cache sets, for pages that must not be kept by a browser or a proxy.
NO_STORE = "max-age=0, no-cache, no-store, must-revalidate, private"


def _never_cached(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Django's never_cache, with its two headers written directly: never_cache parses and
    merges any Cache-Control already set (these views never set one), which cost about 25 µs
    a request on the page every invitee posts to (docs/performance.md, "Survey submissions")."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.headers["Expires"] = _now_http_date()
        response.headers["Cache-Control"] = NO_STORE
        return response

    return wrapper


# The current second and its HTTP date (formatting one costs ~4 µs; a second sees hundreds of
# posts under load). One tuple, replaced whole, so a reader never sees half of it.
_http_now: tuple[int, str] = (0, "")


def _now_http_date() -> str:
    global _http_now
    second, text = _http_now
    now = int(time.time())
    if now != second:
        text = http_date(now)
        _http_now = (now, text)
    return text


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """A public page. These pages show no navigation, user or messages, so they are rendered
    without the site's context processors (the navigation alone reverses a dozen URLs), with
    the CSRF token only: the form still carries it, and CsrfViewMiddleware still checks it."""
    html = loader.render_to_string(template, {**context, **csrf(request)})
    return HttpResponse(html, status=status)


# The thank-you page of each survey, rendered once per process: it holds no form and nothing of
# the person, only the survey's and its service's fields, so their last change is in the key.
_THANKS: dict[tuple[Any, ...], str] = {}


def _thanks(survey: Survey) -> HttpResponse:
    service = survey.service
    key = (survey.pk, survey.updated_at, service.pk, service.updated_at)
    html = _THANKS.get(key)
    if html is None:
        html = loader.render_to_string(
            "surveys/respond_thanks.html", {"title": "Thank you", "survey": survey}
        )
        if len(_THANKS) >= 256:
            _THANKS.clear()
        _THANKS[key] = html
    return HttpResponse(html)


def _invalid(request: HttpRequest) -> HttpResponse:
    # One page for unknown, used, closed and expired links: it reveals nothing about which.
    return _page(
        request, "surveys/respond_invalid.html", {"title": "This link cannot be used"}, status=404
    )


def _form_data(request: HttpRequest) -> dict:
    """The posted answers: the list of values of a question posted more than once (multiple
    choice), else its value."""
    return {
        k: values if len(values) > 1 else values[-1]
        for k, values in request.POST.lists()
        if k.startswith("q")
    }


@_never_cached
@csrf_protect
@rate_limited("public_form", methods=("GET", "POST"))
@access(PUBLIC)
def respond(request: HttpRequest, token: str) -> HttpResponse:
    if (
        request.method == "POST"
        and rate_limit_hit("survey_token", token, PER_TOKEN, fresh=True) is not None
    ):
        return too_many_requests(request, PER_TOKEN.period, api=False)
    today = timezone.localdate()  # once: it converts the time to the local zone
    try:
        invitation = invitation_for_token(token, today=today)
    except InvalidToken:
        return _invalid(request)
    survey = invitation.survey
    questions = survey_questions(survey)
    errors: dict[str, list[str]] = {}
    posted: dict = {}
    if request.method == "POST":
        posted = _form_data(request)
        try:
            response_submit(
                raw_token=token,
                answers=posted,
                today=today,
                invitation=invitation,
                questions=questions,
            )
        except InvalidToken:
            return _invalid(request)
        except ValidationError as exc:
            errors = exc.message_dict
        else:
            return _thanks(survey)
    return _page(
        request,
        "surveys/respond.html",
        {
            "title": survey.title,
            "survey": survey,
            "questions": questions,
            "errors": errors,
            "posted": posted,
            "preview": False,
        },
        status=400 if errors else 200,
    )
