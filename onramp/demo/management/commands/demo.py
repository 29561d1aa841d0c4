"""`onramp demo [--reset] [--size N]`: load the fictional Brightwater Group to explore Onramp."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from onramp.demo.builder import DEFAULT_SIZE, MIN_SIZE
from onramp.demo.context import DemoContext
from onramp.demo.services import DemoError, demo_load

MAX_SIZE = 100_000

WHAT_THEY_SEE = {
    "admin": "PMO admin: everything, and Django's admin",
    "owner": "service owner of Risk Management Framework and Project Status Reporting",
    "champion": "champion of Risk Management Framework",
    "viewer": "reads dashboards and reports (the CFO)",
    "newcomer": "no role yet: what a new sign-in sees",
}


class Command(BaseCommand):
    help = (
        "Load a deterministic fictional company (Brightwater Group): org tree, people, "
        "projects, three PMO services and a user for every role."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete all organisation and catalog data and the demo users first.",
        )
        parser.add_argument(
            "--size",
            type=int,
            default=DEFAULT_SIZE,
            help=f"Number of active people (default {DEFAULT_SIZE}, at least {MIN_SIZE}).",
        )

    def handle(self, *args: Any, reset: bool, size: int, **options: Any) -> None:
        if not MIN_SIZE <= size <= MAX_SIZE:
            raise CommandError(
                f"--size must be between {MIN_SIZE} and {MAX_SIZE:,} people; {size} is not. "
                f"{MIN_SIZE} is the smallest company that still has a lead and a member in "
                "every team."
            )
        console = Console(file=self.stdout, highlight=False)
        started = time.monotonic()
        columns = (
            TextColumn("{task.description:<22}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        # Started at the first step, so that a refusal prints its message and nothing else.
        bar = Progress(*columns, console=console, transient=False)
        tasks: dict[str, Any] = {}

        def progress(step: str, done: int, total: int) -> None:
            if not tasks:
                bar.start()
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        try:
            outcome = demo_load(reset=reset, size=size, progress=progress)
        except DemoError as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.stop()
        if not outcome.built:
            console.print(
                f"The demo company is already loaded ({outcome.status.describe()}); nothing "
                "changed. Run `onramp demo --reset` to build it again."
            )
            return
        assert outcome.ctx is not None
        self._summary(console, outcome.ctx, time.monotonic() - started)

    def _summary(self, console: Console, ctx: DemoContext, seconds: float) -> None:
        active = sum(1 for p in ctx.people if p.active)
        console.print(
            f"\nLoaded {ctx.company.name} in {seconds:.1f} s: {len(ctx.units)} org units "
            f"({len(ctx.divisions)} divisions, {len(ctx.departments)} departments, "
            f"{len(ctx.teams)} teams), {active:,} active people and "
            f"{len(ctx.people) - active} leavers, {len(ctx.projects)} projects, "
            f"{len(ctx.services)} PMO services."
        )
        table = Table(title="Sign in with", title_justify="left")
        for column in ("Username", "Password", "Who", "Role"):
            table.add_column(column)
        password = settings.ONRAMP["DEMO_PASSWORD"]
        for username, user in ctx.users.items():
            person = ctx.user_people.get(username)
            who = f"{person.name}, {person.title}" if person else ""
            table.add_row(username, password, who, WHAT_THEY_SEE.get(username, user.role))
        console.print(table)
