from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from onramp.audit import health

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_migration_check(monkeypatch):
    monkeypatch.setattr(health, "_migrations_done", False)


def _run_worker_heartbeat() -> None:
    from onramp.core.tasks import worker_heartbeat

    worker_heartbeat.enqueue()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def test_healthz_is_ok_for_anyone_when_the_database_migrations_and_worker_are(client):
    _run_worker_heartbeat()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "worker"}
    assert all(check["ok"] for check in body["checks"].values())
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_fails_when_no_worker_ever_ran(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    worker = response.json()["checks"]["worker"]
    assert worker["ok"] is False
    assert "start `onramp worker`" in worker["detail"]
    assert response.json()["checks"]["database"]["ok"] is True


def test_healthz_fails_when_the_last_heartbeat_is_too_old(client, settings):
    from django_tasks_db.models import DBTaskResult

    _run_worker_heartbeat()
    DBTaskResult.objects.update(finished_at=timezone.now() - dt.timedelta(hours=1))
    settings.ONRAMP = {**settings.ONRAMP, "HEARTBEAT_MAX_AGE": 300}
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "No worker has run for" in response.json()["checks"]["worker"]["detail"]


def test_healthz_fails_while_migrations_are_pending(client, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    _run_worker_heartbeat()
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("m", False)])
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "run `onramp migrate`" in response.json()["checks"]["migrations"]["detail"]


def test_healthz_fails_when_the_database_cannot_be_reached(client, monkeypatch):
    from django.db import OperationalError

    class Unreachable:
        vendor = "postgresql"

        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connections", {"default": Unreachable()})
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == {
        "ok": False,
        "detail": "The database cannot be reached: OperationalError.",
    }
    assert checks["worker"]["detail"].startswith("Not checked")


def test_metrics_are_off_by_default(client):
    assert client.get("/metrics").status_code == 404


def test_metrics_count_requests_by_view_and_report_domain_gauges(
    client_for, viewer, settings, small_org, service
):
    settings.ONRAMP = {**settings.ONRAMP, "METRICS": True, "METRICS_TOKEN": ""}
    signed_in = client_for(viewer)
    signed_in.get(reverse("org:people"))
    signed_in.get(reverse("org:people"))
    body = client_for(None).get("/metrics").content.decode()
    lines = body.splitlines()
    people_requests = [
        line
        for line in lines
        if line.startswith("onramp_http_requests_total{")
        and 'view="org:people"' in line
        and 'status="200"' in line
    ]
    assert people_requests and float(people_requests[0].rsplit(" ", 1)[1]) >= 2
    assert any(
        line.startswith("onramp_http_request_duration_seconds_bucket{")
        and 'view="org:people"' in line
        for line in lines
    )
    assert "onramp_people_active 6.0" in lines
    assert "onramp_services 1.0" in lines
    assert any(line.startswith("onramp_tasks_pending ") for line in lines)


def test_metrics_need_the_token_when_one_is_set(client, settings):
    settings.ONRAMP = {**settings.ONRAMP, "METRICS": True, "METRICS_TOKEN": "s3cret"}
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret")
    assert response.status_code == 200
    assert "onramp_http_requests_total" in response.content.decode()


def test_healthz_answers_over_plain_http_when_https_is_enforced(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/login/").status_code == 301
    assert client.get("/healthz").status_code in (200, 503)
