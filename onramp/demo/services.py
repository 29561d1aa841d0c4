"""Loading and wiping the demo company: the checks that keep it away from real data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from auditlog.context import disable_auditlog
from django.db import transaction
from django.db.models import ProtectedError, Q, RestrictedError

from onramp.catalog.models import Service
from onramp.core.models import User
from onramp.demo.builder import DEFAULT_SIZE, DEMO_SEED, DEMO_USERS, demo_build, demo_module
from onramp.demo.context import DEMO_APPS, REFERENCE_DATE, DemoContext, Progress, no_progress
from onramp.demo.data import COMPANY_CODE, EMAIL_DOMAIN
from onramp.org.models import OrgUnit, Person, Project


class DemoError(Exception):
    """The demo cannot be loaded or wiped; the message says why and what to do."""


@dataclass
class DemoStatus:
    loaded: bool  # the demo company is in the database
    counts: dict[str, int] = field(default_factory=dict)  # org and catalog rows, by kind (singular)
    foreign_users: list[str] = field(default_factory=list)  # demo usernames held by others

    @property
    def empty(self) -> bool:
        return not any(self.counts.values())

    def describe(self) -> str:
        parts = [f"{n:,} {_plural(kind, n)}" for kind, n in self.counts.items() if n]
        return ", ".join(parts) or "nothing"


_PLURALS = {
    "org unit": "org units",
    "person": "people",
    "project": "projects",
    "service": "services",
}


def _plural(kind: str, n: int) -> str:
    return kind if n == 1 else _PLURALS[kind]


@dataclass
class DemoOutcome:
    built: bool  # False: the demo was already there and nothing changed
    status: DemoStatus
    ctx: DemoContext | None = None


def _demo_users() -> Q:
    return Q(username__in=list(DEMO_USERS), email__iendswith="@" + EMAIL_DOMAIN)


def demo_status() -> DemoStatus:
    return DemoStatus(
        loaded=OrgUnit.objects.filter(code=COMPANY_CODE, parent__isnull=True).exists(),
        counts={
            "org unit": OrgUnit.objects.count(),
            "person": Person.objects.count(),
            "project": Project.objects.count(),
            "service": Service.objects.count(),
        },
        foreign_users=sorted(
            User.objects.filter(username__in=list(DEMO_USERS))
            .exclude(_demo_users())
            .values_list("username", flat=True)
        ),
    )


def demo_reset(*, apps: Iterable[str] = DEMO_APPS) -> None:
    """Wipe every org and catalog row and the demo users. Apps whose demo module has a
    `reset()` clear their own rows first, in the reverse of the build order."""
    for app in reversed(tuple(apps)):
        module = demo_module(app)
        if module is not None and hasattr(module, "reset"):
            module.reset()
    try:
        Service.objects.all().delete()
        Project.objects.all().delete()
        # Links inside a table first, so that deleting does not walk the manager and unit trees.
        Person.objects.update(manager=None)
        Person.objects.all().delete()
        OrgUnit.objects.update(parent=None)
        OrgUnit.objects.all().delete()
        User.objects.filter(_demo_users()).delete()
    except (ProtectedError, RestrictedError) as exc:
        blocking = sorted({type(obj)._meta.verbose_name_plural for obj in exc.protected_objects})
        raise DemoError(
            f"The reset stopped because {', '.join(map(str, blocking))} still refer to the "
            "organisation or the catalog. Delete them first, or give their app a demo.reset() "
            "that does."
        ) from None


def demo_load(
    *,
    reset: bool = False,
    size: int = DEFAULT_SIZE,
    seed: int = DEMO_SEED,
    today: dt.date = REFERENCE_DATE,
    progress: Progress = no_progress,
    apps: Iterable[str] = DEMO_APPS,
) -> DemoOutcome:
    """Load the demo company, all or nothing. Without `reset` it refuses to mix with other
    data, and does nothing if the demo is already there."""
    status = demo_status()
    if status.foreign_users:
        names = ", ".join(status.foreign_users)
        raise DemoError(
            f"The demo signs in as {names}, but such users already exist and are not the "
            f"demo's (their email is not @{EMAIL_DOMAIN}). Rename them, or load the demo into "
            "a fresh database (set ONRAMP_VAR_DIR or DATABASE_URL)."
        )
    if not reset:
        if status.loaded:
            return DemoOutcome(built=False, status=status)
        if not status.empty:
            raise DemoError(
                f"The database already holds data that is not the demo's: {status.describe()}. "
                "Run `onramp demo --reset` to delete all organisation and catalog data and load "
                "the demo, or load it into a fresh database (set ONRAMP_VAR_DIR or DATABASE_URL)."
            )
    # The demo is synthetic: an audit entry per generated or wiped row (thousands) would bury
    # the real trail and make a reset take most of a minute.
    with disable_auditlog(), transaction.atomic():
        if reset:
            demo_reset()  # every app's rows, even those whose hook `apps` leaves out
        ctx = demo_build(size=size, seed=seed, today=today, progress=progress, apps=apps)
    return DemoOutcome(built=True, status=demo_status(), ctx=ctx)
