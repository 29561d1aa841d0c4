"""Who may use what. Every view and API endpoint declares one of these policies; a test walks
all URL patterns and fails on any view that does not.

Global roles give the baseline (PMO admin > service owner > champion > viewer > none). Rights on
one service (edit as its owner, read as its champion) are object checks made by the app that owns
the object, through `ensure()`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from onramp.core.models import Role

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Policy:
    name: str
    roles: frozenset[str] | None  # None: anyone, signed in or not
    description: str

    def allows(self, user: Any) -> bool:
        if self.roles is None:
            return True
        if not user.is_authenticated or not user.is_active:
            return False
        return user.effective_role in self.roles


ALL_ROLES = frozenset(r.value for r in Role)

PUBLIC = Policy("public", None, "Anyone, without signing in.")
SIGNED_IN = Policy("signed_in", ALL_ROLES, "Any signed-in user, even one with no role yet.")
READ = Policy(
    "read",
    frozenset({Role.ADMIN, Role.OWNER, Role.CHAMPION, Role.VIEWER}),
    "Everyone with a role: viewers, champions, service owners, PMO admins.",
)
MANAGE = Policy(
    "manage",
    frozenset({Role.ADMIN, Role.OWNER}),
    "Service owners (on their own services) and PMO admins.",
)
ADMIN = Policy("admin", frozenset({Role.ADMIN}), "PMO admins only.")

POLICIES = {p.name: p for p in (PUBLIC, SIGNED_IN, READ, MANAGE, ADMIN)}


def access(policy: Policy) -> Callable[[F], F]:
    """Declare who may call a view. Anonymous users are sent to the login page; signed-in users
    outside the policy get 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not policy.allows(request.user):
                if not request.user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                raise PermissionDenied(f"This page needs: {policy.description}")
            return view(request, *args, **kwargs)

        wrapper.access_policy = policy  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def ensure(allowed: bool, message: str = "You may not do this.") -> None:
    """Object-level check inside a view or service: raise 403 unless allowed."""
    if not allowed:
        raise PermissionDenied(message)


def policy_of(view: Callable[..., Any]) -> Policy | None:
    """The policy a view declared, looking through class-based and wrapped views."""
    seen: set[int] = set()
    current: Any = view
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        policy = getattr(current, "access_policy", None)
        if policy is not None:
            return policy
        view_class = getattr(current, "view_class", None)
        if view_class is not None and getattr(view_class, "access_policy", None):
            return view_class.access_policy
        current = getattr(current, "__wrapped__", None)
    return None
