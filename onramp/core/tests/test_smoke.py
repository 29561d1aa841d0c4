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


def test_a_pmo_admin_opens_django_admin_without_the_staff_flag_and_others_cannot(
    client_for, make_user, owner
):
    sso_admin = make_user("sam", "admin")  # as single sign-on creates it: no is_staff
    assert client_for(sso_admin).get("/admin/org/person/").status_code == 200
    assert client_for(owner).get("/admin/").status_code == 302  # sent to sign in


def test_a_nul_character_in_a_parameter_is_refused_not_a_server_error(client_for, viewer):
    c = client_for(viewer)
    assert c.get("/org/people/?q=a%00b").status_code == 400
    api = c.get("/api/v1/people?q=a%00b")
    assert api.status_code == 422 and "NUL" in api.json()["detail"][0]["msg"]
