"""The organisation pages: the unit tree with headcounts, a unit, people search, a person,
and the projects list."""

from __future__ import annotations

import re

import pytest

from onramp.org.services import person_create, project_create


def _body(response) -> str:
    return response.content.decode()


@pytest.fixture
def browser(client_for, viewer):
    return client_for(viewer)


# --- unit tree -----------------------------------------------------------------------------


def test_the_tree_shows_every_unit_with_headcount_including_units_below(browser, small_org):
    response = browser.get("/org/")
    body = _body(response)
    assert response.status_code == 200
    assert response.context["title"] == "Organisation"
    assert "6 units · 6 active people" in body

    def count(name: str) -> str:
        match = re.search(
            rf">{name}</a><span class=\"kind\">[^<]*</span><span class=\"count\">(\d+) people", body
        )
        assert match, f"{name} is in the tree with a headcount"
        return match.group(1)

    assert count("Acme") == "6"
    assert count("Operations") == "5"  # Bea in Operations itself, four people in the teams below
    assert count("Delivery") == "4"
    assert count("Team A") == "2"  # the person who left is not counted
    assert count("Finance") == "1"


def test_an_empty_organisation_says_how_to_fill_it(client_for, admin_user, viewer):
    admin_body = _body(client_for(admin_user).get("/org/"))
    viewer_body = _body(client_for(viewer).get("/org/"))
    assert "No organisation yet." in admin_body and 'href="/org/import/"' in admin_body
    assert "No organisation yet." in viewer_body and "Import the organisation" not in viewer_body


def test_only_an_admin_sees_the_import_button(client_for, admin_user, owner, small_org):
    assert 'href="/org/import/"' in _body(client_for(admin_user).get("/org/"))
    assert 'href="/org/import/"' not in _body(client_for(owner).get("/org/"))


# --- unit detail ---------------------------------------------------------------------------


def test_a_unit_page_shows_headcount_children_and_breadcrumbs(browser, small_org):
    delivery = small_org["delivery"]
    response = browser.get(f"/org/units/{delivery.pk}/")
    assert response.status_code == 200
    assert response.context["headcount"] == 4
    assert [(c.name, n) for c, n in response.context["children"]] == [("Team A", 2), ("Team B", 2)]
    crumbs = response.context["crumbs"]
    assert [label for label, _url in crumbs] == [
        "Home",
        "Organisation",
        "Acme",
        "Operations",
        "Delivery",
    ]
    assert crumbs[-1][1] is None
    assert 'data-testid="headcount">4<' in _body(response)


def test_a_unit_page_lists_active_people_of_the_units_below(browser, small_org):
    response = browser.get(f"/org/units/{small_org['delivery'].pk}/")
    names = [p.name for p in response.context["page"].object_list]
    assert names == ["Person 2", "Person 3", "Person 4", "Person 5"]


def test_a_unit_page_searches_its_people(browser, small_org):
    response = browser.get(f"/org/units/{small_org['acme'].pk}/", {"q": "bea"})
    assert [p.name for p in response.context["page"].object_list] == ["Bea Boss"]


def test_a_unit_page_lists_its_projects_and_counts_the_active_ones(browser, small_org):
    project_create(code="P-1", name="Billing", unit=small_org["team_a"])
    project_create(code="P-2", name="Archive", unit=small_org["team_b"], status="closed")
    response = browser.get(f"/org/units/{small_org['delivery'].pk}/")
    assert response.context["project_count"] == 2
    assert response.context["active_projects"] == 1
    assert "P-1" in _body(response)


def test_a_unit_without_projects_says_how_to_get_them(browser, small_org):
    body = _body(browser.get(f"/org/units/{small_org['fin'].pk}/"))
    assert "No projects in this unit." in body


def test_an_unknown_unit_is_404(browser, small_org):
    assert browser.get("/org/units/999999/").status_code == 404


# --- people --------------------------------------------------------------------------------


def test_people_are_listed_by_name_without_those_who_left(browser, small_org):
    response = browser.get("/org/people/")
    names = [p.name for p in response.context["page"].object_list]
    assert names[0] == "Bea Boss" and "Gone Person" not in names
    assert len(names) == 6


def test_people_search_matches_email_title_and_exact_employee_id(browser, small_org):
    person_create(employee_id="E70", name="Tia Title", title="Risk analyst", location="Lyon")

    def names(q: str) -> list[str]:
        return [p.name for p in browser.get("/org/people/", {"q": q}).context["page"].object_list]

    assert names("p3@acme") == ["Person 3"]
    assert names("analyst") == ["Tia Title"]
    assert names("lyon") == ["Tia Title"]
    assert names("E4") == ["Person 4"]
    assert names("bea boss") == ["Bea Boss"]  # every word must match


def test_people_search_can_include_those_who_left(browser, small_org):
    response = browser.get("/org/people/", {"q": "gone", "inactive": "1"})
    assert [p.name for p in response.context["page"].object_list] == ["Gone Person"]
    assert "inactive" in _body(response)


def test_a_people_search_without_match_says_what_to_search_by(browser, small_org):
    body = _body(browser.get("/org/people/", {"q": "nobody-like-this"}))
    assert "Nobody matches “nobody-like-this”." in body


def test_no_people_yet_invites_an_import(client_for, admin_user):
    body = _body(client_for(admin_user).get("/org/people/"))
    assert "No people here yet." in body and 'href="/org/import/"' in body


def test_an_htmx_people_search_gets_only_the_rows(browser, small_org):
    response = browser.get("/org/people/", {"q": "bea"}, HTTP_HX_REQUEST="true")
    body = _body(response)
    assert "Bea Boss" in body and "<html" not in body


# --- person detail -------------------------------------------------------------------------


def test_a_person_page_shows_unit_manager_and_reports(browser, small_org):
    boss = small_org["boss"]
    response = browser.get(f"/org/people/{boss.pk}/")
    assert response.status_code == 200
    assert response.context["title"] == "Bea Boss"
    reports = [p.name for p in response.context["reports"]]
    assert reports == ["Person 2", "Person 3", "Person 4", "Person 5", "Person 6"]
    assert "Gone Person" not in reports
    report = browser.get(f"/org/people/{small_org['people'][1].pk}/")
    assert f'href="/org/people/{boss.pk}/"' in _body(report)


def test_a_person_page_lists_the_projects_they_manage(browser, small_org):
    project_create(code="P-9", name="Risk pilot", manager=small_org["boss"])
    body = _body(browser.get(f"/org/people/{small_org['boss'].pk}/"))
    assert "Manages projects" in body and "P-9" in body


def test_an_unknown_person_is_404(browser, small_org):
    assert browser.get("/org/people/999999/").status_code == 404


# --- projects ------------------------------------------------------------------------------


@pytest.fixture
def projects(small_org):
    return [
        project_create(code="P-1", name="Billing revamp", unit=small_org["team_a"]),
        project_create(code="P-2", name="Data lake", unit=small_org["fin"], status="on_hold"),
        project_create(code="P-3", name="Billing archive", status="closed"),
    ]


def _codes(response) -> list[str]:
    return [p.code for p in response.context["page"].object_list]


def test_projects_are_listed_by_code(browser, projects):
    response = browser.get("/org/projects/")
    assert response.status_code == 200
    assert _codes(response) == ["P-1", "P-2", "P-3"]


def test_projects_filter_by_status(browser, projects):
    assert _codes(browser.get("/org/projects/", {"status": "on_hold"})) == ["P-2"]


def test_projects_search_code_and_name(browser, projects):
    assert _codes(browser.get("/org/projects/", {"q": "billing"})) == ["P-1", "P-3"]
    assert _codes(browser.get("/org/projects/", {"q": "p-2"})) == ["P-2"]
    assert _codes(browser.get("/org/projects/", {"q": "billing", "status": "closed"})) == ["P-3"]


def test_projects_filters_without_match_say_to_clear_them(browser, projects):
    body = _body(browser.get("/org/projects/", {"q": "zzz"}))
    assert "No project matches." in body


def test_no_projects_yet_explains_why_they_matter(client_for, admin_user):
    body = _body(client_for(admin_user).get("/org/projects/"))
    assert "No projects yet." in body and "?kind=projects" in body
