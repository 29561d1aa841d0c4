"""The migrations that move stored activity: rows must arrive whole, each in its place."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from onramp.adoption.models import IdentityActivity, PersonActivity, ProjectActivity

ONE_TABLE = ("adoption", "0004_adopter_state_no_key_indexes")
PER_KIND = ("adoption", "0005_activity_per_adopter_kind")
COUNTS = ("day", "events", "qualifying_events", "distinct_actions")


def _migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])


@pytest.mark.django_db(transaction=True)
def test_the_activity_of_one_table_moves_to_the_table_of_its_adopter_kind(
    small_org, service, other_service
):
    person = small_org["people"][1]
    _migrate(ONE_TABLE)
    try:
        rows = [
            (other_service.pk, person.pk, None, "", "2026-03-02", 3, 1, 2),
            (other_service.pk, person.pk, None, "", "2026-03-03", 1, 0, 1),
            (service.pk, None, 4242, "", "2026-03-02", 5, 5, 3),
            (other_service.pk, None, None, "ghost@elsewhere.test", "2026-03-02", 2, 2, 1),
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO adoption_dailyactivity (service_id, person_id, project_id, identity, "
                "day, events, qualifying_events, distinct_actions) "
                "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                rows,
            )
    finally:
        _migrate(PER_KIND)
    d = dt.date
    assert sorted(PersonActivity.objects.values_list("service_id", "person_id", *COUNTS)) == [
        (other_service.pk, person.pk, d(2026, 3, 2), 3, 1, 2),
        (other_service.pk, person.pk, d(2026, 3, 3), 1, 0, 1),
    ]
    assert list(ProjectActivity.objects.values_list("service_id", "project_id", *COUNTS)) == [
        (service.pk, 4242, d(2026, 3, 2), 5, 5, 3)
    ]
    assert list(IdentityActivity.objects.values_list("service_id", "identity", *COUNTS)) == [
        (other_service.pk, "ghost@elsewhere.test", d(2026, 3, 2), 2, 2, 1)
    ]
    with connection.cursor() as cursor:
        assert "adoption_dailyactivity" not in connection.introspection.table_names(cursor)
