"""Writes on the organisation: units, people and projects."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction

from onramp.org.models import OrgUnit, Person, Project, ProjectStatus, UnitKind


def find_parent_cycle(parent_of: dict[str, str | None]) -> list[str] | None:
    """Given child -> parent keys, return the first cycle found (as a list of keys), or None.
    Used for the unit tree (code -> parent code) and the manager chain (id -> manager id)."""
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = known acyclic
    for start in parent_of:
        if state.get(start) == 2:
            continue
        walk: list[str] = []
        node: str | None = start
        while node is not None and state.get(node) != 2:
            if state.get(node) == 1:
                return walk[walk.index(node) :] + [node]
            state[node] = 1
            walk.append(node)
            node = parent_of.get(node)
        for seen in walk:
            state[seen] = 2
    return None


def unit_paths_rebuild() -> int:
    """Recompute path and depth of every unit from the parent links. Returns units changed."""
    units = list(OrgUnit.objects.only("id", "parent_id", "path", "depth"))
    by_id = {u.id: u for u in units}
    parent_of = {str(u.id): (str(u.parent_id) if u.parent_id else None) for u in units}
    cycle = find_parent_cycle(parent_of)
    if cycle:
        raise ValidationError(f"The unit tree has a cycle through ids {' > '.join(cycle)}.")
    cache: dict[int, tuple[str, int]] = {}

    def path_of(unit: OrgUnit) -> tuple[str, int]:
        if unit.id in cache:
            return cache[unit.id]
        if unit.parent_id is None:
            result = (f"/{unit.id}/", 0)
        else:
            parent_path, parent_depth = path_of(by_id[unit.parent_id])
            result = (f"{parent_path}{unit.id}/", parent_depth + 1)
        cache[unit.id] = result
        return result

    changed = []
    for unit in units:
        path, depth = path_of(unit)
        if (unit.path, unit.depth) != (path, depth):
            unit.path, unit.depth = path, depth
            changed.append(unit)
    OrgUnit.objects.bulk_update(changed, ["path", "depth"], batch_size=500)
    return len(changed)


def _check_unit_parent(unit: OrgUnit | None, parent: OrgUnit | None) -> None:
    if unit is None or unit.pk is None or parent is None:
        return
    if parent.pk == unit.pk or (parent.path and f"/{unit.pk}/" in parent.path):
        raise ValidationError(
            {"parent": f"{parent.name} is inside {unit.name}: a unit cannot sit under itself."}
        )


@transaction.atomic
def unit_create(
    *, code: str, name: str, kind: str = UnitKind.TEAM, parent: OrgUnit | None = None
) -> OrgUnit:
    unit = OrgUnit(code=code, name=name, kind=kind, parent=parent)
    unit.full_clean(exclude=["path", "depth"])
    unit.save()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    unit.depth = parent.depth + 1 if parent else 0
    unit.save(update_fields=["path", "depth"])
    return unit


@transaction.atomic
def unit_update(
    *, unit: OrgUnit, name: str, kind: str, parent: OrgUnit | None, code: str | None = None
) -> OrgUnit:
    _check_unit_parent(unit, parent)
    moved = unit.parent_id != (parent.pk if parent else None)
    unit.name, unit.kind, unit.parent = name, kind, parent
    if code is not None:
        unit.code = code
    unit.full_clean(exclude=["path", "depth"])
    unit.save()
    if moved:
        unit_paths_rebuild()
        unit.refresh_from_db()
    return unit


def _check_manager(person: Person, manager: Person | None) -> None:
    if manager is None:
        return
    if person.pk is not None and manager.pk == person.pk:
        raise ValidationError({"manager": "A person cannot be their own manager."})
    seen = {person.pk}
    current: Person | None = manager
    while current is not None:
        if current.pk in seen:
            raise ValidationError(
                {
                    "manager": f"{manager.name} reports (directly or not) to {person.name}: that would make a cycle."
                }
            )
        seen.add(current.pk)
        current = current.manager


@transaction.atomic
def person_create(
    *,
    employee_id: str,
    name: str,
    email: str = "",
    title: str = "",
    unit: OrgUnit | None = None,
    manager: Person | None = None,
    location: str = "",
    start_date: dt.date | None = None,
    active: bool = True,
) -> Person:
    person = Person(
        employee_id=employee_id,
        name=name,
        email=email.strip(),
        title=title,
        unit=unit,
        manager=manager,
        location=location,
        start_date=start_date,
        active=active,
    )
    _check_manager(person, manager)
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def person_update(*, person: Person, **fields: object) -> Person:
    if "manager" in fields:
        _check_manager(person, fields["manager"])  # type: ignore[arg-type]
    for name, value in fields.items():
        setattr(person, name, value)
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def project_create(
    *,
    code: str,
    name: str,
    unit: OrgUnit | None = None,
    manager: Person | None = None,
    status: str = ProjectStatus.ACTIVE,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
) -> Project:
    project = Project(
        code=code,
        name=name,
        unit=unit,
        manager=manager,
        status=status,
        start_date=start_date,
        end_date=end_date,
    )
    project.full_clean()
    project.save()
    return project
