from __future__ import annotations

import logging
import math
from datetime import timedelta
from typing import Any

import requests
from authlib.integrations.base_client import OAuthError
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from onramp.accounts.config import password_login_enabled, sso_config
from onramp.accounts.models import OidcIdentity
from onramp.accounts.oidc import oidc_claims, oidc_client
from onramp.accounts.services import SsoError, sso_user_sync
from onramp.core.access import ADMIN, PUBLIC, access

log = logging.getLogger(__name__)
SSO_NEXT = "onramp_sso_next"
SSO_BACKEND = "onramp.accounts.backends.SsoBackend"


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        config = sso_config()
        context.update(
            title="Sign in",
            password_login=password_login_enabled(),
            sso_enabled=config.enabled,
            sso_provider=config.provider_name,
            sso_url=self._sso_url(),
        )
        return context

    def _sso_url(self) -> str:
        url = reverse("accounts:oidc_login")
        target = self.get_redirect_url()
        return f"{url}?next={target}" if target else url

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not password_login_enabled():
            context = self.get_context_data(form=self.get_form())
            context["refused"] = (
                "Signing in with a password is switched off here. "
                f"Use the “Sign in with {context['sso_provider']}” button instead."
            )
            return render(request, self.template_name, context, status=403)
        return super().post(request, *args, **kwargs)


login_view = access(PUBLIC)(LoginView.as_view())


def _safe_next(request: HttpRequest, target: str | None) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _sso_failed(request: HttpRequest, reason: str) -> HttpResponse:
    messages.error(request, reason)
    return redirect("login")


@access(PUBLIC)
def oidc_login(request: HttpRequest) -> HttpResponse:
    """Start the authorization-code flow: redirect to the provider."""
    config = sso_config()
    if not config.enabled:
        raise Http404("Single sign-on is not configured.")
    request.session[SSO_NEXT] = _safe_next(request, request.GET.get("next"))
    client = oidc_client(config)
    callback = request.build_absolute_uri(reverse("accounts:oidc_callback"))
    try:
        return client.authorize_redirect(request, callback)
    except (requests.RequestException, ValueError, KeyError) as exc:
        log.warning("OIDC discovery at %s failed: %s", config.discovery_url, exc)
        return _sso_failed(
            request,
            f"Onramp could not reach {config.provider_name} to sign you in. Try again in a "
            "minute; if it keeps failing, tell your administrator.",
        )


@access(PUBLIC)
def oidc_callback(request: HttpRequest) -> HttpResponse:
    """The provider sends the browser back here with a code; exchange it, validate the ID
    token, and sign the user in."""
    config = sso_config()
    if not config.enabled:
        raise Http404("Single sign-on is not configured.")
    client = oidc_client(config)
    provider = config.provider_name
    try:
        token = client.authorize_access_token(request)
        issuer, claims = oidc_claims(client, token)
        user = sso_user_sync(issuer=issuer, claims=claims, config=config)
    except SsoError as exc:
        return _sso_failed(request, str(exc))
    except OAuthError as exc:
        log.info("OIDC sign-in refused: %s %s", exc.error, exc.description)
        detail = exc.description or exc.error or "no reason given"
        return _sso_failed(
            request,
            f"Signing in with {provider} did not work ({detail}). Start again with the "
            "button below.",
        )
    except requests.RequestException as exc:
        log.warning("OIDC token exchange failed: %s", exc)
        return _sso_failed(
            request,
            f"Onramp could not reach {provider} to finish signing you in. Try again in a minute.",
        )
    except Exception:  # an invalid ID token (signature, audience, expiry, nonce) and the like
        log.exception("OIDC sign-in failed")
        return _sso_failed(
            request,
            f"{provider} sent a sign-in that Onramp could not verify. Start again with the "
            "button below; if it keeps failing, tell your administrator.",
        )
    target = request.session.pop(SSO_NEXT, None)
    login(request, user, backend=SSO_BACKEND)
    return redirect(_safe_next(request, target))


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' lockout response: say what happened and when to try again."""
    cooloff: timedelta | None = settings.AXES_COOLOFF_TIME
    context: dict[str, Any] = {"title": "Sign-in locked", "limit": settings.AXES_FAILURE_LIMIT}
    if cooloff:
        context["until"] = timezone.localtime(timezone.now() + cooloff)
        context["minutes"] = max(1, math.ceil(cooloff.total_seconds() / 60))
    response = render(request, "accounts/locked_out.html", context, status=429 if cooloff else 403)
    if cooloff:
        response["Retry-After"] = str(int(cooloff.total_seconds()))
    return response


@access(ADMIN)
def sign_in_settings(request: HttpRequest) -> HttpResponse:
    """For PMO admins: how people sign in here, and the single sign-on identities seen."""
    config = sso_config()
    identities = OidcIdentity.objects.select_related("user", "person").order_by("-last_login_at")
    return render(
        request,
        "accounts/sign_in_settings.html",
        {
            "title": "Sign-in settings",
            "crumbs": [("Home", reverse("home")), ("Sign-in settings", None)],
            "sso": config,
            "password_login": password_login_enabled(),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff": settings.AXES_COOLOFF_TIME,
            "rate_limits": getattr(settings, "ONRAMP_RATE_LIMITS", {}),
            "identities": identities[:50],
        },
    )


@access(PUBLIC)
def admin_login(request: HttpRequest) -> HttpResponse:
    """Django admin's own login form is replaced by Onramp's sign-in page."""
    target = _safe_next(request, request.GET.get("next") or reverse("admin:index"))
    return redirect(f"{reverse('login')}?{urlencode({'next': target})}")
