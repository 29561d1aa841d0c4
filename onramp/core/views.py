from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from onramp.core.access import PUBLIC, READ, SIGNED_IN, access
from onramp.core.models import ApiToken
from onramp.core.services import api_token_create, api_token_revoke

login_view = access(PUBLIC)(
    auth_views.LoginView.as_view(
        template_name="registration/login.html", redirect_authenticated_user=True
    )
)
logout_view = access(PUBLIC)(auth_views.LogoutView.as_view())


@access(SIGNED_IN)
def home(request: HttpRequest) -> HttpResponse:
    from onramp.core.metrics import Scope, measure
    from onramp.core.models import Role

    if request.user.effective_role == Role.NONE:
        return render(
            request,
            "core/no_role.html",
            {"title": "Welcome to Onramp", "crumbs": [("Home", None)]},
        )
    from onramp.catalog.selectors import service_list

    services = list(service_list(user=request.user)[:12])
    headcount = measure("org.headcount", Scope())
    return render(
        request,
        "core/home.html",
        {
            "title": "Home",
            "crumbs": [("Home", None)],
            "services": services,
            "headcount": headcount,
        },
    )


@access(SIGNED_IN)
def account(request: HttpRequest) -> HttpResponse:
    tokens = request.user.api_tokens.all()
    new_token = request.session.pop("new_api_token", None)
    return render(
        request,
        "core/account.html",
        {
            "title": "Your account",
            "crumbs": [("Home", reverse("home")), ("Account", None)],
            "tokens": tokens,
            "new_token": new_token,
        },
    )


@require_POST
@access(SIGNED_IN)
def token_create(request: HttpRequest) -> HttpResponse:
    _token, raw = api_token_create(user=request.user, name=request.POST.get("name", ""))
    request.session["new_api_token"] = raw
    messages.success(request, "Token created. Copy it now: it will not be shown again.")
    return redirect("account")


@require_POST
@access(SIGNED_IN)
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(token=token)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("account")


COMING = {
    "rollout": (
        "Rollouts",
        "Plan each service's phased rollout: a pilot, waves, then company-wide.",
        [
            "Rollouts per service with objective, target population, adoption and satisfaction targets",
            "Waves bound to org units, with selection rationale and dates",
            "Milestones with slip and RAG status",
            "Go/no-go gates whose criteria are computed from live metrics",
            "Lessons learned, a roadmap across services, and a change-load heatmap",
        ],
    ),
    "engagement": (
        "Engagement",
        "Know who matters for each service and move them from unaware to leading.",
        [
            "Stakeholder register with power/interest, salience and engagement (current vs desired)",
            "ADKAR assessments and barrier points",
            "RACI per activity and an interaction log",
        ],
    ),
    "comms": (
        "Communications",
        "Explain the value of each service to each audience, and see who it reached.",
        [
            "A communication plan per audience with value framing",
            "Sending by email, Teams or Slack, with reach and frequency",
            "Case studies and testimonials with consent",
        ],
    ),
    "enablement": (
        "Training",
        "Hands-on training and support that turn awareness into ability.",
        [
            "Sessions (live demo, workshop, Q&A, office hours) with sign-up, waitlist and calendar invites",
            "Microlearning with quizzes and completions",
            "A champion network with coverage per unit",
        ],
    ),
    "adoption": (
        "Adoption",
        "Prove adoption with usage data, not opinions.",
        [
            "Usage ingestion from CSV, JSON Lines, Parquet or the API",
            "Adoption rate, stickiness, time to adopt and lapse by wave and unit",
            "A Bass diffusion forecast against the adoption target",
        ],
    ),
    "surveys": (
        "Surveys",
        "Measure satisfaction and readiness, with anonymity that holds.",
        [
            "NPS, CSAT, CES, SUS and ADKAR pulses with personal links",
            "Reminders to non-respondents and a fatigue limit across services",
            "Results with minimum group sizes and differencing protection",
        ],
    ),
    "improvement": (
        "Improvement",
        "Turn feedback into changes people can see.",
        [
            "Feedback items grouped into themes",
            "Retrospectives with actions and owners",
            "An improvement backlog and “you said, we did” notices",
        ],
    ),
    "reports": (
        "Reports",
        "Tell the steering committee where each service stands.",
        [
            "A portfolio view across services",
            "A steering report as web page, PDF, PowerPoint and Excel",
            "Scheduled reports and a handover package to Service Operation",
        ],
    ),
}


@access(READ)
def coming_soon(request: HttpRequest, area: str) -> HttpResponse:
    if area not in COMING:
        raise Http404
    label, lead, items = COMING[area]
    return render(
        request,
        "core/coming_soon.html",
        {
            "title": label,
            "lead": lead,
            "items": items,
            "crumbs": [("Home", reverse("home")), (label, None)],
        },
    )


def area_urls(area: str) -> list:
    """The placeholder URL set of an area that has not been built yet."""
    from django.urls import path

    def index(request: HttpRequest) -> HttpResponse:
        return coming_soon(request, area)

    index.access_policy = READ  # type: ignore[attr-defined]
    return [path("", index, name="index")]
