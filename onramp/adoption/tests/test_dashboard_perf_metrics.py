"""Measuring every adoption metric of one scope inside selectors.memoised() reads the target
population, the active adopters and the rule once, and gives the same figures."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onramp.adoption import selectors
from onramp.adoption.models import PersonActivity
from onramp.adoption.services import adoption_refresh, rule_update
from onramp.core.metrics import Scope, all_metrics, measure

D = dt.date


@pytest.fixture
def usage(small_org, other_service):
    rule_update(service=other_service, min_active_days=2, window_days=7)
    by_id = {p.employee_id: p for p in small_org["people"]}
    rows = [("E2", 1, 1), ("E2", 3, 2), ("E4", 6, 1), ("E4", 8, 3), ("E5", 8, 1)]
    PersonActivity.objects.bulk_create(
        PersonActivity(
            service=other_service,
            person=by_id[e],
            day=D(2026, 3, day),
            events=q,
            qualifying_events=q,
        )
        for e, day, q in rows
    )
    adoption_refresh(service=other_service)
    return other_service


def _measure_all(scope: Scope) -> tuple[dict[str, object], list[str]]:
    keys = [m.key for m in all_metrics() if m.key.startswith("adoption.")]
    with CaptureQueriesContext(connection) as queries:
        values = {k: measure(k, scope) for k in keys}
    return values, [q["sql"] for q in queries.captured_queries]


def _count(sql: list[str], table: str) -> int:
    return sum(1 for q in sql if f'FROM "{table}"' in q)


def test_every_metric_of_a_scope_reads_the_population_once_inside_memoised(usage):
    scope = Scope(service=usage, as_of=D(2026, 3, 8))
    plain, plain_sql = _measure_all(scope)
    with selectors.memoised():
        memo, memo_sql = _measure_all(scope)
    assert memo == plain
    assert plain["adoption.rate"].value == pytest.approx(16.67)
    # The population of 8 March and of 4 weeks before (velocity), once each.
    assert _count(memo_sql, "org_person") == 2 < _count(plain_sql, "org_person")
    assert (
        _count(memo_sql, "adoption_adoptionrule") == 1 < _count(plain_sql, "adoption_adoptionrule")
    )
    assert len(memo_sql) < len(plain_sql)


def test_outside_memoised_a_write_is_seen_by_the_next_measurement(usage, small_org):
    scope = Scope(service=usage, as_of=D(2026, 3, 8))
    assert measure("adoption.rate", scope).value == pytest.approx(16.67)
    for day in (5, 7):
        PersonActivity.objects.create(
            service=usage, person=small_org["people"][2], day=D(2026, 3, day), events=1,
            qualifying_events=1,
        )  # fmt: skip
    # E3 now has 5 and 7 March: 2 of 6 active.
    assert measure("adoption.rate", scope).value == pytest.approx(33.33)
