from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_viewer_logs_in_and_browses_the_org_tree(live_server, login, viewer, small_org):
    page = login(viewer)
    page.get_by_role("link", name="Organisation", exact=True).click()
    tree = page.get_by_test_id("org-tree")
    assert "Acme" in tree.inner_text()
    page.get_by_role("link", name="Acme", exact=True).click()
    assert page.get_by_test_id("headcount").inner_text() == "6"


def test_an_admin_creates_a_service_and_sees_its_page(live_server, login, admin_user, owner):
    page = login(admin_user)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Services").click()
    page.get_by_role("link", name="New service").first.click()
    page.get_by_label("Name").fill("Portfolio Prioritisation")
    page.get_by_label("Category").fill("Portfolio management")
    page.get_by_label("Summary").fill("Score and rank proposals the same way across divisions.")
    page.get_by_label("Value proposition").fill("Fund the work that matters most, visibly.")
    page.get_by_label("Owner").select_option(label=f"{owner.get_full_name()} ({owner.username})")
    page.get_by_label("Adoption target (%)").fill("85")
    page.get_by_role("button", name="Create service").click()
    page.wait_for_url(f"{live_server.url}/services/portfolio-prioritisation/")
    expect(page.get_by_role("heading", name="Portfolio Prioritisation", level=1)).to_be_visible()
    assert "Fund the work that matters most" in page.content()
    assert "85% of the target people within 12 weeks" in page.content()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Services").click()
    expect(page.get_by_role("link", name="Portfolio Prioritisation")).to_be_visible()
