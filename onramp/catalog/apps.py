from __future__ import annotations

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "onramp.catalog"
    label = "catalog"
