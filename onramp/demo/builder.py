"""Builds the demo company: organisation, people, portfolio, PMO services and users, then each
app's demo hook. Deterministic: the same seed and size give the same company on any day."""

from __future__ import annotations

import datetime as dt
import importlib
import math
import random
from collections.abc import Iterable
from types import ModuleType

from django.conf import settings
from django.contrib.auth.hashers import make_password

from onramp.catalog.services import service_champions_set, service_create, service_version_add
from onramp.core.models import Role, User
from onramp.core.services import user_create
from onramp.demo.context import DEMO_APPS, REFERENCE_DATE, DemoContext, Progress, no_progress
from onramp.demo.data import (
    COMPANY_CODE,
    COMPANY_NAME,
    EMAIL_DOMAIN,
    HEAD_COUNT,
    PROJECT_SUFFIXES,
    STRUCTURE,
    TEAM_COUNT,
    all_departments,
)
from onramp.demo.people import build_people
from onramp.demo.services_content import SERVICES
from onramp.org.models import OrgUnit, Person, Project, ProjectStatus, UnitKind
from onramp.org.services import unit_create, unit_paths_rebuild

DEMO_SEED = 20261123
DEFAULT_SIZE = 2000
PROJECTS_PER_PERSON = 150 / 2000

# Every team needs a lead and at least one member; below this the shape would not hold.
MIN_SIZE = HEAD_COUNT + TEAM_COUNT

# username -> (role, is_staff); the username doubles as the role name in DemoContext.users
DEMO_USERS: dict[str, tuple[str, bool]] = {
    "admin": (Role.ADMIN, True),
    "owner": (Role.OWNER, False),
    "champion": (Role.CHAMPION, False),
    "viewer": (Role.VIEWER, False),
    "newcomer": (Role.NONE, False),
}

STATUS_WEIGHTS: tuple[tuple[str, int], ...] = (
    (ProjectStatus.ACTIVE, 55),
    (ProjectStatus.PROPOSED, 12),
    (ProjectStatus.ON_HOLD, 8),
    (ProjectStatus.CLOSED, 20),
    (ProjectStatus.CANCELLED, 5),
)


def demo_build(
    *,
    size: int = DEFAULT_SIZE,
    seed: int = DEMO_SEED,
    today: dt.date = REFERENCE_DATE,
    progress: Progress = no_progress,
    apps: Iterable[str] = DEMO_APPS,
) -> DemoContext:
    """Create the whole demo in an empty organisation and catalog. The caller owns the
    transaction and the checks that the database may receive it (see demo.services)."""
    if size < MIN_SIZE:
        raise ValueError(f"The demo needs at least {MIN_SIZE} people; {size} is too few.")
    rng = random.Random(seed)
    company = unit_create(code=COMPANY_CODE, name=COMPANY_NAME, kind=UnitKind.COMPANY)
    ctx = DemoContext(rng=rng, seed=seed, today=today, size=size, company=company)
    ctx.progress = progress
    ctx.units[company.code] = company
    _build_units(ctx)
    build_people(ctx)
    _build_projects(ctx)
    _build_services_and_users(ctx)
    for app in apps:
        module = demo_module(app)
        if module is None:
            continue
        ctx.reseed(app)
        ctx.progress(f"Demo: {app}", 0, 1)
        module.build(ctx)
        ctx.progress(f"Demo: {app}", 1, 1)
    return ctx


def demo_module(app: str) -> ModuleType | None:
    """`onramp.<app>.demo` if that app has one; an error inside the module still raises."""
    name = f"onramp.{app}.demo"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name in (name, f"onramp.{app}"):
            return None
        raise


# --- organisation -------------------------------------------------------------------------


def _build_units(ctx: DemoContext) -> None:
    """Divisions, departments and teams, one bulk insert per level, then the org service
    recomputes the materialised paths."""
    ctx.progress("Organisation units", 1, HEAD_COUNT)
    divisions = [
        OrgUnit(code=d.code, name=d.name, kind=UnitKind.DIVISION, parent=ctx.company)
        for d in STRUCTURE
    ]
    _bulk_units(divisions)
    parent = {u.code: u for u in divisions}
    departments = [
        OrgUnit(code=d.code, name=d.name, kind=UnitKind.DEPARTMENT, parent=parent[v.code])
        for v in STRUCTURE
        for d in v.departments
    ]
    _bulk_units(departments)
    parent = {u.code: u for u in departments}
    teams = [
        OrgUnit(code=t.code, name=t.name, kind=UnitKind.TEAM, parent=parent[d.code])
        for _, d in all_departments()
        for t in d.teams
    ]
    _bulk_units(teams)
    unit_paths_rebuild()
    codes = [ctx.company.code] + [u.code for u in divisions + departments + teams]
    fresh = {u.code: u for u in OrgUnit.objects.filter(code__in=codes)}
    ctx.company = fresh[ctx.company.code]
    ctx.units.update(fresh)
    ctx.divisions[:] = [fresh[u.code] for u in divisions]
    ctx.departments[:] = [fresh[u.code] for u in departments]
    ctx.teams[:] = [fresh[u.code] for u in teams]
    ctx.progress("Organisation units", HEAD_COUNT, HEAD_COUNT)


def _bulk_units(units: list[OrgUnit]) -> None:
    for unit in units:
        # Field checks only: codes are unique by construction and parents were just saved.
        unit.full_clean(
            exclude=["parent", "path", "depth"], validate_unique=False, validate_constraints=False
        )
    OrgUnit.objects.bulk_create(units)


# --- portfolio ------------------------------------------------------------------------------


def _project_dates(rng: random.Random, status: str, today: dt.date) -> tuple[dt.date, dt.date]:
    def days(a: int, b: int) -> dt.timedelta:
        return dt.timedelta(days=rng.randint(a, b))

    if status == ProjectStatus.PROPOSED:
        start = today + days(14, 180)
        return start, start + days(90, 540)
    if status == ProjectStatus.CLOSED:
        end = today - days(7, 500)
        return end - days(90, 700), end
    if status == ProjectStatus.CANCELLED:
        end = today - days(7, 300)
        return end - days(30, 300), end
    if status == ProjectStatus.ON_HOLD:
        return today - days(60, 400), today + days(30, 300)
    return today - days(14, 540), today + days(30, 400)


def _build_projects(ctx: DemoContext) -> None:
    rng = ctx.rng
    specs = all_departments()
    count = max(len(specs) * 3, round(ctx.size * PROJECTS_PER_PERSON))
    pmo_pms = [
        p
        for p in ctx.people_by_unit.get("FIN-PMO-DLA", [])
        + ctx.people_by_unit.get("FIN-PMO-POR", [])
        if "Project Manager" in p.title or "Programme Manager" in p.title
    ] or [ctx.heads["FIN-PMO"]]
    department_of = {t.code: dep.code for _, dep in specs for t in dep.teams}
    local_pms: dict[str, list[Person]] = {}
    for p in ctx.people:
        if p.active and p.title == "Project Manager" and p.unit.code in department_of:
            local_pms.setdefault(department_of[p.unit.code], []).append(p)
    candidates: dict[str, list[str]] = {}
    for _, dep in specs:
        names = [f"{topic} {suffix}" for topic in dep.project_topics for suffix in PROJECT_SUFFIXES]
        rng.shuffle(names)
        candidates[dep.code] = names
    used: dict[str, int] = {}
    headcounts = [
        sum(len(ctx.people_by_unit.get(t.code, [])) for t in dep.teams) for _, dep in specs
    ]
    # Every department runs a few projects; the rest follow headcount (square-root damped).
    chosen = [dep for _, dep in specs] * 3
    chosen += rng.choices(
        [dep for _, dep in specs], [math.sqrt(h) for h in headcounts], k=count - len(chosen)
    )
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    projects: list[Project] = []
    for n, dep in enumerate(chosen, start=1):
        status = rng.choices(statuses, weights)[0]
        start, end = _project_dates(rng, status, ctx.today)
        own = local_pms.get(dep.code) or [ctx.heads[dep.code]]
        manager = rng.choice(own if rng.random() < 0.7 else pmo_pms)
        names, i = candidates[dep.code], used.get(dep.code, 0)
        used[dep.code] = i + 1
        name = names[i % len(names)] + (f" ({i // len(names) + 1})" if i >= len(names) else "")
        project = Project(
            code=f"PRJ-{n:04d}",
            name=name,
            unit=ctx.units[dep.code],
            manager=manager,
            status=status,
            start_date=start,
            end_date=end,
        )
        # Field checks without a query per row; dates end after they start by construction.
        project.full_clean(
            exclude=["unit", "manager"], validate_unique=False, validate_constraints=False
        )
        projects.append(project)
    Project.objects.bulk_create(projects, batch_size=500)
    ctx.projects = projects
    ctx.progress("Projects", count, count)


# --- catalog and users ----------------------------------------------------------------------


def _build_services_and_users(ctx: DemoContext) -> None:
    # One hash for all five: hashing is deliberately slow (about half a second each) and the
    # demo password is public anyway.
    password = make_password(settings.ONRAMP["DEMO_PASSWORD"])
    User.objects.filter(username__in=DEMO_USERS, email__iendswith="@" + EMAIL_DOMAIN).delete()
    for n, (username, (role, is_staff)) in enumerate(DEMO_USERS.items(), start=1):
        who = ctx.user_people[username]
        first, last = who.name.split(" ", 1)
        user = user_create(
            username=username,
            password=None,
            role=role,
            email=who.email,
            first_name=first,
            last_name=last,
            is_staff=is_staff,
        )
        user.password = password
        user.save(update_fields=["password"])
        ctx.users[username] = user
        ctx.progress("Users", n, len(DEMO_USERS))

    sponsors = {
        p.title: p
        for p in ctx.people
        if p.unit_id in (ctx.company.pk, *[d.pk for d in ctx.divisions])
    }
    for n, spec in enumerate(SERVICES, start=1):
        service = service_create(
            name=spec.name,
            slug=spec.slug,
            category=spec.category,
            summary=spec.summary,
            problem=spec.problem,
            value_proposition=spec.value_proposition,
            benefits=spec.benefits,
            target_users=spec.target_users,
            success_measures=spec.success_measures,
            owner=ctx.users[spec.owner_role],
            sponsor=sponsors[spec.sponsor_title],
            lifecycle=spec.lifecycle,
            adopter_kind=spec.adopter_kind,
            adoption_target_pct=spec.adoption_target_pct,
            adoption_target_weeks=spec.adoption_target_weeks,
        )
        for version in spec.versions:
            service_version_add(
                service=service,
                version=version.version,
                released_on=ctx.today - dt.timedelta(weeks=version.weeks_before),
                notes=version.notes,
            )
        ctx.services[service.slug] = service
        ctx.progress("Services", n, len(SERVICES))
    service_champions_set(
        service=ctx.services["risk-management-framework"], users=[ctx.users["champion"]]
    )
