"""Password sign-in: lockout after repeated failures (django-axes), and the switch to turn it off."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.urls import reverse

from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_a_correct_password_signs_in(client, viewer):
    response = _sign_in(client, "vera", PASSWORD)

    assert response.status_code == 302
    assert client.get(reverse("home")).wsgi_request.user == viewer


def test_a_wrong_password_says_what_to_do(client, viewer):
    response = _sign_in(client, "vera", "wrong")

    assert response.status_code == 200
    assert "didn't match" in response.content.decode()


def test_it_locks_sign_in_after_the_failure_limit_and_says_when_to_retry(client, viewer, settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    for _ in range(2):
        assert _sign_in(client, "vera", "wrong").status_code == 200

    locked = _sign_in(client, "vera", "wrong")

    assert locked.status_code == 429
    assert locked["Retry-After"] == "900"
    body = locked.content.decode()
    assert "3 failed attempts" in body
    assert "Try again after" in body and "15 minutes from now" in body
    # Even the right password is refused while locked.
    assert _sign_in(client, "vera", PASSWORD).status_code == 429
    assert not client.get(reverse("home")).wsgi_request.user.is_authenticated


def test_a_lockout_of_one_user_does_not_lock_another(client, viewer, champion, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        _sign_in(client, "vera", "wrong")
    assert _sign_in(client, "vera", PASSWORD).status_code == 429

    assert _sign_in(client, "chen", PASSWORD).status_code == 302


def test_sign_in_works_again_after_the_cool_off(client, viewer, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(seconds=2)
    for _ in range(2):
        _sign_in(client, "vera", "wrong")
    assert _sign_in(client, "vera", PASSWORD).status_code == 429

    time.sleep(2.5)

    assert _sign_in(client, "vera", PASSWORD).status_code == 302


def test_the_admin_login_goes_through_the_same_sign_in_page(client):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=%2Fadmin%2F"


def test_password_login_switched_off_hides_the_form(client, settings):
    settings.ONRAMP_PASSWORD_LOGIN = False
    settings.OIDC_DISCOVERY_URL = "https://login.example.com/tenant"
    settings.OIDC_CLIENT_ID = "onramp"
    settings.OIDC_PROVIDER_NAME = "Example ID"

    body = client.get(reverse("login")).content.decode()

    assert 'name="password"' not in body
    assert "Sign in with Example ID" in body


def test_password_login_switched_off_refuses_posts_even_with_the_right_password(
    client, viewer, settings
):
    settings.ONRAMP_PASSWORD_LOGIN = False
    settings.OIDC_DISCOVERY_URL = "https://login.example.com/tenant"
    settings.OIDC_CLIENT_ID = "onramp"

    response = _sign_in(client, "vera", PASSWORD)

    assert response.status_code == 403
    assert "switched off" in response.content.decode()
    assert not client.get(reverse("home")).wsgi_request.user.is_authenticated
    assert client.login(username="vera", password=PASSWORD) is False  # the backend refuses too


def test_password_login_off_without_sso_fails_the_system_check(settings):
    from onramp.accounts.checks import check_sign_in

    settings.ONRAMP_PASSWORD_LOGIN = False
    settings.OIDC_DISCOVERY_URL = ""
    settings.OIDC_CLIENT_ID = ""

    assert [p.id for p in check_sign_in()] == ["onramp.E102"]
