"""A service owner uploads a usage log in which one user matches nobody, maps that user to a
person, and sees the adoption figure and the curve move."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_owner_uploads_usage_maps_an_unknown_user_and_sees_the_curve_move(
    live_server, login, other_owner, other_service, small_org, tmp_path
):
    from onramp.rollout.services import rollout_create, wave_create

    rollout = rollout_create(service=other_service, name="Launch", units=[small_org["acme"]])
    wave_create(
        rollout=rollout,
        name="Pilot",
        units=[small_org["acme"]],
        start_date=dt.date(2026, 3, 1),
        go_live_date=dt.date(2026, 3, 2),
        end_date=dt.date(2026, 5, 31),
        accept_over_capacity=True,
    )
    lines = ["timestamp,user,action"]
    for week in range(5):
        day = dt.date(2026, 3, 2) + dt.timedelta(weeks=week)
        lines.append(f"{day}T09:00:00,p2@acme.test,open")
        lines.append(f"{day}T10:00:00,Newbie@Contractor.example,open")
    log = tmp_path / "usage.csv"
    log.write_text("\n".join(lines) + "\n")

    page = login(other_owner)
    page.goto(f"{live_server.url}/adoption/{other_service.slug}/")
    expect(page.get_by_text("No usage imported yet.")).to_be_visible()
    page.get_by_role("link", name="Import usage").first.click()
    page.get_by_label("Usage log").set_input_files(str(log))
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", name="First rows of usage.csv")).to_be_visible()
    expect(page.get_by_role("cell", name="Newbie@Contractor.example").first).to_be_visible()
    page.get_by_role("button", name="Import usage").click()

    expect(page.get_by_text("Imported 10 events as 10 adopter-days")).to_be_visible()
    rate = page.locator("[data-kpi=rate]")
    expect(rate).to_have_text("16.7%")  # p2 of 6 active people
    curve_before = page.locator(f"#rollout-{rollout.pk} svg").first.inner_html()
    unmatched = page.locator("#unmatched")
    expect(
        unmatched.get_by_role("cell", name="newbie@contractor.example", exact=True)
    ).to_be_visible()

    unmatched.get_by_label("Employee id or email for newbie@contractor.example").fill(
        "p6@acme.test"
    )
    unmatched.get_by_role("button", name="Map").click()

    expect(page.get_by_text("newbie@contractor.example is now Person 6")).to_be_visible()
    expect(rate).to_have_text("33.3%")
    expect(page.locator("#unmatched").get_by_text("Every identity matched.")).to_be_visible()
    assert page.locator(f"#rollout-{rollout.pk} svg").first.inner_html() != curve_before
