"""The service catalog pages: list and search, create, edit, archive and restore, versions."""

from __future__ import annotations

import pytest

from onramp.catalog.models import Service

FORM = {
    "name": "Benefits Tracking",
    "slug": "",
    "category": "Governance",
    "summary": "Track the benefits each project promised.",
    "lifecycle": "designed",
    "adopter_kind": "projects",
    "adoption_target_pct": "70",
    "adoption_target_weeks": "16",
}


def _body(response) -> str:
    return response.content.decode()


# --- list and search -----------------------------------------------------------------------


def test_the_list_shows_services_with_owner_lifecycle_and_target(
    client_for, viewer, service, other_service
):
    response = client_for(viewer).get("/services/")
    body = _body(response)
    assert response.status_code == 200
    assert "Risk Framework" in body and "Portfolio Prioritisation" in body
    assert "Olga Owner" in body
    assert "85% in 12 wk" in body
    assert response.context["title"] == "Services"
    assert response.context["crumbs"][0][0] == "Home"


def test_the_list_searches_name_summary_and_category(client_for, viewer, service, other_service):
    body = _body(client_for(viewer).get("/services/", {"q": "risks"}))
    assert "Risk Framework" in body and "Portfolio Prioritisation" not in body


def test_the_list_filters_by_lifecycle(client_for, viewer, service, other_service):
    body = _body(client_for(viewer).get("/services/", {"lifecycle": "designed"}))
    assert "Portfolio Prioritisation" in body and "Risk Framework" not in body


def test_a_search_with_no_match_says_so_and_what_to_do(client_for, viewer, service):
    body = _body(client_for(viewer).get("/services/", {"q": "zzz"}))
    assert "No service matches." in body and "clear the filters" in body


def test_an_empty_catalog_invites_an_owner_to_add_a_service(client_for, owner):
    body = _body(client_for(owner).get("/services/"))
    assert "The catalog is empty." in body
    assert 'href="/services/new/"' in body


def test_an_empty_catalog_tells_a_viewer_whom_to_ask(client_for, viewer):
    body = _body(client_for(viewer).get("/services/"))
    assert "Ask a PMO admin to add one." in body
    assert 'href="/services/new/"' not in body


def test_a_champion_lists_only_the_services_they_champion(
    client_for, champion, service, other_service
):
    body = _body(client_for(champion).get("/services/"))
    assert "Risk Framework" in body and "Portfolio Prioritisation" not in body


def test_an_htmx_search_gets_only_the_rows(client_for, viewer, service):
    response = client_for(viewer).get("/services/", {"q": "risk"}, HTTP_HX_REQUEST="true")
    body = _body(response)
    assert "Risk Framework" in body
    assert "<html" not in body


def test_the_list_pages_by_25(client_for, admin_user):
    from onramp.catalog.services import service_create

    for i in range(30):
        service_create(name=f"Service {i:02d}")
    first = client_for(admin_user).get("/services/")
    second = client_for(admin_user).get("/services/", {"page": 2})
    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5


# --- create --------------------------------------------------------------------------------


def test_an_owner_creates_a_service_and_is_sent_to_its_page(client_for, owner):
    response = client_for(owner).post("/services/new/", {**FORM, "owner": owner.pk})
    service = Service.objects.get(slug="benefits-tracking")
    assert response.status_code == 302
    assert response["Location"] == "/services/benefits-tracking/"
    assert service.owner == owner and service.adopter_kind == "projects"


def test_the_new_service_form_proposes_the_caller_as_owner(client_for, owner):
    response = client_for(owner).get("/services/new/")
    assert response.status_code == 200
    assert response.context["form"].initial["owner"] == owner.pk
    assert response.context["title"] == "New service"


def test_a_sponsor_is_found_by_email(client_for, admin_user, small_org):
    client_for(admin_user).post("/services/new/", {**FORM, "sponsor_employee_id": "bea@acme.test"})
    assert Service.objects.get(slug="benefits-tracking").sponsor == small_org["boss"]


def test_an_unknown_sponsor_is_refused_with_a_sentence(client_for, admin_user):
    response = client_for(admin_user).post(
        "/services/new/", {**FORM, "sponsor_employee_id": "ghost@acme.test"}
    )
    assert response.status_code == 200
    assert "No person with employee id or email “ghost@acme.test”." in _body(response)
    assert not Service.objects.exists()


def test_a_target_above_100_percent_is_refused(client_for, admin_user):
    response = client_for(admin_user).post("/services/new/", {**FORM, "adoption_target_pct": "150"})
    assert response.status_code == 200
    assert response.context["form"].errors["adoption_target_pct"]
    assert not Service.objects.exists()


def test_a_second_service_with_the_same_name_gets_its_own_slug(client_for, admin_user, service):
    client_for(admin_user).post("/services/new/", {**FORM, "name": "Risk Framework"})
    assert Service.objects.filter(slug="risk-framework-2").exists()


# --- edit ----------------------------------------------------------------------------------


def test_an_owner_edits_their_service(client_for, owner, service):
    data = {**FORM, "name": "Risk Framework", "slug": service.slug, "owner": owner.pk}
    response = client_for(owner).post(f"/services/{service.slug}/edit/", data)
    assert response.status_code == 302
    service.refresh_from_db()
    assert service.summary == FORM["summary"] and service.adoption_target_weeks == 16


def test_the_edit_form_is_filled_with_the_service(client_for, owner, service):
    response = client_for(owner).get(f"/services/{service.slug}/edit/")
    assert response.status_code == 200
    assert response.context["form"].initial["name"] == "Risk Framework"
    assert response.context["crumbs"][-2] == ("Risk Framework", f"/services/{service.slug}/")


def test_an_emptied_slug_keeps_the_current_one(client_for, owner, service):
    data = {**FORM, "name": "Risk Framework v2", "slug": "", "owner": owner.pk}
    response = client_for(owner).post(f"/services/{service.slug}/edit/", data)
    assert response.status_code == 302
    assert response["Location"] == "/services/risk-framework/"
    service.refresh_from_db()
    assert service.name == "Risk Framework v2" and service.slug == "risk-framework"


def test_an_invalid_edit_shows_the_form_again_with_links_that_work(client_for, owner, service):
    data = {**FORM, "slug": "", "adoption_target_weeks": "0", "owner": owner.pk}
    response = client_for(owner).post(f"/services/{service.slug}/edit/", data)
    assert response.status_code == 200
    assert response.context["form"].errors["adoption_target_weeks"]
    assert 'href="/services/risk-framework/"' in _body(response)


def test_a_slug_already_taken_is_refused(client_for, admin_user, service, other_service):
    data = {**FORM, "slug": service.slug}
    response = client_for(admin_user).post(f"/services/{other_service.slug}/edit/", data)
    assert response.status_code == 200
    other_service.refresh_from_db()
    assert other_service.slug == "portfolio-prioritisation"


def test_an_owner_cannot_edit_another_owners_service(client_for, owner, other_service):
    response = client_for(owner).post(f"/services/{other_service.slug}/edit/", FORM)
    assert response.status_code == 403
    other_service.refresh_from_db()
    assert other_service.summary == ""


def test_the_detail_page_offers_edit_only_to_those_who_may(client_for, owner, viewer, service):
    edit_link = f'href="/services/{service.slug}/edit/"'
    assert edit_link in _body(client_for(owner).get(f"/services/{service.slug}/"))
    assert edit_link not in _body(client_for(viewer).get(f"/services/{service.slug}/"))


# --- archive and restore -------------------------------------------------------------------


def test_an_owner_archives_a_service_and_it_leaves_the_list(client_for, owner, service):
    browser = client_for(owner)
    response = browser.post(f"/services/{service.slug}/archive/", follow=True)
    assert "archived. Find it under Archived services." in _body(response)
    service.refresh_from_db()
    assert service.is_archived
    assert "Risk Framework" not in _body(browser.get("/services/"))
    assert "Risk Framework" in _body(browser.get("/services/", {"archived": "1"}))


def test_an_owner_restores_an_archived_service(client_for, owner, service):
    browser = client_for(owner)
    browser.post(f"/services/{service.slug}/archive/")
    response = browser.post(f"/services/{service.slug}/archive/", {"restore": "1"}, follow=True)
    assert "is back in the catalog" in _body(response)
    service.refresh_from_db()
    assert not service.is_archived


def test_an_empty_archive_says_what_it_is_for(client_for, viewer, service):
    body = _body(client_for(viewer).get("/services/", {"archived": "1"}))
    assert "No archived services." in body


@pytest.mark.parametrize("method", ["get"])
def test_archiving_needs_a_post(client_for, owner, service, method):
    response = getattr(client_for(owner), method)(f"/services/{service.slug}/archive/")
    assert response.status_code == 405
    service.refresh_from_db()
    assert not service.is_archived


# --- versions ------------------------------------------------------------------------------


def test_an_owner_records_a_version_shown_on_the_page(client_for, owner, service):
    browser = client_for(owner)
    response = browser.post(
        f"/services/{service.slug}/versions/",
        {"version": "1.2", "released_on": "2026-04-01", "notes": "Adds a risk heatmap."},
        follow=True,
    )
    body = _body(response)
    assert "Version 1.2 recorded." in body
    assert "Adds a risk heatmap." in body
    assert service.versions.get().version == "1.2"


def test_the_same_version_twice_is_refused_with_a_message(client_for, owner, service):
    browser = client_for(owner)
    url = f"/services/{service.slug}/versions/"
    browser.post(url, {"version": "1.2", "released_on": "2026-04-01"})
    response = browser.post(url, {"version": "1.2", "released_on": "2026-05-01"}, follow=True)
    assert service.versions.count() == 1
    assert "already exists" in _body(response)


def test_a_version_without_a_date_is_refused_and_says_which_field(client_for, owner, service):
    response = client_for(owner).post(
        f"/services/{service.slug}/versions/", {"version": "2.0"}, follow=True
    )
    assert "The version was not recorded: released_on" in _body(response)
    assert not service.versions.exists()


def test_a_service_without_versions_asks_the_owner_to_record_one(client_for, owner, service):
    body = _body(client_for(owner).get(f"/services/{service.slug}/"))
    assert "No version recorded yet." in body and "Record the version" in body


def test_a_service_without_an_owner_is_listed_and_shown_with_a_dash(client_for, viewer):
    from onramp.catalog.services import service_create

    orphan = service_create(name="Orphan Service")
    browser = client_for(viewer)
    listed = browser.get("/services/")
    shown = browser.get(f"/services/{orphan.slug}/")
    home = browser.get("/")
    assert listed.status_code == shown.status_code == home.status_code == 200
    assert "Orphan Service" in _body(listed) and "<dd>—</dd>" in _body(shown)
