from __future__ import annotations

from typing import Any

from oidc_provider.lib.claims import ScopeClaims


def userinfo(claims: dict[str, Any], user: Any) -> dict[str, Any]:
    claims["name"] = user.get_full_name()
    claims["given_name"] = user.first_name
    claims["family_name"] = user.last_name
    claims["email"] = user.email
    claims["email_verified"] = True
    claims["preferred_username"] = user.username
    return claims


class GroupsScopeClaims(ScopeClaims):
    """The 'groups' scope releases a 'groups' claim: the names of the user's Django groups."""

    info_groups = ("Groups", "The groups you belong to.")

    def scope_groups(self) -> dict[str, Any]:
        return {"groups": sorted(self.user.groups.values_list("name", flat=True))}
