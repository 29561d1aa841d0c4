"""Every URL and API operation, walked, refuses each role its policy leaves out.

tests/test_access_matrix.py spells out pages and endpoints with real data, role by role; this
test covers everything else mechanically: for each route (placeholders filled with ids that do
not exist), the roles below its declared policy must be turned away before any object is looked
up: anonymous visitors sent to sign in (pages) or answered 401 (API), signed-in users without
the role answered 403. It cannot be forgotten for a new page: it walks the URLconf.
"""

from __future__ import annotations

import re

import pytest
from django.urls import get_resolver

from onramp.core.access import PUBLIC, SIGNED_IN, policy_of
from onramp.core.models import Role
from tests.test_access_policies import walk

BELOW = {  # the roles each policy leaves out (besides anonymous visitors)
    "signed_in": [],
    "read": [Role.NONE],
    "manage": [Role.NONE, Role.VIEWER, Role.CHAMPION],
    "admin": [Role.NONE, Role.VIEWER, Role.CHAMPION, Role.OWNER],
}


def _concrete(route: str) -> str | None:
    if route.startswith("^") or "(?P" in route:
        return None
    path = re.sub(r"<int:[^>]+>", "987654", route)
    path = re.sub(r"<(?:str|slug|path|uuid):[^>]+>|<[^>:]+>", "no-such-thing", path)
    return "/" + path


def _endpoints():
    out = []
    for e in walk(get_resolver().url_patterns):
        if e.kind == "admin":
            continue
        policy = getattr(e.view, "access_policy", None) if e.kind == "api" else policy_of(e.view)
        url = _concrete(e.route)
        if url is None or policy is None or policy in (PUBLIC,):
            continue
        methods = e.name.rsplit(" ", 1)[1].split(",") if e.kind == "api" else ["GET"]
        out.append(pytest.param(e.kind, url, methods[0], policy, id=f"{methods[0]} {url}"))
    return out


@pytest.mark.parametrize(("kind", "url", "method", "policy"), _endpoints())
def test_roles_below_the_policy_are_turned_away(kind, url, method, policy, client, make_user):
    from onramp.core.services import api_token_create

    def call(c, headers=None):
        response = getattr(c, method.lower())(url, **(headers or {}))
        if response.status_code == 405 and kind == "view":  # a POST-only view
            response = c.post(url, **(headers or {}))
        return response

    anonymous = call(client)
    if kind == "view":
        assert anonymous.status_code == 302 and "/login/" in anonymous["Location"], url
    else:
        assert anonymous.status_code == 401, url
    for role in BELOW[policy.name]:
        user = make_user(f"u-{role}", role)
        client.force_login(user)
        if kind == "view":
            status = call(client).status_code
        else:
            client.logout()
            _token, raw = api_token_create(user=user, name="walk")
            status = call(client, {"HTTP_AUTHORIZATION": f"Bearer {raw}"}).status_code
        # 400/422: the API checked the request's shape (a body, a required parameter) before
        # the policy; nothing was read or written.
        allowed = {403} if kind == "view" else {400, 403, 422}
        assert status in allowed, f"{role} got {status} on {method} {url}"
        client.logout()


def test_the_walk_covers_pages_and_api_operations():
    kinds = {p.values[0] for p in _endpoints()}
    assert kinds == {"view", "api"} and len(_endpoints()) > 100
    assert SIGNED_IN.name in BELOW
