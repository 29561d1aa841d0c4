"""A bounded load test of Onramp's main pages and API, on this machine only.

    python bench/load.py [--size 2000] [--clients 32] [--duration 20] [--max-requests 40000]

It builds a throwaway installation in a temporary folder (SQLite, `onramp migrate`, `onramp demo
--size N`), starts `onramp serve --workers 2` on 127.0.0.1, signs in as the demo viewer (session
cookie) and creates an API token for the same user, then runs two phases with the same clients:

1. the mix: home, services, org tree, a unit, people search (pages, with the session) and the
   services and people lists of the API (with the token), each client taking them in turn;
2. the baseline: the same clients on /login/, a page that reads nothing from the database, so
   that the ratio says what the pages cost beyond the HTTP stack and this client.

Bounded: each phase stops at --duration seconds or --max-requests requests, whichever comes
first; only 127.0.0.1 is ever contacted. Prints requests, errors, throughput and latency
percentiles per endpoint; exits 1 if any request failed (a non-200 answer or no answer).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
MAX_DURATION = 120.0
MAX_REQUESTS = 200_000

SETUP = """
import json
from django.conf import settings
from onramp.core.models import User
from onramp.core.services import api_token_create
from onramp.org.models import OrgUnit, Person
viewer = User.objects.get(username="viewer")
_token, raw = api_token_create(user=viewer, name="bench")
root = OrgUnit.objects.filter(parent=None).order_by("id").first()
active = Person.objects.filter(active=True).order_by("id")
person = active[active.count() // 2]
print(json.dumps({
    "token": raw,
    "unit": root.pk,
    "search": person.name.split()[-1][:4],
    "password": settings.ONRAMP["DEMO_PASSWORD"],
    "people": Person.objects.filter(active=True).count(),
    "units": OrgUnit.objects.count(),
}))
"""


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    auth: str  # "session", "token" or "none"


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    first_error: str = ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def run(argv: list[str], env: dict[str, str], *, timeout: float = 900) -> str:
    done = subprocess.run(
        argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv[2:])} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def onramp(*args: str) -> list[str]:
    return [sys.executable, "-m", "onramp", *args]


class Client:
    """One keep-alive HTTP connection to the server, reopened when the server closes it
    (gunicorn's sync workers close after every answer)."""

    def __init__(self, port: int, headers: dict[str, dict[str, str]]) -> None:
        self.port = port
        self.headers = headers
        self.conn: http.client.HTTPConnection | None = None

    def get(self, endpoint: Endpoint) -> tuple[int, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        try:
            self.conn.request("GET", endpoint.path, headers=self.headers[endpoint.auth])
            response = self.conn.getresponse()
            body = response.read()
            if response.will_close:
                self.close()
            return response.status, body
        except (OSError, http.client.HTTPException):
            self.close()
            raise

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def load(
    port: int,
    endpoints: list[Endpoint],
    headers: dict[str, dict[str, str]],
    *,
    clients: int,
    duration: float,
    max_requests: int,
) -> tuple[dict[str, Tally], float]:
    """Run `clients` threads over the endpoints until the time or the request budget is spent.
    Returns the tallies per endpoint and the wall time taken."""
    budget = itertools.count()  # next() is atomic under the GIL: a shared request counter
    tallies = [{e.name: Tally() for e in endpoints} for _ in range(clients)]
    started = time.perf_counter()
    deadline = started + duration

    def client(index: int) -> None:
        http_client = Client(port, headers)
        mine = tallies[index]
        for turn in itertools.count(index):
            if time.perf_counter() >= deadline or next(budget) >= max_requests:
                break
            endpoint = endpoints[turn % len(endpoints)]
            tally = mine[endpoint.name]
            t0 = time.perf_counter()
            try:
                status, body = http_client.get(endpoint)
            except (OSError, http.client.HTTPException) as exc:
                status, body = 0, repr(exc).encode()
            tally.latencies.append(time.perf_counter() - t0)
            if status != 200:
                tally.errors += 1
                tally.first_error = tally.first_error or f"{status}: {body[:200]!r}"
        http_client.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration + 60)
    elapsed = time.perf_counter() - started
    merged: dict[str, Tally] = {e.name: Tally() for e in endpoints}
    for per_client in tallies:
        for name, tally in per_client.items():
            merged[name].latencies += tally.latencies
            merged[name].errors += tally.errors
            merged[name].first_error = merged[name].first_error or tally.first_error
    return merged, elapsed


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(q * (len(sorted_values) - 1))))
    return sorted_values[index]


def summarise(tallies: dict[str, Tally], elapsed: float) -> dict[str, dict[str, float]]:
    rows = {}
    for name, tally in tallies.items():
        values = sorted(tally.latencies)
        rows[name] = {
            "requests": len(values),
            "errors": tally.errors,
            "rps": len(values) / elapsed if elapsed else 0.0,
            "p50_ms": percentile(values, 0.50) * 1000,
            "p90_ms": percentile(values, 0.90) * 1000,
            "p99_ms": percentile(values, 0.99) * 1000,
        }
    total = sum(len(t.latencies) for t in tallies.values())
    rows["ALL"] = {
        "requests": total,
        "errors": sum(t.errors for t in tallies.values()),
        "rps": total / elapsed if elapsed else 0.0,
        **{
            key: percentile(sorted(v for t in tallies.values() for v in t.latencies), q) * 1000
            for key, q in (("p50_ms", 0.5), ("p90_ms", 0.9), ("p99_ms", 0.99))
        },
    }
    return rows


def print_table(title: str, rows: dict[str, dict[str, float]], baseline_p50: float) -> None:
    print(f"\n{title}")
    head = f"{'endpoint':<26}{'requests':>9}{'errors':>7}{'req/s':>8}{'p50 ms':>8}{'p90 ms':>8}{'p99 ms':>8}{'p50/base':>9}"
    print(head)
    print("-" * len(head))
    for name, r in rows.items():
        ratio = r["p50_ms"] / baseline_p50 if baseline_p50 else float("nan")
        print(
            f"{name:<26}{r['requests']:>9}{r['errors']:>7}{r['rps']:>8.1f}{r['p50_ms']:>8.1f}"
            f"{r['p90_ms']:>8.1f}{r['p99_ms']:>8.1f}{ratio:>9.1f}"
        )


def sign_in(port: int, username: str, password: str) -> str:
    """The session id of `username`, signed in through the real login form."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", "/login/")
    page = conn.getresponse()
    body = page.read().decode()
    cookies = {
        c.split("=", 1)[0]: c.split("=", 1)[1].split(";", 1)[0]
        for c in page.headers.get_all("Set-Cookie") or []
    }
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if not csrf or "csrftoken" not in cookies:
        sys.exit("The login page has no CSRF token: cannot sign in.")
    form = f"username={username}&password={password}&csrfmiddlewaretoken={csrf[1]}"
    conn.close()
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request(
        "POST",
        "/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
        },
    )
    answer = conn.getresponse()
    answer.read()
    for cookie in answer.headers.get_all("Set-Cookie") or []:
        if cookie.startswith("sessionid="):
            return cookie.split("=", 1)[1].split(";", 1)[0]
    sys.exit(f"Signing in as {username} failed (HTTP {answer.status}).")


def wait_until_up(port: int, server: subprocess.Popen, log: Path, *, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"onramp serve exited:\n{log.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/login/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    sys.exit(f"onramp serve did not answer within {timeout:.0f} s.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=2000, help="demo people (default 2000)")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (32)")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase (20)")
    parser.add_argument("--max-requests", type=int, default=40_000, help="per phase (40000)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    if not 0 < args.duration <= MAX_DURATION:
        parser.error(f"--duration must be more than 0 and at most {MAX_DURATION:.0f} seconds.")
    if not 0 < args.max_requests <= MAX_REQUESTS:
        parser.error(f"--max-requests must be between 1 and {MAX_REQUESTS}.")
    if not 1 <= args.clients <= 256:
        parser.error("--clients must be between 1 and 256.")

    tmp = Path(tempfile.mkdtemp(prefix="onramp-bench-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DEBUG"}}
    env.update(
        ONRAMP_VAR_DIR=str(tmp / "var"),
        DJANGO_SETTINGS_MODULE="onramp.settings",
        DEBUG="false",
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    server: subprocess.Popen | None = None
    try:
        t0 = time.perf_counter()
        run(onramp("migrate", "--noinput"), env)
        run(onramp("demo", "--size", str(args.size)), env)
        facts = json.loads(
            run([sys.executable, "-c", "import django; django.setup()\n" + SETUP], env)
            .strip()
            .splitlines()[-1]
        )
        print(
            f"Demo company: {facts['people']} active people, {facts['units']} units "
            f"(built in {time.perf_counter() - t0:.0f} s)."
        )
        port = free_port()
        log = tmp / "serve.log"
        with log.open("wb") as out:
            server = subprocess.Popen(
                onramp(
                    "serve",
                    "--bind",
                    f"{HOST}:{port}",
                    "--workers",
                    str(args.workers),
                    "--no-access-log",
                ),
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until_up(port, server, log, timeout=120)
        session = sign_in(port, "viewer", facts["password"])
        headers = {
            "none": {},
            "session": {"Cookie": f"sessionid={session}"},
            "token": {"Authorization": f"Bearer {facts['token']}"},
        }
        mix = [
            Endpoint("page: home", "/", "session"),
            Endpoint("page: services", "/services/", "session"),
            Endpoint("page: org tree", "/org/", "session"),
            Endpoint("page: unit (root)", f"/org/units/{facts['unit']}/", "session"),
            Endpoint("page: people search", f"/org/people/?q={facts['search']}", "session"),
            Endpoint("api: services", "/api/v1/services", "token"),
            Endpoint("api: people", "/api/v1/people", "token"),
        ]
        baseline = [Endpoint("baseline: /login/", "/login/", "none")]
        for endpoint in mix + baseline:  # warm up, and fail early on a broken endpoint
            status, body = Client(port, headers).get(endpoint)
            if status != 200:
                sys.exit(f"{endpoint.path} answered {status}: {body[:300]!r}")

        bounds = {
            "clients": args.clients,
            "duration": args.duration,
            "max_requests": args.max_requests,
        }
        load_before = os.getloadavg()[0]
        mixed, mixed_time = load(port, mix, headers, **bounds)
        base, base_time = load(port, baseline, headers, **bounds)
        load_after = os.getloadavg()[0]
        base_rows = summarise(base, base_time)
        mix_rows = summarise(mixed, mixed_time)
        base_p50 = base_rows["ALL"]["p50_ms"]
        print(
            f"\n{args.clients} clients, {args.workers} gunicorn workers, phases of at most "
            f"{args.duration:.0f} s / {args.max_requests} requests, {os.cpu_count()} CPUs; "
            f"load average {load_before:.1f} before, {load_after:.1f} after (other processes "
            "on this machine share the CPUs with the server and this client)"
        )
        print_table(f"Mix ({mixed_time:.1f} s)", mix_rows, base_p50)
        print_table(f"Baseline ({base_time:.1f} s)", base_rows, base_p50)
        ratio = base_rows["ALL"]["rps"] / mix_rows["ALL"]["rps"] if mix_rows["ALL"]["rps"] else 0
        print(
            f"\nThroughput: mix {mix_rows['ALL']['rps']:.0f} req/s, baseline "
            f"{base_rows['ALL']['rps']:.0f} req/s: the mix costs {ratio:.1f}x the baseline."
        )
        errors = mix_rows["ALL"]["errors"] + base_rows["ALL"]["errors"]
        for name, tally in {**mixed, **base}.items():
            if tally.errors:
                print(f"First error on {name}: {tally.first_error}")
        print(f"Errors: {errors}")
        if args.json:
            args.json.write_text(
                json.dumps(
                    {
                        "bounds": bounds,
                        "facts": {k: v for k, v in facts.items() if k in ("people", "units")},
                        "load_average": [load_before, load_after],
                        "mix": mix_rows,
                        "baseline": base_rows,
                    },
                    indent=2,
                )
            )
        return 1 if errors else 0
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
