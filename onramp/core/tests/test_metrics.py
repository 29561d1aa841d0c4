from __future__ import annotations

import datetime as dt

import pytest

from onramp.core.metrics import (
    Measurement,
    Scope,
    UnknownMetric,
    all_metrics,
    get_metric,
    measure,
    register,
    series,
)


def test_org_headcount_is_registered_with_its_definition():
    metric = get_metric("org.headcount")
    assert metric.unit == "people"
    assert metric.direction == "higher"
    assert "descendants included" in metric.definition
    assert "org.headcount" in [m.key for m in all_metrics()]


def test_an_unknown_key_raises_a_clear_error():
    with pytest.raises(UnknownMetric, match="no.such"):
        measure("no.such", Scope())


def test_registering_two_functions_under_one_key_is_refused(monkeypatch):
    from onramp.core import metrics

    monkeypatch.setattr(metrics, "_REGISTRY", dict(metrics._REGISTRY))

    @register("test.dup", label="x", unit="n", direction="higher", definition="x")
    def first(scope):
        return Measurement("test.dup", 1.0, 1, "n")

    with pytest.raises(ValueError, match="twice"):

        @register("test.dup", label="x", unit="n", direction="higher", definition="x")
        def second(scope):
            return Measurement("test.dup", 2.0, 1, "n")


def test_headcount_counts_active_people_in_units_and_their_descendants(small_org):
    # Delivery holds Team A (2 active, 1 inactive) and Team B (2 active).
    m = measure("org.headcount", Scope(units=frozenset({small_org["delivery"].id})))
    assert (m.value, m.n, m.suppressed) == (4.0, 4, False)
    whole = measure("org.headcount", Scope())
    assert whole.value == 6.0  # 7 people, one inactive


def test_headcount_as_of_a_date_leaves_out_people_who_had_not_started(small_org):
    from onramp.org.services import person_update

    person_update(person=small_org["people"][1], start_date=dt.date(2026, 6, 1))
    team_a = frozenset({small_org["team_a"].id})
    before = measure("org.headcount", Scope(units=team_a, as_of=dt.date(2026, 5, 31)))
    after = measure("org.headcount", Scope(units=team_a, as_of=dt.date(2026, 6, 1)))
    assert (before.value, after.value) == (1.0, 2.0)


def test_a_series_is_the_same_measurement_at_several_dates(small_org):
    from onramp.org.services import person_update

    person_update(person=small_org["boss"], start_date=dt.date(2026, 3, 1))
    dates = [dt.date(2026, 2, 1), dt.date(2026, 4, 1)]
    values = [m.value for m in series("org.headcount", Scope(), dates)]
    assert values == [5.0, 6.0]


def test_a_measurement_without_value_or_suppressed_has_no_data():
    assert not Measurement("k", None, 0, "%").has_data
    assert not Measurement("k", 50.0, 3, "%", suppressed=True).has_data
    assert Measurement("k", 50.0, 30, "%").has_data
