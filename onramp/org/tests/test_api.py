"""The organisation API: units, people, projects and the people import."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onramp.org.models import OrgUnit, Person
from onramp.org.services import project_create


def _json(client, method: str, url: str, body: dict | None = None):
    return getattr(client, method)(
        url, data=json.dumps(body or {}), content_type="application/json"
    )


@pytest.fixture
def admin_api(client_for, admin_user):
    return client_for(admin_user)


@pytest.fixture
def viewer_api(client_for, viewer):
    return client_for(viewer)


# --- units ---------------------------------------------------------------------------------


def test_it_lists_units_in_tree_order_with_a_count(viewer_api, small_org):
    response = viewer_api.get("/api/v1/units")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 6
    # depth first: each unit comes right after its parent
    assert [u["code"] for u in body["items"]] == ["ACME", "OPS", "DEL", "TA", "TB", "FIN"]


def test_it_filters_units_by_name_parent_and_kind(viewer_api, small_org):
    by_name = viewer_api.get("/api/v1/units", {"q": "team"}).json()
    assert {u["code"] for u in by_name["items"]} == {"TA", "TB"}
    by_parent = viewer_api.get("/api/v1/units", {"parent": small_org["acme"].pk}).json()
    assert {u["code"] for u in by_parent["items"]} == {"OPS", "FIN"}
    by_kind = viewer_api.get("/api/v1/units", {"kind": "department"}).json()
    assert [u["code"] for u in by_kind["items"]] == ["DEL"]


def test_it_pages_units_with_page_and_page_size(viewer_api, small_org):
    first = viewer_api.get("/api/v1/units", {"page_size": 4}).json()
    second = viewer_api.get("/api/v1/units", {"page_size": 4, "page": 2}).json()
    assert first["count"] == second["count"] == 6
    assert len(first["items"]) == 4 and len(second["items"]) == 2
    assert not {u["id"] for u in first["items"]} & {u["id"] for u in second["items"]}


def test_it_rejects_an_unknown_kind_filter_with_422(viewer_api, small_org):
    response = viewer_api.get("/api/v1/units", {"kind": "galaxy"})
    assert response.status_code == 422
    assert "detail" in response.json()


def test_unit_detail_counts_active_people_below_the_unit(viewer_api, small_org):
    body = viewer_api.get(f"/api/v1/units/{small_org['delivery'].pk}").json()
    assert body["headcount"] == 4  # two in Team A, two in Team B; the one who left is not counted
    assert body["own_headcount"] == 0
    assert [a["code"] for a in body["ancestors"]] == ["ACME", "OPS"]
    assert [c["code"] for c in body["children"]] == ["TA", "TB"]
    assert viewer_api.get(f"/api/v1/units/{small_org['acme'].pk}").json()["headcount"] == 6


def test_it_answers_404_for_a_unit_that_does_not_exist(viewer_api, small_org):
    response = viewer_api.get("/api/v1/units/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_an_admin_creates_a_unit_under_a_parent(admin_api, small_org):
    response = _json(
        admin_api,
        "post",
        "/api/v1/units",
        {"code": "TC", "name": "Team C", "kind": "team", "parent_id": small_org["delivery"].pk},
    )
    assert response.status_code == 201, response.content
    unit = OrgUnit.objects.get(code="TC")
    assert unit.path == f"{small_org['delivery'].path}{unit.pk}/"
    assert response.json()["ancestors"][-1]["code"] == "DEL"


def test_a_viewer_cannot_create_a_unit(viewer_api, small_org):
    response = _json(viewer_api, "post", "/api/v1/units", {"code": "X", "name": "X"})
    assert response.status_code == 403
    assert "PMO admins" in response.json()["detail"]
    assert not OrgUnit.objects.filter(code="X").exists()


def test_it_rejects_a_duplicate_unit_code_with_the_field_named(admin_api, small_org):
    response = _json(admin_api, "post", "/api/v1/units", {"code": "OPS", "name": "Ops again"})
    assert response.status_code == 422
    assert "code" in response.json()["detail"]


def test_it_rejects_a_parent_that_does_not_exist(admin_api, small_org):
    response = _json(
        admin_api, "post", "/api/v1/units", {"code": "Z", "name": "Z", "parent_id": 999999}
    )
    assert response.status_code == 422
    assert "No org unit has id 999999" in response.json()["detail"]["parent_id"][0]


def test_an_admin_moves_a_unit_and_its_path_follows(admin_api, small_org):
    team_b, fin = small_org["team_b"], small_org["fin"]
    response = _json(admin_api, "patch", f"/api/v1/units/{team_b.pk}", {"parent_id": fin.pk})
    assert response.status_code == 200, response.content
    team_b.refresh_from_db()
    assert team_b.path == f"{fin.path}{team_b.pk}/"
    assert team_b.name == "Team B"  # fields left out are kept
    assert response.json()["headcount"] == 2


def test_it_refuses_to_move_a_unit_under_its_own_descendant(admin_api, small_org):
    ops, team_a = small_org["ops"], small_org["team_a"]
    response = _json(admin_api, "patch", f"/api/v1/units/{ops.pk}", {"parent_id": team_a.pk})
    assert response.status_code == 422
    assert "cannot sit under itself" in response.json()["detail"]["parent"][0]
    ops.refresh_from_db()
    assert ops.parent_id == small_org["acme"].pk


# --- people --------------------------------------------------------------------------------


def test_it_searches_people_by_words(viewer_api, small_org):
    body = viewer_api.get("/api/v1/people", {"q": "bea"}).json()
    assert [p["employee_id"] for p in body["items"]] == ["E1"]
    assert body["items"][0]["unit_name"] == "Operations"


def test_it_lists_people_of_a_unit_with_its_descendants(viewer_api, small_org):
    delivery = small_org["delivery"].pk
    everyone = viewer_api.get("/api/v1/people", {"unit": delivery}).json()
    active = viewer_api.get("/api/v1/people", {"unit": delivery, "active": "true"}).json()
    left = viewer_api.get("/api/v1/people", {"unit": delivery, "active": "false"}).json()
    assert everyone["count"] == 5
    assert active["count"] == 4
    assert [p["name"] for p in left["items"]] == ["Gone Person"]


def test_it_rejects_a_people_filter_on_an_unknown_unit(viewer_api, small_org):
    response = viewer_api.get("/api/v1/people", {"unit": 999999})
    assert response.status_code == 422
    assert "unit" in response.json()["detail"]


def test_it_shows_one_person(viewer_api, small_org):
    boss = small_org["boss"]
    body = viewer_api.get(f"/api/v1/people/{boss.pk}").json()
    assert body["email"] == "bea@acme.test"
    assert body["manager_id"] is None
    assert viewer_api.get("/api/v1/people/999999").status_code == 404


def test_an_admin_creates_a_person_with_unit_and_manager(admin_api, small_org):
    response = _json(
        admin_api,
        "post",
        "/api/v1/people",
        {
            "employee_id": "E50",
            "name": "New Hire",
            "email": "new@acme.test",
            "unit_id": small_org["team_a"].pk,
            "manager_id": small_org["boss"].pk,
            "start_date": "2026-01-05",
        },
    )
    assert response.status_code == 201, response.content
    person = Person.objects.get(employee_id="E50")
    assert person.unit == small_org["team_a"] and person.manager == small_org["boss"]
    assert response.json()["start_date"] == "2026-01-05"


def test_it_rejects_a_second_person_with_the_same_email(admin_api, small_org):
    response = _json(
        admin_api,
        "post",
        "/api/v1/people",
        {"employee_id": "E51", "name": "Twin", "email": "BEA@acme.test"},
    )
    assert response.status_code == 422
    assert not Person.objects.filter(employee_id="E51").exists()


def test_it_refuses_a_manager_chain_that_loops(admin_api, small_org):
    boss, report = small_org["boss"], small_org["people"][1]
    response = _json(admin_api, "patch", f"/api/v1/people/{boss.pk}", {"manager_id": report.pk})
    assert response.status_code == 422
    assert "cycle" in response.json()["detail"]["manager"][0]


def test_an_admin_updates_a_person_and_null_clears_the_unit(admin_api, small_org):
    person = small_org["people"][1]
    response = _json(
        admin_api, "patch", f"/api/v1/people/{person.pk}", {"title": "Analyst", "unit_id": None}
    )
    assert response.status_code == 200, response.content
    person.refresh_from_db()
    assert person.title == "Analyst" and person.unit is None
    assert person.name == "Person 2"


def test_a_viewer_cannot_change_a_person(viewer_api, small_org):
    person = small_org["people"][1]
    response = _json(viewer_api, "patch", f"/api/v1/people/{person.pk}", {"title": "Boss"})
    assert response.status_code == 403
    person.refresh_from_db()
    assert person.title == ""


# --- projects ------------------------------------------------------------------------------


@pytest.fixture
def projects(small_org):
    return [
        project_create(code="P-1", name="Billing revamp", unit=small_org["team_a"]),
        project_create(code="P-2", name="Data lake", unit=small_org["fin"], status="on_hold"),
        project_create(code="P-3", name="Billing archive", unit=small_org["team_b"]),
    ]


def test_it_filters_projects_by_unit_status_and_words(viewer_api, projects, small_org):
    def codes(**params):
        return [p["code"] for p in viewer_api.get("/api/v1/projects", params).json()["items"]]

    assert codes() == ["P-1", "P-2", "P-3"]
    assert codes(unit=small_org["delivery"].pk) == ["P-1", "P-3"]
    assert codes(status="on_hold") == ["P-2"]
    assert codes(q="billing", status="active") == ["P-1", "P-3"]
    assert codes(q="archive") == ["P-3"]


def test_it_rejects_an_unknown_project_status(viewer_api, projects):
    assert viewer_api.get("/api/v1/projects", {"status": "dreaming"}).status_code == 422


# --- people import -------------------------------------------------------------------------


CSV = (
    "Employee ID,Full name,Work email,Unit\n"
    "E100,Ina Import,ina@acme.test,TA\n"
    "E101,Jon Import,jon@acme.test,TB\n"
)


def _upload(client, content: str, name: str = "hris.csv", **form):
    return client.post(
        "/api/v1/people/import",
        {"file": SimpleUploadedFile(name, content.encode(), "text/csv"), **form},
    )


def test_a_dry_run_import_reports_the_plan_and_writes_nothing(admin_api, small_org):
    response = _upload(admin_api, CSV)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["applied"] is False
    assert body["created"] == 2 and body["rows"] == 2
    assert not Person.objects.filter(employee_id__in=["E100", "E101"]).exists()


def test_an_import_without_dry_run_creates_the_people(admin_api, small_org):
    response = _upload(admin_api, CSV, dry_run="false")
    assert response.status_code == 200, response.content
    assert response.json()["applied"] is True
    ina = Person.objects.get(employee_id="E100")
    assert ina.unit == small_org["team_a"]


def test_an_import_can_deactivate_people_missing_from_the_file(admin_api, small_org):
    response = _upload(admin_api, CSV, dry_run="false", deactivate_missing="true")
    assert response.status_code == 200, response.content
    assert response.json()["deactivated"] == 6
    assert not Person.objects.get(employee_id="E1").active


def test_it_refuses_an_import_with_row_errors_and_names_row_and_column(admin_api, small_org):
    bad = CSV + "E102,Kim Import,not-an-email,TA\n"
    response = _upload(admin_api, bad, dry_run="false")
    assert response.status_code == 422
    body = response.json()
    assert "nothing was written" in body["detail"]
    assert any(e["row"] == 4 and e["file"] == "hris.csv" for e in body["errors"])
    assert not Person.objects.filter(employee_id="E100").exists()


def test_it_refuses_a_file_type_it_cannot_read(admin_api, small_org):
    response = _upload(admin_api, CSV, name="hris.txt")
    assert response.status_code == 422
    assert "CSV or XLSX" in response.json()["errors"][0]["message"]


def test_only_an_admin_may_import_people(client_for, owner, small_org):
    response = _upload(client_for(owner), CSV, dry_run="false")
    assert response.status_code == 403
    assert not Person.objects.filter(employee_id="E100").exists()


# --- the OpenAPI document (org and catalog operations) ---------------------------------------


@pytest.fixture
def openapi(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def _operations(openapi: dict):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_the_openapi_document_is_public_and_lists_the_org_and_catalog_endpoints(openapi):
    paths = set(openapi["paths"])
    for expected in (
        "/api/v1/units",
        "/api/v1/units/{unit_id}",
        "/api/v1/people",
        "/api/v1/people/{person_id}",
        "/api/v1/people/import",
        "/api/v1/projects",
        "/api/v1/services",
        "/api/v1/services/{slug}",
        "/api/v1/services/{slug}/archive",
        "/api/v1/services/{slug}/restore",
        "/api/v1/services/{slug}/versions",
    ):
        assert expected in paths


def test_every_org_and_catalog_operation_documents_its_error_responses(openapi):
    ours = [
        (path, method, op)
        for path, method, op in _operations(openapi)
        if set(op.get("tags", [])) & {"org", "catalog"}
    ]
    assert len(ours) >= 17
    undocumented = []
    for path, method, op in ours:
        needed = {"401", "403", "422"} | ({"404"} if "{" in path else set())
        missing = needed - set(op["responses"])
        if missing:
            undocumented.append(f"{method.upper()} {path}: {sorted(missing)}")
    assert not undocumented, undocumented


def test_every_operation_accepts_a_token_or_the_session(openapi):
    schemes = set(openapi["components"]["securitySchemes"])
    assert {"TokenAuth", "SessionAuth"} <= schemes
    for path, method, op in _operations(openapi):
        if set(op.get("tags", [])) & {"org", "catalog"}:
            assert {"TokenAuth": []} in op["security"], f"{method} {path}"
            assert {"SessionAuth": []} in op["security"], f"{method} {path}"


def test_list_endpoints_are_paginated_with_page_and_page_size(openapi):
    for path in ("/api/v1/units", "/api/v1/people", "/api/v1/projects", "/api/v1/services"):
        names = {p["name"] for p in openapi["paths"][path]["get"]["parameters"]}
        assert {"page", "page_size"} <= names, path


def test_the_docs_page_loads_swagger_from_this_server_not_a_cdn(client):
    response = client.get("/api/v1/docs")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<script src="/static/ninja/swagger-ui-bundle.js">' in body
    assert "https://" not in body and "http://" not in body


def test_a_page_or_an_id_too_large_for_the_database_is_refused_with_422(viewer_api, small_org):
    assert viewer_api.get("/api/v1/units", {"page": 10**30}).status_code == 422
    assert viewer_api.get("/api/v1/units", {"page_size": 1000}).status_code == 422
    assert viewer_api.get(f"/api/v1/units/{10**30}").status_code == 422
    assert viewer_api.get("/api/v1/people", {"unit": 10**30}).status_code == 422


def test_an_import_maps_a_column_with_an_unusual_name(admin_api, small_org):
    odd = "Employee ID,Full name,Courriel\nE100,Ina Import,ina@acme.test\n"
    response = admin_api.post(
        "/api/v1/people/import",
        {
            "file": SimpleUploadedFile("hris.csv", odd.encode(), "text/csv"),
            "dry_run": "false",
            "map": ["email=Courriel"],
        },
    )
    assert response.status_code == 200, response.content
    assert Person.objects.get(employee_id="E100").email == "ina@acme.test"


def test_an_import_refuses_a_mapping_it_cannot_read(admin_api, small_org):
    response = _upload(admin_api, CSV, map="email")
    assert response.status_code == 422
    assert "field=Header" in response.json()["detail"]["map"][0]


def test_the_openapi_document_has_no_duplicated_keys(client):
    # Swagger UI reads the document as YAML, where a key twice is an error ("duplicated mapping
    # key") and the docs page shows nothing: e.g. a response code added both as 422 and "422".
    duplicated: list[str] = []

    def no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
        keys = [key for key, _value in pairs]
        duplicated.extend(key for key in set(keys) if keys.count(key) > 1)
        return dict(pairs)

    json.loads(client.get("/api/v1/openapi.json").content, object_pairs_hook=no_duplicates)
    assert not duplicated, f"keys given twice in the OpenAPI document: {sorted(set(duplicated))}"
