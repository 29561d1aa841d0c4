"""Pages: who may see and change what, and the flows behind the forms."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from onramp.core.access import policy_of
from onramp.rollout.models import GateDecision, Rollout, Wave
from onramp.rollout.services import criterion_add, gate_evaluate

D = dt.date


def rollout_patterns():
    resolver = get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "rollout":
            yield from (p for p in entry.url_patterns if isinstance(p, URLPattern))


def test_every_rollout_view_declares_who_may_use_it():
    patterns = list(rollout_patterns())
    assert len(patterns) >= 20
    missing = [p.name for p in patterns if policy_of(p.callback) is None]
    assert missing == []
    public = [p.name for p in patterns if policy_of(p.callback).name == "public"]
    assert public == ["calendar_feed"]


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("outsider", 403),
        ("viewer", 200),
        ("champion", 200),
        ("owner", 200),
        ("admin", 200),
    ],
)
def test_the_roadmap_and_a_rollout_open_for_everyone_with_a_role(
    client_for, cast, who, status, rollout, pilot, gate
):
    c = client_for(cast[who])
    for url in (
        "/rollouts/",
        f"/rollouts/{rollout.pk}/",
        f"/rollouts/gates/{gate.pk}/",
        "/rollouts/change-load/",
    ):
        assert c.get(url).status_code == status, url


def test_a_champion_cannot_see_rollouts_of_a_service_they_do_not_champion(
    client_for, champion, other_service, small_org
):
    from onramp.rollout.services import rollout_create

    hidden = rollout_create(service=other_service, name="Hidden", units=[small_org["acme"]])
    c = client_for(champion)
    assert c.get(f"/rollouts/{hidden.pk}/").status_code == 403
    assert "Hidden" not in c.get("/rollouts/").content.decode()


@pytest.mark.parametrize(
    ("who", "status"), [("viewer", 403), ("champion", 403), ("owner", 200), ("admin", 200)]
)
def test_only_the_owner_and_admins_change_a_rollout(client_for, cast, who, status, rollout, pilot):
    c = client_for(cast[who])
    assert c.get(f"/rollouts/{rollout.pk}/waves/new/").status_code == status
    assert c.get(f"/rollouts/waves/{pilot.pk}/edit/").status_code == status


def test_another_owner_cannot_change_this_services_rollout(
    client_for, other_owner, rollout, pilot, gate
):
    c = client_for(other_owner)
    assert c.get(f"/rollouts/{rollout.pk}/edit/").status_code == 403
    assert c.post(f"/rollouts/gates/{gate.pk}/evaluate/").status_code == 403
    assert not gate.evaluations.exists()


def test_mutations_refuse_get(client_for, owner, gate):
    assert client_for(owner).get(f"/rollouts/gates/{gate.pk}/evaluate/").status_code == 405


def test_an_owner_creates_a_rollout_from_the_service(client_for, owner, service, small_org):
    response = client_for(owner).post(
        f"/rollouts/service/{service.slug}/new/",
        {
            "name": "Risk v2",
            "units": [small_org["ops"].pk],
            "adoption_target_pct": "80",
            "status": "planned",
            "owner": owner.pk,
        },
    )
    rollout = Rollout.objects.get(name="Risk v2")
    assert response.status_code == 302 and response["Location"] == f"/rollouts/{rollout.pk}/"
    assert list(rollout.units.all()) == [small_org["ops"]]


def wave_post(units, start, end, **extra):
    data = {
        "kind": "wave",
        "name": extra.pop("name", "Wave 1"),
        "units": [u.pk for u in units],
        "start_date": start.isoformat(),
        "go_live_date": start.isoformat(),
        "end_date": end.isoformat(),
        "status": "planned",
    }
    data.update(extra)
    return data


def test_the_wave_form_shows_the_double_targeting_message(
    client_for, owner, rollout, pilot, small_org
):
    response = client_for(owner).post(
        f"/rollouts/{rollout.pk}/waves/new/",
        wave_post([small_org["delivery"]], D(2026, 3, 1), D(2026, 3, 30)),
    )
    assert response.status_code == 200
    assert "“Pilot” already targets 2 of the people" in response.content.decode()


def test_moving_a_wave_offers_to_shift_the_later_ones_in_a_second_step(
    client_for, owner, rollout, pilot, wave1, small_org
):
    c = client_for(owner)
    data = wave_post(
        [small_org["team_a"]], D(2026, 1, 5), D(2026, 2, 15), name="Pilot", kind="pilot"
    )
    data["go_live_date"] = "2026-01-12"
    first = c.post(f"/rollouts/waves/{pilot.pk}/edit/", data)
    body = first.content.decode()
    assert first.status_code == 200
    assert "Shift the later waves by the same number of days" in body
    assert Wave.objects.get(pk=wave1.pk).start_date == D(2026, 2, 9)
    second = c.post(f"/rollouts/waves/{pilot.pk}/edit/", {**data, "shift_later": "on"})
    assert second.status_code == 302
    assert Wave.objects.get(pk=wave1.pk).start_date == D(2026, 2, 23)


def test_gate_flow_through_the_pages_records_an_immutable_decision(
    client_for, owner, viewer, gate, future_metric
):
    c = client_for(owner)
    c.post(
        f"/rollouts/gates/{gate.pk}/criteria/",
        {"metric_key": "org.headcount", "comparator": ">=", "threshold": "1", "weight": "1"},
    )
    c.post(
        f"/rollouts/gates/{gate.pk}/criteria/",
        {
            "metric_key": future_metric,
            "comparator": ">=",
            "threshold": "30",
            "weight": "1",
            "min_n": "30",
        },
    )
    assert gate.criteria.count() == 2
    c.post(f"/rollouts/gates/{gate.pk}/evaluate/")
    # headcount passes, the future metric is not available yet: 1/2 with a chance of 2/2 -> pending.
    assert gate.evaluations.get().result == "pending"
    c.post(f"/rollouts/gates/{gate.pk}/decide/", {"decision": "go", "rationale": "Ship it."})
    assert not GateDecision.objects.exists()
    c.post(
        f"/rollouts/gates/{gate.pk}/decide/",
        {"decision": "postpone", "rationale": "Wait for the new metric."},
    )
    decision = GateDecision.objects.get()
    assert (decision.decision, decision.decided_by) == ("postpone", owner)
    page = client_for(viewer).get(f"/rollouts/gates/{gate.pk}/").content.decode()
    assert "Wait for the new metric." in page
    assert "Metric not available yet." in page
    assert "Record decision" not in page


def test_the_roadmap_draws_waves_gates_and_today(
    client_for, viewer, rollout, pilot, wave1, gate, owner
):
    criterion_add(gate=gate, metric_key="org.headcount", comparator=">=", threshold=1)
    gate_evaluate(gate=gate, by=owner)
    body = client_for(viewer).get("/rollouts/").content.decode()
    assert "<svg" in body and "Today" in body
    assert body.count('class="gate gate-go"') == 1
    assert "Pilot go/no-go" in body
    service_page = client_for(viewer).get("/rollouts/service/risk-framework/").content.decode()
    assert "Rollouts of Risk Framework" in service_page and "<svg" in service_page


def test_the_roadmap_filters_by_status_and_division(client_for, viewer, rollout, pilot, small_org):
    c = client_for(viewer)
    assert "Risk Framework v1" in c.get("/rollouts/?status=planned").content.decode()
    assert (
        "No rollouts match these filters" in c.get("/rollouts/?status=completed").content.decode()
    )
    assert (
        "Risk Framework v1" in c.get(f"/rollouts/?division={small_org['fin'].pk}").content.decode()
    )


def test_the_service_page_shows_its_rollouts(client_for, owner, rollout):
    body = client_for(owner).get("/services/risk-framework/").content.decode()
    assert "Risk Framework v1" in body and "New rollout" in body


def test_the_heatmap_colours_load_against_capacity(client_for, viewer, rollout, pilot):
    body = (
        client_for(viewer)
        .get("/rollouts/change-load/?start=2026-01-05&weeks=8&depth=all")
        .content.decode()
    )
    assert 'class="heatmap-svg"' in body
    assert "Team A, week of 05 Jan 2026: 1 of 3." in body


def test_the_xlsx_export_holds_the_roadmap_and_milestones(
    client_for, viewer, rollout, pilot, owner
):
    import io

    import openpyxl

    from onramp.rollout.services import milestone_create

    milestone_create(
        rollout=rollout,
        wave=pilot,
        name="Training ready",
        planned_date=D(2026, 1, 2),
        forecast_date=D(2026, 1, 9),
    )
    response = client_for(viewer).get("/rollouts/export.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Roadmap", "Milestones", "Gates"]
    roadmap = list(book["Roadmap"].iter_rows(values_only=True))
    assert roadmap[1][:6] == ("Risk Framework", "Risk Framework v1", "Planned", 1, "Pilot", "Pilot")
    ms = list(book["Milestones"].iter_rows(values_only=True))
    assert ms[1][3] == "Training ready" and ms[1][7] >= 7


def test_an_owner_records_where_a_lesson_was_applied(
    client_for, owner, viewer, rollout, pilot, wave1
):
    from onramp.rollout.services import lesson_create

    lesson = lesson_create(
        wave=pilot, what_happened="Too much e-learning.", what_to_change="Demo live."
    )
    assert client_for(viewer).get(f"/rollouts/lessons/{lesson.pk}/applied/").status_code == 403
    response = client_for(owner).post(
        f"/rollouts/lessons/{lesson.pk}/applied/", {"applied_in_wave": wave1.pk}
    )
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.applied_in_wave == wave1


def test_the_wave_form_warns_about_capacity_before_saving(
    client_for, admin_user, rollout, pilot, other_service, small_org
):
    from onramp.rollout.models import PlanningSettings
    from onramp.rollout.services import rollout_create

    PlanningSettings.objects.update_or_create(pk=1, defaults={"default_capacity": 1})
    other = rollout_create(service=other_service, name="Other", units=[small_org["acme"]])
    c = client_for(admin_user)
    data = wave_post([small_org["team_a"]], D(2026, 1, 19), D(2026, 1, 25), name="Extra")
    first = c.post(f"/rollouts/{other.pk}/waves/new/", data)
    body = first.content.decode()
    assert "over their weekly change capacity (Team A)" in body
    assert "Save even though some units go over their change capacity" in body
    assert not Wave.objects.filter(name="Extra").exists()
    second = c.post(f"/rollouts/{other.pk}/waves/new/", {**data, "accept_over_capacity": "on"})
    assert second.status_code == 302
    assert Wave.objects.filter(name="Extra").exists()


def test_a_rollout_without_owner_renders(client_for, admin_user, service):
    from onramp.rollout.services import rollout_create

    rollout = rollout_create(service=service, name="Ownerless", owner=None)
    response = client_for(admin_user).get(f"/rollouts/{rollout.pk}/")
    assert response.status_code == 200
    assert "Ownerless" in response.content.decode()
