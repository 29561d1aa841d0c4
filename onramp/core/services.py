"""Writes owned by core: API tokens and users."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from onramp.core.models import ApiToken, Role, User, hash_token


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; returns it with the raw value, which is never stored and shown once."""
    name = name.strip() or "API token"
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        user=user, name=name[:100], token_hash=hash_token(raw), hint=raw[:10]
    )
    return token, raw


def api_token_revoke(*, token: ApiToken) -> None:
    if token.revoked_at is None:
        token.revoke()


def api_token_authenticate(raw: str) -> User | None:
    """The active user behind a raw token, or None. Records when the token was last used."""
    if not raw or not raw.startswith(ApiToken.PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def user_create(
    *, username: str, password: str | None, role: str = Role.VIEWER, email: str = "", **extra: Any
) -> User:
    user = User(username=username, email=email, role=role, **extra)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user
