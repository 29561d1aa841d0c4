"""The organisation over HTTP: org units, people, projects, and the people import.

Thin doors to onramp.org.selectors (reads) and onramp.org.services (writes); who may call what
is declared per endpoint with @api_access.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, File, Form, Path, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from onramp.api import MAX_ID, ErrorOut, Pages, api_access, errors
from onramp.core.access import ADMIN, READ
from onramp.org import selectors, services
from onramp.org.models import OrgUnit, Person, Project, ProjectStatus, UnitKind

router = Router(tags=["org"])

PAGE_SIZE = 50


# --- schemas -------------------------------------------------------------------------------


class UnitRef(Schema):
    id: int
    code: str
    name: str


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: UnitKind
    parent_id: int | None
    depth: int
    path: str = Field(description="Materialised path of ids from the root, e.g. /1/4/17/.")


class UnitDetailOut(UnitOut):
    headcount: int = Field(description="Active people in the unit and every unit below it.")
    own_headcount: int = Field(description="Active people placed directly in the unit.")
    ancestors: list[UnitRef] = Field(description="From the root down to the parent.")
    children: list[UnitRef]

    @staticmethod
    def resolve_headcount(unit: OrgUnit) -> int:
        return selectors.unit_headcount(unit)

    @staticmethod
    def resolve_own_headcount(unit: OrgUnit) -> int:
        return selectors.people_in_units(None).filter(unit=unit).count()

    @staticmethod
    def resolve_ancestors(unit: OrgUnit) -> list[OrgUnit]:
        return selectors.unit_ancestors(unit)

    @staticmethod
    def resolve_children(unit: OrgUnit) -> list[OrgUnit]:
        return list(unit.children.order_by("name"))


class UnitIn(Schema):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    kind: UnitKind = UnitKind.TEAM
    parent_id: int | None = Field(None, ge=1, le=MAX_ID)


class UnitPatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=64)
    name: str | None = Field(None, min_length=1, max_length=200)
    kind: UnitKind | None = None
    parent_id: int | None = Field(None, ge=1, le=MAX_ID)


class UnitFilters(Schema):
    q: str = Field("", description="Part of the name, or the exact code.")
    parent: int | None = Field(
        None, ge=1, le=MAX_ID, description="Only the direct children of this unit id."
    )
    kind: UnitKind | None = None


class PersonOut(Schema):
    id: int
    employee_id: str
    name: str
    email: str
    title: str
    unit_id: int | None
    unit_name: str | None
    manager_id: int | None
    location: str
    start_date: dt.date | None
    active: bool

    @staticmethod
    def resolve_unit_name(person: Person) -> str | None:
        return person.unit.name if person.unit else None


class PersonIn(Schema):
    employee_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    email: str = Field("", max_length=254)
    title: str = Field("", max_length=200)
    unit_id: int | None = Field(None, ge=1, le=MAX_ID)
    manager_id: int | None = Field(None, ge=1, le=MAX_ID)
    location: str = Field("", max_length=120)
    start_date: dt.date | None = None
    active: bool = True


class PersonPatch(Schema):
    employee_id: str | None = Field(None, min_length=1, max_length=64)
    name: str | None = Field(None, min_length=1, max_length=200)
    email: str | None = Field(None, max_length=254)
    title: str | None = Field(None, max_length=200)
    unit_id: int | None = Field(None, ge=1, le=MAX_ID)
    manager_id: int | None = Field(None, ge=1, le=MAX_ID)
    location: str | None = Field(None, max_length=120)
    start_date: dt.date | None = None
    active: bool | None = None


class PeopleFilters(Schema):
    q: str = Field("", description="Words matched against name, email, title, location, id.")
    unit: int | None = Field(
        None, ge=1, le=MAX_ID, description="Unit id; people in units below it count too."
    )
    active: bool | None = Field(None, description="true: active only; false: left only.")


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    unit_id: int | None
    manager_id: int | None
    status: ProjectStatus
    start_date: dt.date | None
    end_date: dt.date | None


class ProjectFilters(Schema):
    q: str = Field("", description="Part of the code or the name.")
    unit: int | None = Field(
        None, ge=1, le=MAX_ID, description="Unit id; projects of units below it count too."
    )
    status: ProjectStatus | None = None


class RowErrorOut(Schema):
    file: str
    row: int = Field(description="1-based, counting the header row; 0 for the whole file.")
    column: str
    message: str


class ImportOut(Schema):
    file: str
    rows: int
    created: int
    updated: int
    unchanged: int
    deactivated: int
    applied: bool = Field(description="false for a dry run: nothing was written.")
    summary: str


class ImportErrorOut(ErrorOut):
    errors: list[RowErrorOut] = Field(
        default_factory=list, description="Every problem found, by file, row and column."
    )


# --- helpers -------------------------------------------------------------------------------


def _get_unit(pk: int) -> OrgUnit:
    unit = OrgUnit.objects.filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit


def _get_person(pk: int) -> Person:
    person = Person.objects.select_related("unit").filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def _unit_ref(field: str, pk: int | None) -> OrgUnit | None:
    """The unit a request body or filter names, or a 422 naming the field."""
    if pk is None:
        return None
    unit = OrgUnit.objects.filter(pk=pk).first()
    if unit is None:
        raise ValidationError({field: [f"No org unit has id {pk}: list units at /api/v1/units."]})
    return unit


def _person_ref(field: str, pk: int | None) -> Person | None:
    if pk is None:
        return None
    person = Person.objects.filter(pk=pk).first()
    if person is None:
        raise ValidationError({field: [f"No person has id {pk}: list people at /api/v1/people."]})
    return person


# --- org units -----------------------------------------------------------------------------


@router.get("/units", response={200: list[UnitOut], **errors(401, 403, 422)})
@paginate(Pages, page_size=PAGE_SIZE)
@api_access(READ)
def unit_list(request: HttpRequest, filters: Query[UnitFilters]) -> QuerySet[OrgUnit]:
    """Org units in tree order: each unit right after its parent."""
    qs = selectors.unit_list(query=filters.q.strip())
    if filters.parent is not None:
        qs = qs.filter(parent_id=filters.parent)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return qs.order_by("path", "id")


@router.get("/units/{int:unit_id}", response={200: UnitDetailOut, **errors(401, 403, 404, 422)})
@api_access(READ)
def unit_detail(request: HttpRequest, unit_id: int = Path(..., le=MAX_ID)) -> OrgUnit:
    """One unit with its headcount (active people, units below included), ancestors and children."""
    return _get_unit(unit_id)


@router.post("/units", response={201: UnitDetailOut, **errors(401, 403, 422)})
@api_access(ADMIN)
def unit_create(request: HttpRequest, payload: UnitIn) -> Status:
    """Add a unit (PMO admins)."""
    unit = services.unit_create(
        code=payload.code,
        name=payload.name,
        kind=payload.kind,
        parent=_unit_ref("parent_id", payload.parent_id),
    )
    return Status(201, unit)


@router.patch("/units/{int:unit_id}", response={200: UnitDetailOut, **errors(401, 403, 404, 422)})
@api_access(ADMIN)
def unit_update(
    request: HttpRequest, payload: UnitPatch, unit_id: int = Path(..., le=MAX_ID)
) -> OrgUnit:
    """Rename, recode or move a unit (PMO admins); units below move with it."""
    unit = _get_unit(unit_id)
    given = payload.dict(exclude_unset=True)
    parent = _unit_ref("parent_id", given["parent_id"]) if "parent_id" in given else unit.parent
    unit = services.unit_update(
        unit=unit,
        name=given.get("name") or unit.name,
        kind=given.get("kind") or unit.kind,
        parent=parent,
        code=given.get("code") or None,
    )
    return unit


# --- people --------------------------------------------------------------------------------


@router.get("/people", response={200: list[PersonOut], **errors(401, 403, 422)})
@paginate(Pages, page_size=PAGE_SIZE)
@api_access(READ)
def person_list(request: HttpRequest, filters: Query[PeopleFilters]) -> QuerySet[Person]:
    """People by name; a unit filter includes the units below it."""
    qs = selectors.person_search(
        query=filters.q, unit=_unit_ref("unit", filters.unit), include_inactive=True
    )
    if filters.active is not None:
        qs = qs.filter(active=filters.active)
    return qs.order_by("name", "id")


@router.get("/people/{int:person_id}", response={200: PersonOut, **errors(401, 403, 404, 422)})
@api_access(READ)
def person_detail(request: HttpRequest, person_id: int = Path(..., le=MAX_ID)) -> Person:
    """One person."""
    return _get_person(person_id)


@router.post("/people", response={201: PersonOut, **errors(401, 403, 422)})
@api_access(ADMIN)
def person_create(request: HttpRequest, payload: PersonIn) -> Status:
    """Add a person (PMO admins)."""
    data = payload.dict()
    unit = _unit_ref("unit_id", data.pop("unit_id"))
    manager = _person_ref("manager_id", data.pop("manager_id"))
    person = services.person_create(unit=unit, manager=manager, **data)
    return Status(201, _get_person(person.pk))


@router.patch("/people/{int:person_id}", response={200: PersonOut, **errors(401, 403, 404, 422)})
@api_access(ADMIN)
def person_update(
    request: HttpRequest, payload: PersonPatch, person_id: int = Path(..., le=MAX_ID)
) -> Person:
    """Change a person (PMO admins). null clears unit, manager or start date."""
    person = _get_person(person_id)
    fields = payload.dict(exclude_unset=True)
    if "unit_id" in fields:
        fields["unit"] = _unit_ref("unit_id", fields.pop("unit_id"))
    if "manager_id" in fields:
        fields["manager"] = _person_ref("manager_id", fields.pop("manager_id"))
    # null clears a link (unit, manager) or the start date; on any other field it changes nothing
    fields = {
        k: v for k, v in fields.items() if v is not None or k in ("unit", "manager", "start_date")
    }
    services.person_update(person=person, **fields)
    return _get_person(person.pk)


# --- projects ------------------------------------------------------------------------------


@router.get("/projects", response={200: list[ProjectOut], **errors(401, 403, 422)})
@paginate(Pages, page_size=PAGE_SIZE)
@api_access(READ)
def project_list(request: HttpRequest, filters: Query[ProjectFilters]) -> QuerySet[Project]:
    """Projects by code; a unit filter includes the units below it."""
    unit = _unit_ref("unit", filters.unit)
    qs = selectors.projects_in_units(
        [unit.pk] if unit else None, statuses=[filters.status] if filters.status else None
    )
    query = filters.q.strip()
    if query:
        qs = qs.filter(Q(code__icontains=query) | Q(name__icontains=query))
    return qs.order_by("code", "id")


# --- people import -------------------------------------------------------------------------


IMPORT_MAP = Form(
    [],
    description="Repeatable field=Header, e.g. email=Mail: which column holds a field when its "
    "name is not one Onramp recognises (field= with no header leaves the field out).",
)


def _import_refused(detail: str, row_errors: list) -> Status:
    return Status(
        422,
        {
            "detail": detail,
            "errors": [
                {"file": e.file, "row": e.row, "column": e.column, "message": e.message}
                for e in row_errors
            ],
        },
    )


@router.post(
    "/people/import",
    response={200: ImportOut, **errors(401, 403), 422: ImportErrorOut},
)
@api_access(ADMIN)
def people_import(
    request: HttpRequest,
    file: File[UploadedFile],
    dry_run: Form[bool] = True,
    deactivate_missing: Form[bool] = False,
    map: list[str] = IMPORT_MAP,  # the CLI's --map, under the same name
) -> Status | dict[str, object]:
    """Import people from an HRIS export (CSV or XLSX), as the import page and the
    `onramp import-people` command do. Nothing is written while `dry_run` is true (the default);
    a file with any error is refused whole, with every error listed."""
    from onramp.core.tabular import TableError, read_table
    from onramp.org.importers import (
        ImportRefused,
        import_apply,
        parse_map_options,
        people_import_preview,
    )

    try:
        mapping = parse_map_options(map)
    except ValueError as exc:
        raise ValidationError({"map": [str(exc)]}) from None

    name = file.name or "upload.csv"
    try:
        table = read_table(file, filename=name)
    except TableError as exc:
        return _import_refused("The file cannot be read: fix it and send it again.", exc.errors)
    plan = people_import_preview(
        table=table, mapping=mapping, deactivate_missing=deactivate_missing
    )
    if plan.errors:
        return _import_refused(
            f"{len(plan.errors)} problem(s) in {plan.file}: nothing was written. Fix them and "
            "send the file again.",
            plan.errors,
        )
    applied = False
    summary = plan.summary()
    if not dry_run:
        try:
            result = import_apply(plan=plan)
        except ImportRefused as exc:
            return _import_refused(str(exc), exc.errors)
        applied, summary = True, str(result)
    return {
        "file": plan.file,
        "rows": plan.rows,
        "created": plan.created,
        "updated": plan.updated,
        "unchanged": plan.unchanged,
        "deactivated": plan.deactivated,
        "applied": applied,
        "summary": summary,
    }
