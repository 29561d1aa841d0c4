from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from onramp.org.models import OrgUnit
from onramp.org.selectors import (
    flatten,
    people_in_units,
    person_search,
    unit_descendant_ids,
    unit_tree,
)
from onramp.org.services import (
    find_parent_cycle,
    person_create,
    person_update,
    project_create,
    unit_paths_rebuild,
    unit_update,
)


def test_find_parent_cycle_names_the_loop_and_accepts_a_tree():
    assert find_parent_cycle({"a": None, "b": "a", "c": "b"}) is None
    cycle = find_parent_cycle({"a": "c", "b": "a", "c": "b", "d": None})
    assert cycle is not None and set(cycle) == {"a", "b", "c"} and cycle[0] == cycle[-1]


def test_units_get_materialised_paths_and_descendants(small_org):
    delivery, team_a = small_org["delivery"], small_org["team_a"]
    assert team_a.path == f"{delivery.path}{team_a.id}/"
    assert team_a.depth == 3
    ids = unit_descendant_ids([small_org["ops"].id])
    assert ids == {small_org["ops"].id, delivery.id, team_a.id, small_org["team_b"].id}


def test_moving_a_unit_under_its_own_descendant_is_rejected(small_org):
    with pytest.raises(ValidationError, match="cannot sit under itself"):
        unit_update(
            unit=small_org["ops"], name="Operations", kind="division", parent=small_org["team_a"]
        )


def test_moving_a_unit_rebuilds_the_paths_below_it(small_org):
    unit_update(
        unit=small_org["delivery"], name="Delivery", kind="department", parent=small_org["fin"]
    )
    team_a = OrgUnit.objects.get(pk=small_org["team_a"].pk)
    assert team_a.path.startswith(OrgUnit.objects.get(code="FIN").path)
    assert team_a.depth == 3
    assert unit_paths_rebuild() == 0  # already consistent


def test_a_manager_cycle_is_rejected(small_org):
    boss, report = small_org["boss"], small_org["people"][1]
    with pytest.raises(ValidationError, match="cycle"):
        person_update(person=boss, manager=report)
    with pytest.raises(ValidationError, match="own manager"):
        person_update(person=boss, manager=boss)


def test_emails_are_unique_without_regard_to_case(small_org):
    with pytest.raises(ValidationError):
        person_create(employee_id="X1", name="Dup", email="BEA@acme.test")


def test_tree_headcounts_include_descendants_and_skip_inactive_people(small_org):
    nodes = {n.unit.code: n for n in flatten(unit_tree())}
    assert nodes["TA"].headcount == 2  # one of three is inactive
    assert nodes["DEL"].headcount == 4
    assert nodes["OPS"].own_headcount == 1 and nodes["OPS"].headcount == 5
    assert nodes["ACME"].headcount == 6


def test_people_search_matches_each_term_and_can_narrow_to_a_unit(small_org):
    assert [p.name for p in person_search(query="bea boss")] == ["Bea Boss"]
    assert person_search(query="acme.test", unit=small_org["team_b"]).count() == 2
    assert person_search(query="gone").count() == 0
    assert person_search(query="gone", include_inactive=True).count() == 1
    assert people_in_units([small_org["fin"].id]).count() == 1


def test_a_project_cannot_end_before_it_starts(small_org):
    import datetime as dt

    with pytest.raises(ValidationError):
        project_create(
            code="P1", name="Late", start_date=dt.date(2026, 5, 1), end_date=dt.date(2026, 4, 1)
        )
