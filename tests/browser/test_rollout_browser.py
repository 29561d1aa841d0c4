"""A service owner plans a pilot and a wave, puts a gate with two criteria after the pilot,
evaluates it on live numbers, records the decision and sees it on the roadmap."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def plan_wave(page, *, name: str | None, unit, start: str, go_live: str, end: str) -> None:
    if name is not None:
        page.get_by_label("Name").fill(name)
    page.get_by_label("Units").select_option(value=str(unit.pk))
    page.get_by_label("Start date").fill(start)
    page.get_by_label("Go live date").fill(go_live)
    page.get_by_label("End date").fill(end)
    page.get_by_role("button", name="Plan wave").click()


def test_an_owner_plans_gates_and_decides_a_rollout_in_the_browser(
    live_server, login, owner, service, small_org
):
    page = login(owner)
    page.goto(f"{live_server.url}/services/{service.slug}/")
    page.get_by_role("link", name="New rollout").click()
    page.get_by_label("Name").fill("Risk Framework launch")
    page.get_by_label("Units").select_option(value=str(small_org["acme"].pk))
    page.get_by_role("button", name="Create rollout").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Risk Framework launch")

    page.get_by_role("link", name="Plan the pilot").click()
    plan_wave(
        page,
        name=None,
        unit=small_org["team_a"],
        start="2026-01-05",
        go_live="2026-01-12",
        end="2026-02-01",
    )
    expect(page.get_by_text("“Pilot” planned.")).to_be_visible()
    page.get_by_role("link", name="Plan a wave").click()
    plan_wave(
        page,
        name="Wave 1",
        unit=small_org["team_b"],
        start="2026-02-09",
        go_live="2026-02-16",
        end="2026-03-15",
    )
    expect(page.get_by_text("“Wave 1” planned.")).to_be_visible()

    page.get_by_role("link", name="Plan a gate").click()
    page.get_by_label("Wave").select_option(label="Pilot")
    page.get_by_label("Gate date").fill("2026-02-02")
    page.get_by_role("button", name="Plan gate").click()
    expect(page.get_by_text("Add its criteria now")).to_be_visible()

    page.get_by_label("Metric").select_option(value="rollout.target_population")
    page.get_by_label("Threshold").fill("2")
    page.get_by_label("Must have").check()
    page.get_by_role("button", name="Add criterion").click()
    expect(page.get_by_text("Criterion “rollout.target_population >= 2” added.")).to_be_visible()
    page.get_by_text("Add a criterion", exact=True).click()
    page.get_by_label("Metric").select_option(value="rollout.milestones_overdue")
    page.get_by_label("Comparator").select_option(value="<=")
    page.get_by_label("Threshold").fill("0")
    page.get_by_role("button", name="Add criterion").click()
    expect(page.locator("table").first.locator("tbody tr")).to_have_count(2)

    page.get_by_role("button", name="Evaluate now").click()
    expect(page.get_by_test_id("gate-status")).to_have_text("Evaluated: Go")
    expect(page.locator("#evaluation")).to_contain_text("100%")

    page.locator("#id_decision").select_option(value="go")
    page.get_by_label("Rationale").fill("Team A reached and no milestone overdue: start wave 1.")
    page.get_by_role("button", name="Record decision").click()
    expect(page.get_by_test_id("gate-status")).to_have_text("Decided: Go")
    expect(page.locator("#decision")).to_contain_text("start wave 1")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Rollouts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rollout roadmap")
    timeline = page.locator("svg.roadmap-svg")
    expect(timeline).to_contain_text("Risk Framework")
    expect(timeline).to_contain_text("Wave 1")
    expect(timeline.locator("path.gate-go")).to_have_count(1)
    expect(page.locator("table")).to_contain_text(re.compile(r"Risk Framework launch"))
    page.screenshot(path="var/rollout-roadmap-browser.png", full_page=True)
