"""Reads on the organisation."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from onramp.org.models import OrgUnit, Person, Project


def unit_descendant_ids(unit_ids: Iterable[int], *, include_self: bool = True) -> set[int]:
    """Ids of the given units and every unit below them."""
    ids = set(unit_ids)
    if not ids:
        return set()
    paths = OrgUnit.objects.filter(id__in=ids).values_list("path", flat=True)
    query = Q()
    for path in paths:
        query |= Q(path__startswith=path)
    found = set(OrgUnit.objects.filter(query).values_list("id", flat=True))
    return found if include_self else found - ids


def people_in_units(
    unit_ids: Iterable[int] | None, *, as_of: dt.date | None = None, active_only: bool = True
) -> QuerySet[Person]:
    """People in the units (descendants included); None means the whole organisation. With
    `as_of`, people who had not started by then are left out."""
    qs = Person.objects.all()
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_descendant_ids(unit_ids))
    if active_only:
        qs = qs.filter(active=True)
    if as_of is not None:
        qs = qs.filter(Q(start_date__isnull=True) | Q(start_date__lte=as_of))
    return qs


def projects_in_units(
    unit_ids: Iterable[int] | None, *, statuses: Iterable[str] | None = None
) -> QuerySet[Project]:
    qs = Project.objects.select_related("unit", "manager")
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_descendant_ids(unit_ids))
    if statuses is not None:
        qs = qs.filter(status__in=list(statuses))
    return qs


@dataclass
class UnitNode:
    unit: OrgUnit
    own_headcount: int = 0
    headcount: int = 0  # descendants included
    children: list[UnitNode] = field(default_factory=list)


def unit_tree() -> list[UnitNode]:
    """The whole tree with active headcount per unit, own and including descendants, in two
    queries whatever the size of the organisation."""
    units = list(OrgUnit.objects.order_by("depth", "name"))
    own = Counter(
        dict(
            (row["unit_id"], row["n"]) for row in _count_by_unit(Person.objects.filter(active=True))
        )
    )
    nodes = {u.id: UnitNode(u, own_headcount=own.get(u.id, 0)) for u in units}
    roots: list[UnitNode] = []
    for unit in units:
        node = nodes[unit.id]
        if unit.parent_id and unit.parent_id in nodes:
            nodes[unit.parent_id].children.append(node)
        else:
            roots.append(node)

    def total(node: UnitNode) -> int:
        node.headcount = node.own_headcount + sum(total(c) for c in node.children)
        return node.headcount

    for root in roots:
        total(root)
    return roots


def _count_by_unit(qs: QuerySet[Person]) -> list[dict[str, int]]:
    from django.db.models import Count

    return list(qs.values("unit_id").annotate(n=Count("id")))


def flatten(nodes: list[UnitNode]) -> list[UnitNode]:
    out: list[UnitNode] = []
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(node.children))
    return out


def unit_headcount(unit: OrgUnit) -> int:
    return people_in_units([unit.id]).count()


def unit_ancestors(unit: OrgUnit) -> list[OrgUnit]:
    ids = unit.ancestor_ids()
    by_id = OrgUnit.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def person_search(
    *, query: str = "", unit: OrgUnit | None = None, include_inactive: bool = False
) -> QuerySet[Person]:
    qs = Person.objects.select_related("unit", "manager")
    if not include_inactive:
        qs = qs.filter(active=True)
    if unit is not None:
        qs = qs.filter(unit_id__in=unit_descendant_ids([unit.id]))
    for term in query.split():
        qs = qs.filter(
            Q(name__icontains=term)
            | Q(email__icontains=term)
            | Q(employee_id__iexact=term)
            | Q(title__icontains=term)
            | Q(location__icontains=term)
        )
    return qs.order_by("name")


def unit_list(*, query: str = "") -> QuerySet[OrgUnit]:
    qs = OrgUnit.objects.all()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(code__iexact=query))
    return qs
