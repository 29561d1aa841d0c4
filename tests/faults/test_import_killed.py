"""`onramp import-people` killed with SIGKILL in the middle of writing: the database is as it
was before the import, not corrupt, and the same import run again completes.

The import applies in one transaction (SQLite in WAL mode here, ONRAMP_VAR_DIR in tmp). The test
knows the command is inside its apply phase when the write-ahead log, emptied before the start,
begins to grow while the command still runs: the preview before it only reads.
"""

from __future__ import annotations

import csv
import signal
import sqlite3
import subprocess
from pathlib import Path

from tests.faults.support import ROOT, django_snippet, onramp_argv, onramp_env, run, wait_for

BIG = 20_000  # rows: long enough to apply (seconds) that the kill lands well inside it
KNOWN = 200  # people already in Onramp before the big import; the big file updates them
UNITS = ("OPS", "FIN", "DEL", "TA", "TB")

SEED_UNITS = """
from onramp.org.services import unit_create
acme = unit_create(code="ACME", name="Acme", kind="company")
ops = unit_create(code="OPS", name="Operations", kind="division", parent=acme)
unit_create(code="FIN", name="Finance", kind="division", parent=acme)
delivery = unit_create(code="DEL", name="Delivery", kind="department", parent=ops)
unit_create(code="TA", name="Team A", kind="team", parent=delivery)
unit_create(code="TB", name="Team B", kind="team", parent=delivery)
"""

SNAPSHOT = (
    "SELECT employee_id, name, email, title, location, active, unit_id, manager_id, updated_at "
    "FROM org_person ORDER BY employee_id"
)


def write_people(path: Path, count: int, *, title: str) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(
            ["Employee ID", "Full name", "Work email", "Job title", "Department", "Manager ID"]
        )
        for i in range(1, count + 1):
            manager = "" if i <= 10 else f"X{i % 10 + 1}"
            out.writerow([f"X{i}", f"Person {i}", f"p{i}@acme.test", title, UNITS[i % 5], manager])
    return path


def query(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db, timeout=30) as conn:
        return conn.execute(sql).fetchall()


def test_an_import_killed_mid_apply_leaves_the_database_as_before_and_can_be_rerun(
    tmp_path: Path,
):
    var = tmp_path / "var"
    env = onramp_env(var)
    db = var / "onramp.sqlite3"
    wal = var / "onramp.sqlite3-wal"
    run(onramp_argv("migrate", "--noinput"), env, timeout=300)
    django_snippet(SEED_UNITS, env)
    run(onramp_argv("import-people", str(write_people(tmp_path / "first.csv", KNOWN, title="Analyst"))), env)  # fmt: skip
    before = query(db, SNAPSHOT)
    assert len(before) == KNOWN
    big = write_people(tmp_path / "big.csv", BIG, title="Senior analyst")
    query(db, "PRAGMA wal_checkpoint(TRUNCATE)")
    assert not wal.exists() or wal.stat().st_size == 0

    log = tmp_path / "import.log"
    with log.open("wb") as out:
        importer = subprocess.Popen(
            onramp_argv("import-people", str(big)),
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(
                lambda: (
                    importer.poll() is not None
                    or (wal.exists() and wal.stat().st_size > 256 * 1024)
                ),
                timeout=240,
                interval=0.02,
                what="the import to start writing",
            )
            assert importer.poll() is None, f"the import ended before the kill:\n{log.read_text()}"
            importer.send_signal(signal.SIGKILL)
            importer.wait(timeout=10)
        finally:
            if importer.poll() is None:
                importer.kill()
                importer.wait(timeout=10)
    assert importer.returncode == -signal.SIGKILL
    assert "Imported" not in log.read_text()

    assert query(db, "PRAGMA integrity_check") == [("ok",)]
    assert query(db, "PRAGMA foreign_key_check") == []
    after = query(db, SNAPSHOT)
    assert after == before, "the killed import left some of its writes behind"

    output = run(onramp_argv("import-people", str(big)), env, timeout=300)
    assert f"{BIG - KNOWN} people created, {KNOWN} updated" in output
    assert query(db, "SELECT count(*) FROM org_person") == [(BIG,)]
    assert query(db, "SELECT DISTINCT title FROM org_person") == [("Senior analyst",)]
    assert query(db, "SELECT count(*) FROM org_person WHERE manager_id IS NULL") == [(10,)]
    assert query(db, "PRAGMA integrity_check") == [("ok",)]
