from __future__ import annotations

import io
import json
import sys
import types

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.urls import reverse

from onramp.audit.context import audit_source
from onramp.audit.privacy import person_export_data, person_pseudonym
from onramp.catalog.services import service_update
from onramp.org.models import Person
from onramp.org.services import person_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaver(small_org, make_user, admin_user, service):
    """Bea Boss, with an account, changed from the web, named as a service's sponsor."""
    person = small_org["boss"]
    make_user("bea", "viewer", email="bea@acme.test", first_name="Bea", last_name="Boss")
    with audit_source("web", actor=admin_user):
        person_update(person=person, title="Head of Operations")
    service_update(service=service, sponsor=person)
    return person


def _trail_text() -> str:
    rows = LogEntry.objects.values_list(
        "object_repr", "changes", "changes_text", "serialized_data", "actor_email"
    )
    return json.dumps(list(rows), ensure_ascii=False)


def test_the_export_holds_the_person_their_account_and_their_audit_entries(leaver):
    data = person_export_data(person=leaver)
    assert data["person"]["employee_id"] == "E1"
    assert data["person"]["email"] == "bea@acme.test"
    assert data["user"]["username"] == "bea"
    assert "password" not in data["user"]
    titles = [c["new"] for e in data["audit"]["about_them"] for c in e["changes"]]
    assert "Head of Operations" in titles
    json.dumps(data)  # JSON-ready as it is


def test_apps_add_their_data_to_the_export_through_a_privacy_module(leaver, monkeypatch):
    module = types.ModuleType("onramp.surveys.privacy")
    module.person_export = lambda person: {"invitations": [f"sent to {person.employee_id}"]}
    monkeypatch.setitem(sys.modules, "onramp.surveys.privacy", module)
    data = person_export_data(person=leaver)
    assert data["apps"]["surveys"] == {"invitations": ["sent to E1"]}


def test_the_export_command_prints_json_and_refuses_an_unknown_id(leaver, tmp_path):
    out = io.StringIO()
    call_command("person_export", "E1", stdout=out)
    assert json.loads(out.getvalue())["person"]["name"] == "Bea Boss"
    target = tmp_path / "bea.json"
    call_command("person_export", "E1", "--output", str(target), stderr=io.StringIO())
    assert json.loads(target.read_text())["person"]["employee_id"] == "E1"
    with pytest.raises(CommandError, match="No person has the employee id 'E404'"):
        call_command("person_export", "E404")


def test_only_admins_export_a_person_from_their_page(client_for, admin_user, viewer, leaver):
    url = reverse("audit:person_export", args=[leaver.pk])
    assert client_for(viewer).get(url).status_code == 403
    response = client_for(admin_user).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["person"]["name"] == "Bea Boss"


def test_anonymising_removes_identity_keeps_the_row_and_scrubs_the_audit_trail(leaver, small_org):
    people_before = Person.objects.count()
    unit_id = leaver.unit_id
    pseudonym = person_pseudonym(leaver)
    assert "Bea Boss" in _trail_text() and "bea@acme.test" in _trail_text()

    out = io.StringIO()
    call_command("person_anonymise", "E1", "--no-input", stdout=out)

    leaver.refresh_from_db()
    assert leaver.name == pseudonym
    assert pseudonym.startswith("Former employee ") and len(pseudonym) == len(
        "Former employee 7f3a"
    )
    assert leaver.email == "" and leaver.title == "" and leaver.employee_id.startswith("anon-")
    assert leaver.unit_id == unit_id and not leaver.active
    assert Person.objects.count() == people_before
    report = Person.objects.get(pk=small_org["people"][1].pk)
    assert report.manager_id == leaver.pk  # reports still roll up to the same row

    trail = _trail_text()
    for identifier in ("Bea Boss", "bea@acme.test", '"E1"', '"bea"'):
        assert identifier not in trail, identifier
    assert pseudonym in trail
    assert "Person 2" in trail  # other people's entries are untouched
    assert f"is now {pseudonym}" in out.getvalue()

    from onramp.core.models import User

    account = User.objects.get(first_name="Former employee")
    assert not account.is_active and account.email == "" and not account.has_usable_password()


def test_the_pseudonym_is_stable(leaver):
    assert person_pseudonym(leaver) == person_pseudonym(Person.objects.get(pk=leaver.pk))


def test_anonymising_twice_is_refused(leaver):
    call_command("person_anonymise", "E1", "--no-input", stdout=io.StringIO())
    leaver.refresh_from_db()
    with pytest.raises(CommandError, match="already anonymised"):
        call_command("person_anonymise", leaver.employee_id, "--no-input")


def test_apps_anonymise_their_data_through_a_privacy_module(leaver, monkeypatch):
    seen = []
    module = types.ModuleType("onramp.enablement.privacy")
    module.person_anonymise = lambda person, *, pseudonym: seen.append((person.pk, pseudonym))
    monkeypatch.setitem(sys.modules, "onramp.enablement.privacy", module)
    call_command("person_anonymise", "E1", "--no-input", stdout=io.StringIO())
    leaver.refresh_from_db()
    assert seen == [(leaver.pk, leaver.name)]


def test_the_person_page_offers_export_and_anonymisation_to_admins_only(
    client_for, admin_user, viewer, leaver
):
    page = reverse("org:person_detail", args=[leaver.pk])
    admin_body = client_for(admin_user).get(page).content.decode()
    assert reverse("audit:person_anonymise", args=[leaver.pk]) in admin_body
    assert reverse("audit:person_export", args=[leaver.pk]) in admin_body
    viewer_body = client_for(viewer).get(page).content.decode()
    assert reverse("audit:person_anonymise", args=[leaver.pk]) not in viewer_body


def test_anonymising_from_the_page_needs_an_admin_a_post_and_the_typed_employee_id(
    client_for, admin_user, viewer, leaver
):
    url = reverse("audit:person_anonymise", args=[leaver.pk])
    assert client_for(viewer).post(url, {"confirm": "E1"}).status_code == 403
    admin = client_for(admin_user)
    assert admin.get(url).status_code == 405

    response = admin.post(url, {"confirm": "E2"}, follow=True)
    assert "type the employee id E1" in response.content.decode()
    leaver.refresh_from_db()
    assert leaver.name == "Bea Boss"

    response = admin.post(url, {"confirm": "E1"}, follow=True)
    leaver.refresh_from_db()
    assert leaver.name.startswith("Former employee ")
    assert "their name, email and identifiers are gone" in response.content.decode()
    entry = LogEntry.objects.filter(object_pk=str(leaver.pk), content_type__model="person").first()
    assert entry.actor == admin_user and entry.additional_data["source"] == "web"


def test_the_dashed_console_commands_exist():
    """`onramp person-export` becomes person_export (onramp/__main__.py): the module must exist."""
    from django.core.management import get_commands

    assert {"person_export", "person_anonymise"} <= set(get_commands())
