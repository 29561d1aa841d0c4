"""Sign-in configuration: parsing of the SSO environment variables (imported by settings, so no
models here) and the effective configuration read from Django's settings at request time."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

# The values of core.models.Role, highest first; a test keeps the two lists equal.
ROLE_RANK = ("admin", "owner", "champion", "viewer", "none")


def parse_role(value: str, *, name: str) -> str:
    role = value.strip().lower()
    if role not in ROLE_RANK:
        raise ImproperlyConfigured(
            f"{name}: {value!r} is not an Onramp role; use one of {', '.join(ROLE_RANK)}."
        )
    return role


def parse_role_map(raw: str, *, name: str = "OIDC_ROLE_MAP") -> dict[str, str]:
    """'pmo-admins=admin,service-owners=owner' -> {'pmo-admins': 'admin', ...}.

    Entries are separated by commas, or by semicolons when the text holds one (so that group
    names that contain commas, such as LDAP distinguished names, can be written). The role is
    after the last '=' of an entry."""
    mapping: dict[str, str] = {}
    separator = ";" if ";" in raw else ","
    for entry in raw.split(separator):
        if not entry.strip():
            continue
        group, eq, role = entry.strip().rpartition("=")
        if not eq or not group.strip():
            raise ImproperlyConfigured(
                f"{name}: {entry.strip()!r} is not 'group=role', "
                "e.g. OIDC_ROLE_MAP='pmo-admins=admin,service-owners=owner'."
            )
        mapping[group.strip()] = parse_role(role, name=name)
    return mapping


def discovery_url(issuer_or_url: str) -> str:
    """Accept the issuer URL or its discovery document's URL."""
    url = issuer_or_url.strip()
    if not url or url.endswith("/.well-known/openid-configuration"):
        return url
    return url.rstrip("/") + "/.well-known/openid-configuration"


@dataclass(frozen=True)
class SsoConfig:
    discovery_url: str
    client_id: str
    client_secret: str
    scopes: str
    provider_name: str
    email_claim: str
    groups_claim: str
    role_map: dict[str, str] = field(default_factory=dict)
    default_role: str = "none"

    @property
    def enabled(self) -> bool:
        return bool(self.discovery_url and self.client_id)


def sso_config() -> SsoConfig:
    from django.conf import settings

    return SsoConfig(
        discovery_url=discovery_url(getattr(settings, "OIDC_DISCOVERY_URL", "")),
        client_id=getattr(settings, "OIDC_CLIENT_ID", ""),
        client_secret=getattr(settings, "OIDC_CLIENT_SECRET", ""),
        scopes=getattr(settings, "OIDC_SCOPES", "openid email profile"),
        provider_name=getattr(settings, "OIDC_PROVIDER_NAME", "") or "single sign-on",
        email_claim=getattr(settings, "OIDC_EMAIL_CLAIM", "email"),
        groups_claim=getattr(settings, "OIDC_GROUPS_CLAIM", "groups"),
        role_map=dict(getattr(settings, "OIDC_ROLE_MAP", {})),
        default_role=getattr(settings, "OIDC_DEFAULT_ROLE", "none"),
    )


def password_login_enabled() -> bool:
    from django.conf import settings

    return bool(getattr(settings, "ONRAMP_PASSWORD_LOGIN", True))
