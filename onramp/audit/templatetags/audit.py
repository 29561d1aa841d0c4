"""`{% load audit %}{% history_link object %}`: a link to the history of any audited record."""

from __future__ import annotations

from typing import Any

from auditlog.registry import auditlog
from django import template
from django.urls import reverse

register = template.Library()


@register.simple_tag
def history_url(obj: Any) -> str:
    meta = obj._meta
    return reverse("audit:history", args=[meta.app_label, meta.model_name, obj.pk])


@register.inclusion_tag("audit/partials/history_link.html")
def history_link(obj: Any, label: str = "History") -> dict[str, Any]:
    if obj is None or obj.pk is None or not auditlog.contains(type(obj)):
        return {"url": None}
    return {"url": history_url(obj), "label": label}
