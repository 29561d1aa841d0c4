"""What the demo builder hands to each app's demo hook.

An app adds demo data by providing `onramp/<app>/demo.py` with

    def build(ctx: DemoContext) -> None: ...

and, if its rows would block deleting the organisation or the catalog, optionally

    def reset() -> None: ...   # delete every row this app's demo (or anyone) created

The builder calls `build` after the organisation, the catalog and the users exist, for each app
in DEMO_APPS order whose `demo` module exists, inside the one transaction of the whole build.
`onramp demo --reset` calls `reset` in the reverse order before wiping org and catalog data.
The fields below are a stable contract: add fields, never rename or remove them.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from onramp.catalog.models import Service
    from onramp.core.models import User
    from onramp.org.models import OrgUnit, Person, Project

# The apps whose `onramp.<app>.demo.build(ctx)` is called, in this order (the dependency order
# of DESIGN.md: an app's demo may read what an earlier app's demo created).
DEMO_APPS: tuple[str, ...] = (
    "rollout",
    "engagement",
    "comms",
    "enablement",
    "adoption",
    "surveys",
    "improvement",
    "reports",
)

# The demo's "today". Every date is drawn relative to it, so that runs on different days build
# the same company. A Monday, so that weekly series start on week boundaries.
REFERENCE_DATE = dt.date(2026, 11, 23)

Progress = Callable[[str, int, int], None]


def no_progress(step: str, done: int, total: int) -> None:
    """The progress callback used when nobody watches (tests, scripts)."""


@dataclass
class DemoContext:
    """The demo company, as built so far.

    rng: random.Random. Re-seeded before each app's hook from (seed, app name), so that one
        app's draws never shift another's: draw from it, never from `random` itself.
    seed: int, the seed of the whole build.
    today: dt.date, the fixed reference date (REFERENCE_DATE). Use it instead of date.today().
    size: int, the number of people asked for (--size).
    company: OrgUnit, the root unit (kind "company").
    units: dict[str, OrgUnit], every unit by its code.
    divisions: list[OrgUnit], the 5 divisions, in a stable order.
    departments: list[OrgUnit], every department, in a stable order.
    teams: list[OrgUnit], every team (at least 40), in a stable order.
    heads: dict[str, Person], the head (lead) of each unit, by unit code.
    people: list[Person], everyone, leavers included (`active` is False for them), ordered by
        employee_id. Each has `unit_id` and `manager_id` set.
    people_by_unit: dict[str, list[Person]], active people whose own unit has that code
        (descendants not included; the head is included in the unit they lead).
    projects: list[Project], the portfolio, ordered by code.
    services: dict[str, Service], the PMO services by slug: "risk-management-framework"
        (adopted by projects, onboarding), "portfolio-prioritisation" (people, designed),
        "project-status-reporting" (people, operating).
    users: dict[str, User], the sign-in users by role name: "admin", "owner", "champion",
        "viewer", "newcomer" (the username is the role name).
    user_people: dict[str, Person], the person each user is (same email), by role name:
        admin = head of Portfolio & PMO, owner = Delivery Assurance lead, champion = a project
        manager in Engineering, viewer = the CFO, newcomer = a marketer who started 5 days ago.
    progress: callback(step label, done, total), e.g. ctx.progress("Rollouts", 3, 10), which
        the command shows as a progress bar per label. Call it at least once per step.
    """

    rng: random.Random
    seed: int
    today: dt.date
    size: int
    company: OrgUnit
    units: dict[str, OrgUnit] = field(default_factory=dict)
    divisions: list[OrgUnit] = field(default_factory=list)
    departments: list[OrgUnit] = field(default_factory=list)
    teams: list[OrgUnit] = field(default_factory=list)
    heads: dict[str, Person] = field(default_factory=dict)
    people: list[Person] = field(default_factory=list)
    people_by_unit: dict[str, list[Person]] = field(default_factory=dict)
    projects: list[Project] = field(default_factory=list)
    services: dict[str, Service] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    user_people: dict[str, Person] = field(default_factory=dict)
    progress: Progress = no_progress

    @property
    def active_people(self) -> list[Person]:
        return [p for p in self.people if p.active]

    def reseed(self, name: str) -> random.Random:
        """Give `rng` a fresh seed derived from the build's seed and `name`, and return it."""
        self.rng = random.Random(f"{self.seed}:{name}")
        return self.rng
