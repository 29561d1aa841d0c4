"""The catalog API: the same rules as the service pages, over JSON."""

from __future__ import annotations

import json

import pytest

from onramp.catalog.models import Service


def _send(client, method: str, url: str, body: dict | None = None):
    return getattr(client, method)(
        url, data=json.dumps(body or {}), content_type="application/json"
    )


def test_it_lists_the_services_a_viewer_may_see(client_for, viewer, service, other_service):
    body = client_for(viewer).get("/api/v1/services").json()
    assert body["count"] == 2
    risk = next(s for s in body["items"] if s["slug"] == service.slug)
    assert risk["owner"] == "olga"
    assert risk["champions"] == ["chen"]
    assert risk["lifecycle"] == "onboarding" and risk["archived"] is False


def test_a_champion_lists_only_the_services_they_champion(
    client_for, champion, service, other_service
):
    body = client_for(champion).get("/api/v1/services").json()
    assert [s["slug"] for s in body["items"]] == [service.slug]


def test_it_filters_services_by_words_and_lifecycle(client_for, viewer, service, other_service):
    api = client_for(viewer)
    assert [s["name"] for s in api.get("/api/v1/services", {"q": "risk"}).json()["items"]] == [
        "Risk Framework"
    ]
    designed = api.get("/api/v1/services", {"lifecycle": "designed"}).json()["items"]
    assert [s["name"] for s in designed] == ["Portfolio Prioritisation"]


def test_archived_services_are_listed_only_when_asked(client_for, admin_user, service):
    api = client_for(admin_user)
    assert _send(api, "post", f"/api/v1/services/{service.slug}/archive").status_code == 200
    assert api.get("/api/v1/services").json()["count"] == 0
    archived = api.get("/api/v1/services", {"archived": "true"}).json()["items"]
    assert [s["slug"] for s in archived] == [service.slug]
    assert archived[0]["archived"] is True and archived[0]["archived_at"]


def test_it_shows_a_service_by_slug(client_for, viewer, service):
    response = client_for(viewer).get(f"/api/v1/services/{service.slug}")
    assert response.status_code == 200
    assert response.json()["summary"] == "One way to log and review project risks."


def test_a_champion_gets_403_on_a_service_they_do_not_champion(client_for, champion, other_service):
    response = client_for(champion).get(f"/api/v1/services/{other_service.slug}")
    assert response.status_code == 403
    assert response.json() == {"detail": "You cannot see this service."}


def test_it_answers_404_for_an_unknown_slug(client_for, viewer, service):
    assert client_for(viewer).get("/api/v1/services/no-such-thing").status_code == 404


def test_an_owner_creates_a_service_and_owns_it(client_for, owner, small_org):
    response = _send(
        client_for(owner),
        "post",
        "/api/v1/services",
        {
            "name": "Benefits Tracking",
            "summary": "Track the benefits each project promised.",
            "sponsor": "bea@acme.test",
            "adopter_kind": "projects",
            "adoption_target_pct": 70.5,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "benefits-tracking"
    assert body["owner"] == "olga"
    assert body["sponsor"]["employee_id"] == "E1"
    assert body["adoption_target_pct"] == 70.5
    assert Service.objects.get(slug="benefits-tracking").owner == owner


def test_an_admin_creates_a_service_for_another_owner(client_for, admin_user, other_owner):
    response = _send(
        client_for(admin_user),
        "post",
        "/api/v1/services",
        {"name": "Gate Reviews", "owner": "otto"},
    )
    assert response.status_code == 201, response.content
    assert Service.objects.get(slug="gate-reviews").owner == other_owner


def test_it_refuses_an_owner_who_is_not_a_service_owner(client_for, admin_user, viewer):
    response = _send(
        client_for(admin_user), "post", "/api/v1/services", {"name": "X", "owner": "vera"}
    )
    assert response.status_code == 422
    assert "owner" in response.json()["detail"]
    assert not Service.objects.filter(name="X").exists()


def test_it_refuses_an_unknown_sponsor(client_for, owner):
    response = _send(
        client_for(owner), "post", "/api/v1/services", {"name": "X", "sponsor": "nobody@acme.test"}
    )
    assert response.status_code == 422
    assert "nobody@acme.test" in response.json()["detail"]["sponsor"][0]


def test_it_refuses_a_slug_already_taken(client_for, owner, service):
    response = _send(
        client_for(owner), "post", "/api/v1/services", {"name": "Again", "slug": service.slug}
    )
    assert response.status_code == 422
    assert "slug" in response.json()["detail"]


def test_it_refuses_a_target_above_100_percent(client_for, owner):
    response = _send(
        client_for(owner), "post", "/api/v1/services", {"name": "X", "adoption_target_pct": 120}
    )
    assert response.status_code == 422


@pytest.mark.parametrize("who", ["viewer", "champion", "outsider"])
def test_only_owners_and_admins_create_services(client_for, cast, who):
    response = _send(client_for(cast[who]), "post", "/api/v1/services", {"name": "Nope"})
    assert response.status_code == 403
    assert not Service.objects.filter(name="Nope").exists()


def test_an_owner_edits_their_own_service(client_for, owner, service):
    response = _send(
        client_for(owner),
        "patch",
        f"/api/v1/services/{service.slug}",
        {"summary": "Risks, logged once.", "lifecycle": "operating"},
    )
    assert response.status_code == 200, response.content
    service.refresh_from_db()
    assert service.summary == "Risks, logged once." and service.lifecycle == "operating"
    assert service.name == "Risk Framework"  # left out, so kept


def test_an_owner_cannot_edit_another_owners_service(client_for, owner, other_service):
    response = _send(
        client_for(owner), "patch", f"/api/v1/services/{other_service.slug}", {"summary": "Mine"}
    )
    assert response.status_code == 403
    assert "owner or a PMO admin" in response.json()["detail"]
    other_service.refresh_from_db()
    assert other_service.summary == ""


def test_an_admin_edits_any_service_and_can_hand_it_to_another_owner(
    client_for, admin_user, other_owner, service
):
    response = _send(
        client_for(admin_user), "patch", f"/api/v1/services/{service.slug}", {"owner": "otto"}
    )
    assert response.status_code == 200, response.content
    service.refresh_from_db()
    assert service.owner == other_owner


def test_a_champion_cannot_edit_the_service_they_champion(client_for, champion, service):
    response = _send(
        client_for(champion), "patch", f"/api/v1/services/{service.slug}", {"summary": "x"}
    )
    assert response.status_code == 403


def test_an_owner_archives_and_restores_their_service(client_for, owner, service):
    api = client_for(owner)
    archived = _send(api, "post", f"/api/v1/services/{service.slug}/archive")
    assert archived.status_code == 200 and archived.json()["archived"] is True
    restored = _send(api, "post", f"/api/v1/services/{service.slug}/restore")
    assert restored.status_code == 200 and restored.json()["archived"] is False
    service.refresh_from_db()
    assert service.archived_at is None


def test_a_viewer_cannot_archive_a_service(client_for, viewer, service):
    assert (
        _send(client_for(viewer), "post", f"/api/v1/services/{service.slug}/archive").status_code
        == 403
    )
    service.refresh_from_db()
    assert service.archived_at is None


def test_an_owner_records_versions_newest_first(client_for, owner, service):
    api = client_for(owner)
    url = f"/api/v1/services/{service.slug}/versions"
    first = _send(api, "post", url, {"version": "1.0", "released_on": "2026-01-10"})
    second = _send(api, "post", url, {"version": "1.1", "released_on": "2026-03-01", "notes": "x"})
    assert first.status_code == second.status_code == 201
    listed = api.get(url).json()
    assert [v["version"] for v in listed["items"]] == ["1.1", "1.0"]


def test_it_refuses_the_same_version_twice(client_for, owner, service):
    api = client_for(owner)
    url = f"/api/v1/services/{service.slug}/versions"
    _send(api, "post", url, {"version": "1.0", "released_on": "2026-01-10"})
    again = _send(api, "post", url, {"version": "1.0", "released_on": "2026-02-10"})
    assert again.status_code == 422
    assert service.versions.count() == 1


def test_a_viewer_reads_versions_but_cannot_add_one(client_for, viewer, service):
    api = client_for(viewer)
    url = f"/api/v1/services/{service.slug}/versions"
    assert api.get(url).status_code == 200
    assert _send(api, "post", url, {"version": "9", "released_on": "2026-01-01"}).status_code == 403


def test_session_writes_need_the_csrf_token(owner, service):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner)
    response = _send(browser, "patch", f"/api/v1/services/{service.slug}", {"summary": "forged"})
    assert response.status_code == 403
    service.refresh_from_db()
    assert service.summary != "forged"


def test_it_refuses_a_boolean_as_the_adoption_target(client_for, owner):
    response = _send(
        client_for(owner), "post", "/api/v1/services", {"name": "X", "adoption_target_pct": False}
    )
    assert response.status_code == 422
