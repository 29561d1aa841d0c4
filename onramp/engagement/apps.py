from __future__ import annotations

from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "onramp.engagement"
    label = "engagement"
