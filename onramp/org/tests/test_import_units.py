"""Org unit imports: create, update, move, and refuse cycles in the tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from onramp.core.tabular import Table, read_table
from onramp.org.importers import ImportRefused, units_import_apply, units_import_preview
from onramp.org.models import OrgUnit
from onramp.org.selectors import unit_descendant_ids


def table_of(tmp_path: Path, text: str, name: str = "units.csv") -> Table:
    path = tmp_path / name
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return read_table(path)


TREE = """Code,Name,Parent code,Kind
ACME,Acme,,company
SALES,Sales,ACME,division
EMEA,Sales EMEA,SALES,Team
APAC,Sales APAC,SALES,squad
HR,People,ACME,Dept
"""


def test_it_creates_a_unit_tree_with_paths_from_a_units_file(tmp_path, db):
    plan = units_import_preview(table=table_of(tmp_path, TREE))
    assert plan.errors == []
    assert plan.created == 5
    units_import_apply(plan=plan)
    acme, sales, emea = (OrgUnit.objects.get(code=c) for c in ("ACME", "SALES", "EMEA"))
    assert emea.parent == sales and sales.parent == acme
    assert emea.path == f"/{acme.id}/{sales.id}/{emea.id}/" and emea.depth == 2
    assert (acme.kind, sales.kind, emea.kind) == ("company", "division", "team")
    assert OrgUnit.objects.get(code="APAC").kind == "team"
    assert OrgUnit.objects.get(code="HR").kind == "department"
    assert unit_descendant_ids([sales.id]) == set(
        OrgUnit.objects.filter(code__in=["SALES", "EMEA", "APAC"]).values_list("id", flat=True)
    )


def test_reimporting_the_same_units_file_changes_nothing(tmp_path, db):
    units_import_apply(plan=units_import_preview(table=table_of(tmp_path, TREE)))
    plan = units_import_preview(table=table_of(tmp_path, TREE))
    result = units_import_apply(plan=plan)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 5)


def test_it_renames_and_moves_existing_units_and_rebuilds_their_paths(tmp_path, small_org):
    table = table_of(tmp_path, "Code,Name,Parent\nTA,Team Alpha,FIN\nDEL,Delivery,OPS\n")
    plan = units_import_preview(table=table)
    assert (plan.updated, plan.unchanged) == (1, 1)
    assert set(plan.changes[0].fields) == {"name", "parent"}
    units_import_apply(plan=plan)
    team = OrgUnit.objects.get(code="TA")
    fin = small_org["fin"]
    assert (team.name, team.parent_id, team.path) == ("Team Alpha", fin.id, f"{fin.path}{team.id}/")


def test_it_accepts_a_parent_defined_later_in_the_file(tmp_path, db):
    table = table_of(tmp_path, "Code,Name,Parent code\nKID,Kid,TOP\nTOP,Top,\n")
    units_import_apply(plan=units_import_preview(table=table))
    assert OrgUnit.objects.get(code="KID").parent.code == "TOP"


def test_it_rejects_a_cycle_in_the_unit_tree_naming_the_codes(tmp_path, db):
    table = table_of(tmp_path, "Code,Name,Parent code\nA,A,C\nB,B,A\nC,C,B\nD,D,\n")
    plan = units_import_preview(table=table)
    assert len(plan.errors) == 1
    error = plan.errors[0]
    assert (error.row, error.column) == (2, "Parent code")
    assert "cycle" in error.message and "A > C > B > A" in error.message
    with pytest.raises(ImportRefused):
        units_import_apply(plan=plan)
    assert OrgUnit.objects.count() == 0


def test_it_rejects_a_move_that_puts_a_unit_under_its_own_descendant(tmp_path, small_org):
    table = table_of(tmp_path, "Code,Name,Parent code\nOPS,Operations,TA\n")
    plan = units_import_preview(table=table)
    assert len(plan.errors) == 1
    assert "OPS" in plan.errors[0].message and "TA" in plan.errors[0].message
    assert OrgUnit.objects.get(code="OPS").parent == small_org["acme"]


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("X,X,NOPE,team", "Parent code", "Parent code 'NOPE'"),
        ("X,X,X,team", "Parent code", "its own parent"),
        ("X,X,,galaxy", "Kind", "not a unit kind"),
        ("X,,,team", "Name", "name of unit X is empty"),
        (",Nameless,,team", "Code", "code is empty"),
        ("ACME,Acme Again,,company", "Code", "already on row 2"),
    ],
)
def test_it_rejects_a_bad_unit_row_naming_its_row_and_column(tmp_path, db, row, column, words):
    table = table_of(tmp_path, f"Code,Name,Parent code,Kind\nACME,Acme,,company\n{row}\n")
    plan = units_import_preview(table=table)
    assert len(plan.errors) == 1, plan.errors
    error = plan.errors[0]
    assert (error.row, error.column) == (3, column)
    assert words in error.message


def test_a_units_file_without_a_name_column_is_refused(tmp_path, db):
    plan = units_import_preview(table=table_of(tmp_path, "Code,Parent\nA,\n"))
    assert [e.column for e in plan.errors] == ["Name"]
