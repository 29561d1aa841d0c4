"""Imports of the organisation: org units, people (an HRIS export) and projects (a portfolio
export), from CSV or XLSX.

Every import is two-phase, and the same services serve the CLI, the web pages and the API:

    plan = people_import_preview(table=read_table(path), mapping={"email": "Mail"})
    plan.errors       # every RowError (file, row, column, message); nothing written yet
    plan.created, plan.updated, plan.unchanged, plan.deactivated
    result = import_apply(plan=plan)   # one transaction, audited; refuses a plan with errors

A preview loads the existing rows in a few queries whatever the size of the file and validates
in memory; an apply writes with bulk_create/bulk_update in batches and sets links that point at
rows of the same file (managers, parent units) in a second pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction

from onramp.core.changes import BulkChange, changes_from, record_bulk
from onramp.core.tabular import Table
from onramp.org.importers.base import (
    BATCH,
    KIND_LABELS,
    Change,
    FieldSpec,
    ImportPlan,
    ImportRefused,
    ImportResult,
    ProgressFn,
)
from onramp.org.importers.people import PEOPLE_FIELDS, people_import_apply, people_import_preview
from onramp.org.importers.projects import (
    PROJECT_FIELDS,
    projects_import_apply,
    projects_import_preview,
)
from onramp.org.importers.units import UNIT_FIELDS, units_import_apply, units_import_preview
from onramp.org.models import OrgUnit, Person, Project

__all__ = [
    "BATCH",
    "KINDS",
    "PEOPLE_FIELDS",
    "PROJECT_FIELDS",
    "UNIT_FIELDS",
    "Change",
    "FieldSpec",
    "ImportPlan",
    "ImportRefused",
    "ImportResult",
    "ProgressFn",
    "field_specs",
    "import_apply",
    "import_preview",
    "parse_map_options",
    "people_import_apply",
    "people_import_preview",
    "projects_import_apply",
    "projects_import_preview",
    "units_import_apply",
    "units_import_preview",
]

KINDS: dict[str, tuple[str, tuple[FieldSpec, ...]]] = {
    "people": (KIND_LABELS["people"], PEOPLE_FIELDS),
    "units": (KIND_LABELS["units"], UNIT_FIELDS),
    "projects": (KIND_LABELS["projects"], PROJECT_FIELDS),
}


def import_preview(
    kind: str,
    *,
    table: Table,
    mapping: Mapping[str, str] | None = None,
    deactivate_missing: bool = False,
    progress: ProgressFn | None = None,
) -> ImportPlan:
    """Preview an import of any kind ("people", "units" or "projects")."""
    if kind == "people":
        return people_import_preview(
            table=table, mapping=mapping, deactivate_missing=deactivate_missing, progress=progress
        )
    if kind == "units":
        return units_import_preview(table=table, mapping=mapping, progress=progress)
    if kind == "projects":
        return projects_import_preview(table=table, mapping=mapping, progress=progress)
    raise ValueError(f"Unknown import kind {kind!r}: use people, units or projects.")


AUDITED = {
    "people": (Person, "employee_id"),
    "units": (OrgUnit, "code"),
    "projects": (Project, "code"),
}


def import_apply(*, plan: ImportPlan, progress: ProgressFn | None = None) -> ImportResult:
    """Apply a plan of any kind, in one transaction, recording each created or changed record
    (old and new values) for the audit trail as coming from an import."""
    appliers = {
        "people": people_import_apply,
        "units": units_import_apply,
        "projects": projects_import_apply,
    }
    model, key = AUDITED[plan.kind]
    with changes_from("import"), transaction.atomic():
        fields = [
            f.name
            for f in model._meta.concrete_fields
            if f.name not in ("id", "created_at", "updated_at", "path", "depth")
        ]
        keys = [c.key for c in plan.changes]
        before = _snapshot(model, key, keys, fields)
        result = appliers[plan.kind](plan=plan, progress=progress)
        after = _snapshot(model, key, keys, fields)
        record_bulk(model, _bulk_changes(plan, before, after))
    return result


def _snapshot(model: type, key: str, keys: list[str], fields: list[str]) -> dict[str, dict]:
    columns = [
        key,
        "id",
        *[f"{f}_id" if model._meta.get_field(f).is_relation else f for f in fields],
    ]
    rows: dict[str, dict] = {}
    for start in range(0, len(keys), 5000):
        for values in model.objects.filter(**{f"{key}__in": keys[start : start + 5000]}).values(
            *columns
        ):
            rows[values[key]] = values
    return rows


def _bulk_changes(
    plan: ImportPlan, before: dict[str, dict], after: dict[str, dict]
) -> list[BulkChange]:
    changes = []
    for change in plan.changes:
        new = after.get(change.key)
        if new is None:
            continue
        old = before.get(change.key, {})
        diff = {
            k: (old.get(k), v)
            for k, v in new.items()
            if k != "id" and (change.action == "create" or old.get(k) != v)
        }
        action = "create" if change.action == "create" else "update"
        changes.append(
            BulkChange(
                pk=new["id"], action=action, label=str(new.get("name") or change.key), changes=diff
            )
        )
    return changes


def field_specs(kind: str) -> tuple[FieldSpec, ...]:
    return KINDS[kind][1]


def parse_map_options(values: Iterable[str]) -> dict[str, str]:
    """`field=Header` strings (the CLI's --map) to a mapping; raises ValueError on a bad one."""
    out: dict[str, str] = {}
    for value in values:
        fname, sep, header = value.partition("=")
        if not sep or not fname.strip():
            raise ValueError(f"--map {value!r} is not field=Header, e.g. --map email='Mail'.")
        out[fname.strip()] = header.strip()
    return out
