"""Import of people from an HRIS export (CSV or XLSX)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection
from django.utils import timezone

from onramp.core.tabular import Table, parse_bool, parse_date
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
    check_links,
    norm_word,
    refuse_if_errors,
    report,
    require_columns,
    run_in_transaction,
)
from onramp.org.models import Person

PEOPLE_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "employee_id",
        "Employee id",
        (
            "Employee ID",
            "employee_number",
            "Employee number",
            "Personnel number",
            "Emp ID",
            "Staff ID",
            "Worker ID",
            "Personnel no",
        ),
        "The HRIS key; people are matched on it.",
        required=True,
    ),
    FieldSpec(
        "name",
        "Full name",
        ("Full name", "Name", "Display name", "Employee name"),
        "Or give First name and Last name.",
    ),
    FieldSpec("first_name", "First name", ("First name", "Given name", "Firstname", "Forename")),
    FieldSpec("last_name", "Last name", ("Last name", "Surname", "Family name", "Lastname")),
    FieldSpec(
        "email",
        "Work email",
        ("Work email", "Email", "E-mail", "Email address", "Mail", "Business email"),
    ),
    FieldSpec("title", "Job title", ("Job title", "Title", "Position", "Job")),
    FieldSpec(
        "unit",
        "Org unit code",
        (
            "Department",
            "Org unit",
            "Unit",
            "Unit code",
            "Org unit code",
            "Department code",
            "Cost center",
            "Organisational unit",
            "Organizational unit",
        ),
        'A unit code, or a unit name path such as "Acme > Sales > EMEA".',
    ),
    FieldSpec(
        "unit_path",
        "Org unit path",
        ("Unit path", "Org path", "Org unit path", "Department path"),
        'Names from the top, such as "Acme > Sales > EMEA".',
    ),
    FieldSpec(
        "manager",
        "Manager employee id",
        (
            "Manager ID",
            "Manager employee id",
            "Manager employee number",
            "Supervisor ID",
            "Line manager ID",
            "Reports to",
        ),
    ),
    FieldSpec("location", "Location", ("Location", "Office", "Site", "Work location")),
    FieldSpec(
        "start_date",
        "Start date",
        ("Hire date", "Start date", "Date of joining", "Joining date", "Entry date"),
    ),
    FieldSpec(
        "active",
        "Active",
        ("Status", "Active", "Employment status", "Is active"),
        "yes/no, active/inactive, terminated, on leave ...",
    ),
)

# ---------------------------------------------------------------------------------- people

_PEOPLE_TEXT = {"name": 200, "email": 254, "title": 200, "location": 120}
_EXTRA_ACTIVE = {"on leave", "leave", "employed", "current", "probation", "a"}
_EXTRA_INACTIVE = {"resigned", "retired", "former", "withdrawn", "ended", "t", "i", "deceased"}


def _parse_active(value: str) -> bool:
    if not value:
        return True
    word = norm_word(value)
    if word in _EXTRA_ACTIVE:
        return True
    if word in _EXTRA_INACTIVE:
        return False
    try:
        return parse_bool(word)
    except ValueError:
        raise ValueError(
            f"{value!r} is not a status: use active/inactive, yes/no, or terminated."
        ) from None


def people_import_preview(
    *,
    table: Table,
    mapping: Mapping[str, str] | None = None,
    deactivate_missing: bool = False,
    progress: ProgressFn | None = None,
) -> ImportPlan:
    """Validate an HRIS export against the database and plan the writes. `mapping` overrides
    the guessed column for some fields (field name -> the file's header; "" leaves it out)."""
    file = table.file
    cmap, errors = build_mapping(table, PEOPLE_FIELDS, mapping)
    plan = ImportPlan(
        "people",
        file,
        list(table.headers),
        cmap,
        rows=len(table.rows),
        deactivate_missing=deactivate_missing,
    )
    errors += require_columns(table, cmap, ["employee_id"], PEOPLE_FIELDS)
    has_name = bool(cmap.fields.get("name"))
    has_split = bool(cmap.fields.get("first_name") or cmap.fields.get("last_name"))
    if not has_name and not has_split:
        errors.add(
            1,
            "Full name",
            "No column for the name: name a column 'Full name', or 'First name' and 'Last name'.",
        )
    if errors:
        plan.errors = sorted(errors, key=lambda e: e.row)
        return plan

    col = {f: cmap.fields.get(f) or "" for f in (s.name for s in PEOPLE_FIELDS)}
    mapped = {f for f, h in col.items() if h}
    # Fields the file sets; the others keep their values in Onramp.
    target = [
        f
        for f in ("name", "email", "title", "location", "start_date", "active")
        if f in mapped or (f == "name" and has_split)
    ]
    sets_unit = "unit" in mapped or "unit_path" in mapped
    sets_manager = "manager" in mapped

    units = UnitResolver()
    existing: dict[str, dict[str, Any]] = {}
    eid_of: dict[int, str] = {}
    for row in Person.objects.values(
        "id",
        "employee_id",
        "name",
        "email",
        "title",
        "unit_id",
        "manager_id",
        "location",
        "start_date",
        "active",
    ).iterator(chunk_size=5000):
        existing[row["employee_id"]] = row
        eid_of[row["id"]] = row["employee_id"]
    owner_of_email = {r["email"].lower(): eid for eid, r in existing.items() if r["email"]}

    seen_eid: dict[str, int] = {}
    seen_email: dict[str, int] = {}
    refs: list[tuple[int, str]] = []  # (row, key it points at), duplicates included
    parsed: list[tuple[int, str, dict[str, Any], str]] = []  # (row, eid, values, manager eid)
    total = len(table.rows)
    get = cmap.get
    for i, (number, raw) in enumerate(table.rows, start=1):
        if i % 2000 == 0:
            report(progress, "validate", i, total)
        eid = get(raw, "employee_id")
        if not eid:
            errors.add(
                number, col["employee_id"], "The employee id is empty: every person needs one."
            )
            continue
        check_length(errors, number, col["employee_id"], eid, 64, "employee id")
        if eid in seen_eid:
            errors.add(
                number,
                col["employee_id"],
                f"Employee id {eid!r} is already on row {seen_eid[eid]}: "
                "each person must appear once.",
            )
        else:
            seen_eid[eid] = number
        values: dict[str, Any] = {}

        name = get(raw, "name") if has_name else ""
        if not name and has_split:
            name = " ".join(p for p in (get(raw, "first_name"), get(raw, "last_name")) if p)
        if "name" in target:
            if not name:
                errors.add(
                    number,
                    col["name"] or col["first_name"],
                    f"The name of {eid} is empty: give the full name.",
                )
            values["name"] = name

        if "email" in mapped:
            email = get(raw, "email")
            if email:
                try:
                    validate_email(email)
                except ValidationError:
                    errors.add(
                        number,
                        col["email"],
                        f"{email!r} is not a valid e-mail address: write it as name@example.com.",
                    )
                key = email.lower()
                if key in seen_email:
                    errors.add(
                        number,
                        col["email"],
                        f"The e-mail {email} is already on row "
                        f"{seen_email[key]}: each person needs their own.",
                    )
                else:
                    seen_email[key] = number
            values["email"] = email
        if "title" in mapped:
            values["title"] = get(raw, "title")
        if "location" in mapped:
            values["location"] = get(raw, "location")
        for fname, limit in _PEOPLE_TEXT.items():
            if fname in values:
                check_length(
                    errors,
                    number,
                    col[fname] or col["first_name"],
                    values[fname],
                    limit,
                    fname,
                )

        if "start_date" in mapped:
            text = get(raw, "start_date")
            values["start_date"] = None
            if text:
                try:
                    values["start_date"] = parse_date(text)
                except ValueError as exc:
                    errors.add(number, col["start_date"], str(exc))
        if "active" in mapped:
            try:
                values["active"] = _parse_active(get(raw, "active"))
            except ValueError as exc:
                errors.add(number, col["active"], str(exc))

        if sets_unit:
            code = get(raw, "unit")
            path = get(raw, "unit_path")
            unit_id = None
            if code and ">" not in code:
                unit_id = units.code(code)
                if unit_id is None:
                    errors.add(
                        number,
                        col["unit"],
                        f"Unit code {code!r} is not in Onramp: import the "
                        "units file first, or correct the code.",
                    )
            elif code or path:
                text = code or path
                unit_id = units.path(text)
                if unit_id is None:
                    errors.add(
                        number,
                        col["unit"] if code else col["unit_path"],
                        f"No unit has the path {text!r}: give the unit names "
                        "from the top, separated by '>'.",
                    )
            values["unit_id"] = unit_id

        manager = get(raw, "manager") if sets_manager else ""
        if manager == eid:
            errors.add(
                number,
                col["manager"],
                f"{eid} is given as their own manager: leave the cell empty "
                "or give their manager's employee id.",
            )
            manager = ""
        refs.append((number, manager))
        if seen_eid[eid] == number:  # a duplicate row is checked, never planned
            parsed.append((number, eid, values, manager))

    report(progress, "validate", total, total)

    # Links: managers must exist (in this file or in Onramp), and chains must not loop.
    if sets_manager:
        check_links(
            errors,
            refs=refs,
            parsed=parsed,
            existing=existing,
            key_of=eid_of,
            link_field="manager_id",
            column=col["manager"],
            unknown=lambda manager: (
                f"Manager id {manager!r} is neither in this file nor in "
                "Onramp: add that person, or correct the id."
            ),
            cycle_message=lambda cycle: (
                "The manager chain makes a cycle: "
                + " > ".join(cycle)
                + ". Correct the manager id of one of these people."
            ),
        )

    # E-mails taken by someone else in Onramp (who does not give theirs up in this file).
    if "email" in mapped:
        new_email = {eid: v.get("email", "").lower() for _, eid, v, _ in parsed}
        for number, eid, values, _ in parsed:
            key = values.get("email", "").lower()
            other = owner_of_email.get(key) if key else None
            if other and other != eid and new_email.get(other, key) == key:
                errors.add(
                    number,
                    col["email"],
                    f"The e-mail {values['email']} belongs to employee "
                    f"{other} in Onramp: each person needs their own.",
                )

    plan.errors = sorted(errors, key=lambda e: e.row)
    if errors:
        return plan

    _plan_people_writes(
        plan, parsed, existing, eid_of, sets_manager=sets_manager, in_file=set(seen_eid)
    )
    return plan


def _plan_people_writes(
    plan: ImportPlan,
    parsed: list[tuple[int, str, dict[str, Any], str]],
    existing: dict[str, dict[str, Any]],
    eid_of: dict[int, str],
    *,
    sets_manager: bool,
    in_file: set[str],
) -> None:
    """Diff the clean rows against Onramp: fill the plan's counts, changes and ops."""
    creates: list[tuple[int, str, dict[str, Any], str]] = []  # (row, id, values, manager id)
    updates: list[tuple[int, dict[str, Any]]] = []
    links: list[tuple[str, str | None]] = []  # existing people's new managers
    for number, eid, values, manager in parsed:
        current = existing.get(eid)
        if current is None:
            full = {
                "name": "",
                "email": "",
                "title": "",
                "location": "",
                "start_date": None,
                "active": True,
                "unit_id": None,
                **values,
            }
            creates.append((number, eid, full, manager))
            plan.changes.append(Change(number, eid, "create"))
            continue
        changed = tuple(f for f, v in values.items() if current[f] != v)
        current_manager = eid_of.get(current["manager_id"]) if current["manager_id"] else None
        manager_changed = sets_manager and current_manager != (manager or None)
        if manager_changed:
            links.append((eid, manager or None))
        if changed or manager_changed:
            if changed:
                updates.append((current["id"], {f: values[f] for f in changed}))
            plan.updated += 1
            plan.changes.append(
                Change(number, eid, "update", changed + (("manager",) if manager_changed else ()))
            )
        else:
            plan.unchanged += 1
    plan.created = len(creates)

    deactivate: list[int] = []
    if plan.deactivate_missing:
        for eid, row in existing.items():
            if eid not in in_file and row["active"]:
                deactivate.append(row["id"])
                plan.changes.append(Change(0, eid, "deactivate", ("active",)))
        plan.deactivated = len(deactivate)
    plan.ops = {"creates": creates, "updates": updates, "links": links, "deactivate": deactivate}


def _levels(
    creates: list[tuple[int, str, dict[str, Any], str]],
) -> list[list[tuple[int, str, dict[str, Any], str]]]:
    """New people grouped by how many new managers sit above them (0: none, or an existing
    person). The preview rejected cycles, so every chain ends."""
    manager_of = {eid: manager for _, eid, _, manager in creates}
    depth: dict[str, int] = {}
    for eid in manager_of:
        chain: list[str] = []
        node = eid
        while node in manager_of and node not in depth:
            chain.append(node)
            node = manager_of[node]
        base = depth.get(node, -1)
        for member in reversed(chain):
            base += 1
            depth[member] = base
    levels: list[list[tuple[int, str, dict[str, Any], str]]] = [
        [] for _ in range(max(depth.values(), default=-1) + 1)
    ]
    for create in creates:
        levels[depth[create[1]]].append(create)
    return levels


class _PeopleInsert:
    """One prepared INSERT run with executemany for new people.

    bulk_create spends about two thirds of a 50,000-row import preparing values field by field
    in Python; here the values are already clean (validated by the preview), so they go to the
    database as they are. Fields the import does not set get their model default, so a field
    added to Person later is still filled in.
    """

    SET = ("employee_id", "name", "email", "title", "location", "start_date", "active", "unit_id")

    def __init__(self, now: dt.datetime) -> None:
        ops = connection.ops
        self.fields = [f for f in Person._meta.concrete_fields if not f.primary_key]
        columns = ", ".join(ops.quote_name(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = (
            f"INSERT INTO {ops.quote_name(Person._meta.db_table)} ({columns}) VALUES ({marks})"
        )
        stamp = ops.adapt_datetimefield_value(now)
        self.constants = {
            f.attname: (
                stamp
                if f.attname in ("created_at", "updated_at")
                else f.get_db_prep_save(f.get_default(), connection)
            )
            for f in self.fields
            if f.attname not in self.SET and f.attname != "manager_id"
        }
        self.order = [f.attname for f in self.fields]

    def run(self, chunk: list[tuple[int, str, dict[str, Any], str]], id_of: dict[str, int]) -> None:
        adapt_date = connection.ops.adapt_datefield_value
        params = []
        for _, eid, values, manager in chunk:
            row = {
                **self.constants,
                **values,
                "employee_id": eid,
                "manager_id": id_of.get(manager) if manager else None,
            }
            row["start_date"] = adapt_date(row["start_date"])
            params.append([row[name] for name in self.order])
        with connection.cursor() as cursor:
            cursor.executemany(self.sql, params)


def people_import_apply(*, plan: ImportPlan, progress: ProgressFn | None = None) -> ImportResult:
    """Write a people plan in one transaction: all of it, or nothing."""
    refuse_if_errors(plan, "people")
    ops = plan.ops
    creates, updates, links = ops["creates"], ops["updates"], ops["links"]
    total = len(creates) + len(updates) + len(links) + len(ops["deactivate"])

    def write() -> None:
        done = 0
        now = timezone.now()
        # New people go in by management level, bosses first, so that each one is inserted
        # with its manager's id already known: no second pass over the new rows.
        id_of = dict(Person.objects.values_list("employee_id", "id"))
        insert = _PeopleInsert(now)
        for level in _levels(creates):
            for start in range(0, len(level), BATCH):
                chunk = level[start : start + BATCH]
                insert.run(chunk, id_of)
                id_of.update(
                    Person.objects.filter(
                        employee_id__in=[eid for _, eid, _, _ in chunk]
                    ).values_list("employee_id", "id")
                )
                done += len(chunk)
                report(progress, "apply", done, total)
        for written in bulk_update_changes(Person, updates, now):
            done += written
            report(progress, "apply", done, total)
        if links:
            # Second pass: existing people whose manager changed, maybe to someone created just
            # above. One prepared UPDATE run many times beats bulk_update's CASE expressions.
            table = connection.ops.quote_name(Person._meta.db_table)
            sql = f"UPDATE {table} SET manager_id = %s, updated_at = %s WHERE id = %s"
            stamp = connection.ops.adapt_datetimefield_value(now)
            params = [
                (id_of[manager] if manager else None, stamp, id_of[eid]) for eid, manager in links
            ]
            with connection.cursor() as cursor:
                for start in range(0, len(params), BATCH * 5):
                    cursor.executemany(sql, params[start : start + BATCH * 5])
                    done += len(params[start : start + BATCH * 5])
                    report(progress, "apply", done, total)
        for start in range(0, len(ops["deactivate"]), BATCH):
            chunk = ops["deactivate"][start : start + BATCH]
            Person.objects.filter(id__in=chunk).update(active=False, updated_at=now)
            done += len(chunk)
            report(progress, "apply", done, total)

    run_in_transaction(plan, write)
    return ImportResult(
        "people", plan.file, plan.created, plan.updated, plan.unchanged, plan.deactivated
    )
