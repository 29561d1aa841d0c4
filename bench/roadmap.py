"""Benchmark: the rollout roadmap and the change-load heatmap for 30 services, 150 waves and
500 org units, against a bare page measured in the same run.

    .venv/bin/python bench/roadmap.py [--runs 15] [--keep]

It creates a fresh SQLite database in a temporary folder (ONRAMP_VAR_DIR=<tmp>/var), builds the
organisation (1 company, 6 divisions, 36 departments, 457 teams, 5 people per team), 30 services
with one rollout each of 5 waves (150 waves, each on its own department or team, dates spread over
18 months), 3 milestones per wave and a gate per wave with 3 criteria and an evaluation, then
times full GET requests through Django's test client (middleware, access check, queries,
template and SVG rendering: the server's time, without the network):

- /rollouts/                                the roadmap of every rollout
- /rollouts/change-load/?depth=all&weeks=26 the heatmap of all 500 units x 26 weeks
- /rollouts/change-load/                    the heatmap as it opens (down to departments)
- /rollouts/calendar/                       the baseline: a bare page on the same layout

It prints the median and the 90th percentile of the wall time of each over --runs requests (after
one warm-up), the median CPU time of the process per request (what a busy machine's other
processes cannot inflate), the number of queries, the response size, and the ratio of each to the
baseline's. The target is < 300 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup(var_dir: Path) -> None:
    os.environ["ONRAMP_VAR_DIR"] = str(var_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onramp.settings")
    os.environ["DEBUG"] = "false"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build() -> dict[str, int]:
    from decimal import Decimal

    from django.db import transaction

    from onramp.catalog.models import Service
    from onramp.core.services import user_create
    from onramp.org.models import OrgUnit, Person
    from onramp.org.services import unit_paths_rebuild
    from onramp.rollout.models import (
        Gate,
        GateCriterion,
        GateEvaluation,
        Milestone,
        Rollout,
        Wave,
    )

    start = dt.date(2026, 1, 5)
    with transaction.atomic():
        admin = user_create(username="bench", password=None, role="admin")
        company = OrgUnit.objects.create(code="C", name="Company", kind="company")
        divisions = [
            OrgUnit.objects.create(
                code=f"D{i}", name=f"Division {i}", kind="division", parent=company
            )
            for i in range(6)
        ]
        departments = [
            OrgUnit.objects.create(
                code=f"D{i}-{j}", name=f"Department {i}.{j}", kind="department", parent=d
            )
            for i, d in enumerate(divisions)
            for j in range(6)
        ]
        teams = OrgUnit.objects.bulk_create(
            OrgUnit(
                code=f"T{k}",
                name=f"Team {k}",
                kind="team",
                parent=departments[k % len(departments)],
            )
            for k in range(500 - 1 - len(divisions) - len(departments))
        )
        unit_paths_rebuild()
        Person.objects.bulk_create(
            Person(employee_id=f"E{k}-{p}", name=f"Person {k}-{p}", unit=t)
            for k, t in enumerate(teams)
            for p in range(5)
        )
        waves = 0
        for s in range(30):
            service = Service.objects.create(
                name=f"Service {s:02d}", slug=f"service-{s:02d}", owner=admin
            )
            rollout = Rollout.objects.create(
                service=service,
                name=f"Rollout {s:02d}",
                owner=admin,
                status="active",
                adoption_target_pct=Decimal("85"),
            )
            rollout.units.set([company])
            first = start + dt.timedelta(weeks=(s * 3) % 40)
            for w in range(5):
                ws = first + dt.timedelta(weeks=7 * w)
                wave = Wave.objects.create(
                    rollout=rollout,
                    order=w + 1,
                    kind="pilot" if w == 0 else "wave",
                    name="Pilot" if w == 0 else f"Wave {w}",
                    start_date=ws,
                    go_live_date=ws + dt.timedelta(days=14),
                    end_date=ws + dt.timedelta(weeks=6, days=-1),
                    status="closed" if w < 2 else "planned",
                )
                unit = departments[(s + w * 7) % len(departments)] if w < 4 else divisions[s % 6]
                wave.units.set([unit])
                waves += 1
                for m in range(3):
                    Milestone.objects.create(
                        rollout=rollout,
                        wave=wave,
                        name=f"Milestone {m}",
                        planned_date=ws + dt.timedelta(days=10 * m),
                        actual_date=ws + dt.timedelta(days=10 * m + (m % 2)) if w < 2 else None,
                    )
                gate = Gate.objects.create(
                    rollout=rollout,
                    wave=wave,
                    name=f"Gate {w}",
                    gate_date=wave.end_date + dt.timedelta(days=1),
                )
                for key in (
                    "rollout.target_population",
                    "rollout.milestones_on_time",
                    "org.headcount",
                ):
                    GateCriterion.objects.create(gate=gate, metric_key=key, threshold=1)
                if w < 2:
                    GateEvaluation.objects.create(
                        gate=gate, as_of=gate.gate_date, result="go", share=1.0, snapshot=[]
                    )
    return {
        "units": OrgUnit.objects.count(),
        "people": Person.objects.count(),
        "services": Service.objects.count(),
        "rollouts": Rollout.objects.count(),
        "waves": waves,
        "milestones": Milestone.objects.count(),
        "gates": Gate.objects.count(),
    }


def timed(client, url: str, runs: int) -> dict[str, float]:
    """Median and p90 wall time, and median CPU time of this process (which the other processes
    of a busy machine cannot inflate), over `runs` requests after a warm-up."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    response = client.get(url)  # warm-up (template loading, first queries)
    assert response.status_code == 200, (url, response.status_code)
    wall, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    wall.sort()
    return {
        "median": statistics.median(wall),
        "p90": wall[min(len(wall) - 1, int(round(0.9 * (len(wall) - 1))))],
        "cpu": statistics.median(cpu),
        "queries": len(ctx.captured_queries),
        "kb": len(response.content) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="onramp-bench-roadmap-"))
    try:
        setup(tmp / "var")
        t0 = time.perf_counter()
        sizes = build()
        print(
            f"Built in {time.perf_counter() - t0:.1f} s: "
            + ", ".join(f"{v} {k}" for k, v in sizes.items())
        )
        from django.test import Client

        from onramp.core.models import User

        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(username="bench"))
        cases = [
            ("baseline: bare page", "/rollouts/calendar/"),
            ("roadmap, all rollouts", "/rollouts/"),
            (
                "heatmap, 500 units x 26 weeks",
                "/rollouts/change-load/?depth=all&weeks=26&start=2026-03-02",
            ),
            ("heatmap as it opens", "/rollouts/change-load/?start=2026-03-02"),
        ]
        results = {name: timed(client, url, args.runs) for name, url in cases}
        base = results["baseline: bare page"]
        print(
            f"\n{'page':32} {'median ms':>9} {'p90 ms':>7} {'CPU ms':>7} {'queries':>7} "
            f"{'KB':>6} {'x base':>7} {'CPU x base':>10}"
        )
        for name, r in results.items():
            print(
                f"{name:32} {r['median']:9.1f} {r['p90']:7.1f} {r['cpu']:7.1f} {r['queries']:7d} "
                f"{r['kb']:6.0f} {r['median'] / base['median']:7.1f} {r['cpu'] / base['cpu']:10.1f}"
            )
        worst = max(r["median"] for n, r in results.items() if not n.startswith("baseline"))
        worst_cpu = max(r["cpu"] for n, r in results.items() if not n.startswith("baseline"))
        print(
            f"\nSlowest page: median {worst:.0f} ms wall, {worst_cpu:.0f} ms CPU "
            f"(budget 300 ms; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)."
        )
    finally:
        if args.keep:
            print(f"Kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
