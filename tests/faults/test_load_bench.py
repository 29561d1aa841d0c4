"""bench/load.py itself: a tiny bounded run must sign in, load every endpoint without an error
and print its figures, so that the benchmark does not rot between the times it is run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.faults.support import ROOT, onramp_env


def test_the_load_bench_runs_bounded_and_reports_no_errors(tmp_path: Path):
    figures = tmp_path / "figures.json"
    # 7 clients: each starts on a different endpoint of the mix, so all are hit within 3 s.
    argv = [
        sys.executable,
        str(ROOT / "bench" / "load.py"),
        "--size", "300", "--clients", "7", "--duration", "3", "--max-requests", "40",
        "--json", str(figures),
    ]  # fmt: skip
    done = subprocess.run(
        argv,
        env=onramp_env(tmp_path / "unused"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "Errors: 0" in done.stdout
    result = json.loads(figures.read_text())
    mix, baseline = result["mix"], result["baseline"]
    for name in ("page: home", "page: unit (root)", "page: people search", "api: people"):
        assert mix[name]["requests"] > 0
        assert mix[name]["errors"] == 0
    assert mix["ALL"]["requests"] <= 40  # the request budget holds
    assert baseline["baseline: /login/"]["requests"] > 0
    assert baseline["ALL"]["p50_ms"] > 0
