"""No page carries inline script: the Content-Security-Policy (script-src 'self') would block it.

Walks every URL pattern without parameters, plus the detail pages of the fixtures' objects, as a
PMO admin, and looks for <script> elements with a body, on* event-handler attributes and
javascript: URLs."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

SKIP_PREFIXES = ("api/", "admin/", "logout/", "accounts/oidc/", "metrics", "healthz", "static/")


class InlineScriptFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self._in_script: tuple[str, ...] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...> event handler")
            if name in ("href", "src", "action", "formaction") and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}='javascript:...'>")
        if tag == "script":
            kind = (values.get("type") or "text/javascript").lower()
            executable = kind in ("text/javascript", "module", "application/javascript")
            self._in_script = (kind,) if executable and not values.get("src") else None

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = None

    def handle_data(self, data: str) -> None:
        if self._in_script is not None and data.strip():
            self.problems.append(f"inline <script>: {data.strip()[:60]!r}")


def inline_script_problems(html: str) -> list[str]:
    finder = InlineScriptFinder()
    finder.feed(html)
    return finder.problems


def parameterless_paths(patterns=None, prefix: str = "") -> list[str]:
    paths: list[str] = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = str(entry.pattern)
        if isinstance(entry, URLResolver):
            if "<" not in route and not route.startswith("^"):
                paths += parameterless_paths(entry.url_patterns, prefix + route)
        elif isinstance(entry, URLPattern) and "<" not in route and not route.startswith("^"):
            paths.append("/" + prefix + route)
    return [p for p in paths if not p[1:].startswith(SKIP_PREFIXES)]


def test_the_finder_catches_inline_scripts_and_handlers():
    assert inline_script_problems("<script>alert(1)</script>")
    assert inline_script_problems('<button onclick="go()">x</button>')
    assert inline_script_problems('<a href="javascript:go()">x</a>')
    assert not inline_script_problems('<script src="/static/x.js"></script>')
    assert not inline_script_problems('<script type="application/json">{"a": 1}</script>')


def test_no_page_has_inline_script(client_for, admin_user, small_org, service):
    client = client_for(admin_user)
    paths = parameterless_paths() + [
        reverse("catalog:service_detail", args=[service.slug]),
        reverse("org:unit_detail", args=[small_org["team_a"].pk]),
        reverse("org:person_detail", args=[small_org["boss"].pk]),
    ]
    checked, problems = 0, {}
    for path in paths:
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        checked += 1
        found = inline_script_problems(response.content.decode())
        if found:
            problems[path] = found

    assert problems == {}
    assert checked >= 10, f"only {checked} pages answered 200 with HTML"


def test_the_sign_in_pages_have_no_inline_script(client, settings):
    settings.OIDC_DISCOVERY_URL = "https://login.example.com/tenant"
    settings.OIDC_CLIENT_ID = "onramp"

    assert inline_script_problems(client.get("/login/").content.decode()) == []
