from __future__ import annotations

from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "onramp.org"
    label = "org"
