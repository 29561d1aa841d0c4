"""Per-user tokens for the iCalendar subscription feed. Only a hash is stored."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from onramp.core.models import hash_token
from onramp.rollout.models import CalendarToken

PREFIX = "cal_"


@transaction.atomic
def calendar_token_create(*, user: Any) -> tuple[CalendarToken, str]:
    """A new feed token for `user`, revoking the previous one. Returns the raw value, which is
    shown once and never stored."""
    CalendarToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    raw = PREFIX + secrets.token_urlsafe(24)
    token = CalendarToken.objects.create(user=user, token_hash=hash_token(raw), hint=raw[:10])
    return token, raw


def calendar_token_revoke(*, user: Any) -> int:
    return CalendarToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def calendar_token_authenticate(raw: str) -> Any | None:
    if not raw.startswith(PREFIX):
        return None
    token = (
        CalendarToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        CalendarToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
