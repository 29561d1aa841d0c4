"""/healthz for load balancers and /metrics for Prometheus."""

from __future__ import annotations

import datetime as dt
import hmac
import logging
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from onramp.core.access import PUBLIC, access

log = logging.getLogger(__name__)
_migrations_done = False  # once true it stays true: this process's code cannot gain migrations


def check_database() -> dict[str, Any]:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"ok": False, "detail": f"The database cannot be reached: {exc.__class__.__name__}."}
    return {"ok": True, "detail": connections[DEFAULT_DB_ALIAS].vendor}


def check_migrations() -> dict[str, Any]:
    global _migrations_done
    if _migrations_done:
        return {"ok": True, "detail": "All migrations are applied."}
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return {"ok": False, "detail": f"Migrations could not be read: {exc.__class__.__name__}."}
    if plan:
        return {
            "ok": False,
            "detail": f"{len(plan)} migrations are not applied: run `onramp migrate`.",
        }
    _migrations_done = True
    return {"ok": True, "detail": "All migrations are applied."}


def last_heartbeat() -> dt.datetime | None:
    from onramp.core.tasks import last_worker_heartbeat

    return last_worker_heartbeat()


def check_worker() -> dict[str, Any]:
    max_age = dt.timedelta(seconds=settings.ONRAMP["HEARTBEAT_MAX_AGE"])
    try:
        beat = last_heartbeat()
    except Exception as exc:
        return {
            "ok": False,
            "detail": f"The heartbeat could not be read: {exc.__class__.__name__}.",
        }
    if beat is None:
        return {"ok": False, "detail": "No worker has ever run: start `onramp worker`."}
    age = (timezone.now() - beat).total_seconds()
    ok = age <= max_age.total_seconds()
    return {
        "ok": ok,
        "detail": (
            f"A worker ran {age:.0f} s ago."
            if ok
            else f"No worker has run for {age:.0f} s (more than {max_age.seconds} s): "
            "check that `onramp worker` is running."
        ),
        "last_heartbeat": beat.isoformat(),
    }


def health_report() -> tuple[bool, dict[str, dict[str, Any]]]:
    checks = {"database": check_database()}
    if checks["database"]["ok"]:
        checks["migrations"] = check_migrations()
        checks["worker"] = check_worker()
    else:
        skipped = {"ok": False, "detail": "Not checked: the database cannot be reached."}
        checks["migrations"] = dict(skipped)
        checks["worker"] = dict(skipped)
    return all(c["ok"] for c in checks.values()), checks


@never_cache
@access(PUBLIC)
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, every migration is applied and a worker ran recently;
    503 otherwise. The body says which check failed."""
    ok, checks = health_report()
    if not ok:
        log.warning("Health check failed: %s", {k: v["detail"] for k, v in checks.items()})
    return JsonResponse(
        {"status": "ok" if ok else "fail", "checks": checks}, status=200 if ok else 503
    )


@never_cache
@access(PUBLIC)
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus metrics. 404 unless ONRAMP_METRICS=true; with ONRAMP_METRICS_TOKEN set, the
    scraper must send it as `Authorization: Bearer <token>`."""
    if not settings.ONRAMP["METRICS"]:
        raise Http404("Metrics are off: set ONRAMP_METRICS=true to turn them on.")
    token = settings.ONRAMP["METRICS_TOKEN"]
    if token:
        sent = request.headers.get("Authorization", "")
        if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
            response = HttpResponse(
                "Send the metrics token as 'Authorization: Bearer <token>'.\n",
                status=401,
                content_type="text/plain",
            )
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
            return response
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    from onramp.audit.observability import metrics_registry

    return HttpResponse(generate_latest(metrics_registry()), content_type=CONTENT_TYPE_LATEST)
