from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from onramp.audit.bulk import BulkChange, audit_log_bulk
from onramp.audit.context import audit_source
from onramp.audit.middleware import AuditMiddleware
from onramp.audit.selectors import entries_for_object, entry_changes
from onramp.org.models import Person

pytestmark = pytest.mark.django_db


def test_bulk_writes_are_recorded_like_single_saves_with_source_and_actor(admin_user):
    people = Person.objects.bulk_create(
        [Person(employee_id="B1", name="Bulk One"), Person(employee_id="B2", name="Bulk Two")]
    )
    with audit_source("import", actor=admin_user):
        written = audit_log_bulk(
            Person,
            [
                BulkChange(pk=p.pk, action="create", label=p.name, changes={"name": (None, p.name)})
                for p in people
            ]
            + [BulkChange(pk=people[0].pk, action="update", changes={"title": ("", "Lead")})],
        )
    assert written == 3
    entries = list(entries_for_object(Person, people[0].pk).order_by("id"))
    assert [e.get_action_display() for e in entries] == ["create", "update"]
    assert entries[0].object_repr == "Bulk One"
    assert entries[0].actor == admin_user
    assert entries[0].additional_data == {"source": "import"}
    [title] = entry_changes(entries[1])
    assert (title.old, title.new) == ("", "Lead")


def test_bulk_entries_in_a_request_carry_the_signed_in_user_and_request_id(owner):
    person = Person.objects.create(employee_id="B3", name="Bulk Three")

    def view(request):
        audit_log_bulk(Person, [BulkChange(pk=person.pk, action="delete", label="Bulk Three")])
        return HttpResponse("ok")

    request = RequestFactory().post("/org/import/x/apply/", REMOTE_ADDR="10.0.0.9")
    request.user = owner
    AuditMiddleware(view)(request)
    entry = entries_for_object(Person, person.pk).first()
    assert entry.get_action_display() == "delete"
    assert entry.actor == owner and entry.remote_addr == "10.0.0.9"
    assert entry.additional_data["source"] == "web"


def test_bulk_logging_refuses_an_unknown_action():
    with pytest.raises(ValueError, match="Unknown action"):
        audit_log_bulk(Person, [BulkChange(pk=1, action="merge")])  # type: ignore[arg-type]
