"""Builds the demo company: organisation, people, portfolio, PMO services and users, then each
app's demo hook. Deterministic: the same seed and size give the same company on any day."""

from __future__ import annotations

import datetime as dt
import importlib
import math
import random
import re
import unicodedata
from collections.abc import Iterable
from types import ModuleType

from django.conf import settings
from django.contrib.auth.hashers import make_password

from onramp.catalog.services import service_champions_set, service_create, service_version_add
from onramp.core.models import Role, User
from onramp.core.services import user_create
from onramp.demo.context import DEMO_APPS, REFERENCE_DATE, DemoContext, Progress, no_progress
from onramp.demo.data import (
    CEO_TITLE,
    COMPANY_CODE,
    COMPANY_NAME,
    EMAIL_DOMAIN,
    FIRST_NAMES,
    HQ_CITY,
    LAST_NAMES,
    PROJECT_SUFFIXES,
    STRUCTURE,
    DepartmentSpec,
    DivisionSpec,
)
from onramp.demo.services_content import SERVICES
from onramp.org.models import OrgUnit, Person, Project, ProjectStatus, UnitKind
from onramp.org.services import unit_create, unit_paths_rebuild

DEMO_SEED = 20261123
DEFAULT_SIZE = 2000
LEAVER_SHARE = 0.02
PROJECTS_PER_PERSON = 150 / 2000

TEAM_COUNT = sum(len(d.teams) for v in STRUCTURE for d in v.departments)
HEAD_COUNT = 1 + len(STRUCTURE) + sum(len(v.departments) for v in STRUCTURE) + TEAM_COUNT
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


def is_demo_email(email: str) -> bool:
    return email.lower().endswith("@" + EMAIL_DOMAIN)


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
    _build_people(ctx)
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


def _all_specs() -> list[tuple[DivisionSpec, DepartmentSpec]]:
    return [(div, dep) for div in STRUCTURE for dep in div.departments]


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
        for _, d in _all_specs()
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


class _Names:
    """Draws full names without repeating one, and gives each a unique email."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names: set[str] = set()
        self.locals: set[str] = set()

    def draw(self) -> tuple[str, str]:
        for _ in range(30):
            name = f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}"
            if name not in self.names:
                break
        self.names.add(name)  # after 30 clashes a namesake is fine: real companies have them
        first, last = name.split(" ", 1)
        base = f"{_ascii_slug(first)}.{_ascii_slug(last)}"
        local, n = base, 2
        while local in self.locals:
            local, n = f"{base}{n}", n + 1
        self.locals.add(local)
        return name, f"{local}@{EMAIL_DOMAIN}"


def _ascii_slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _spread(total: int, weights: list[float], minimum: int) -> list[int]:
    """Split `total` into integers proportional to `weights`, each at least `minimum`
    (largest-remainder rounding, so that the parts add up exactly)."""
    rest = total - minimum * len(weights)
    shares = [rest * w / sum(weights) for w in weights]
    counts = [minimum + math.floor(s) for s in shares]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(shares[i] % 1), i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _build_people(ctx: DemoContext) -> None:
    rng, today = ctx.rng, ctx.today
    names = _Names(rng)
    city_of: dict[str, str] = {}
    levels: list[list[Person]] = [[], [], [], [], []]
    serial = 0

    def person(
        unit: OrgUnit, title: str, manager: Person | None, city: str, years: tuple[float, float]
    ) -> Person:
        nonlocal serial
        serial += 1
        name, email = names.draw()
        tenure_days = int(rng.uniform(*years) * 365)
        return Person(
            employee_id=f"BW{serial:05d}",
            name=name,
            email=email,
            title=title,
            unit=unit,
            manager=manager,
            location=city,
            start_date=today - dt.timedelta(days=max(tenure_days, 7)),
            active=True,
        )

    ceo = person(ctx.company, CEO_TITLE, None, HQ_CITY, (6, 12))
    levels[0].append(ceo)
    ctx.heads[ctx.company.code] = ceo
    specs = _all_specs()
    for div in STRUCTURE:
        cities, weights = zip(*div.cities, strict=True)
        head = person(ctx.units[div.code], div.head_title, ceo, HQ_CITY, (2, 14))
        levels[1].append(head)
        ctx.heads[div.code] = head
        for dep in div.departments:
            city_of[dep.code] = rng.choices(cities, weights)[0]
            dep_head = person(
                ctx.units[dep.code], f"Head of {dep.name}", head, city_of[dep.code], (2, 15)
            )
            levels[2].append(dep_head)
            ctx.heads[dep.code] = dep_head
            for team in dep.teams:
                city_of[team.code] = rng.choices(cities, weights)[0]
                lead = person(
                    ctx.units[team.code], f"{team.name} Lead", dep_head, city_of[team.code], (1, 12)
                )
                levels[3].append(lead)
                ctx.heads[team.code] = lead

    team_specs = [(div, dep, team) for div, dep in specs for team in dep.teams]
    members = _spread(ctx.size - HEAD_COUNT, [t.weight for _, _, t in team_specs], minimum=1)
    leavers = _spread(round(ctx.size * LEAVER_SHARE), [t.weight for _, _, t in team_specs], 0)
    by_department: dict[str, list[Person]] = {}
    for (div, dep, team), n_active, n_left in zip(team_specs, members, leavers, strict=True):
        cities = [c for c, _ in div.cities]
        title_weights = [len(dep.titles) - i for i in range(len(dep.titles))]
        for i in range(n_active + n_left):
            city = city_of[team.code] if rng.random() < 0.85 else rng.choice(cities)
            title = rng.choices(dep.titles, title_weights)[0]
            # Tenure: many recent joiners, a long tail of veterans (mean about 4.5 years).
            years = min(rng.expovariate(1 / 4.5), 25.0)
            member = person(ctx.units[team.code], title, ctx.heads[team.code], city, (years, years))
            if i >= n_active:
                member.active = False
                member.start_date = today - dt.timedelta(days=int(rng.uniform(1.5, 9) * 365))
            else:
                by_department.setdefault(dep.code, []).append(member)
            levels[4].append(member)

    # Each department outside the PMO has two project managers of its own, who run its projects.
    for _div, dep in specs:
        if dep.code == "FIN-PMO":
            continue
        for member in rng.sample(by_department[dep.code], k=min(2, len(by_department[dep.code]))):
            member.title = "Project Manager"

    # The demo users are people of the company too (same email), where that makes sense.
    ctx.user_people["admin"] = ctx.heads["FIN-PMO"]  # the PMO lead
    ctx.user_people["owner"] = ctx.heads["FIN-PMO-DLA"]  # owns two PMO services
    ctx.user_people["champion"] = next(  # a project manager in Engineering
        p for p in by_department["TEC-ENG"] if p.title == "Project Manager"
    )
    ctx.user_people["viewer"] = ctx.heads["FIN"]  # the CFO, who sits on the steering committee
    # The newcomer signs in for the first time: a marketer who started last week.
    newcomer = by_department["COM-MKT"][0]
    newcomer.start_date = today - dt.timedelta(days=5)
    ctx.user_people["newcomer"] = newcomer

    total = sum(len(level) for level in levels)
    done = 0
    for level in levels:
        for item in level:
            # Field checks without a query per row: units and managers were just made, and the
            # name and email generator guarantees uniqueness.
            item.manager_id = item.manager.pk if item.manager else None
            item.full_clean(
                exclude=["unit", "manager"], validate_unique=False, validate_constraints=False
            )
        Person.objects.bulk_create(level, batch_size=500)
        done += len(level)
        ctx.progress("People", done, total)
        ctx.people.extend(level)
    ctx.people.sort(key=lambda p: p.employee_id)
    for item in ctx.people:
        if item.active:
            ctx.people_by_unit.setdefault(item.unit.code, []).append(item)


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
    specs = _all_specs()
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
