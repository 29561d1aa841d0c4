from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def user_name(user: Any) -> str:
    """A user's full name, else their username; "—" when there is no user (deleted, unset)."""
    if user is None:
        return "—"
    return user.get_full_name() or user.username
