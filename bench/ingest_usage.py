"""Benchmark: ingest a 10-million-event usage log, against a pandas baseline and a DuckDB floor.

    .venv/bin/python bench/ingest_usage.py [--events 10000000] [--people 50000] [--rounds 3]

It writes a deterministic CSV shaped like a real rollout (50,000 people, a year, about a million
person-days with 1 to 20 events each; DuckDB generates it from hashes, so every run writes the
same file) to a temporary folder, creates a fresh SQLite database there (`onramp migrate`, then
the people and one service), and times, each as its own process:

1. `onramp ingest-usage FILE --service bench` end to end into the database (the product);
2. the pandas baseline: read_csv, lower-case the user, group by user and day, write the rows to
   a table of the same database (what a careful script would do);
3. the floor: DuckDB grouping the same file by user and day, counted without fetching a row.

It runs the three steps in rounds (ingest, pandas, floor, ingest, ...; each round on a fresh copy
of the set-up database), so that other work on a shared machine slows all three alike, and
compares the medians. It prints each round, events/s, the ratios ingest/pandas and ingest/floor,
and the peak memory of the ingest process.
With `--database-url postgres://...` the database is a throwaway one created on that server
(the pandas baseline then writes its rows there with COPY).
Targets: at least 2x faster than pandas, within 3x of the floor, peak memory under 1.5 GB.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent
EVENTS_PER_DAY = 10.5  # mean of 1..20

# Runs a command and prints its peak RSS (KiB): getrusage of the children of this wrapper only.
PEAK = (
    "import resource, subprocess, sys\n"
    "r = subprocess.run(sys.argv[1:])\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print('PEAK_KIB', u.ru_maxrss, u.ru_utime + u.ru_stime, file=sys.stderr)\n"
    "sys.exit(r.returncode)\n"
)

PANDAS = """
import sys
import pandas as pd
path, db = sys.argv[1], sys.argv[2]
df = pd.read_csv(path, usecols=["timestamp", "user", "action"], dtype={"user": "string", "action": "string"})
df["user"] = df["user"].str.lower()
df["day"] = df["timestamp"].str.slice(0, 10)
g = df.groupby(["user", "day"], sort=False).agg(events=("action", "size"), actions=("action", "nunique")).reset_index()
if db.startswith("postgres"):
    # PostgreSQL: what a careful script does there, COPY of the frame written as CSV.
    import io
    import psycopg
    buf = io.StringIO()
    g.to_csv(buf, index=False, header=False)
    with psycopg.connect(db) as con:
        con.execute("DROP TABLE IF EXISTS bench_pandas_daily")
        con.execute("CREATE TABLE bench_pandas_daily (usr text, day text, events bigint, actions bigint)")
        with con.cursor().copy("COPY bench_pandas_daily FROM STDIN (FORMAT csv)") as copy:
            copy.write(buf.getvalue())
else:
    import sqlite3
    con = sqlite3.connect(db)
    g.to_sql("bench_pandas_daily", con, if_exists="replace", index=False, chunksize=50_000)
    con.commit()
print(len(g))
"""

FLOOR = """
import duckdb, sys
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
n = con.execute(
    "SELECT count(*) FROM (SELECT lower(\\"user\\") AS u, CAST(\\"timestamp\\" AS DATE) AS d, count(*) "
    f"FROM read_csv('{sys.argv[1]}', header=true) GROUP BY ALL)"
).fetchone()[0]
print(n)
"""


def generate(path: Path, events: int, people: int) -> int:
    """Write the usage CSV; return the number of events written."""
    import duckdb

    person_days = max(1, round(events / EVENTS_PER_DAY))
    con = duckdb.connect()
    # Each person-day: a person (hash of i), a day of the year, and 1..20 events spread over
    # working hours; a few actions, one of them the qualifying one. All from hash(), so that the
    # file is the same on every run.
    con.execute(
        f"""
        COPY (
          WITH pd AS (
            SELECT i,
                   hash(i * 2654435761) % {people} AS person,
                   DATE '2025-11-24' + CAST(hash(i * 40503) % 365 AS INTEGER) AS day,
                   1 + CAST(hash(i * 97) % 20 AS INTEGER) AS n
            FROM range({person_days}) t(i)
          )
          SELECT strftime(day + INTERVAL (8 * 3600 + (hash(i, k) % 36000)) SECOND,
                          '%Y-%m-%dT%H:%M:%S') AS timestamp,
                 CASE WHEN person % 7 = 0 THEN upper('P' || person || '@bench.example')
                      ELSE 'p' || person || '@bench.example' END AS user,
                 (['open', 'view', 'export', 'report_submitted'])[1 + CAST(hash(k, i) % 4 AS INTEGER)]
                   AS action
          FROM pd, range(n) r(k)
        ) TO '{path}' (HEADER, DELIMITER ',')
        """
    )
    return int(con.execute(f"SELECT count(*) FROM read_csv('{path}')").fetchone()[0])


@dataclass
class Timing:
    wall: float
    peak_mb: float
    out: str
    cpu: float = 0.0  # user + system seconds: steadier than wall time on a busy machine


DATABASE_URL = ""  # set by --database-url: a throwaway database on that server


def run(args: list[str], var: Path, database_url: str = "") -> Timing:
    env = {**os.environ, "ONRAMP_VAR_DIR": str(var), "DATABASE_URL": database_url or DATABASE_URL}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PEAK, *args], env=env, capture_output=True, text=True, cwd=ROOT
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    peak, cpu = next(
        (int(line.split()[1]), float(line.split()[2]))
        for line in done.stderr.splitlines()
        if line.startswith("PEAK_KIB")
    )
    return Timing(elapsed, peak / 1024, done.stdout.strip(), cpu)


SETUP = """
import django, sys
django.setup()
from onramp.catalog.services import service_create
from onramp.org.models import Person
n = int(sys.argv[1])
Person.objects.bulk_create(
    [Person(employee_id=f"B{i:06d}", name=f"Bench {i}", email=f"p{i}@bench.example") for i in range(n)],
    batch_size=5000,
)
service_create(name="Bench", slug="bench", adopter_kind="people")
"""


def _create_database(url: str) -> str:
    """A fresh database named onramp_bench_<pid> on the server of `url`; returns its URL."""
    import psycopg

    name = f"onramp_bench_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + "/" + name


def _drop_database(url: str, bench_url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {bench_url.rsplit('/', 1)[1]} WITH (FORCE)")


def _median(timings: list[Timing]) -> Timing:
    """The run of median wall time (its CPU and output with it)."""
    return sorted(timings, key=lambda t: t.wall)[len(timings) // 2]


def _snapshot(var: Path, bench_db: str) -> str:
    """Keep the freshly set-up database: a copy of the SQLite file, or on PostgreSQL the
    database itself, used as the template of each round's copy. Returns what _restore needs."""
    if bench_db:
        return bench_db
    pristine = var / "pristine.sqlite3"
    shutil.copyfile(var / "onramp.sqlite3", pristine)
    return str(pristine)


def _restore(pristine: str, var: Path, bench_db: str, server_url: str) -> str:
    """A fresh copy of the set-up database for one round; returns its URL on PostgreSQL."""
    if not bench_db:
        for suffix in ("-wal", "-shm"):
            (var / f"onramp.sqlite3{suffix}").unlink(missing_ok=True)
        shutil.copyfile(pristine, var / "onramp.sqlite3")
        return ""
    import psycopg

    server, template = bench_db.rsplit("/", 1)
    name = template + "_round"
    with psycopg.connect(server_url, autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        con.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
    return f"{server}/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--keep", action="store_true", help="Keep the temporary folder.")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="Rounds of the three steps, interleaved; the medians are compared (default 3).",
    )
    parser.add_argument(
        "--database-url",
        default="",
        help="Measure on PostgreSQL: postgres://user:password@host:port/db of a role that may "
        "create databases; the bench creates and drops its own database there.",
    )
    options = parser.parse_args()
    global DATABASE_URL
    bench_db = _create_database(options.database_url) if options.database_url else ""
    DATABASE_URL = bench_db
    folder = Path(tempfile.mkdtemp(prefix="onramp-bench-usage-"))
    var = folder / "var"
    try:
        csv_path = folder / "usage.csv"
        t = time.perf_counter()
        events = generate(csv_path, options.events, options.people)
        size_mb = csv_path.stat().st_size / 1e6
        print(
            f"generated {events:,} events ({size_mb:,.0f} MB) for {options.people:,} people "
            f"in {time.perf_counter() - t:.1f} s"
        )
        # Onramp's modules compiled once, as an installed package has them: a shell with
        # PYTHONDONTWRITEBYTECODE set (this build machine's) would otherwise make every timed
        # process compile ~80 modules from source again (~0.2 s).
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "onramp")], check=True)
        run([str(BIN / "onramp"), "migrate", "-v0"], var)
        env_setup = [sys.executable, "-c", SETUP, str(options.people)]
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onramp.settings")
        run(env_setup, var)
        pristine = _snapshot(var, bench_db)

        # Rounds interleave the three steps (ingest, pandas, floor, ingest, ...), each on a fresh
        # copy of the database, so that other work on a shared machine hits all three alike;
        # the medians are compared.
        rounds: list[tuple[Timing, Timing, Timing]] = []
        for i in range(options.rounds):
            target = _restore(pristine, var, bench_db, options.database_url)
            ingest = run(
                [str(BIN / "onramp"), "ingest-usage", str(csv_path), "--service", "bench", "-v0"],
                var,
                target,
            )
            pandas = run(
                [
                    sys.executable,
                    "-c",
                    PANDAS,
                    str(csv_path),
                    target or str(var / "onramp.sqlite3"),
                ],
                var,
                target,
            )
            floor = run([sys.executable, "-c", FLOOR, str(csv_path)], var, target)
            rounds.append((ingest, pandas, floor))
            print(
                f"round {i + 1}: ingest {ingest.wall:.2f} s ({ingest.cpu:.2f} CPU), pandas "
                f"{pandas.wall:.2f} s ({pandas.cpu:.2f} CPU), floor {floor.wall:.2f} s "
                f"({floor.cpu:.2f} CPU); load average {os.getloadavg()[0]:.2f}"
            )
        ingest, pandas, floor = (_median([r[i] for r in rounds]) for i in range(3))
        if options.rounds > 1:
            print(f"medians of {options.rounds} rounds:")
        for name, t, extra in (
            ("onramp ingest-usage", ingest, ""),
            ("pandas baseline    ", pandas, f"  ({int(pandas.out):,} rows)"),
            ("DuckDB floor       ", floor, f"  ({int(floor.out):,} groups)"),
        ):
            print(
                f"{name} : {t.wall:6.2f} s wall, {t.cpu:6.2f} s CPU  "
                f"{events / t.wall:>10,.0f} events/s  peak {t.peak_mb:,.0f} MB{extra}"
            )
        print(f"  database: {'PostgreSQL' if bench_db else 'SQLite'}; {ingest.out}")
        for label, a, b, target_ratio, better in (
            ("ingest vs pandas", pandas, ingest, 2.0, "faster"),
            ("ingest vs floor ", ingest, floor, 3.0, "the floor"),
        ):
            wall, cpu = a.wall / b.wall, a.cpu / b.cpu
            met = wall >= target_ratio if better == "faster" else wall <= target_ratio
            print(
                f"{label}    : {wall:.2f}x {better} by wall time, {cpu:.2f}x by CPU time "
                f"(target {'>=' if better == 'faster' else '<='} {target_ratio:g}x: "
                f"{'met' if met else 'NOT met'})"
            )
        peak = max(r[0].peak_mb for r in rounds)
        ok = peak < 1536
        print(
            f"peak memory         : {peak:,.0f} MB  "
            f"(target < 1,536 MB: {'met' if ok else 'NOT met'})"
        )
    finally:
        if bench_db:
            _drop_database(options.database_url, bench_db + "_round")
            _drop_database(options.database_url, bench_db)
        if options.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
