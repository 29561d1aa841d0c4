from __future__ import annotations

import logging

import pytest
from django.core.management import call_command
from django_tasks import task

from onramp.audit.selectors import entries_for_object
from onramp.org.models import Person

pytestmark = pytest.mark.django_db(transaction=True)

log = logging.getLogger("onramp.tests.jobs")


@task()
def hire(employee_id: str) -> None:
    from onramp.org.services import person_create

    log.info("hiring %s", employee_id)
    person_create(employee_id=employee_id, name="Hired By Task")


def test_a_task_records_its_changes_as_coming_from_the_worker_under_its_own_id(caplog):
    from onramp.logging import RequestIdFilter

    result = hire.enqueue("T1")
    handler_filter = RequestIdFilter()
    caplog.handler.addFilter(handler_filter)
    with caplog.at_level(logging.INFO, logger="onramp.tests.jobs"):
        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    caplog.handler.removeFilter(handler_filter)

    person = Person.objects.get(employee_id="T1")
    entry = entries_for_object(Person, person.pk).get()
    assert entry.additional_data["source"] == "worker"
    assert entry.cid == str(result.id)
    [line] = [r for r in caplog.records if r.getMessage() == "hiring T1"]
    assert line.request_id == str(result.id)

    from onramp.logging import current_request_id

    assert current_request_id() is None  # reset once the task finished
