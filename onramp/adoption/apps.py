from __future__ import annotations

from django.apps import AppConfig


class AdoptionConfig(AppConfig):
    name = "onramp.adoption"
    label = "adoption"
