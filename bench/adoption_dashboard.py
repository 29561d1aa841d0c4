"""Benchmark: the adoption page of a 50,000-person organisation with a year of daily activity,
and the same page when usage grows tenfold.

    .venv/bin/python bench/adoption_dashboard.py [--people 50000] [--runs 11] [--keep]

For each of two usage volumes (1x: about 100,000 person-days in the year; 10x: about 1,000,000,
the same adopters using the service ten times as often) it builds a fresh SQLite database in a
temporary folder (`onramp migrate`; 5 divisions x 8 departments x 5 teams; people spread over the
teams; one service with a rollout of a pilot and two waves; activity written straight to the
table, then the roll-ups built once and the import recorded, as an import would), then renders
/adoption/<service>/ in-process with Django's test client (server time: no network, no
browser). Both volumes stay loaded in two processes that render turn about (1x, 10x, 1x, ...),
so that both see the same load: after one warm-up, --runs renders with an empty cache (the
first render after an import, a rule change or a mapping) and --runs renders as every later one
(the page caches what it reads from the roll-ups until they change). It prints medians, best
and CPU time per render, and the load average: other processes on the machine slow the
wall-clock figures much more than the CPU ones. Targets: under 300 ms, and less than 30% slower
at 10x.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def build_and_serve(people: int, scale: int) -> None:
    import datetime as dt

    import django

    django.setup()
    import numpy as np
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from onramp.adoption import dashboard
    from onramp.adoption.models import IngestBatch, PersonActivity
    from onramp.adoption.services import adoption_refresh
    from onramp.catalog.services import service_create
    from onramp.core.models import User
    from onramp.org.models import Person
    from onramp.org.services import unit_create
    from onramp.rollout.services import rollout_create, wave_create

    rng = np.random.default_rng(2026)
    company = unit_create(code="CO", name="Company", kind="company")
    teams = []
    divisions = []
    for d in range(5):
        div = unit_create(code=f"D{d}", name=f"Division {d}", kind="division", parent=company)
        divisions.append(div)
        for e in range(8):
            dep = unit_create(
                code=f"D{d}E{e}", name=f"Department {d}.{e}", kind="department", parent=div
            )
            for t in range(5):
                teams.append(
                    unit_create(
                        code=f"D{d}E{e}T{t}", name=f"Team {d}.{e}.{t}", kind="team", parent=dep
                    )
                )
    Person.objects.bulk_create(
        [
            Person(employee_id=f"B{i:06d}", name=f"Bench {i}", email=f"p{i}@bench.example",
                   unit=teams[i % len(teams)])
            for i in range(people)
        ],
        batch_size=5000,
    )  # fmt: skip
    owner = User.objects.create_user("bench-owner", password="x", role="owner")
    service = service_create(name="Bench", slug="bench", adopter_kind="people", owner=owner)
    today = dt.date(2026, 11, 22)
    rollout = rollout_create(service=service, name="Bench rollout", units=[company])
    for order, (name, units, weeks_ago) in enumerate(
        (
            ("Pilot", divisions[:1], 40),
            ("Wave 1", divisions[1:3], 26),
            ("Wave 2", divisions[3:], 10),
        ),
        start=1,
    ):
        go_live = today - dt.timedelta(weeks=weeks_ago)
        wave_create(
            rollout=rollout, name=name, units=units, start_date=go_live - dt.timedelta(days=14),
            go_live_date=go_live, end_date=go_live + dt.timedelta(weeks=8), order=order,
            accept_over_capacity=True, allow_overlap=True,
        )  # fmt: skip

    # 60% of people adopt at some point in the year; each active person-day is a row. At 1x
    # an adopter has about 3 active days after adopting; at 10x about 30.
    ids = np.array(Person.objects.order_by("pk").values_list("pk", flat=True))
    adopters = ids[rng.random(len(ids)) < 0.6]
    start = today.toordinal() - 364
    adopt = start + rng.integers(0, 330, len(adopters))
    per = rng.poisson(3 * scale, len(adopters)) + 1
    rows = []
    for pid, first, n in zip(adopters.tolist(), adopt.tolist(), per.tolist(), strict=True):
        span = today.toordinal() - first + 1
        for day in set(rng.integers(first, first + span, n).tolist()):
            rows.append((service.pk, pid, dt.date.fromordinal(day).isoformat(), 3, 1, 1))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {PersonActivity._meta.db_table} (service_id, person_id, day, events, "
            "qualifying_events, distinct_actions) VALUES (%s, %s, %s, %s, %s, %s)",
            rows,
        )
    t = time.perf_counter()
    adoption_refresh(service=service)
    refresh = time.perf_counter() - t
    days = sorted({r[2] for r in rows})
    batch = IngestBatch.objects.create(
        file_name="bench.csv", sha256=f"{scale:064d}", mode="replace", events=3 * len(rows),
        rows=len(rows), first_day=days[0], last_day=days[-1], days=len(days), source="file",
    )  # fmt: skip
    batch.services.add(service)

    client = Client(HTTP_HOST="localhost")
    client.force_login(owner)
    url = f"/adoption/{service.slug}/"
    assert client.get(url).status_code == 200  # warm-up: templates, URLconf, imports
    print("READY " + json.dumps({"rows": len(rows), "refresh_s": refresh}), flush=True)
    # Then render on the parent's word, so that both volumes are timed turn about, under the
    # same load: "cold" renders as after an import (nothing cached), "warm" as every later one.
    for command in sys.stdin:
        phase = command.strip()
        if phase == "quit":
            break
        if phase == "cold":
            cache.clear()
            dashboard._forecast_of.cache_clear()
        t, c = time.perf_counter(), time.process_time()
        response = client.get(url)
        wall = time.perf_counter() - t
        cpu = time.process_time() - c  # what an idle server would spend
        assert response.status_code == 200
        print(f"TIME {wall} {cpu}", flush=True)


def _ask(child: subprocess.Popen[str], prefix: str) -> str:
    assert child.stdout is not None
    for line in child.stdout:
        if line.startswith(prefix):
            return line.removeprefix(prefix).strip()
    sys.exit(f"a benchmark process stopped (exit {child.wait()}): see its output above")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        build_and_serve(options.people, options.child)
        return
    folder = Path(tempfile.mkdtemp(prefix="onramp-bench-dash-"))
    children: dict[int, subprocess.Popen[str]] = {}
    built: dict[int, dict[str, float]] = {}
    try:
        for scale in (1, 10):
            var = folder / f"var{scale}"
            env = {**os.environ, "ONRAMP_VAR_DIR": str(var), "DATABASE_URL": "",
                   "DJANGO_SETTINGS_MODULE": "onramp.settings", "LOG_LEVEL": "WARNING"}  # fmt: skip
            subprocess.run([str(BIN / "onramp"), "migrate", "-v0"], env=env, check=True, cwd=ROOT)
            children[scale] = subprocess.Popen(
                [sys.executable, __file__, "--child", str(scale), "--people", str(options.people)],
                env=env, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            )  # fmt: skip
            built[scale] = json.loads(_ask(children[scale], "READY "))
        times: dict[tuple[int, str], list[tuple[float, float]]] = {
            (scale, phase): [] for scale in children for phase in ("cold", "warm")
        }
        load = [os.getloadavg()[0]]
        for _ in range(options.runs):
            for phase in ("cold", "warm"):
                for scale, child in children.items():
                    assert child.stdin is not None
                    child.stdin.write(phase + "\n")
                    child.stdin.flush()
                    wall, cpu = (float(x) for x in _ask(child, "TIME ").split())
                    times[scale, phase].append((wall, cpu))
            load.append(os.getloadavg()[0])
        print(
            f"load average (1 min) while timing: {min(load):.1f} to {max(load):.1f} "
            f"on {os.cpu_count()} CPUs; {options.runs} renders of each kind, turn about"
        )
        stats: dict[tuple[int, str], tuple[float, float, float]] = {}
        for (scale, phase), pairs in times.items():
            walls = [1000 * w for w, _ in pairs]
            cpus = [1000 * c for _, c in pairs]
            stats[scale, phase] = (statistics.median(walls), min(walls), statistics.median(cpus))
        for scale, b in built.items():
            print(
                f"{scale:>2}x usage: {b['rows']:>9,} person-days  roll-up {b['refresh_s']:5.1f} s"
            )
            for phase, what in (("cold", "first render after an import"), ("warm", "later")):
                median, best, cpu = stats[scale, phase]
                print(
                    f"    {what:<29}: median {median:6.1f} ms (best {best:.1f} ms, "
                    f"CPU {cpu:.1f} ms)"
                )
        for phase in ("cold", "warm"):
            worst = max(stats[scale, phase][0] for scale in built)
            growth = stats[10, phase][0] / stats[1, phase][0] - 1
            cpu_growth = stats[10, phase][2] / stats[1, phase][2] - 1
            print(
                f"{phase} page: median up to {worst:.1f} ms "
                f"({'met' if worst < 300 else 'NOT met'}; target < 300 ms); at 10x usage "
                f"{100 * growth:+.0f}% wall, {100 * cpu_growth:+.0f}% CPU "
                f"({'met' if growth < 0.3 else 'NOT met'}; target < +30%)"
            )
    finally:
        for child in children.values():
            if child.poll() is None and child.stdin is not None:
                child.stdin.write("quit\n")
                child.stdin.close()
                child.wait(timeout=60)
        if options.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
