from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get(mapping: Any, key: str) -> Any:
    if not mapping:
        return None
    return mapping.get(key)


@register.filter
def fmt(value: float | None, digits: int = 0) -> str:
    """A figure for display: '—' for no value, rounded otherwise."""
    if value is None:
        return "—"
    return f"{value:.{digits}f}"


@register.filter
def qkey(question: Any) -> str:
    """The form field name of a question."""
    return f"q{question.pk}"
