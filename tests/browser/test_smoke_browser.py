from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_viewer_logs_in_and_browses_the_org_tree(live_server, login, viewer, small_org):
    page = login(viewer)
    page.get_by_role("link", name="Organisation", exact=True).click()
    tree = page.get_by_test_id("org-tree")
    assert "Acme" in tree.inner_text()
    page.get_by_role("link", name="Acme", exact=True).click()
    assert page.get_by_test_id("headcount").inner_text() == "6"
