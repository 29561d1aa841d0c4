from __future__ import annotations

from django.apps import AppConfig


class CommsConfig(AppConfig):
    name = "onramp.comms"
    label = "comms"
