"""System checks for the sign-in configuration (run by `onramp check` and at start-up)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register

from onramp.accounts.config import password_login_enabled, sso_config


@register("security")
def check_sign_in(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    config = sso_config()
    partial = bool(config.discovery_url) != bool(config.client_id)
    if partial:
        problems.append(
            Error(
                "Single sign-on is half configured.",
                hint="Set both OIDC_DISCOVERY_URL and OIDC_CLIENT_ID, or neither.",
                id="onramp.E101",
            )
        )
    if not password_login_enabled() and not config.enabled:
        problems.append(
            Error(
                "ONRAMP_PASSWORD_LOGIN=false but single sign-on is not configured: "
                "nobody could sign in.",
                hint="Configure OIDC_DISCOVERY_URL and OIDC_CLIENT_ID, or allow password login.",
                id="onramp.E102",
            )
        )
    if config.enabled and "openid" not in config.scopes.split():
        problems.append(
            Error(
                f"OIDC_SCOPES={config.scopes!r} lacks 'openid'.",
                hint="Add 'openid' (e.g. 'openid email profile').",
                id="onramp.E103",
            )
        )
    if config.enabled and config.discovery_url.startswith("http://") and settings.HTTPS:
        problems.append(
            Warning(
                "OIDC_DISCOVERY_URL uses plain http in an HTTPS deployment.",
                hint="Use the provider's https:// issuer URL.",
                id="onramp.W101",
            )
        )
    return problems
