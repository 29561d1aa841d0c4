"""The demo's people: a management tree from the chief executive down to every team member,
with names, unique emails, titles, cities, start dates and a few leavers."""

from __future__ import annotations

import datetime as dt
import math
import random
import re
import unicodedata

from onramp.demo.context import DemoContext
from onramp.demo.data import (
    CEO_TITLE,
    EMAIL_DOMAIN,
    FIRST_NAMES,
    HEAD_COUNT,
    HQ_CITY,
    LAST_NAMES,
    STRUCTURE,
    all_departments,
)
from onramp.org.models import OrgUnit, Person

LEAVER_SHARE = 0.02


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


class _PersonMaker:
    """Makes unsaved people with a running employee id, a fresh name and a unique email."""

    def __init__(self, rng: random.Random, today: dt.date) -> None:
        self.rng, self.today = rng, today
        self.names = _Names(rng)
        self.serial = 0

    def __call__(
        self, unit: OrgUnit, title: str, manager: Person | None, city: str, years: float
    ) -> Person:
        self.serial += 1
        name, email = self.names.draw()
        return Person(
            employee_id=f"BW{self.serial:05d}",
            name=name,
            email=email,
            title=title,
            unit=unit,
            manager=manager,
            location=city,
            start_date=self.today - dt.timedelta(days=max(int(years * 365), 7)),
            active=True,
        )


def build_people(ctx: DemoContext) -> None:
    """Heads top-down (so each level's managers exist), then team members and leavers, then
    one bulk insert per level of the management tree."""
    make = _PersonMaker(ctx.rng, ctx.today)
    city_of: dict[str, str] = {}
    heads = _draw_heads(ctx, make, city_of)
    members, by_department = _draw_members(ctx, make, city_of)
    _name_project_managers_and_demo_people(ctx, by_department)

    levels = [*heads, members]
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


def _draw_heads(
    ctx: DemoContext, make: _PersonMaker, city_of: dict[str, str]
) -> list[list[Person]]:
    """The chief executive, division heads, department heads and team leads, one list per
    level; each reports to the head of the unit above. Sets ctx.heads and each unit's city."""
    rng = ctx.rng
    ceo = make(ctx.company, CEO_TITLE, None, HQ_CITY, rng.uniform(6, 12))
    ctx.heads[ctx.company.code] = ceo
    levels: list[list[Person]] = [[ceo], [], [], []]
    for div in STRUCTURE:
        cities, weights = zip(*div.cities, strict=True)
        head = make(ctx.units[div.code], div.head_title, ceo, HQ_CITY, rng.uniform(2, 14))
        levels[1].append(head)
        ctx.heads[div.code] = head
        for dep in div.departments:
            city_of[dep.code] = rng.choices(cities, weights)[0]
            dep_head = make(
                ctx.units[dep.code],
                f"Head of {dep.name}",
                head,
                city_of[dep.code],
                rng.uniform(2, 15),
            )
            levels[2].append(dep_head)
            ctx.heads[dep.code] = dep_head
            for team in dep.teams:
                city_of[team.code] = rng.choices(cities, weights)[0]
                lead = make(
                    ctx.units[team.code],
                    f"{team.name} Lead",
                    dep_head,
                    city_of[team.code],
                    rng.uniform(1, 12),
                )
                levels[3].append(lead)
                ctx.heads[team.code] = lead
    return levels


def _draw_members(
    ctx: DemoContext, make: _PersonMaker, city_of: dict[str, str]
) -> tuple[list[Person], dict[str, list[Person]]]:
    """Team members (size minus the heads, spread by team weight, at least one per team) and
    about 2% leavers on top. Returns them all, and the active ones by department code."""
    rng = ctx.rng
    team_specs = [(div, dep, team) for div, dep in all_departments() for team in dep.teams]
    weights = [team.weight for _, _, team in team_specs]
    actives = _spread(ctx.size - HEAD_COUNT, weights, minimum=1)
    leavers = _spread(round(ctx.size * LEAVER_SHARE), weights, minimum=0)
    members: list[Person] = []
    by_department: dict[str, list[Person]] = {}
    for (div, dep, team), n_active, n_left in zip(team_specs, actives, leavers, strict=True):
        cities = [c for c, _ in div.cities]
        title_weights = [len(dep.titles) - i for i in range(len(dep.titles))]
        for i in range(n_active + n_left):
            city = city_of[team.code] if rng.random() < 0.85 else rng.choice(cities)
            title = rng.choices(dep.titles, title_weights)[0]
            # Tenure: many recent joiners, a long tail of veterans (mean about 4.5 years).
            years = min(rng.expovariate(1 / 4.5), 25.0)
            member = make(ctx.units[team.code], title, ctx.heads[team.code], city, years)
            if i >= n_active:
                member.active = False
                member.start_date = ctx.today - dt.timedelta(days=int(rng.uniform(1.5, 9) * 365))
            else:
                by_department.setdefault(dep.code, []).append(member)
            members.append(member)
    return members, by_department


def _name_project_managers_and_demo_people(
    ctx: DemoContext, by_department: dict[str, list[Person]]
) -> None:
    # Each department outside the PMO has two project managers of its own, who run its projects.
    for _, dep in all_departments():
        if dep.code != "FIN-PMO":
            staff = by_department[dep.code]
            for member in ctx.rng.sample(staff, k=min(2, len(staff))):
                member.title = "Project Manager"

    # The demo users are people of the company too (same email), where that makes sense.
    ctx.user_people["admin"] = ctx.heads["FIN-PMO"]  # the PMO lead
    ctx.user_people["owner"] = ctx.heads["FIN-PMO-DLA"]  # owns two PMO services
    ctx.user_people["champion"] = next(  # a project manager in Engineering
        p for p in by_department["TEC-ENG"] if p.title == "Project Manager"
    )
    ctx.user_people["viewer"] = ctx.heads["FIN"]  # the CFO, who sits on the steering committee
    # The newcomer signs in for the first time: a marketer who started last week.
    newcomer = next(p for p in by_department["COM-MKT"] if p.title != "Project Manager")
    newcomer.start_date = ctx.today - dt.timedelta(days=5)
    ctx.user_people["newcomer"] = newcomer
