"""What every import shares: the plan and result, row errors, column mapping, cycles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Model

from onramp.core.tabular import ColumnMapping, RowError, Table
from onramp.org.models import OrgUnit

# (phase, done, total): lets the CLI draw a progress bar and a task report progress.
ProgressFn = Callable[[str, int, int], None]

BATCH = 1000


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    aliases: tuple[str, ...]
    help: str = ""
    required: bool = False


KIND_LABELS = {"people": "People", "units": "Org units", "projects": "Projects"}


@dataclass(frozen=True)
class Change:
    row: int
    key: str
    action: str  # "create", "update" or "deactivate"
    fields: tuple[str, ...] = ()


@dataclass
class ImportPlan:
    """What an import would do, and every error that stops it. `ops` is what apply writes."""

    kind: str
    file: str
    headers: list[str]
    mapping: ColumnMapping
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    deactivate_missing: bool = False
    changes: list[Change] = field(default_factory=list)
    ops: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def noun(self) -> str:
        return KIND_LABELS[self.kind].lower()

    def summary(self) -> str:
        text = (
            f"{self.file}: {self.rows} row{'s' if self.rows != 1 else ''}; "
            f"{self.created} to create, {self.updated} to update, "
            f"{self.unchanged} unchanged"
        )
        if self.deactivate_missing:
            text += f", {self.deactivated} to deactivate"
        return text + "."


@dataclass(frozen=True)
class ImportResult:
    kind: str
    file: str
    created: int
    updated: int
    unchanged: int
    deactivated: int

    def __str__(self) -> str:
        noun = KIND_LABELS[self.kind].lower()
        text = (
            f"Imported {self.file}: {self.created} {noun} created, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )
        if self.deactivated:
            text += f", {self.deactivated} deactivated"
        return text + "."


class ImportRefused(Exception):
    """Apply was asked to write a plan with errors, or the database refused it; nothing was
    written."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(
            f"{len(errors)} error(s): nothing was written. " + "; ".join(str(e) for e in errors[:3])
        )


# ---------------------------------------------------------------------------------- helpers


class ErrorList(list[RowError]):
    """The errors of one file, added as (row, column, message)."""

    def __init__(self, file: str) -> None:
        super().__init__()
        self.file = file

    def add(self, row: int, column: str, message: str) -> None:
        self.append(RowError(self.file, row, column, message))


def build_mapping(
    table: Table, specs: Sequence[FieldSpec], overrides: Mapping[str, str] | None
) -> tuple[ColumnMapping, ErrorList]:
    aliases = {s.name: s.aliases for s in specs}
    errors = ErrorList(table.file)
    clean: dict[str, str] = {}
    for fname, header in (overrides or {}).items():
        if fname not in aliases:
            known = ", ".join(aliases)
            errors.append(
                RowError(
                    table.file, 0, "", f"There is no field {fname!r} to map: use one of {known}."
                )
            )
        elif header and header not in table.headers:
            errors.append(
                RowError(
                    table.file,
                    0,
                    header,
                    f"The column {header!r} chosen for {fname} is not in the file. "
                    f"Its columns are: {', '.join(h for h in table.headers if h)}.",
                )
            )
        else:
            clean[fname] = header or ""
    mapping = ColumnMapping.guess(table.headers, aliases, clean)
    return mapping, errors


def require_columns(
    table: Table, mapping: ColumnMapping, names: Iterable[str], specs: Sequence[FieldSpec]
) -> list[RowError]:
    labels = {s.name: s for s in specs}
    errors = []
    for fname in mapping.missing(names):
        spec = labels[fname]
        errors.append(
            RowError(
                table.file,
                1,
                spec.label,
                f"No column for {spec.label.lower()}: name a column "
                f"{' or '.join(repr(a) for a in spec.aliases[:3])}, or choose one in the mapping.",
            )
        )
    return errors


def norm_word(value: str) -> str:
    return " ".join(value.lower().replace("_", " ").replace("-", " ").split())


def find_cycles(parent_of: Mapping[str, str | None]) -> list[list[str]]:
    """Every cycle in a child -> parent graph, each as [a, b, ..., a]."""
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = done
    cycles: list[list[str]] = []
    for start in parent_of:
        if state.get(start):
            continue
        walk: list[str] = []
        node: str | None = start
        while node is not None and not state.get(node):
            state[node] = 1
            walk.append(node)
            node = parent_of.get(node)
        if node is not None and state.get(node) == 1:
            cycles.append(walk[walk.index(node) :] + [node])
        for seen in walk:
            state[seen] = 2
    return cycles


def report(progress: ProgressFn | None, phase: str, done: int, total: int) -> None:
    if progress is not None:
        progress(phase, done, total)


def check_length(
    errors: ErrorList, row: int, column: str, value: str, limit: int, what: str
) -> None:
    if len(value) > limit:
        errors.add(
            row,
            column,
            f"The {what} is {len(value)} characters long; shorten it to {limit} at most.",
        )


class UnitResolver:
    """Unit codes (exact, else without case) and name paths ("Acme > Sales > EMEA")."""

    def __init__(self) -> None:
        units = list(OrgUnit.objects.values_list("id", "code", "name", "parent_id"))
        self.by_code = {code: uid for uid, code, _, _ in units}
        lower: dict[str, int | None] = {}
        for code, uid in self.by_code.items():
            lower[code.lower()] = None if code.lower() in lower else uid
        self.by_lower = lower
        self.child: dict[tuple[int | None, str], int] = {}
        for uid, _, name, parent_id in units:
            self.child.setdefault((parent_id, name.strip().casefold()), uid)
        self.code_of = {uid: code for code, uid in self.by_code.items()}

    def code(self, value: str) -> int | None:
        if value in self.by_code:
            return self.by_code[value]
        return self.by_lower.get(value.lower())

    def path(self, value: str) -> int | None:
        parent: int | None = None
        for part in value.split(">"):
            parent = self.child.get((parent, part.strip().casefold()))
            if parent is None:
                return None
        return parent


def bulk_update_changes(
    model: type[Model], updates: list[tuple[int, dict[str, Any]]], now: dt.datetime
) -> Iterator[int]:
    """Write (id, changed fields) pairs with bulk_update, grouped by the set of fields that
    changed, in batches; yields the count written after each batch."""
    by_fields: dict[tuple[str, ...], list[Model]] = {}
    for pk, values in updates:
        by_fields.setdefault(tuple(sorted(values)), []).append(
            model(id=pk, updated_at=now, **values)
        )
    for fields, objects in by_fields.items():
        for start in range(0, len(objects), BATCH):
            chunk = objects[start : start + BATCH]
            model._default_manager.bulk_update(chunk, [*fields, "updated_at"])
            yield len(chunk)


def refuse_if_errors(plan: ImportPlan, kind: str) -> None:
    if plan.kind != kind:
        raise ValueError(f"This is a {plan.kind} plan, not a {kind} plan.")
    if plan.errors:
        raise ImportRefused(plan.errors)


def run_in_transaction(plan: ImportPlan, write: Callable[[], None]) -> None:
    try:
        with transaction.atomic():
            write()
    except (DatabaseError, ValidationError) as exc:
        raise ImportRefused(
            [
                RowError(
                    plan.file,
                    0,
                    "",
                    f"The database refused the import ({exc}); nothing was "
                    "written. Preview the file again: the data may have "
                    "changed since.",
                )
            ]
        ) from exc


def check_links(
    errors: ErrorList,
    *,
    refs: Iterable[tuple[int, str]],
    parsed: Sequence[tuple[int, str, Any, str]],
    existing: Mapping[str, Mapping[str, Any]],
    key_of: Mapping[Any, str],
    link_field: str,
    column: str,
    unknown: Callable[[str], str],
    cycle_message: Callable[[list[str]], str],
) -> None:
    """Shared by the people (manager) and unit (parent) imports: every link points at a key in
    the file or already in Onramp, and the links, old and new together, make no cycle."""
    seen = {key for _, key, _, _ in parsed}
    for number, target in refs:
        if target and target not in seen and target not in existing:
            errors.add(number, column, unknown(target))
    links: dict[str, str | None] = {
        key: (key_of.get(row[link_field]) if row[link_field] else None)
        for key, row in existing.items()
    }
    for _, key, _, target in parsed:
        links[key] = target or None
    row_of = {key: number for number, key, _, _ in parsed}
    for cycle in find_cycles(links):
        first = min((row_of[k] for k in cycle if k in row_of), default=0)
        errors.add(first, column, cycle_message(cycle))
