"""bench/survey_submit.py itself: a tiny bounded run must serve both phases without an error,
store every accepted answer and print its figures, so that the benchmark does not rot between
the times it is run (docs/performance.md, "Survey submissions")."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_submission_bench_runs_bounded_and_stores_every_accepted_answer(tmp_path: Path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "DEBUG"}
        and not k.startswith("PYTEST")
    }
    argv = [
        sys.executable,
        str(ROOT / "bench" / "survey_submit.py"),
        "--clients", "4", "--duration", "2", "--people", "3000", "--workers", "1",
    ]  # fmt: skip
    done = subprocess.run(
        argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    figures = json.loads(next(line for line in done.stdout.splitlines() if line.startswith("{")))
    assert figures["errors"] == 0
    assert figures["accepted"] > 0 and figures["stored"] == figures["accepted"]
    assert figures["submissions_per_s"] > 0 and figures["bare_per_s"] > 0
    for key in ("server_cpu_ms_per_submission", "client_cpu_ms_per_bare", "others_bare"):
        assert figures[key] >= 0
