"""The OpenID Connect client (Authlib): discovery, the authorization-code flow with PKCE and
nonce, ID token validation against the provider's keys, and the userinfo call."""

from __future__ import annotations

import threading
from typing import Any

from authlib.integrations.django_client import OAuth

from onramp.accounts.config import SsoConfig

_clients: dict[tuple[str, str, str, str], Any] = {}
_lock = threading.Lock()
TIMEOUT_SECONDS = 10


def oidc_client(config: SsoConfig) -> Any:
    """One client per configuration, kept for the life of the process so that the discovery
    document and the provider's keys are fetched once."""
    key = (config.discovery_url, config.client_id, config.client_secret, config.scopes)
    with _lock:
        client = _clients.get(key)
        if client is None:
            oauth = OAuth()
            client = oauth.register(
                name="onramp",
                client_id=config.client_id,
                client_secret=config.client_secret or None,
                server_metadata_url=config.discovery_url,
                client_kwargs={
                    "scope": config.scopes,
                    "code_challenge_method": "S256",
                    "timeout": TIMEOUT_SECONDS,
                },
            )
            _clients[key] = client
        return client


def oidc_claims(client: Any, token: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The issuer and the user's claims: the validated ID token's, completed by the userinfo
    endpoint's (some providers put groups only in one of the two)."""
    metadata = client.load_server_metadata()
    claims: dict[str, Any] = dict(token.get("userinfo") or {})
    if metadata.get("userinfo_endpoint"):
        extra = client.userinfo(token=token)
        if extra.get("sub") and claims.get("sub") and extra["sub"] != claims["sub"]:
            # OpenID Connect Core 5.3.2: a userinfo response for another subject is discarded.
            extra = {}
        for name, value in dict(extra).items():
            claims.setdefault(name, value)
    return str(claims.get("iss") or metadata.get("issuer") or ""), claims
