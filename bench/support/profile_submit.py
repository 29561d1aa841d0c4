"""Where the time of one survey submission goes, in-process (no HTTP server, no client threads).

    python -m bench.support.profile_submit [--n 400] [--people 2000] [--top 30] [--queries]
        [--compare N] [--compare-own N]

Builds the same throwaway installation as bench/survey_submit.py (SQLite in a temporary folder,
or DATABASE_URL), then posts N complete answers through Django's WSGI handler (full middleware,
CSRF enforced, connections closed after each request as under gunicorn) under cProfile, and N posts of the same form to the bare view. Prints the mean
wall time of each, the queries of one submission (--queries) and the top functions by
cumulative time.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--people", type=int, default=2000)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--queries", action="store_true")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=None,
        help="override the database's CONN_MAX_AGE (0: a connection per request)",
    )
    parser.add_argument(
        "--compare", type=int, default=0, help="print the N functions that cost more than in bare"
    )
    parser.add_argument(
        "--compare-own",
        type=int,
        default=0,
        help="print the N functions whose own time per request most exceeds the bare view's",
    )
    parser.add_argument("--sort", default="cumulative", help="cProfile sort key (tottime...)")
    parser.add_argument(
        "--callees", default="", help="also print the callees of functions matching this"
    )
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="onramp-profile-submit-")
    os.environ.update(
        ONRAMP_VAR_DIR=tmp,
        DEBUG="false",
        ALLOWED_HOSTS="testserver,127.0.0.1",
        ONRAMP_RATE_LIMIT_PUBLIC="100000000/minute",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="onramp.settings",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from bench.survey_submit import SETUP

    call_command("migrate", verbosity=0)
    if args.conn_max_age is not None:
        connection.close()
        connection.settings_dict["CONN_MAX_AGE"] = args.conn_max_age
    print(f"CONN_MAX_AGE {connection.settings_dict['CONN_MAX_AGE']}")
    tokens_file = Path(tmp) / "tokens.txt"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(SETUP.format(people=args.people, tokens_file=tokens_file), {})
    fields = out.getvalue().split("FIELDS", 1)[1].strip().splitlines()[0]
    tokens = tokens_file.read_text().split("\n")

    # Django's WSGI handler, called as gunicorn calls it (request_started / request_finished
    # fire, so database connections are closed after each request as in production).
    csrf = "a" * 32
    body = f"{fields}&csrfmiddlewaretoken={csrf}".encode()
    handlers = {"onramp": WSGIHandler()}

    def post(path: str, app: str = "onramp") -> None:
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "SCRIPT_NAME": "",
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_COOKIE": f"csrftoken={csrf}",
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
        }
        status = []
        response = handlers[app](environ, lambda s, h, *a: status.append(s))
        content = b"".join(response)
        response.close()
        assert status[0].startswith("200"), (status, content[:300])

    # Warm up (imports, templates, the survey's cached shape).
    for t in tokens[:20]:
        post(f"/s/{t}/")
    tokens = tokens[20:]
    if args.queries:
        with CaptureQueriesContext(connection) as ctx:
            post(f"/s/{tokens.pop()}/")
        for q in ctx.captured_queries:
            sql = re.sub(r"\s+", " ", q["sql"])
            print(f"{q['time']:>6}  {sql[:300]}")
        print()

    n = min(args.n, len(tokens))
    t0, c0 = time.perf_counter(), time.process_time()
    for t in tokens[:n]:
        post(f"/s/{t}/")
    plain = (time.perf_counter() - t0) / n * 1000
    plain_cpu = (time.process_time() - c0) / n * 1000
    profiler = cProfile.Profile()
    t0 = time.perf_counter()
    profiler.enable()
    for t in tokens[n : 2 * n]:
        post(f"/s/{t}/")
    profiler.disable()
    profiled = (time.perf_counter() - t0) / n * 1000

    with override_settings(ROOT_URLCONF="bench.support.bare_urls"):
        handlers["bare"] = WSGIHandler()
        for _ in range(20):
            post("/bare/", "bare")
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(n):
            post("/bare/", "bare")
        bare = (time.perf_counter() - t0) / n * 1000
        bare_cpu = (time.process_time() - c0) / n * 1000
        bare_profiler = cProfile.Profile()
        bare_profiler.enable()
        for _ in range(n):
            post("/bare/", "bare")
        bare_profiler.disable()

    print(
        f"submission  {plain:6.2f} ms, CPU {plain_cpu:6.2f} ms ({profiled:.2f} ms under cProfile), n={n}"
    )
    print(f"bare view   {bare:6.2f} ms, CPU {bare_cpu:6.2f} ms")
    print(f"ratio of throughputs in-process: {bare / plain:.2f}\n")
    stats = pstats.Stats(profiler).sort_stats(args.sort)
    stats.print_stats(args.top)
    if args.callees:
        stats.print_callees(args.callees)
    if args.compare:
        # Cumulative time per call of the same functions in both, largest difference first.
        mine = {k: v[3] / v[1] for k, v in stats.stats.items()}  # type: ignore[attr-defined]
        bare_stats = pstats.Stats(bare_profiler)
        theirs = {k: v[3] / v[1] for k, v in bare_stats.stats.items()}  # type: ignore[attr-defined]
        rows = sorted(
            ((mine[k] - theirs.get(k, 0.0), k) for k in mine), key=lambda r: r[0], reverse=True
        )
        if args.callees:
            print("\nbare view:")
            bare_stats.sort_stats("cumulative").print_callees(args.callees)
        print("profiled ms per request: submission - bare, by function (cumulative)")
        for diff, (file, line, name) in rows[: args.compare]:
            print(f"{diff * 1000:8.3f}  {file[-60:]}:{line}({name})")
    if args.compare_own:
        # Own time (not counting callees) per request, and calls per request: where the
        # submission's extra time is spent, C functions (SQLite) included.
        bare_own = pstats.Stats(bare_profiler).stats  # type: ignore[attr-defined]
        rows = []
        for key, (_, calls, own, _, _) in stats.stats.items():  # type: ignore[attr-defined]
            _, theirs_calls, theirs_own, _, _ = bare_own.get(key, (0, 0, 0.0, 0.0, {}))
            rows.append(((own - theirs_own) / n, calls / n, theirs_calls / n, key))
        rows.sort(key=lambda r: r[0], reverse=True)
        print("profiled own ms per request: submission - bare (calls per request: both)")
        for diff, calls, theirs_calls, (file, line, name) in rows[: args.compare_own]:
            print(
                f"{diff * 1000:8.3f}  {calls:6.1f} {theirs_calls:6.1f}  {file[-55:]}:{line}({name})"
            )
    connection.close()
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
