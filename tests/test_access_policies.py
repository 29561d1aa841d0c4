"""Every view declares who may use it (healthchecks' habit): this walks every URL pattern of the
project, the ninja API's operations included, and fails naming any view without a policy.

- Ordinary views carry `access_policy`, set by `@access(POLICY)` (core.access.policy_of).
- The API's URL patterns all point at ninja's dispatcher; behind each one is a PathView whose
  operations are the endpoint functions, each of which must carry `@api_access(POLICY)`.
- Django's admin counts as ADMIN: its site's has_permission is overridden (core/admin.py); the
  tests at the end prove that an owner or a viewer, even one marked staff, is kept out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, path

from onramp.core.access import ADMIN, POLICIES, READ, Policy, access, policy_of

# Views that by design answer the same to everyone and hold nothing: the reason is the policy.
EXEMPT = {
    "api:api-root": "ninja's placeholder at /api/v1/ that always answers 404",
}


@dataclass(frozen=True)
class Endpoint:
    route: str
    name: str  # namespaced url name, or "<route> <METHODS>" for an API operation
    view: Callable[..., Any]
    kind: str  # "view", "api" or "admin"


def _ninja_path_view(callback: Callable[..., Any]) -> Any | None:
    """The ninja PathView behind one of its URL callbacks (held in the callback's closure)."""
    from ninja.operation import PathView

    for cell in getattr(callback, "__closure__", None) or ():
        try:
            content = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if isinstance(content, PathView):
            return content
    return None


def walk(
    patterns: list[Any],
    prefix: str = "",
    namespaces: tuple[str, ...] = (),
    seen: set[int] | None = None,
) -> Iterator[Endpoint]:
    seen = set() if seen is None else seen  # ninja gives a path one pattern per operation
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns, seen)
            continue
        assert isinstance(entry, URLPattern)
        route = prefix + str(entry.pattern)
        name = ":".join([*namespaces, entry.name]) if entry.name else route
        if "admin" in namespaces:
            yield Endpoint(route, name, entry.callback, "admin")
            continue
        path_view = _ninja_path_view(entry.callback)
        if path_view is None:
            yield Endpoint(route, name, entry.callback, "view")
            continue
        if id(path_view) in seen:
            continue
        seen.add(id(path_view))
        for operation in path_view.operations:
            methods = ",".join(sorted(operation.methods))
            yield Endpoint(route, f"{route} {methods}", operation.view_func, "api")


def undeclared(endpoints: list[Endpoint]) -> list[str]:
    return sorted(
        f"{e.name} ({e.route}) -> {getattr(e.view, '__module__', '?')}."
        f"{getattr(e.view, '__qualname__', repr(e.view))}"
        for e in endpoints
        if e.kind != "admin" and e.name not in EXEMPT and policy_of(e.view) is None
    )


@pytest.fixture(scope="module")
def endpoints() -> list[Endpoint]:
    return list(walk(get_resolver().url_patterns))


def test_every_view_and_api_operation_declares_an_access_policy(endpoints):
    missing = undeclared(endpoints)
    assert not missing, "These views declare no access policy (use @access / @api_access):\n" + (
        "\n".join(missing)
    )


def test_every_declared_policy_is_one_of_the_known_policies(endpoints):
    odd = [
        e.name
        for e in endpoints
        if (p := policy_of(e.view)) is not None and POLICIES.get(p.name) is not p
    ]
    assert not odd


def test_the_walk_reaches_the_api_operations_behind_ninjas_dispatcher(endpoints):
    operations = [e.name for e in endpoints if e.kind == "api"]
    assert len(operations) == len(set(operations)), "each operation is seen once"
    api = {e.name: policy_of(e.view) for e in endpoints if e.kind == "api"}
    assert api["api/v1/units GET"] is READ
    assert api["api/v1/units POST"] is ADMIN
    assert api["api/v1/people/import POST"] is ADMIN
    assert "api/v1/services/<slug:slug> PATCH" in api
    assert len(api) >= 17


def test_the_walk_reaches_pages_of_included_apps_and_the_admin(endpoints):
    names = {e.name for e in endpoints}
    assert {"home", "org:unit_tree", "catalog:service_edit", "org:import"} <= names
    assert any(e.kind == "admin" for e in endpoints)


def test_the_walk_names_a_view_that_declares_nothing():
    def forgotten(request):  # pragma: no cover - never called
        raise AssertionError

    @access(READ)
    def declared(request):  # pragma: no cover - never called
        raise AssertionError

    patterns = [path("ok/", declared, name="ok"), path("oops/", forgotten, name="oops")]
    missing = undeclared(list(walk(patterns)))
    assert len(missing) == 1 and missing[0].startswith("oops (oops/)")


def test_the_walk_names_an_api_operation_that_declares_nothing():
    from ninja import NinjaAPI

    scratch = NinjaAPI(urls_namespace="scratch-api")

    @scratch.get("/bare")
    def bare(request):  # pragma: no cover - never called
        return {}

    patterns, _app, _ns = scratch.urls
    missing = undeclared(list(walk(patterns)))
    assert any(m.startswith("bare GET") for m in missing)


# --- Django's admin ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["owner", "champion", "viewer", "outsider"])
def test_the_django_admin_keeps_out_everyone_but_pmo_admins(client_for, cast, role):
    user = cast[role]
    user.is_staff = True  # even marked staff, a non-admin role does not get in
    user.save()
    response = client_for(user).get("/admin/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert client_for(user).get("/admin/core/user/").status_code == 302


def test_the_django_admin_sends_an_anonymous_visitor_to_sign_in(client_for, db):
    response = client_for(None).get("/admin/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_a_pmo_admin_uses_the_django_admin(client_for, admin_user):
    # The site lets PMO admins in; what each model page shows still follows Django's model
    # permissions (a PMO admin who is not a superuser sees only what they were granted).
    assert client_for(admin_user).get("/admin/").status_code == 200


def test_the_policies_are_the_documented_five():
    assert set(POLICIES) == {"public", "signed_in", "read", "manage", "admin"}
    assert all(isinstance(p, Policy) for p in POLICIES.values())
