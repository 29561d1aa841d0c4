"""Import of org units (code, name, parent code, kind)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from onramp.core.tabular import Table
from onramp.org.importers.base import (
    BATCH,
    Change,
    FieldSpec,
    ImportPlan,
    ImportResult,
    ProgressFn,
    build_mapping,
    bulk_update_changes,
    check_length,
    check_links,
    norm_word,
    refuse_if_errors,
    report,
    require_columns,
    run_in_transaction,
)
from onramp.org.models import OrgUnit, UnitKind
from onramp.org.services import unit_paths_rebuild

UNIT_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "code",
        "Code",
        ("Code", "Unit code", "Org unit code", "Department code", "ID", "Unit ID"),
        "Units are matched on it.",
        required=True,
    ),
    FieldSpec(
        "name",
        "Name",
        ("Name", "Unit name", "Department name", "Org unit name", "Description"),
        required=True,
    ),
    FieldSpec(
        "parent",
        "Parent code",
        (
            "Parent code",
            "Parent",
            "Parent unit",
            "Parent unit code",
            "Parent ID",
            "Parent department",
        ),
    ),
    FieldSpec(
        "kind",
        "Kind",
        ("Kind", "Type", "Unit type", "Level"),
        "company, division, department, team or other.",
    ),
)

# ---------------------------------------------------------------------------------- units

_KIND_WORDS = {
    UnitKind.COMPANY: {
        "company",
        "corporation",
        "corp",
        "organisation",
        "organization",
        "group",
        "holding",
        "enterprise",
        "root",
    },
    UnitKind.DIVISION: {"division", "business unit", "bu", "segment", "region", "directorate"},
    UnitKind.DEPARTMENT: {"department", "dept", "function", "section"},
    UnitKind.TEAM: {"team", "squad", "crew", "unit team"},
    UnitKind.OTHER: {"other", "unit", "office", "branch"},
}
_KIND_OF = {word: kind.value for kind, words in _KIND_WORDS.items() for word in words}


def units_import_preview(
    *, table: Table, mapping: Mapping[str, str] | None = None, progress: ProgressFn | None = None
) -> ImportPlan:
    """Validate a units file (code, name, parent code, kind) and plan the writes."""
    file = table.file
    cmap, errors = build_mapping(table, UNIT_FIELDS, mapping)
    plan = ImportPlan("units", file, list(table.headers), cmap, rows=len(table.rows))
    errors += require_columns(table, cmap, ["code", "name"], UNIT_FIELDS)
    if errors:
        plan.errors = sorted(errors, key=lambda e: e.row)
        return plan
    col = {s.name: cmap.fields.get(s.name) or "" for s in UNIT_FIELDS}
    sets_parent, sets_kind = bool(col["parent"]), bool(col["kind"])
    existing = {
        r["code"]: r for r in OrgUnit.objects.values("id", "code", "name", "kind", "parent_id")
    }
    code_of = {r["id"]: code for code, r in existing.items()}

    seen: dict[str, int] = {}
    refs: list[tuple[int, str]] = []  # (row, key it points at), duplicates included
    parsed: list[tuple[int, str, dict[str, Any], str]] = []
    for number, raw in table.rows:
        code = cmap.get(raw, "code")
        if not code:
            errors.add(number, col["code"], "The unit code is empty: every unit needs one.")
            continue
        check_length(errors, number, col["code"], code, 64, "code")
        if code in seen:
            errors.add(
                number,
                col["code"],
                f"Unit code {code!r} is already on row {seen[code]}: each unit must appear once.",
            )
        else:
            seen[code] = number
        values: dict[str, Any] = {"name": cmap.get(raw, "name")}
        if not values["name"]:
            errors.add(number, col["name"], f"The name of unit {code} is empty: give its name.")
        check_length(errors, number, col["name"], values["name"], 200, "name")
        if sets_kind:
            word = norm_word(cmap.get(raw, "kind"))
            if not word:
                values["kind"] = existing[code]["kind"] if code in existing else UnitKind.TEAM
            elif word in _KIND_OF:
                values["kind"] = _KIND_OF[word]
            else:
                errors.add(
                    number,
                    col["kind"],
                    f"{cmap.get(raw, 'kind')!r} is not a unit kind: use "
                    "company, division, department, team or other.",
                )
        parent = cmap.get(raw, "parent") if sets_parent else ""
        if parent == code:
            errors.add(
                number,
                col["parent"],
                f"Unit {code} is given as its own parent: leave the cell empty for a top unit.",
            )
            parent = ""
        refs.append((number, parent))
        if seen[code] == number:  # a duplicate row is checked, never planned
            parsed.append((number, code, values, parent))

    if sets_parent:
        check_links(
            errors,
            refs=refs,
            parsed=parsed,
            existing=existing,
            key_of=code_of,
            link_field="parent_id",
            column=col["parent"],
            unknown=lambda parent: (
                f"Parent code {parent!r} is neither in this file nor in "
                "Onramp: add that unit, or correct the code."
            ),
            cycle_message=lambda cycle: (
                "The unit tree makes a cycle: "
                + " > ".join(cycle)
                + ". Correct the parent code of one of these units."
            ),
        )
    report(progress, "validate", len(table.rows), len(table.rows))
    plan.errors = sorted(errors, key=lambda e: e.row)
    if errors:
        return plan

    creates, updates, links = [], [], []
    for number, code, values, parent in parsed:
        current = existing.get(code)
        if current is None:
            creates.append((number, code, {"kind": UnitKind.TEAM, **values}))
            plan.changes.append(Change(number, code, "create"))
            links.append((code, parent or None))
            continue
        changed = tuple(f for f, v in values.items() if current[f] != v)
        current_parent = code_of.get(current["parent_id"]) if current["parent_id"] else None
        moved = sets_parent and current_parent != (parent or None)
        if moved:
            links.append((code, parent or None))
        if changed or moved:
            if changed:
                updates.append((current["id"], {f: values[f] for f in changed}))
            plan.updated += 1
            plan.changes.append(
                Change(number, code, "update", changed + (("parent",) if moved else ()))
            )
        else:
            plan.unchanged += 1
    plan.created = len(creates)
    plan.ops = {"creates": creates, "updates": updates, "links": links}
    return plan


def units_import_apply(*, plan: ImportPlan, progress: ProgressFn | None = None) -> ImportResult:
    """Write a units plan in one transaction, then recompute the materialised paths."""
    refuse_if_errors(plan, "units")
    ops = plan.ops

    def write() -> None:
        now = timezone.now()
        OrgUnit.objects.bulk_create(
            [OrgUnit(code=code, **values) for _, code, values in ops["creates"]],
            batch_size=BATCH,
        )
        for _ in bulk_update_changes(OrgUnit, ops["updates"], now):
            pass
        if ops["links"]:
            id_of = dict(OrgUnit.objects.values_list("code", "id"))
            moved = [
                OrgUnit(id=id_of[code], parent_id=id_of[parent] if parent else None, updated_at=now)
                for code, parent in ops["links"]
            ]
            OrgUnit.objects.bulk_update(moved, ["parent", "updated_at"], batch_size=BATCH)
        unit_paths_rebuild()
        report(progress, "apply", 1, 1)

    run_in_transaction(plan, write)
    return ImportResult("units", plan.file, plan.created, plan.updated, plan.unchanged, 0)
