from __future__ import annotations

import pytest

from onramp.adoption.models import (
    IdentityActivity,
    IngestBatch,
    PersonActivity,
    UnmatchedIdentity,
)

URL = "/api/v1/adoption"


@pytest.fixture
def svc(other_service, small_org):
    return other_service


def events(*rows):
    return [{"timestamp": t, "user": u, "action": "open"} for t, u in rows]


def test_it_ingests_a_batch_of_events_once(client_for, other_owner, svc):
    c = client_for(other_owner)
    body = {
        "service": svc.slug,
        "events": events(
            ("2026-03-02T10:00:00", "p2@acme.test"), ("2026-03-02T11:00:00", "who@x.test")
        ),
    }
    r = c.post(f"{URL}/events", body, content_type="application/json")
    assert r.status_code == 200, r.content
    assert r.json()["batch"]["events"] == 2 and r.json()["batch"]["unmatched"] == 1
    again = c.post(f"{URL}/events", body, content_type="application/json")
    assert again.json()["duplicate"] is True
    assert IngestBatch.objects.count() == 1
    assert PersonActivity.objects.count() + IdentityActivity.objects.count() == 2


def test_it_refuses_more_than_ten_thousand_events(client_for, other_owner, svc):
    body = {"service": svc.slug, "events": events(*[("2026-03-02", "p2@acme.test")] * 10_001)}
    r = client_for(other_owner).post(f"{URL}/events", body, content_type="application/json")
    assert r.status_code == 422


def test_a_bad_event_is_named_and_nothing_is_written(client_for, other_owner, svc):
    body = {
        "service": svc.slug,
        "events": events(("2026-03-02", "p2@acme.test"), ("soon", "p2@acme.test")),
    }
    r = client_for(other_owner).post(f"{URL}/events", body, content_type="application/json")
    assert r.status_code == 422
    assert "row 2, column 'timestamp'" in r.json()["detail"]["events"][0]
    assert not PersonActivity.objects.exists() and not IdentityActivity.objects.exists()


def test_viewers_read_but_cannot_send(client_for, viewer, svc):
    c = client_for(viewer)
    body = {"service": svc.slug, "events": events(("2026-03-02", "p2@acme.test"))}
    assert c.post(f"{URL}/events", body, content_type="application/json").status_code == 403
    assert c.get(f"{URL}/batches", {"service": svc.slug}).status_code == 200
    assert c.get(f"{URL}/rules/{svc.slug}").json()["min_active_days"] == 1


def test_unmatched_identities_are_listed_and_mapped(client_for, other_owner, svc, small_org):
    c = client_for(other_owner)
    body = {"service": svc.slug, "events": events(("2026-03-02", "who@x.test"))}
    c.post(f"{URL}/events", body, content_type="application/json")
    listed = c.get(f"{URL}/unmatched", {"service": svc.slug}).json()["items"]
    assert [u["identity"] for u in listed] == ["who@x.test"]
    r = c.post(
        f"{URL}/unmatched/{listed[0]['id']}/map", {"person": "E4"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["mapped_to"] == "E4"
    assert PersonActivity.objects.get().person.employee_id == "E4"
    bad = c.post(
        f"{URL}/unmatched/{listed[0]['id']}/map",
        {"person": "nobody"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert UnmatchedIdentity.objects.get().mapped_to.employee_id == "E4"


def test_the_rule_is_set_and_metrics_follow_it(client_for, other_owner, svc):
    c = client_for(other_owner)
    r = c.put(
        f"{URL}/rules/{svc.slug}",
        {"qualifying_actions": ["open"], "min_active_days": 2, "window_days": 7},
        content_type="application/json",
    )
    assert r.status_code == 200 and "at least 2 days in the last 7 days" in r.json()["text"]
    body = {
        "service": svc.slug,
        "events": events(
            ("2026-03-02", "p2@acme.test"),
            ("2026-03-04", "p2@acme.test"),
            ("2026-03-04", "p3@acme.test"),
        ),
    }
    c.post(f"{URL}/events", body, content_type="application/json")
    metrics = {
        m["key"]: m for m in c.get(f"{URL}/metrics/{svc.slug}", {"as_of": "2026-03-05"}).json()
    }
    # 6 active people; only E2 has 2 qualifying days in the 7 days to 5 March
    assert metrics["adoption.rate"]["value"] == pytest.approx(16.67)
    assert metrics["adoption.rate"]["detail"]["k"] == 2
