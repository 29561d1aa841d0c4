"""The pages run under the Content-Security-Policy: Chromium reports no violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

# Installed through DevTools before any page script runs (not subject to the page's CSP).
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def watched(login, page):
    """login(user) with a record of CSP violations, from the DOM event and the console."""
    console: list[str] = []
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda msg: console.append(msg.text) if "Content Security Policy" in msg.text else None,
    )

    def violations() -> list[str]:
        return page.evaluate("window.__cspViolations || []") + console

    return login, page, violations


def test_the_org_tree_and_service_pages_run_with_no_csp_violation(
    live_server, watched, admin_user, small_org, service
):
    login, page, violations = watched
    login(admin_user)
    for path in ("/org/", "/services/", f"/services/{service.slug}/", "/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
        assert page.evaluate("typeof window.htmx") == "object", f"htmx did not load on {path}"
        assert violations() == [], path
    # The page's own script works too: the menu toggle (onramp.js) is not blocked.
    page.set_viewport_size({"width": 600, "height": 800})
    page.locator("[data-nav-toggle]").click()
    expect(page.locator("[data-nav-toggle]")).to_have_attribute("aria-expanded", "true")
    assert violations() == []


def test_the_api_docs_render_under_their_policy(live_server, watched, admin_user):
    login, page, violations = watched
    login(admin_user)

    page.goto(f"{live_server.url}/api/v1/docs")
    # Swagger UI builds the page from openapi.json; on a busy box that takes a while.
    page.locator(".swagger-ui .opblock").first.wait_for(state="attached", timeout=60_000)

    assert "Onramp API" in page.locator(".swagger-ui").inner_text()
    assert page.locator(".swagger-ui .opblock").count() > 0
    assert violations() == []


def test_an_inline_handler_is_blocked_and_reported(live_server, watched, viewer):
    login, page, violations = watched
    login(viewer)

    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend',"
        " '<img src=\"/nope.png\" onerror=\"document.title=\\'pwned\\'\">')"
    )
    page.wait_for_timeout(500)

    assert page.title() != "pwned"
    assert any("script-src" in v for v in violations())
