"""Imports write in bulk, yet every record they create or change lands in the audit trail."""

from __future__ import annotations

import io

from auditlog.models import LogEntry

from onramp.core.tabular import read_table
from onramp.org.importers import import_apply, import_preview
from onramp.org.models import Person


def _import(kind, text):
    table = read_table(io.BytesIO(text.encode()), f"{kind}.csv")
    plan = import_preview(kind, table=table)
    assert plan.ok, plan.errors
    return import_apply(plan=plan)


def test_an_import_records_each_created_and_changed_person_as_coming_from_an_import(db):
    _import("units", "code,name,parent_code,kind\nACME,Acme,,company\nOPS,Ops,ACME,division\n")
    _import(
        "people",
        "employee_id,name,email,unit,title\nE1,Ann Lee,ann@acme.test,OPS,Analyst\nE2,Bo Chan,bo@acme.test,OPS,Planner\n",
    )
    ann = Person.objects.get(employee_id="E1")
    created = LogEntry.objects.get_for_object(ann).get(action=LogEntry.Action.CREATE)
    assert created.additional_data["source"] == "import"
    assert created.changes["title"] == [None, "Analyst"]
    _import(
        "people",
        "employee_id,name,email,unit,title\nE1,Ann Lee,ann@acme.test,OPS,Lead\nE2,Bo Chan,bo@acme.test,OPS,Planner\n",
    )
    updates = LogEntry.objects.get_for_object(ann).filter(action=LogEntry.Action.UPDATE)
    assert [u.changes for u in updates] == [{"title": ["Analyst", "Lead"]}]
    # Bo did not change: no entry beyond the creation.
    bo = Person.objects.get(employee_id="E2")
    assert LogEntry.objects.get_for_object(bo).count() == 1
