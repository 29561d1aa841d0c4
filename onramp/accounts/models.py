from __future__ import annotations

from django.conf import settings
from django.db import models

from onramp.core.models import TimeStampedModel


class OidcIdentity(TimeStampedModel):
    """A user's account at the OpenID Connect provider: the (issuer, subject) pair that the
    provider guarantees stable, the person it was matched to by email, and the groups it
    brought on its last sign-in (which decided the user's role)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_identities"
    )
    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    email = models.EmailField(max_length=254, blank=True)
    person = models.ForeignKey(
        "org.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="oidc_identities",
    )
    groups = models.JSONField(default=list, blank=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "single sign-on identity"
        verbose_name_plural = "single sign-on identities"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="oidc_identity_unique")
        ]

    def __str__(self) -> str:
        return f"{self.email or self.subject} at {self.issuer}"
