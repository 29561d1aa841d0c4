from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

HEADER = "Employee ID,Full name,Work email,Job title,Department,Manager ID,Hire date"


def test_an_admin_fixes_a_people_file_after_the_preview_and_imports_it(
    live_server, login, admin_user, small_org, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    bad = tmp_path / "hris.csv"
    bad.write_text(
        f"{HEADER}\nN1,Nina Newcomer,nina@acme.test,Analyst,TA,E1,2024-02-01\n"
        "N2,Nils Newcomer,nils@acme.test,Lead,TB,E1,2024-02-31\n"
    )
    page = login(admin_user)
    page.goto(f"{live_server.url}/org/people/")
    page.get_by_role("link", name="Import people").click()
    page.get_by_label("What the file holds").select_option("people")
    page.get_by_label("Export file").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and preview").click()

    errors = page.get_by_test_id("import-errors")
    row = errors.locator("tbody tr")
    expect(row).to_have_count(1)
    cells = row.first.locator("td").all_inner_texts()
    assert cells[:3] == ["hris.csv", "3", "Hire date"]
    assert "is not a date" in cells[3]
    assert page.get_by_role("button", name="Apply import").is_disabled()

    good = tmp_path / "hris-fixed.csv"
    good.write_text(bad.read_text().replace("2024-02-31", "2024-02-28"))
    page.get_by_role("link", name="upload it again").click()
    page.get_by_label("Export file").set_input_files(str(good))
    page.get_by_role("button", name="Upload and preview").click()
    assert page.get_by_test_id("count-create").inner_text() == "2"
    assert page.get_by_test_id("import-errors").count() == 0
    page.get_by_role("button", name="Apply import").click()

    page.wait_for_url(f"{live_server.url}/org/people/")
    assert "2 people created" in page.get_by_role("status").inner_text()
    page.get_by_role("link", name="Nils Newcomer").click()
    expect(page.get_by_role("heading", name="Nils Newcomer", level=1)).to_be_visible()
    assert "Lead" in page.content()
    page.goto(f"{live_server.url}/org/units/{small_org['team_b'].pk}/")
    assert "Nils Newcomer" in page.locator("#people-rows").inner_text()
