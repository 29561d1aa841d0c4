"""Writes for sign-in: turning an OpenID Connect provider's claims into an Onramp user."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.utils import timezone

from onramp.accounts.config import ROLE_RANK, SsoConfig
from onramp.accounts.models import OidcIdentity
from onramp.core.models import User
from onramp.core.services import user_create
from onramp.org.models import Person


class SsoError(Exception):
    """A sign-in that cannot go on; the message is shown to the user."""


def claim_values(value: Any) -> list[str]:
    """A groups or roles claim as a list: providers send a JSON list, or one string."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    if isinstance(value, Iterable):
        return [str(part) for part in value if str(part)]
    return [str(value)]


def role_for_groups(*, groups: Iterable[str], role_map: Mapping[str, str], default: str) -> str:
    """The highest role any of the groups maps to, or the default when none does."""
    roles = [role_map[group] for group in groups if group in role_map]
    if not roles:
        return default
    return min(roles, key=ROLE_RANK.index)


def _email_from(claims: Mapping[str, Any], config: SsoConfig) -> str:
    # Entra ID often leaves 'email' empty and puts the address in preferred_username or upn.
    for name in (config.email_claim, "email", "preferred_username", "upn"):
        value = str(claims.get(name) or "").strip()
        if "@" in value:
            return value
    return ""


def _unique_username(base: str) -> str:
    base = "".join(ch for ch in base if ch.isalnum() or ch in "@.+-_")[:140] or "user"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _names(claims: Mapping[str, Any], person: Person | None) -> tuple[str, str]:
    first = str(claims.get("given_name") or "").strip()
    last = str(claims.get("family_name") or "").strip()
    if not (first or last):
        full = str(claims.get("name") or (person.name if person else "")).strip()
        first, _, last = full.partition(" ")
    return first[:150], last[:150]


@transaction.atomic
def sso_user_sync(*, issuer: str, claims: Mapping[str, Any], config: SsoConfig) -> User:
    """The user behind a successful OpenID Connect sign-in, created on the first one.

    The user is found by the provider's (issuer, sub), else by email (case-insensitive), else
    created. Their person in the organisation is matched by email. When OIDC_ROLE_MAP is set,
    the groups claim decides the role on every sign-in; without it a new user gets
    OIDC_DEFAULT_ROLE and an existing user keeps the role a PMO admin gave them."""
    subject = str(claims.get("sub") or "").strip()
    if not subject:
        raise SsoError(
            "The sign-in provider did not say who you are (no 'sub' claim). "
            "Ask your administrator to check the Onramp application at the provider."
        )
    if claims.get("email_verified") is False:
        raise SsoError(
            "Your email address is not verified at the sign-in provider. Verify it there, "
            "then sign in again."
        )
    email = _email_from(claims, config)
    groups = claim_values(claims.get(config.groups_claim))
    role = role_for_groups(groups=groups, role_map=config.role_map, default=config.default_role)
    person = Person.objects.filter(email__iexact=email).order_by("pk").first() if email else None

    identity = (
        OidcIdentity.objects.select_for_update()
        .select_related("user")
        .filter(issuer=issuer, subject=subject)
        .first()
    )
    created = False
    if identity is not None:
        user = identity.user
    else:
        user = User.objects.filter(email__iexact=email).order_by("pk").first() if email else None
        if user is None:
            if not email:
                raise SsoError(
                    "The sign-in provider did not send your email address, so Onramp cannot "
                    "create your account. Ask your administrator to release the email claim."
                )
            first, last = _names(claims, person)
            user = user_create(
                username=_unique_username(email.lower()),
                password=None,
                role=role,
                email=email,
                first_name=first,
                last_name=last,
            )
            created = True
        identity = OidcIdentity(user=user, issuer=issuer, subject=subject)

    if not user.is_active:
        raise SsoError(
            "Your Onramp account is deactivated. Ask a PMO admin to reactivate it if you "
            "still need access."
        )
    if not created:
        changed: list[str] = []
        if config.role_map and user.role != role:
            user.role = role
            changed.append("role")
        if email and user.email.lower() != email.lower():
            user.email = email
            changed.append("email")
        if not (user.first_name or user.last_name):
            user.first_name, user.last_name = _names(claims, person)
            changed += ["first_name", "last_name"]
        if changed:
            user.full_clean(exclude=["password"])
            user.save(update_fields=changed)

    identity.email = email
    identity.person = person
    identity.groups = groups
    identity.last_login_at = timezone.now()
    identity.full_clean(exclude=["user"])
    identity.save()
    return user
