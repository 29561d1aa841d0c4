from __future__ import annotations

from django.db import models


class Effect(models.Model):
    """What the task did, keyed like an outbox row: one per key, whatever the retries."""

    key = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
