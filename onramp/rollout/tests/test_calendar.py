"""The iCalendar subscription feed, read back with the icalendar package."""

from __future__ import annotations

import datetime as dt

from icalendar import Calendar

from onramp.core.models import hash_token
from onramp.rollout.models import CalendarToken
from onramp.rollout.services import (
    calendar_token_create,
    calendar_token_revoke,
    gate_create,
    milestone_create,
)

D = dt.date


def test_the_feed_lists_go_lives_milestones_and_gates_for_the_token_owner(
    client, owner, rollout, pilot, wave1
):
    milestone_create(rollout=rollout, wave=pilot, name="Training ready", planned_date=D(2026, 1, 2))
    milestone_create(
        rollout=rollout,
        name="Steering review",
        planned_date=D(2026, 3, 20),
        forecast_date=D(2026, 3, 27),
    )
    gate_create(rollout=rollout, wave=pilot, name="Pilot gate", gate_date=D(2026, 2, 2))
    _token, raw = calendar_token_create(user=owner)

    response = client.get(f"/rollouts/calendar/{raw}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    events = {str(e["SUMMARY"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {
        "Go-live: Pilot (Risk Framework)",
        "Go-live: Wave 1 (Risk Framework)",
        "Milestone: Training ready (Risk Framework)",
        "Milestone: Steering review (Risk Framework)",
        "Gate: Pilot gate (Risk Framework)",
    }
    assert events["Go-live: Pilot (Risk Framework)"].decoded("DTSTART") == D(2026, 1, 12)
    assert events["Go-live: Wave 1 (Risk Framework)"].decoded("DTSTART") == D(2026, 2, 16)
    # A forecast moves the milestone in the calendar; all-day events end the next day.
    steering = events["Milestone: Steering review (Risk Framework)"]
    assert steering.decoded("DTSTART") == D(2026, 3, 27)
    assert steering.decoded("DTEND") == D(2026, 3, 28)
    uids = [str(e["UID"]) for e in cal.walk("VEVENT")]
    assert len(set(uids)) == len(uids)


def test_the_feed_shows_only_services_the_user_may_see(
    client, champion, rollout, pilot, other_service, small_org
):
    from onramp.rollout.services import rollout_create, wave_create

    hidden = rollout_create(service=other_service, name="Hidden", units=[small_org["acme"]])
    wave_create(
        rollout=hidden,
        name="Secret wave",
        units=[small_org["fin"]],
        start_date=D(2026, 5, 1),
        go_live_date=D(2026, 5, 4),
        end_date=D(2026, 5, 29),
    )
    _token, raw = calendar_token_create(user=champion)  # champion of the Risk Framework only
    cal = Calendar.from_ical(client.get(f"/rollouts/calendar/{raw}.ics").content)
    summaries = [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
    assert "Go-live: Pilot (Risk Framework)" in summaries
    assert not any("Secret wave" in s for s in summaries)


def test_tokens_are_stored_hashed_and_stop_working_when_revoked_or_replaced(client, owner, rollout):
    _token, first = calendar_token_create(user=owner)
    assert not CalendarToken.objects.filter(token_hash=first).exists()
    assert CalendarToken.objects.filter(token_hash=hash_token(first)).exists()
    _token, second = calendar_token_create(user=owner)
    assert client.get(f"/rollouts/calendar/{first}.ics").status_code == 404
    assert client.get(f"/rollouts/calendar/{second}.ics").status_code == 200
    calendar_token_revoke(user=owner)
    assert client.get(f"/rollouts/calendar/{second}.ics").status_code == 404
    assert client.get("/rollouts/calendar/cal_guessed.ics").status_code == 404


def test_the_calendar_page_shows_a_new_link_once(client_for, owner):
    c = client_for(owner)
    c.post("/rollouts/calendar/new/")
    page = c.get("/rollouts/calendar/").content.decode()
    assert "/rollouts/calendar/cal_" in page
    assert "/rollouts/calendar/cal_" not in c.get("/rollouts/calendar/").content.decode()
