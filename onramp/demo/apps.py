from __future__ import annotations

from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Builds the demo organisation. Sits above every other app: it may import them all."""

    name = "onramp.demo"
    label = "demo"
