"""The import pages: upload, preview with every error, mapping, apply; admins only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from onramp.org.models import Person

HEADER = "Employee ID,Full name,Work email,Department,Manager ID,Hire date"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def upload(client, text: str, *, name: str = "hris.csv", kind: str = "people", **extra):
    data = {"kind": kind, "file": SimpleUploadedFile(name, text.encode()), **extra}
    return client.post("/org/import/", data)


@pytest.mark.parametrize("role", ["owner", "champion", "viewer", "outsider"])
def test_only_pmo_admins_may_open_or_use_the_import_pages(cast, client_for, role):
    client = client_for(cast[role])
    assert client.get("/org/import/").status_code == 403
    assert upload(client, HEADER).status_code == 403
    assert client.get("/org/import/" + "x" * 32 + "/").status_code == 403
    assert client.post("/org/import/" + "x" * 32 + "/apply/").status_code == 403


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, db):
    for response in (
        client.get("/org/import/"),
        client.post("/org/import/" + "x" * 32 + "/apply/"),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_the_upload_page_preselects_the_kind_from_the_query(client_for, admin_user):
    body = client_for(admin_user).get("/org/import/?kind=projects").content.decode()
    assert '<option value="projects" selected>' in body
    assert "Import" in body


def test_an_admin_uploads_previews_and_applies_a_people_file(
    client_for, admin_user, small_org, media_root
):
    client = client_for(admin_user)
    response = upload(
        client,
        f"{HEADER}\nN1,Nina,nina@acme.test,TA,E1,2024-01-02\nE2,Person 2,p2@acme.test,TA,E1,\n",
    )
    assert response.status_code == 302
    preview_url = response["Location"]
    token = preview_url.split("/")[3]
    assert (media_root / "imports" / token / "upload.csv").is_file()

    page = client.get(preview_url)
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="count-create">1<' in body
    assert 'data-testid="count-unchanged">1<' in body
    assert "Apply import" in body
    assert not Person.objects.filter(employee_id="N1").exists()

    done = client.post(f"/org/import/{token}/apply/", follow=True)
    assert done.redirect_chain[-1][0] == "/org/people/"
    assert "Imported hris.csv: 1 people created, 0 updated, 1 unchanged." in done.content.decode()
    assert Person.objects.get(employee_id="N1").manager == small_org["boss"]
    assert not (media_root / "imports" / token).exists()


def test_the_preview_lists_every_error_with_row_and_column(client_for, admin_user, small_org):
    client = client_for(admin_user)
    response = upload(
        client,
        f"{HEADER}\nN1,Nina,bad-email,TA,E1,\nN2,Nils,n2@acme.test,NOPE,GHOST,31/31/2024\n",
    )
    body = client.get(response["Location"]).content.decode()
    assert "4 errors" in body
    for row, column, words in [
        (2, "Work email", "is not a valid e-mail address"),
        (3, "Department", "Unit code &#x27;NOPE&#x27; is not in Onramp"),
        (3, "Manager ID", "Manager id &#x27;GHOST&#x27;"),
        (3, "Hire date", "is not a date"),
    ]:
        assert f'<td class="num">{row}</td><td>{column}</td><td>' in body
        assert words in body
    assert "disabled>Apply import" in body


def test_apply_refuses_a_file_with_errors_and_writes_nothing(client_for, admin_user, small_org):
    client = client_for(admin_user)
    response = upload(
        client, f"{HEADER}\nN1,Nina,nina@acme.test,TA,E1,\nN2,Nils,n2@acme.test,NOPE,,\n"
    )
    token = response["Location"].split("/")[3]
    done = client.post(f"/org/import/{token}/apply/", follow=True)
    assert "Nothing was imported: the file has 1 error(s)." in done.content.decode()
    assert not Person.objects.filter(employee_id__in=["N1", "N2"]).exists()


def test_apply_accepts_only_post(client_for, admin_user, small_org):
    client = client_for(admin_user)
    token = upload(client, f"{HEADER}\nN1,Nina,,TA,,\n")["Location"].split("/")[3]
    assert client.get(f"/org/import/{token}/apply/").status_code == 405
    assert not Person.objects.filter(employee_id="N1").exists()


def test_changing_the_mapping_previews_again_and_applies_with_it(client_for, admin_user, db):
    client = client_for(admin_user)
    response = upload(client, "Matricule,Nom,Courriel\nM1,Marie,marie@x.test\n")
    preview_url = response["Location"]
    first = client.get(preview_url).content.decode()
    assert "No column for employee id" in first
    assert '<select id="map_employee_id" name="map_employee_id">' in first

    mapped = client.get(
        preview_url, {"map_employee_id": "Matricule", "map_name": "Nom", "map_email": "Courriel"}
    )
    body = mapped.content.decode()
    assert 'data-testid="count-create">1<' in body
    assert '<option value="Courriel" selected>' in body
    token = preview_url.split("/")[3]
    client.post(
        f"/org/import/{token}/apply/",
        {"map_employee_id": "Matricule", "map_name": "Nom", "map_email": "Courriel"},
    )
    assert Person.objects.get(employee_id="M1").email == "marie@x.test"


def test_the_deactivate_checkbox_marks_absent_people_inactive(client_for, admin_user, small_org):
    client = client_for(admin_user)
    response = upload(
        client, f"{HEADER}\nE1,Bea Boss,bea@acme.test,OPS,,\n", deactivate_missing="on"
    )
    assert response["Location"].endswith("?deactivate=1")
    body = client.get(response["Location"]).content.decode()
    assert 'data-testid="count-deactivate">5<' in body
    token = response["Location"].split("/")[3]
    client.post(f"/org/import/{token}/apply/", {"deactivate": "1"})
    assert Person.objects.filter(active=True).count() == 1
    assert Person.objects.count() == 7


def test_a_wrong_file_type_is_refused_with_a_clear_message(client_for, admin_user, db):
    response = upload(client_for(admin_user), "hello", name="people.pdf")
    assert response.status_code == 200
    assert "Unsupported file type .pdf: use CSV or XLSX. (people.pdf)" in response.content.decode()


def test_an_unreadable_workbook_is_refused_with_a_clear_message(client_for, admin_user, db):
    response = upload(client_for(admin_user), "not a zip at all", name="people.xlsx")
    assert response.status_code == 200
    assert "The file is not a readable XLSX workbook." in response.content.decode()


def test_a_units_upload_goes_back_to_the_tree_after_apply(client_for, admin_user, db):
    client = client_for(admin_user)
    response = upload(
        client, "Code,Name,Parent code\nAC,Acme,\nOPS,Ops,AC\n", name="units.csv", kind="units"
    )
    token = response["Location"].split("/")[3]
    done = client.post(f"/org/import/{token}/apply/", follow=True)
    assert done.redirect_chain[-1][0] == "/org/"
    assert "2 org units created" in done.content.decode()


def test_an_unknown_or_malformed_token_is_not_found(client_for, admin_user, db):
    client = client_for(admin_user)
    assert client.get("/org/import/" + "a" * 32 + "/").status_code == 404
    assert client.get("/org/import/..%2F..%2Fetc/").status_code == 404


def test_the_upload_page_offers_a_csv_template_per_kind(client_for, admin_user):
    response = client_for(admin_user).get("/org/import/?template=people")
    assert response["Content-Type"].startswith("text/csv")
    header = response.content.decode().splitlines()[0]
    assert header == (
        "Employee ID,Full name,Work email,Job title,Department,Manager ID,Location,Hire date,Status"
    )


def test_uploads_never_applied_are_forgotten_after_a_day(client_for, admin_user, media_root, db):
    import os
    import time

    client = client_for(admin_user)
    old = upload(client, f"{HEADER}\nN1,Nina,,,,\n")["Location"].split("/")[3]
    day_ago = time.time() - 25 * 3600
    os.utime(media_root / "imports" / old, (day_ago, day_ago))
    upload(client, f"{HEADER}\nN2,Nils,,,,\n")
    assert not (media_root / "imports" / old).exists()
    assert client.get(f"/org/import/{old}/").status_code == 404
