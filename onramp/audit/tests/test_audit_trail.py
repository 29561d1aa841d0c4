from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.db import models as django_models
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import isolate_apps
from django.urls import reverse

from onramp.audit.context import audit_source
from onramp.audit.middleware import AuditMiddleware
from onramp.audit.registration import _find_service_paths, service_id_of
from onramp.audit.selectors import entries_for_object, entries_for_service, entry_changes
from onramp.catalog.models import Service, ServiceVersion
from onramp.catalog.services import service_update, service_version_add
from onramp.org.models import Person
from onramp.org.services import person_create, person_update

pytestmark = pytest.mark.django_db


def _history_url(obj) -> str:
    return reverse("audit:history", args=[obj._meta.app_label, obj._meta.model_name, obj.pk])


def test_every_model_of_every_onramp_app_is_audited():
    models = [
        m
        for config in apps.get_app_configs()
        if config.name.startswith("onramp.")
        for m in config.get_models()
        if not getattr(m, "audit_exclude", False) and m._meta.managed and not m._meta.proxy
    ]
    assert models, "no Onramp model found"
    missing = [m._meta.label for m in models if not auditlog.contains(m)]
    assert missing == []


def test_it_records_a_create_a_change_and_a_delete_with_old_and_new_values(service):
    service_update(service=service, summary="A new summary.")
    version = service_version_add(service=service, version="1.0", released_on=dt.date(2026, 1, 5))
    version_pk = version.pk
    version.delete()

    # created, champion added (by the fixture), summary changed
    entries = list(entries_for_object(Service, service.pk).order_by("timestamp", "id"))
    assert [e.action for e in entries] == [
        LogEntry.Action.CREATE,
        LogEntry.Action.UPDATE,
        LogEntry.Action.UPDATE,
    ]
    changes = {c.field: (c.old, c.new) for c in entry_changes(entries[2])}
    assert changes["summary"] == ("One way to log and review project risks.", "A new summary.")

    version_entries = list(entries_for_object(ServiceVersion, version_pk).order_by("id"))
    assert [e.action for e in version_entries] == [LogEntry.Action.CREATE, LogEntry.Action.DELETE]


def test_a_change_outside_any_request_is_recorded_as_coming_from_the_command_line(service):
    service_update(service=service, category="Risk")
    entry = entries_for_object(Service, service.pk).first()
    assert entry.additional_data["source"] == "cli"
    assert entry.actor is None


def test_audit_source_records_the_source_and_the_actor_of_an_import(admin_user, small_org):
    with audit_source("import", actor=admin_user):
        person = person_create(employee_id="E77", name="New Hire", email="new@acme.test")
    outside = person_create(employee_id="E78", name="Later Hire")
    entry = entries_for_object(Person, person.pk).get()
    assert entry.additional_data["source"] == "import"
    assert entry.actor == admin_user
    later = entries_for_object(Person, outside.pk).get()
    assert later.additional_data["source"] == "cli"
    assert later.actor is None


def test_audit_source_refuses_an_unknown_source():
    with pytest.raises(ValueError, match="Unknown audit source"), audit_source("email"):
        pass


def test_a_web_change_records_who_made_it_from_where_and_for_which_service(
    client_for, owner, service
):
    response = client_for(owner).post(
        reverse("catalog:service_version_add", args=[service.slug]),
        {"version": "2.0", "released_on": "2026-02-01", "notes": ""},
        REMOTE_ADDR="10.1.2.3",
        HTTP_X_REQUEST_ID="req-abc-123",
    )
    assert response.status_code == 302
    version = ServiceVersion.objects.get(service=service, version="2.0")
    entry = entries_for_object(ServiceVersion, version.pk).get()
    assert entry.actor == owner
    assert entry.additional_data == {"source": "web", "service_id": service.pk}
    assert entry.remote_addr == "10.1.2.3"
    assert entry.cid == "req-abc-123"
    assert entries_for_service(service.pk).filter(pk=entry.pk).exists()


def test_an_api_change_is_recorded_with_the_user_that_the_api_signed_in_later(owner, service):
    """Token authentication sets request.user inside the view, after the middleware ran."""
    from django.contrib.auth.models import AnonymousUser

    def view(request):
        request.user = owner  # what the API's TokenAuth does
        service_update(service=service, category="Via API")
        return HttpResponse("ok")

    request = RequestFactory().post("/api/v1/services/x")
    request.user = AnonymousUser()
    AuditMiddleware(view)(request)
    entry = entries_for_object(Service, service.pk).first()
    assert entry.additional_data["source"] == "api"
    assert entry.actor == owner


def test_a_many_to_many_change_is_recorded(service, viewer):
    service.champions.add(viewer)
    entry = entries_for_object(Service, service.pk).first()
    [change] = entry_changes(entry)
    assert change.field == "champions"
    assert "vera" in change.new


def test_a_reader_of_the_service_sees_the_history_of_its_records(client_for, viewer, service):
    version = service_version_add(service=service, version="1.1", released_on=dt.date(2026, 3, 1))
    response = client_for(viewer).get(_history_url(version))
    assert response.status_code == 200
    assert "1.1" in response.content.decode()
    assert b"History" in response.content


def test_a_champion_of_another_service_may_not_read_its_history(
    client_for, champion, other_service
):
    response = client_for(champion).get(_history_url(other_service))
    assert response.status_code == 403


def test_an_outsider_and_an_anonymous_visitor_may_not_read_history(client_for, outsider, service):
    assert client_for(outsider).get(_history_url(service)).status_code == 403
    assert client_for(None).get(_history_url(service)).status_code == 302


def test_only_admins_read_the_history_of_accounts(client_for, admin_user, owner):
    url = _history_url(owner)
    assert client_for(owner).get(url).status_code == 403
    assert client_for(admin_user).get(url).status_code == 200


def test_the_history_of_a_deleted_record_stays_readable(client_for, viewer, service):
    version = service_version_add(service=service, version="0.9", released_on=dt.date(2026, 1, 1))
    url = _history_url(version)
    version.delete()
    response = client_for(viewer).get(url)
    assert response.status_code == 200
    assert "has been deleted" in response.content.decode()


def test_history_of_an_unaudited_kind_of_record_is_not_found(client_for, admin_user):
    url = reverse("audit:history", args=["contenttypes", "contenttype", 1])
    assert client_for(admin_user).get(url).status_code == 404


def test_people_units_projects_and_services_link_to_their_history(
    client_for, viewer, small_org, service
):
    from onramp.org.services import project_create

    project = project_create(code="P-1", name="Pilot", unit=small_org["ops"])
    person = small_org["boss"]
    pages = {
        reverse("org:person_detail", args=[person.pk]): _history_url(person),
        reverse("org:unit_detail", args=[small_org["ops"].pk]): _history_url(small_org["ops"]),
        reverse("org:projects"): _history_url(project),
        reverse("catalog:service_detail", args=[service.slug]): _history_url(service),
    }
    client = client_for(viewer)
    for page, history in pages.items():
        body = client.get(page).content.decode()
        assert history in body, page
        assert client.get(history).status_code == 200


def test_the_service_activity_lists_changes_under_the_service_only(
    client_for, viewer, service, other_service
):
    service_version_add(service=service, version="3.0", released_on=dt.date(2026, 4, 1))
    service_version_add(
        service=other_service, version="77.0.7-other", released_on=dt.date(2026, 4, 1)
    )
    body = client_for(viewer).get(reverse("audit:service_activity", args=[service.slug]))
    text = body.content.decode()
    assert body.status_code == 200
    assert "Risk Framework 3.0" in text
    # A marker no timestamp can contain (a bare "7.7" once matched the microseconds).
    assert "77.0.7-other" not in text


def test_the_service_activity_exports_as_csv_and_excel(client_for, viewer, service):
    service_update(service=service, summary="Exported summary.")
    url = reverse("audit:service_activity", args=[service.slug])
    csv_body = client_for(viewer).get(url, {"format": "csv"}).content.decode()
    assert csv_body.splitlines()[0].startswith("When (UTC),Who,Source,Action")
    assert "Exported summary." in csv_body

    xlsx = client_for(viewer).get(url, {"format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    values = [c for row in book.active.iter_rows(values_only=True) for c in row]
    assert "Exported summary." in values


def test_a_champion_of_another_service_may_not_read_its_activity(
    client_for, champion, other_service
):
    url = reverse("audit:service_activity", args=[other_service.slug])
    assert client_for(champion).get(url).status_code == 403


def test_the_global_activity_and_its_export_are_for_admins_only(
    client_for, admin_user, owner, small_org
):
    url = reverse("audit:activity")
    assert client_for(owner).get(url).status_code == 403
    person_update(person=small_org["boss"], title="Chief")
    response = client_for(admin_user).get(url, {"source": "cli", "format": "csv"})
    assert response.status_code == 200
    assert "Chief" in response.content.decode()
    assert client_for(admin_user).get(url, {"source": "web"}).status_code == 200


def test_the_global_activity_says_what_to_do_when_nothing_matches(client_for, admin_user):
    response = client_for(admin_user).get(reverse("audit:activity"), {"since": "2099-01-01"})
    assert "No change matches these filters" in response.content.decode()


@isolate_apps("onramp.audit")
def test_records_under_a_service_are_found_by_their_foreign_keys_required_ones_first():
    class Note(django_models.Model):
        """Under a service two ways: required through `topic`, optional through `version`."""

        version = django_models.ForeignKey(
            ServiceVersion, null=True, on_delete=django_models.CASCADE
        )
        topic = django_models.ForeignKey(Service, on_delete=django_models.CASCADE)

        def __str__(self) -> str:
            return "note"

    class DeclaredNote(django_models.Model):
        audit_service_path = "version__service"
        version = django_models.ForeignKey(ServiceVersion, on_delete=django_models.CASCADE)

        def __str__(self) -> str:
            return "declared"

    assert _find_service_paths(Service) == [[]]
    assert _find_service_paths(ServiceVersion) == [["service"]]
    assert _find_service_paths(Note) == [["topic"], ["version", "service"]]
    assert _find_service_paths(DeclaredNote) == [["version", "service"]]
    assert _find_service_paths(Person) == []


def test_a_version_entry_carries_its_service_for_the_activity_page(service):
    version = service_version_add(service=service, version="5.0", released_on=dt.date(2026, 5, 1))
    assert service_id_of(version) == service.pk
    entry = entries_for_object(ServiceVersion, version.pk).get()
    assert entry.additional_data["service_id"] == service.pk


def test_admins_find_the_activity_page_in_the_sidebar(client_for, admin_user, viewer):
    url = reverse("audit:activity")
    assert f'href="{url}"' in client_for(admin_user).get(reverse("home")).content.decode()
    assert f'href="{url}"' not in client_for(viewer).get(reverse("home")).content.decode()
