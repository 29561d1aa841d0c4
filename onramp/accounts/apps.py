from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "onramp.accounts"
    label = "accounts"
    verbose_name = "Sign-in"

    def ready(self) -> None:
        from onramp.accounts import checks  # noqa: F401  (registers the system checks)
