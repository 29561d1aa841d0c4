from __future__ import annotations

from django.apps import AppConfig


class ImprovementConfig(AppConfig):
    name = "onramp.improvement"
    label = "improvement"
