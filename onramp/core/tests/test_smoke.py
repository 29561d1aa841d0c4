from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_home_sends_an_anonymous_visitor_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_signed_in_viewer_sees_home_with_navigation(client_for, viewer, service):
    response = client_for(viewer).get("/")
    body = response.content.decode()
    assert response.status_code == 200
    for label in ("Services", "Organisation", "Rollouts", "Adoption", "Surveys", "Reports"):
        assert f">{label}</a>" in body
    assert "Risk Framework" in body
