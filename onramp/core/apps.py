from __future__ import annotations

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "onramp.core"
    label = "core"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # Each app registers its metrics in its own metrics.py.
        autodiscover_modules("metrics")
