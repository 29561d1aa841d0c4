"""Personal API tokens: created and revoked on the account page, stored as a hash, and acting
with their user's role."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from onramp.core.models import ApiToken, hash_token
from onramp.core.services import api_token_create, api_token_revoke


def _bearer(raw: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def _new_token_on_account_page(client: Client, name: str = "script") -> str:
    response = client.post("/account/tokens/", {"name": name}, follow=True)
    assert response.status_code == 200
    match = re.search(r'data-testid="new-token">(onr_[^<]+)<', response.content.decode())
    assert match, "the new token is shown on the account page"
    return match.group(1)


def test_a_token_created_on_the_account_page_authenticates_api_calls(client_for, viewer, service):
    raw = _new_token_on_account_page(client_for(viewer))
    response = _bearer(raw).get("/api/v1/services")
    assert response.status_code == 200
    assert [s["slug"] for s in response.json()["items"]] == [service.slug]


def test_a_token_acts_with_its_users_role(make_user, service, other_service):
    _t, viewer_raw = api_token_create(user=make_user("v2", "viewer"), name="v")
    _t, champion_raw = api_token_create(user=service.champions.get(), name="c")
    _t, owner_raw = api_token_create(user=service.owner, name="o")
    # a viewer reads everything but changes nothing
    assert _bearer(viewer_raw).get("/api/v1/services").json()["count"] == 2
    assert _bearer(viewer_raw).post(f"/api/v1/services/{service.slug}/archive").status_code == 403
    # a champion sees only the service they champion
    assert _bearer(champion_raw).get("/api/v1/services").json()["count"] == 1
    # an owner changes their own service, and not another owner's
    assert _bearer(owner_raw).post(f"/api/v1/services/{service.slug}/archive").status_code == 200
    assert (
        _bearer(owner_raw).post(f"/api/v1/services/{other_service.slug}/archive").status_code == 403
    )


def test_token_writes_need_no_csrf_token(owner, service):
    _t, raw = api_token_create(user=owner, name="ci")
    client = Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.patch(
        f"/api/v1/services/{service.slug}",
        data=json.dumps({"summary": "From a script."}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    service.refresh_from_db()
    assert service.summary == "From a script."


def test_only_the_hash_of_a_token_is_stored(viewer):
    token, raw = api_token_create(user=viewer, name="export")
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.token_hash == hash_token(raw) != raw
    assert stored.hint == raw[:10]
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not any(raw in str(value) for value in row.values())


def test_the_raw_token_is_shown_once_on_the_account_page(client_for, viewer):
    browser = client_for(viewer)
    raw = _new_token_on_account_page(browser)
    again = browser.get("/account/").content.decode()
    assert raw not in again
    assert raw[:10] in again  # the hint still lets the user recognise it


def test_a_revoked_token_gets_401(client_for, viewer):
    browser = client_for(viewer)
    raw = _new_token_on_account_page(browser)
    token = ApiToken.objects.get(token_hash=hash_token(raw))
    assert _bearer(raw).get("/api/v1/units").status_code == 200
    response = browser.post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    refused = _bearer(raw).get("/api/v1/units")
    assert refused.status_code == 401
    assert "Bearer" in refused.json()["detail"]


@pytest.mark.parametrize(
    "header",
    [
        "Bearer onr_not-a-real-token",
        "Bearer not-even-the-prefix",
        "Token onr_wrong-scheme",
        "Bearer ",
    ],
)
def test_a_wrong_token_gets_401(viewer, header):
    api_token_create(user=viewer, name="real one")
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/units")
    assert response.status_code == 401


def test_no_credentials_at_all_get_401(db):
    assert Client().get("/api/v1/services").status_code == 401


def test_a_deactivated_users_token_gets_401(viewer):
    _t, raw = api_token_create(user=viewer, name="x")
    viewer.is_active = False
    viewer.save()
    assert _bearer(raw).get("/api/v1/units").status_code == 401


def test_a_token_of_a_user_without_a_role_is_authenticated_but_forbidden(outsider):
    _t, raw = api_token_create(user=outsider, name="x")
    assert _bearer(raw).get("/api/v1/units").status_code == 403


def test_one_user_cannot_revoke_another_users_token(client_for, viewer, owner):
    token, raw = api_token_create(user=owner, name="owner's script")
    response = client_for(viewer).post(f"/account/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert _bearer(raw).get("/api/v1/units").status_code == 200


def test_revoking_needs_a_post(client_for, viewer):
    token, _raw = api_token_create(user=viewer, name="x")
    assert client_for(viewer).get(f"/account/tokens/{token.pk}/revoke/").status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_token_records_when_it_was_last_used(viewer):
    token, raw = api_token_create(user=viewer, name="x")
    assert token.last_used_at is None
    _bearer(raw).get("/api/v1/units")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoking_twice_keeps_the_first_revocation_time(viewer):
    token, _raw = api_token_create(user=viewer, name="x")
    api_token_revoke(token=token)
    first = token.revoked_at
    api_token_revoke(token=token)
    token.refresh_from_db()
    assert token.revoked_at == first
