"""Benchmark: import a 50,000-row HRIS export end to end, then import it again.

    .venv/bin/python bench/import_people.py [--rows 50000] [--keep]

It writes a deterministic people CSV (and the units file it needs) to a temporary folder, creates
a fresh SQLite database there (ONRAMP_VAR_DIR=<tmp>/var; `onramp migrate`), imports the units,
then times `onramp import-people FILE` as a subprocess, and a second run of the same file (which
must change nothing). As a baseline measured in the same run, it times a plain `csv.reader` pass
plus a naive `Person.objects.bulk_create` of the same rows into another fresh database, also as a
subprocess, and prints the ratio import / baseline.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent

FIRST = [
    "Ada",
    "Ben",
    "Chloe",
    "Dev",
    "Elif",
    "Femi",
    "Greta",
    "Hiro",
    "Ines",
    "Jonas",
    "Kemal",
    "Lena",
    "Mateo",
    "Nora",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
]
LAST = [
    "Adams",
    "Berg",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hansen",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Umarov",
    "Varga",
    "Weber",
    "Yilmaz",
    "Zhang",
]
TITLES = [
    "Analyst",
    "Engineer",
    "Consultant",
    "Project manager",
    "Designer",
    "Accountant",
    "Sales representative",
    "Team lead",
    "Architect",
    "Specialist",
]
OFFICES = ["London", "Paris", "Berlin", "Madrid", "Warsaw", "Lisbon", "Remote"]
STATUSES = ["Active"] * 19 + ["Inactive"]

BASELINE = r"""
import csv, os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onramp.settings")
django.setup()
from onramp.org.models import Person
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    reader = csv.reader(f)
    next(reader)
    people = [Person(employee_id=r[0], name=r[1], email=r[2], title=r[3], location=r[6])
              for r in reader]
Person.objects.bulk_create(people, batch_size=1000)
print(Person.objects.count())
"""


def generate(folder: Path, rows: int) -> tuple[Path, Path]:
    """Acme > 10 divisions > 10 departments > 10 teams (1,111 units); one head per unit who
    reports to the head of the unit above; everyone else reports to their team's head. Rows are
    shuffled so that managers often come after their reports."""
    rng = random.Random(20261127)
    units: list[tuple[str, str, str, str]] = [("ACME", "Acme", "", "company")]
    teams: list[str] = []
    for d in range(10):
        div = f"D{d}"
        units.append((div, f"Division {d}", "ACME", "division"))
        for p in range(10):
            dep = f"{div}P{p}"
            units.append((dep, f"Department {d}.{p}", div, "department"))
            for t in range(10):
                team = f"{dep}T{t}"
                units.append((team, f"Team {d}.{p}.{t}", dep, "team"))
                teams.append(team)
    units_path = folder / "units.csv"
    with units_path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["Code", "Name", "Parent code", "Kind"])
        writer.writerows(units)

    head_of: dict[str, str] = {}
    parent_of = {code: parent for code, _, parent, _ in units}
    people: list[list[str]] = []
    for i, (code, _, _parent, _) in enumerate(units, start=1):
        head_of[code] = f"E{i:06d}"
    for i in range(1, rows + 1):
        eid = f"E{i:06d}"
        if i <= len(units):
            unit = units[i - 1][0]
            parent = parent_of[unit]
            manager = head_of[parent] if parent else ""
        else:
            unit = teams[rng.randrange(len(teams))]
            manager = head_of[unit]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        hired = f"{rng.randint(2000, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        people.append(
            [
                eid,
                f"{first} {last}",
                f"{first.lower()}.{last.lower()}.{i}@acme.example",
                rng.choice(TITLES),
                unit,
                manager,
                rng.choice(OFFICES),
                hired,
                rng.choice(STATUSES),
            ]
        )
    rng.shuffle(people)
    people_path = folder / "people.csv"
    with people_path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "Employee ID",
                "Full name",
                "Work email",
                "Job title",
                "Department",
                "Manager ID",
                "Office",
                "Hire date",
                "Status",
            ]
        )
        writer.writerows(people)
    return units_path, people_path


@dataclass
class Timing:
    wall: float  # seconds, end to end
    cpu: float  # user + system seconds of the subprocess: steadier on a busy machine
    out: str


def run(args: list[str], var: Path) -> Timing:
    env = {**os.environ, "ONRAMP_VAR_DIR": str(var), "DATABASE_URL": ""}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Timing(elapsed, cpu, done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--keep", action="store_true", help="Keep the temporary folder.")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="onramp-bench-"))
    onramp = str(BIN / "onramp")
    try:
        units_path, people_path = generate(folder, options.rows)
        var = folder / "var"
        run([onramp, "migrate", "-v0", "--skip-checks"], var)
        run([onramp, "import-units", str(units_path)], var)

        first = run([onramp, "import-people", str(people_path)], var)
        created = re.search(r"(\d+) people created", first.out)
        second = run([onramp, "import-people", str(people_path)], var)
        again = re.search(r"(\d+) people created, (\d+) updated, (\d+) unchanged", second.out)

        base_var = folder / "var-baseline"
        run([onramp, "migrate", "-v0", "--skip-checks"], base_var)
        baseline = run([sys.executable, "-c", BASELINE, str(people_path)], base_var)
        startup = run([onramp, "import-people", "--help"], var)

        rows = options.rows
        print(
            f"rows: {rows:,} (people.csv {people_path.stat().st_size / 1e6:.1f} MB); "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        print(f"{'':16}{'wall s':>8}{'rows/s':>9}{'CPU s':>8}")
        for label, t, note in [
            ("first import", first, f"{created.group(1) if created else '?'} created"),
            ("re-import", second, again.group(0) if again else second.out.strip()),
            ("baseline", baseline, "csv.reader + naive bulk_create"),
            ("startup only", startup, "onramp import-people --help"),
        ]:
            print(f"{label:16}{t.wall:8.2f}{rows / t.wall:9,.0f}{t.cpu:8.2f}  {note}")
        print(
            f"ratio import / baseline: {first.wall / baseline.wall:.2f}x wall, "
            f"{first.cpu / baseline.cpu:.2f}x CPU; re-import / baseline: "
            f"{second.wall / baseline.wall:.2f}x wall, {second.cpu / baseline.cpu:.2f}x CPU"
        )
        if again and (again.group(1), again.group(2)) != ("0", "0"):
            sys.exit("The re-import changed rows: it must change nothing.")
    finally:
        if options.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
