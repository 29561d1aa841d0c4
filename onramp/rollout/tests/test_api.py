"""The rollout API: the same rules as the pages."""

from __future__ import annotations

import pytest

from onramp.rollout.models import GateDecision

API = "/api/v1/rollout"


@pytest.fixture
def as_owner(client_for, owner):
    return client_for(owner)


def post(client, url, data):
    return client.post(API + url, data, content_type="application/json")


def test_an_owner_plans_a_rollout_with_waves_a_gate_and_a_decision(as_owner, service, small_org):
    r = post(as_owner, "/rollouts", {"service": service.slug, "name": "Via API", "units": ["ACME"]})
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    assert r.json()["units"] == ["ACME"] and r.json()["owner"] == "olga"
    pilot = post(
        as_owner,
        f"/rollouts/{rid}/waves",
        {
            "name": "Pilot",
            "kind": "pilot",
            "units": ["TA"],
            "start_date": "2026-01-05",
            "go_live_date": "2026-01-12",
            "end_date": "2026-02-01",
        },
    )
    assert pilot.status_code == 201, pilot.content
    # The same person twice: refused with the page's message.
    twice = post(
        as_owner,
        f"/rollouts/{rid}/waves",
        {
            "name": "Delivery",
            "units": ["DEL"],
            "start_date": "2026-03-02",
            "go_live_date": "2026-03-09",
            "end_date": "2026-03-29",
        },
    )
    assert twice.status_code == 422
    assert "“Pilot” already targets 2 of the people" in str(twice.json()["detail"])
    gate = post(
        as_owner,
        f"/rollouts/{rid}/gates",
        {"wave": pilot.json()["id"], "name": "Gate", "gate_date": "2026-02-02"},
    )
    assert gate.status_code == 201
    gid = gate.json()["id"]
    assert (
        post(
            as_owner,
            f"/gates/{gid}/criteria",
            {"metric_key": "rollout.target_population", "threshold": 2, "must_have": True},
        ).status_code
        == 201
    )
    assert (
        post(
            as_owner,
            f"/gates/{gid}/criteria",
            {"metric_key": "org.headcount", "comparator": "<=", "threshold": 10},
        ).status_code
        == 201
    )
    assert (
        post(
            as_owner, f"/gates/{gid}/criteria", {"metric_key": "nope.nothing", "threshold": 1}
        ).status_code
        == 422
    )
    ev = post(as_owner, f"/gates/{gid}/evaluate", {})
    assert ev.status_code == 201
    body = ev.json()
    assert body["result"] == "go" and body["share"] == 1.0
    assert [c["value"] for c in body["criteria"]] == [2.0, 2.0]
    decision = post(
        as_owner, f"/gates/{gid}/decisions", {"decision": "go", "rationale": "Numbers are in."}
    )
    assert decision.status_code == 201 and decision.json()["decided_by"] == "olga"
    assert as_owner.get(f"{API}/gates/{gid}").json()["status"] == "go"
    assert GateDecision.objects.count() == 1


def test_moving_a_wave_through_the_api_needs_shift_later(as_owner, rollout, pilot, wave1):
    r = as_owner.patch(
        f"{API}/waves/{pilot.pk}", {"end_date": "2026-02-15"}, content_type="application/json"
    )
    assert r.status_code == 422
    assert "Shift the later waves by 14 day(s)" in str(r.json()["detail"])
    r = as_owner.patch(
        f"{API}/waves/{pilot.pk}",
        {"end_date": "2026-02-15", "shift_later": True},
        content_type="application/json",
    )
    assert r.status_code == 200
    assert (
        as_owner.get(f"{API}/rollouts/{rollout.pk}/waves").json()[1]["start_date"] == "2026-02-23"
    )


def test_milestones_come_with_slip_and_rag(as_owner, rollout, pilot):
    r = post(
        as_owner,
        f"/rollouts/{rollout.pk}/milestones",
        {
            "name": "Go-live",
            "wave": pilot.pk,
            "planned_date": "2026-01-12",
            "actual_date": "2026-01-14",
        },
    )
    assert r.status_code == 201
    assert (r.json()["slip_days"], r.json()["rag"]) == (2, "amber")


def test_lessons_record_where_they_were_applied(as_owner, rollout, pilot, wave1):
    r = post(
        as_owner,
        f"/waves/{pilot.pk}/lessons",
        {
            "what_happened": "Slides were too long.",
            "category": "training",
            "what_to_change": "Demo first.",
            "applied_in_wave": wave1.pk,
        },
    )
    assert r.status_code == 201 and r.json()["applied_in_wave"] == wave1.pk
    assert len(as_owner.get(f"{API}/waves/{pilot.pk}/lessons").json()) == 1


def test_readers_read_and_cannot_write(client_for, viewer, other_owner, rollout, gate):
    viewer_client = client_for(viewer)
    assert viewer_client.get(f"{API}/rollouts").json()["count"] == 1
    assert viewer_client.get(f"{API}/gates/{gate.pk}").status_code == 200
    assert post(viewer_client, f"/gates/{gate.pk}/evaluate", {}).status_code == 403
    assert post(client_for(other_owner), f"/gates/{gate.pk}/evaluate", {}).status_code == 403
    assert client_for(None).get(f"{API}/rollouts").status_code == 401


def test_a_champion_does_not_see_rollouts_of_other_services(
    client_for, champion, other_service, small_org
):
    from onramp.rollout.services import rollout_create

    hidden = rollout_create(service=other_service, name="Hidden", units=[small_org["acme"]])
    c = client_for(champion)
    assert c.get(f"{API}/rollouts/{hidden.pk}").status_code == 403
    assert c.get(f"{API}/rollouts").json()["count"] == 0


def test_every_rollout_endpoint_declares_its_policy():
    from onramp.api import api

    routes = [
        (path, op)
        for prefix, router in api._routers
        if prefix.strip("/") == "rollout"
        for path, view in router.path_operations.items()
        for op in view.operations
    ]
    assert len(routes) >= 20
    assert [p for p, op in routes if not hasattr(op.view_func, "access_policy")] == []


def test_a_lesson_is_marked_applied_later_and_not_in_its_own_wave(as_owner, rollout, pilot, wave1):
    r = post(
        as_owner,
        f"/waves/{pilot.pk}/lessons",
        {"what_happened": "Late invites.", "what_to_change": "Invite two weeks ahead."},
    )
    lid = r.json()["id"]
    own = as_owner.patch(
        f"{API}/lessons/{lid}", {"applied_in_wave": pilot.pk}, content_type="application/json"
    )
    assert own.status_code == 422 and "not the wave it came from" in str(own.json()["detail"])
    ok = as_owner.patch(
        f"{API}/lessons/{lid}", {"applied_in_wave": wave1.pk}, content_type="application/json"
    )
    assert ok.status_code == 200 and ok.json()["applied_in_wave"] == wave1.pk
