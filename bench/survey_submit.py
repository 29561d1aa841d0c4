"""Survey submissions under load, against `onramp serve` on 127.0.0.1 only.

    python bench/survey_submit.py [--clients 64] [--duration 30] [--workers 2] [--people 30000]

Builds a throwaway installation (SQLite in a temporary folder, or the PostgreSQL of DATABASE_URL
if set), an anonymous NPS + CSAT survey sent to --people invitees (personal links generated
here), starts the gunicorn command of `onramp serve --workers N` twice (Onramp, and a bare
Django app behind the same settings and middleware, bench/support/bare_urls.py) and measures two
phases with the same clients:

1. submissions: each client takes fresh personal links and POSTs a complete answer to each
   (/s/<token>/), counting an answer accepted when the thank-you page comes back;
2. the baseline: the same clients POST the same form to the bare, csrf-protected view.

Each is first warmed up for 3 s under the same load, not counted (every worker imports its
URLconf and fills its per-process caches). The measured time then alternates between the two
in slices of about 10 s (submissions, bare, bare, submissions, ...), so that both see the same
machine when other work comes and goes on it. Prints both throughputs, the CPU time the server
processes and the client threads spent per request, the share of the machine's CPU left idle
(waits: locks, I/O), their ratio (target: submissions at least half the bare view),
errors (must be 0) and checks that every accepted answer is stored (responses in the database
equal accepted submissions). `--profile DIR` runs the workers under cProfile
(bench/support/profiled_wsgi.py). Bounded in time and requests; contacts 127.0.0.1 only. Exit 1
on an error or a lost answer.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
# Seconds of the same load before each measured phase, not counted: every worker has imported
# the URLconf and computed its per-process caches (the survey's shape) when measuring starts.
WARM_UP = 3.0
# Seconds of each measured slice: the two phases take turns (see main).
SLICE = 10.0
ONRAMP = [sys.executable, "-m", "onramp"]

SETUP = r"""
import secrets, datetime as dt
from django.utils import timezone
from onramp.catalog.services import service_create
from onramp.org.models import OrgUnit, Person
from onramp.org.services import unit_create, unit_paths_rebuild
from onramp.surveys.models import Invitation, hash_survey_token
from onramp.surveys.services import survey_create, survey_open
N = {people}
company = unit_create(code="CO", name="Bench Co", kind="company")
teams = [unit_create(code=f"T{{i}}", name=f"Team {{i}}", kind="team", parent=company) for i in range(100)]
Person.objects.bulk_create([Person(employee_id=f"E{{i}}", name=f"Person {{i}}", email=f"p{{i}}@bench.test", unit=teams[i % 100]) for i in range(N)], batch_size=5000)
service = service_create(name="Bench service")
today = timezone.localdate()
survey = survey_create(service=service, title="Bench pulse", instruments=["nps", "csat"], anonymity="anonymous",
                       opens_on=today - dt.timedelta(days=1), closes_on=today + dt.timedelta(days=2))
survey_open(survey=survey)
tokens = [secrets.token_urlsafe(24) for _ in range(N)]
people = list(Person.objects.order_by("id").values_list("id", flat=True))
Invitation.objects.bulk_create([Invitation(survey=survey, person_id=p, token_hash=hash_survey_token(t), invited_on=today) for p, t in zip(people, tokens)], batch_size=5000)
nps, why, csat = survey.questions.order_by("order")
open("{tokens_file}", "w").write("\n".join(tokens))
print("FIELDS", f"q{{nps.pk}}=9&q{{csat.pk}}=4")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def run(cmd: list[str], env: dict[str, str]) -> str:
    out = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"{' '.join(cmd[:4])} failed:\n{out.stderr[-3000:]}")
    return out.stdout


def start(argv: list[str], env: dict[str, str], port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        argv,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection(HOST, port, timeout=2)
            c.request("GET", "/login/")
            c.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.3)
    stop(proc)
    sys.exit("The server did not start within 60 s.")


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def group_cpu(pgid: int) -> tuple[float, float]:
    """CPU seconds (user, system) used so far by the live processes of a process group: the
    gunicorn master and its workers."""
    user = system = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            user, system = user + int(fields[11]), system + int(fields[12])
    return user / os.sysconf("SC_CLK_TCK"), system / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(idle, total) clock ticks of all CPUs so far (/proc/stat): idle includes I/O wait."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return values[3] + values[4], sum(values[:8])


def csrf_cookie(port: int) -> str:
    c = http.client.HTTPConnection(HOST, port, timeout=10)
    c.request("GET", "/login/")
    r = c.getresponse()
    r.read()
    match = re.search(r"csrftoken=([^;]+)", r.getheader("Set-Cookie") or "")
    if not match:
        sys.exit(f"No CSRF cookie from /login/ (HTTP {r.status}, {r.getheaders()}).")
    return match.group(1)


class Phase:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ok = 0
        self.errors: dict[str, int] = {}
        self.latencies: list[float] = []
        self.server_cpu = 0.0
        self.server_system = 0.0
        self.client_cpu = 0.0
        self.idle_ticks = 0
        self.total_ticks = 0

    def idle(self) -> float:
        """The share of the machine's CPU time left idle (or waiting for I/O) meanwhile."""
        return self.idle_ticks / self.total_ticks if self.total_ticks else float("nan")

    def others(self) -> float:
        """The share of the machine's CPU time that neither the server nor the clients used
        meanwhile: other processes, and the kernel's own work (writing files back to disk...)."""
        if not self.total_ticks:
            return float("nan")
        busy = (self.total_ticks - self.idle_ticks) / os.sysconf("SC_CLK_TCK")
        total = self.total_ticks / os.sysconf("SC_CLK_TCK")
        return max(0.0, busy - self.server_cpu - self.client_cpu) / total

    def add(self, other: Phase) -> None:
        self.ok += other.ok
        self.latencies += other.latencies
        self.server_cpu += other.server_cpu
        self.server_system += other.server_system
        self.client_cpu += other.client_cpu
        self.idle_ticks += other.idle_ticks
        self.total_ticks += other.total_ticks
        for what, count in other.errors.items():
            self.errors[what] = self.errors.get(what, 0) + count

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1


def client(
    port: int,
    paths: Iterator[str],
    body_fields: str,
    cookie: str,
    expect: bytes,
    deadline: float,
    phase: Phase,
) -> None:
    body = f"{body_fields}&csrfmiddlewaretoken={cookie}".encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={cookie}"}
    ok, lat = 0, []
    for path in paths:
        if time.time() >= deadline:
            break
        t0 = time.perf_counter()
        try:
            c = http.client.HTTPConnection(HOST, port, timeout=30)
            c.request("POST", path, body=body, headers=headers)
            r = c.getresponse()
            data = r.read()
            c.close()
        except OSError as exc:
            phase.error(type(exc).__name__)
            continue
        if r.status == 200 and expect in data:
            ok += 1
            lat.append(time.perf_counter() - t0)
        else:
            phase.error(f"HTTP {r.status}")
    with phase.lock:
        phase.ok += ok
        phase.latencies += lat


def drive(
    server: subprocess.Popen,
    port: int,
    paths_per_client: list[Iterator[str]],
    fields: str,
    expect: bytes,
    duration: float,
) -> tuple[Phase, float]:
    cookie = csrf_cookie(port)
    phase = Phase()
    cpu0 = group_cpu(server.pid)
    idle0, total0 = machine_ticks()
    client0 = time.process_time()
    deadline = time.time() + duration
    threads = [
        threading.Thread(target=client, args=(port, paths, fields, cookie, expect, deadline, phase))
        for paths in paths_per_client
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    user1, system1 = group_cpu(server.pid)
    phase.server_cpu = user1 + system1 - sum(cpu0)
    phase.server_system = system1 - cpu0[1]
    phase.client_cpu = time.process_time() - client0
    idle1, total1 = machine_ticks()
    phase.idle_ticks, phase.total_ticks = idle1 - idle0, total1 - total0
    return phase, elapsed


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] * 1000


def cpu_ms(phase: Phase) -> float:
    return phase.server_cpu / phase.ok * 1000 if phase.ok else float("nan")


def system_ms(phase: Phase) -> float:
    return phase.server_system / phase.ok * 1000 if phase.ok else float("nan")


def client_ms(phase: Phase) -> float:
    return phase.client_cpu / phase.ok * 1000 if phase.ok else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--people", type=int, default=30_000, help="invitees, so links never run out"
    )
    parser.add_argument(
        "--profile",
        metavar="DIR",
        help="run the workers under cProfile, writing DIR/worker-<pid>.prof and bare-<pid>.prof",
    )
    args = parser.parse_args()
    duration = min(args.duration, 120.0)
    with tempfile.TemporaryDirectory(prefix="onramp-bench-survey-") as tmp:
        env = {
            **os.environ,
            "ONRAMP_VAR_DIR": tmp,
            "DEBUG": "false",
            "ALLOWED_HOSTS": HOST,
            "ONRAMP_RATE_LIMIT_PUBLIC": "100000000/minute",
            "ONRAMP_RATE_LIMIT_LOGIN": "100000000/minute",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        if args.profile:
            Path(args.profile).mkdir(parents=True, exist_ok=True)
            env["BENCH_PROFILE_DIR"] = str(Path(args.profile).resolve())
        print(f"Setting up {args.people:,} invitees in {tmp} ...", flush=True)
        run([*ONRAMP, "migrate", "-v0"], env)
        tokens_file = Path(tmp) / "tokens.txt"
        out = run(
            [*ONRAMP, "shell", "-c", SETUP.format(people=args.people, tokens_file=tokens_file)], env
        )
        fields = out.split("FIELDS", 1)[1].strip().splitlines()[0]
        tokens = tokens_file.read_text().split("\n")
        # One iterator of fresh links per client: the warm-up takes the first ones, the measured
        # phase goes on with the rest.
        per_client = [
            iter([f"/s/{t}/" for t in tokens[i :: args.clients]]) for i in range(args.clients)
        ]

        from onramp.core.management.commands.serve import gunicorn_argv  # noqa: PLC0415

        run([*ONRAMP, "collectstatic", "--noinput", "-v0"], env)
        servers: dict[str, tuple[subprocess.Popen, int]] = {}
        try:
            for name, app in (
                ("survey", "onramp.wsgi:application"),
                ("bare", "bench.support.bare_wsgi:application"),
            ):
                port = free_port()
                argv = gunicorn_argv(
                    bind=f"{HOST}:{port}", workers=args.workers, timeout=60, access_log=False
                )
                argv[-1] = "bench.support.profiled_wsgi:application" if args.profile else app
                profile_env = {"BENCH_PROFILE_APP": "bare"} if name == "bare" else {}
                servers[name] = (start(argv, {**env, **profile_env}, port), port)
            bare_paths = [iter(["/bare/"] * args.people) for _ in range(args.clients)]
            phases = {
                "survey": (per_client, b"Thank you"),
                "bare": (bare_paths, b"ok"),
            }

            def slice_of(name: str, seconds: float) -> tuple[Phase, float]:
                server, port = servers[name]
                paths, expect = phases[name]
                return drive(server, port, paths, fields, expect, seconds)

            warm = {name: slice_of(name, WARM_UP)[0] for name in phases}
            for name, got in warm.items():
                print(f"  warm-up {name:<6} {got.ok / WARM_UP:7.1f}/s", flush=True)
            # The measured time alternates between the two in slices, in the order ABBA BA...,
            # so that both see the same machine when other work comes and goes on it.
            slices = max(1, round(duration / SLICE))
            totals = {name: (Phase(), 0.0) for name in phases}
            for i in range(slices):
                for name in ("survey", "bare") if i % 2 == 0 else ("bare", "survey"):
                    got, seconds = slice_of(name, duration / slices)
                    print(
                        f"  slice {i + 1}/{slices} {name:<6} {got.ok / seconds:7.1f}/s  "
                        f"server CPU {cpu_ms(got):5.2f} ms/request  "
                        f"idle {got.idle():4.0%}  others {got.others():4.0%}  load {os.getloadavg()[0]:.2f}",
                        flush=True,
                    )
                    total, elapsed = totals[name]
                    total.add(got)
                    totals[name] = (total, elapsed + seconds)
        finally:
            for server, _ in servers.values():
                stop(server)
        (survey, survey_time), (bare, bare_time) = totals["survey"], totals["bare"]
        stored = int(
            run(
                [
                    *ONRAMP,
                    "shell",
                    "-c",
                    "from onramp.surveys.models import Response; print(Response.objects.count())",
                ],
                env,
            )
            .strip()
            .splitlines()[-1]
        )

    s_rate, b_rate = survey.ok / survey_time, bare.ok / bare_time
    ratio = s_rate / b_rate if b_rate else float("nan")
    print(
        f"\nSurvey submissions, {args.clients} clients, {duration:.0f} s each in slices of "
        f"{duration / max(1, round(duration / SLICE)):.0f} s, gunicorn --workers {args.workers}"
    )
    print(
        f"  submissions  {survey.ok:>8,}  {s_rate:8.1f}/s   p50 {pct(survey.latencies, 0.5):6.1f} ms  p99 {pct(survey.latencies, 0.99):6.1f} ms  errors {sum(survey.errors.values())} {survey.errors or ''}"
    )
    print(
        f"  bare view    {bare.ok:>8,}  {b_rate:8.1f}/s   p50 {pct(bare.latencies, 0.5):6.1f} ms  p99 {pct(bare.latencies, 0.99):6.1f} ms  errors {sum(bare.errors.values())} {bare.errors or ''}"
    )
    print(
        f"  server CPU   {cpu_ms(survey):.2f} ms per submission, {cpu_ms(bare):.2f} ms per bare "
        f"request (gunicorn master and workers, user + system; system alone {system_ms(survey):.2f}"
        f" and {system_ms(bare):.2f} ms)"
    )
    print(
        f"  client CPU   {client_ms(survey):.2f} ms per submission, {client_ms(bare):.2f} ms per bare "
        "request (this process's client threads)"
    )
    print(
        f"  idle CPU     {survey.idle():.0%} of the machine during submissions, "
        f"{bare.idle():.0%} during the bare view (idle or waiting for I/O); other processes "
        f"used {survey.others():.0%} and {bare.others():.0%}"
    )
    print(f"  ratio        {ratio:.2f} (target >= 0.50)")
    accepted = warm["survey"].ok + survey.ok
    print(
        f"  stored       {stored:,} responses for {accepted:,} accepted submissions "
        f"({warm['survey'].ok:,} of them in the {WARM_UP:.0f} s warm-up)"
    )
    result = {
        "submissions_per_s": round(s_rate, 1),
        "bare_per_s": round(b_rate, 1),
        "ratio": round(ratio, 2),
        "errors": sum(sum(p.errors.values()) for p in (*warm.values(), survey, bare)),
        "accepted": accepted,
        "stored": stored,
        "server_cpu_ms_per_submission": round(cpu_ms(survey), 2),
        "server_cpu_ms_per_bare": round(cpu_ms(bare), 2),
        "server_system_ms_per_submission": round(system_ms(survey), 2),
        "server_system_ms_per_bare": round(system_ms(bare), 2),
        "client_cpu_ms_per_submission": round(client_ms(survey), 2),
        "client_cpu_ms_per_bare": round(client_ms(bare), 2),
        "idle_submissions": round(survey.idle(), 3),
        "idle_bare": round(bare.idle(), 3),
        "others_submissions": round(survey.others(), 3),
        "others_bare": round(bare.others(), 3),
        "loadavg_1m": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result))
    print("  target       " + ("met" if ratio >= 0.5 else "MISSED: see docs/performance.md"))
    # A lost answer or an error fails the run; a missed speed target is reported, not fatal.
    return 1 if result["errors"] or stored != accepted else 0


if __name__ == "__main__":
    sys.exit(main())
