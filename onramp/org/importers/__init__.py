"""Imports of the organisation: org units, people (an HRIS export) and projects (a portfolio
export), from CSV or XLSX.

Every import is two-phase, and the same services serve the CLI, the web pages and the API:

    plan = people_import_preview(table=read_table(path), mapping={"email": "Mail"})
    plan.errors       # every RowError (file, row, column, message); nothing written yet
    plan.created, plan.updated, plan.unchanged, plan.deactivated
    result = people_import_apply(plan=plan)   # one transaction; refuses a plan with errors

A preview loads the existing rows in a few queries whatever the size of the file and validates
in memory; an apply writes with bulk_create/bulk_update in batches and sets links that point at
rows of the same file (managers, parent units) in a second pass.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

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


def import_apply(*, plan: ImportPlan, progress: ProgressFn | None = None) -> ImportResult:
    appliers = {
        "people": people_import_apply,
        "units": units_import_apply,
        "projects": projects_import_apply,
    }
    return appliers[plan.kind](plan=plan, progress=progress)


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
