"""Portfolio project imports: units, managers, status synonyms, dates, idempotence."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from onramp.core.tabular import Table, read_table
from onramp.org.importers import ImportRefused, projects_import_apply, projects_import_preview
from onramp.org.models import Project

HEADER = "Project code,Project name,Unit,Project manager,Status,Start date,End date"


def table_of(tmp_path: Path, *rows: str) -> Table:
    path = tmp_path / "projects.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return read_table(path)


def test_it_creates_projects_with_unit_manager_status_and_dates(tmp_path, small_org):
    table = table_of(
        tmp_path,
        "P-1,Risk register rollout,TA,E2,In progress,2025-01-06,2025-06-30",
        "P-2,New CRM,FIN,p3@acme.test,On Hold,,",
        "P-3,Old ERP,DEL,,completed,01/02/2020,31/12/2021",
        "P-4,Idea,,,planned,,",
        "P-5,Stopped,,,Canceled,,",
    )
    plan = projects_import_preview(table=table)
    assert plan.errors == []
    projects_import_apply(plan=plan)
    p1 = Project.objects.get(code="P-1")
    assert (p1.unit, p1.manager.employee_id, p1.status) == (small_org["team_a"], "E2", "active")
    assert (p1.start_date, p1.end_date) == (dt.date(2025, 1, 6), dt.date(2025, 6, 30))
    assert Project.objects.get(code="P-2").manager.employee_id == "E3"
    statuses = dict(Project.objects.values_list("code", "status"))
    assert statuses == {
        "P-1": "active",
        "P-2": "on_hold",
        "P-3": "closed",
        "P-4": "proposed",
        "P-5": "cancelled",
    }


def test_reimporting_the_same_projects_file_changes_nothing(tmp_path, small_org):
    rows = ("P-1,Risk register rollout,TA,E2,active,2025-01-06,", "P-2,CRM,FIN,,proposed,,")
    projects_import_apply(plan=projects_import_preview(table=table_of(tmp_path, *rows)))
    plan = projects_import_preview(table=table_of(tmp_path, *rows))
    assert (plan.created, plan.updated, plan.unchanged) == (0, 0, 2)
    changed = table_of(tmp_path, "P-1,Risk register rollout,TA,E2,closed,2025-01-06,", rows[1])
    plan = projects_import_preview(table=changed)
    assert (plan.updated, plan.unchanged) == (1, 1)
    assert plan.changes[0].fields == ("status",)


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("P-9,Late,TA,,active,2025-05-01,2025-04-01", "End date", "ends (2025-04-01) before"),
        ("P-9,Lost,NOPE,,active,,", "Unit", "Unit 'NOPE' is not in"),
        ("P-9,Orphan,TA,E404,active,,", "Project manager", "'E404' is not in"),
        ("P-9,Orphan,TA,who@acme.test,active,,", "Project manager", "is not in Onramp"),
        ("P-9,Odd,TA,,sleeping,,", "Status", "not a project status"),
        ("P-9,Odd,TA,,active,someday,", "Start date", "not a date"),
        ("P-1,Twice,TA,,active,,", "Project code", "already on row 2"),
        ("P-9,,TA,,active,,", "Project name", "is empty"),
    ],
)
def test_it_rejects_a_bad_project_row_naming_its_row_and_column(
    tmp_path, small_org, row, column, words
):
    plan = projects_import_preview(table=table_of(tmp_path, "P-1,Fine,TA,E2,active,,", row))
    assert len(plan.errors) == 1, plan.errors
    error = plan.errors[0]
    assert (error.file, error.row, error.column) == ("projects.csv", 3, column)
    assert words in error.message
    with pytest.raises(ImportRefused):
        projects_import_apply(plan=plan)
    assert Project.objects.count() == 0


def test_imported_projects_are_browsable_in_their_unit(tmp_path, small_org, client_for, viewer):
    projects_import_apply(
        plan=projects_import_preview(table=table_of(tmp_path, "P-7,Risk pilot,TA,E2,active,,"))
    )
    page = client_for(viewer).get(f"/org/units/{small_org['delivery'].pk}/")
    assert "Risk pilot" in page.content.decode()
    listing = client_for(viewer).get("/org/projects/?status=active")
    assert "P-7" in listing.content.decode()
