"""A PMO admin reads a person's history, then anonymises them from their page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_admin_reads_the_history_and_anonymises_a_person_who_left(
    login, live_server, admin_user, small_org
):
    from onramp.org.services import person_update

    leaver = small_org["people"][-1]  # Gone Person, inactive
    person_update(person=leaver, title="Analyst")
    page = login(admin_user)
    page.goto(f"{live_server.url}/org/people/{leaver.pk}/")

    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("History of Gone Person")
    expect(page.locator("#audit-entries")).to_contain_text("Analyst")
    page.go_back()

    page.get_by_label(re.compile("Type the employee id")).fill("wrong")
    page.get_by_role("button", name="Anonymise this person").click()
    expect(page.locator(".messages")).to_contain_text("type the employee id E9")
    expect(page.get_by_role("heading", level=1)).to_have_text("Gone Person")

    page.get_by_label(re.compile("Type the employee id")).fill("E9")
    page.get_by_role("button", name="Anonymise this person").click()
    expect(page.locator(".messages")).to_contain_text("identifiers are gone")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Former employee \w{4}$")
    )
    expect(page.get_by_text("This person has been anonymised.")).to_be_visible()
