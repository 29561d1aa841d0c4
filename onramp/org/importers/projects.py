"""Import of portfolio projects (code, name, unit, manager, status, dates)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import timezone

from onramp.core.tabular import Table, parse_date
from onramp.org.importers.base import (
    BATCH,
    Change,
    FieldSpec,
    ImportPlan,
    ImportResult,
    ProgressFn,
    UnitResolver,
    build_mapping,
    bulk_update_changes,
    check_length,
    norm_word,
    refuse_if_errors,
    report,
    require_columns,
    run_in_transaction,
)
from onramp.org.models import Person, Project, ProjectStatus

PROJECT_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "code",
        "Code",
        ("Code", "Project code", "Project ID", "Project number", "Project no", "ID"),
        "Projects are matched on it.",
        required=True,
    ),
    FieldSpec("name", "Name", ("Name", "Project name", "Project title", "Title"), required=True),
    FieldSpec(
        "unit",
        "Org unit code",
        ("Unit", "Unit code", "Org unit", "Org unit code", "Department", "Business unit"),
    ),
    FieldSpec(
        "manager",
        "Project manager",
        (
            "Project manager",
            "Manager",
            "PM",
            "Manager ID",
            "Manager email",
            "Project manager email",
            "Project manager ID",
            "Owner",
        ),
        "An employee id or a work email.",
    ),
    FieldSpec(
        "status",
        "Status",
        ("Status", "State", "Project status", "Phase"),
        "proposed, active, on hold, closed or cancelled.",
    ),
    FieldSpec("start_date", "Start date", ("Start date", "Start", "Planned start", "Begin")),
    FieldSpec(
        "end_date",
        "End date",
        ("End date", "End", "Finish", "Finish date", "Planned end", "Due date"),
    ),
)

# ---------------------------------------------------------------------------------- projects

_STATUS_WORDS = {
    ProjectStatus.PROPOSED: {
        "proposed",
        "proposal",
        "idea",
        "planned",
        "planning",
        "pipeline",
        "draft",
        "not started",
        "new",
        "requested",
        "candidate",
        "initiation",
    },
    ProjectStatus.ACTIVE: {
        "active",
        "in progress",
        "ongoing",
        "running",
        "open",
        "started",
        "execution",
        "executing",
        "live",
        "in flight",
        "underway",
    },
    ProjectStatus.ON_HOLD: {
        "on hold",
        "onhold",
        "hold",
        "paused",
        "suspended",
        "blocked",
        "deferred",
        "postponed",
    },
    ProjectStatus.CLOSED: {
        "closed",
        "completed",
        "complete",
        "done",
        "finished",
        "delivered",
        "closing",
    },
    ProjectStatus.CANCELLED: {
        "cancelled",
        "canceled",
        "stopped",
        "terminated",
        "abandoned",
        "rejected",
        "killed",
        "withdrawn",
    },
}
_STATUS_OF = {word: status.value for status, words in _STATUS_WORDS.items() for word in words}


def projects_import_preview(
    *, table: Table, mapping: Mapping[str, str] | None = None, progress: ProgressFn | None = None
) -> ImportPlan:
    """Validate a portfolio export (code, name, unit, manager, status, dates) and plan writes."""
    file = table.file
    cmap, errors = build_mapping(table, PROJECT_FIELDS, mapping)
    plan = ImportPlan("projects", file, list(table.headers), cmap, rows=len(table.rows))
    errors += require_columns(table, cmap, ["code", "name"], PROJECT_FIELDS)
    if errors:
        plan.errors = sorted(errors, key=lambda e: e.row)
        return plan
    col = {s.name: cmap.fields.get(s.name) or "" for s in PROJECT_FIELDS}
    mapped = {f for f, h in col.items() if h}
    units = UnitResolver()
    existing = {
        r["code"]: r
        for r in Project.objects.values(
            "id", "code", "name", "unit_id", "manager_id", "status", "start_date", "end_date"
        )
    }
    by_eid: dict[str, int] = {}
    by_email: dict[str, int] = {}
    if "manager" in mapped:
        for pid, eid, email in Person.objects.values_list("id", "employee_id", "email"):
            by_eid[eid] = pid
            if email:
                by_email[email.lower()] = pid

    seen: dict[str, int] = {}
    parsed: list[tuple[int, str, dict[str, Any]]] = []
    for number, raw in table.rows:
        code = cmap.get(raw, "code")
        if not code:
            errors.add(number, col["code"], "The project code is empty: every project needs one.")
            continue
        check_length(errors, number, col["code"], code, 64, "code")
        if code in seen:
            errors.add(
                number,
                col["code"],
                f"Project code {code!r} is already on row {seen[code]}: "
                "each project must appear once.",
            )
        else:
            seen[code] = number
        values: dict[str, Any] = {"name": cmap.get(raw, "name")}
        if not values["name"]:
            errors.add(number, col["name"], f"The name of project {code} is empty: give its name.")
        check_length(errors, number, col["name"], values["name"], 200, "name")
        if "unit" in mapped:
            text = cmap.get(raw, "unit")
            values["unit_id"] = None
            if text:
                unit_id = units.path(text) if ">" in text else units.code(text)
                if unit_id is None:
                    errors.add(
                        number,
                        col["unit"],
                        f"Unit {text!r} is not in Onramp: import the units "
                        "file first, or correct the code.",
                    )
                values["unit_id"] = unit_id
        if "manager" in mapped:
            text = cmap.get(raw, "manager")
            values["manager_id"] = None
            if text:
                pid = by_email.get(text.lower()) if "@" in text else by_eid.get(text)
                if pid is None:
                    errors.add(
                        number,
                        col["manager"],
                        f"Project manager {text!r} is not in Onramp: give "
                        "the employee id or work e-mail of an imported "
                        "person.",
                    )
                values["manager_id"] = pid
        if "status" in mapped:
            text = cmap.get(raw, "status")
            if not text:
                values["status"] = (
                    existing[code]["status"] if code in existing else ProjectStatus.ACTIVE
                )
            elif norm_word(text) in _STATUS_OF:
                values["status"] = _STATUS_OF[norm_word(text)]
            else:
                errors.add(
                    number,
                    col["status"],
                    f"{text!r} is not a project status: use proposed, "
                    "active, on hold, closed or cancelled.",
                )
        for fname in ("start_date", "end_date"):
            if fname in mapped:
                text = cmap.get(raw, fname)
                values[fname] = None
                if text:
                    try:
                        values[fname] = parse_date(text)
                    except ValueError as exc:
                        errors.add(number, col[fname], str(exc))
        current = existing.get(code, {})
        start = values.get("start_date", current.get("start_date"))
        end = values.get("end_date", current.get("end_date"))
        if start and end and end < start:
            errors.add(
                number,
                col["end_date"] or col["start_date"],
                f"Project {code} ends ({end}) before it starts ({start}): "
                "correct one of the dates.",
            )
        if seen[code] == number:  # a duplicate row is checked, never planned
            parsed.append((number, code, values))
    report(progress, "validate", len(table.rows), len(table.rows))
    plan.errors = sorted(errors, key=lambda e: e.row)
    if errors:
        return plan

    creates, updates = [], []
    for number, code, values in parsed:
        current = existing.get(code)
        if current is None:
            creates.append((number, code, {"status": ProjectStatus.ACTIVE, **values}))
            plan.changes.append(Change(number, code, "create"))
            continue
        changed = tuple(f for f, v in values.items() if current[f] != v)
        if changed:
            updates.append((current["id"], {f: values[f] for f in changed}))
            plan.updated += 1
            plan.changes.append(Change(number, code, "update", changed))
        else:
            plan.unchanged += 1
    plan.created = len(creates)
    plan.ops = {"creates": creates, "updates": updates}
    return plan


def projects_import_apply(*, plan: ImportPlan, progress: ProgressFn | None = None) -> ImportResult:
    """Write a projects plan in one transaction: all of it, or nothing."""
    refuse_if_errors(plan, "projects")
    ops = plan.ops

    def write() -> None:
        now = timezone.now()
        Project.objects.bulk_create(
            [Project(code=code, **values) for _, code, values in ops["creates"]],
            batch_size=BATCH,
        )
        for _ in bulk_update_changes(Project, ops["updates"], now):
            pass
        report(progress, "apply", 1, 1)

    run_in_transaction(plan, write)
    return ImportResult("projects", plan.file, plan.created, plan.updated, plan.unchanged, 0)
