"""Authentication backends: lockout first (django-axes), then passwords (which can be switched
off), then the backend single sign-on users are signed in with."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from onramp.accounts.config import password_login_enabled


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check. A call without a request (the shell, Django's test client
    `login()`) comes from no client address, so there is nothing to lock out: it passes."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> Any:
        if request is None:
            return None
        return super().authenticate(request, *args, **kwargs)


class PasswordBackend(ModelBackend):
    """Username and password, unless ONRAMP_PASSWORD_LOGIN=false."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> Any:
        if not password_login_enabled():
            return None
        return super().authenticate(request, *args, **kwargs)


class SsoBackend(ModelBackend):
    """Holds the sessions of users signed in through OpenID Connect; it never checks
    credentials itself (the provider did)."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> Any:
        return None
