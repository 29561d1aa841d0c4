"""The interactive API documentation renders in a real browser, from this server alone."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_docs_render_every_operation_without_leaving_the_server(live_server, page):
    foreign: list[str] = []
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith(live_server.url) else foreign.append(request.url)
        ),
    )
    page.goto(f"{live_server.url}/api/v1/docs")
    page.get_by_text("/api/v1/services/{slug}/versions").first.wait_for(timeout=20_000)
    body = page.inner_text("body")
    assert "Unable to render this definition" not in body
    assert "/api/v1/people/import" in body
    assert foreign == []
