from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from onramp.core.access import READ, access
from onramp.core.htmx import render_page
from onramp.org import selectors
from onramp.org.models import OrgUnit, Person, ProjectStatus


def _crumbs(*extra: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [("Home", reverse("home")), ("Organisation", reverse("org:unit_tree")), *extra]


@access(READ)
def unit_tree(request: HttpRequest) -> HttpResponse:
    roots = selectors.unit_tree()
    total_people = sum(r.headcount for r in roots)
    return render(
        request,
        "org/unit_tree.html",
        {
            "title": "Organisation",
            "crumbs": [("Home", reverse("home")), ("Organisation", None)],
            "roots": roots,
            "total_people": total_people,
            "unit_count": OrgUnit.objects.count(),
        },
    )


@access(READ)
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(OrgUnit, pk=pk)
    ancestors = selectors.unit_ancestors(unit)
    children = list(unit.children.order_by("name"))
    query = request.GET.get("q", "").strip()
    people = selectors.person_search(query=query, unit=unit)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    child_counts = {c.id: selectors.people_in_units([c.id]).count() for c in children}
    projects = selectors.projects_in_units([unit.id]).order_by("code")
    crumbs = _crumbs(
        *[(a.name, reverse("org:unit_detail", args=[a.pk])) for a in ancestors], (unit.name, None)
    )
    return render_page(
        request,
        "org/unit_detail.html",
        {
            "title": unit.name,
            "crumbs": crumbs,
            "unit": unit,
            "children": [(c, child_counts[c.id]) for c in children],
            "headcount": selectors.unit_headcount(unit),
            "page": page,
            "query": query,
            "projects": projects[:100],
            "project_count": projects.count(),
            "active_projects": projects.filter(status=ProjectStatus.ACTIVE).count(),
        },
        partial="org/partials/people_rows.html",
    )


@access(READ)
def people(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    include_inactive = request.GET.get("inactive") == "1"
    qs = selectors.person_search(query=query, include_inactive=include_inactive)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render_page(
        request,
        "org/people.html",
        {
            "title": "People",
            "crumbs": _crumbs(("People", None)),
            "page": page,
            "query": query,
            "include_inactive": include_inactive,
            "any_people": Person.objects.exists(),
        },
        partial="org/partials/people_rows.html",
    )


@access(READ)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.select_related("unit", "manager"), pk=pk)
    return render(
        request,
        "org/person_detail.html",
        {
            "title": person.name,
            "crumbs": _crumbs(("People", reverse("org:people")), (person.name, None)),
            "person": person,
            "reports": person.reports.filter(active=True).order_by("name"),
            "projects": person.managed_projects.order_by("code"),
        },
    )


@access(READ)
def projects(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()
    qs = selectors.projects_in_units(None, statuses=[status] if status else None)
    if query:
        from django.db.models import Q

        qs = qs.filter(Q(code__icontains=query) | Q(name__icontains=query))
    page = Paginator(qs.order_by("code"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "org/projects.html",
        {
            "title": "Projects",
            "crumbs": _crumbs(("Projects", None)),
            "page": page,
            "status": status,
            "query": query,
            "statuses": ProjectStatus.choices,
        },
    )
