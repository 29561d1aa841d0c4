"""Onramp's WSGI application under cProfile, for `bench/survey_submit.py --profile DIR`: each
gunicorn worker writes its cumulative profile to DIR/worker-<pid>.prof every 100 requests (and
the bare baseline's workers, with BENCH_PROFILE_APP=bare, to DIR/bare-<pid>.prof)."""

from __future__ import annotations

import cProfile
import os
from pathlib import Path
from typing import Any

if os.environ.get("BENCH_PROFILE_APP") == "bare":
    from bench.support.bare_wsgi import application as _app

    _prefix = "bare"
else:
    from onramp.wsgi import application as _app

    _prefix = "worker"

_dir = Path(os.environ["BENCH_PROFILE_DIR"])
_profiler = cProfile.Profile()
_count = 0


def application(environ: dict[str, Any], start_response: Any) -> Any:
    global _count
    _profiler.enable()
    try:
        response = _app(environ, start_response)
        body = b"".join(response)
        if hasattr(response, "close"):
            response.close()
        return [body]
    finally:
        _profiler.disable()
        _count += 1
        if _count % 100 == 0:
            _profiler.dump_stats(_dir / f"{_prefix}-{os.getpid()}.prof")
