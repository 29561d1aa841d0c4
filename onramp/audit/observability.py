"""Prometheus metrics: request counts and latencies by view, and a few gauges read at scrape time.

Off unless ONRAMP_METRICS=true. With several gunicorn processes, set PROMETHEUS_MULTIPROC_DIR to an
empty directory shared by them (prometheus_client's multiprocess mode) so /metrics sums them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

from django.http import HttpRequest, HttpResponse
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

REQUESTS = Counter(
    "onramp_http_requests_total",
    "HTTP requests handled, by view, method and status code.",
    ["view", "method", "status"],
)
LATENCY = Histogram(
    "onramp_http_request_duration_seconds",
    "Time to answer an HTTP request, by view.",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)


def view_label(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unresolved>"  # 404s and static files: one label, not one per path
    return match.view_name or match._func_path


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        view = view_label(request)
        LATENCY.labels(view, request.method).observe(time.perf_counter() - started)
        REQUESTS.labels(view, request.method, str(response.status_code)).inc()
        return response


class DomainCollector(Collector):
    """Gauges counted in the database when Prometheus scrapes."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django_tasks import TaskResultStatus
        from django_tasks_db.models import DBTaskResult

        from onramp.catalog.models import Service
        from onramp.org.models import Person

        yield GaugeMetricFamily(
            "onramp_people_active",
            "Active people in the organisation.",
            value=Person.objects.filter(active=True).count(),
        )
        yield GaugeMetricFamily(
            "onramp_services",
            "Services in the catalog that are not archived.",
            value=Service.objects.filter(archived_at__isnull=True).count(),
        )
        yield GaugeMetricFamily(
            "onramp_tasks_pending",
            "Background tasks waiting for a worker.",
            value=DBTaskResult.objects.filter(status=TaskResultStatus.READY).count(),
        )


def metrics_registry() -> CollectorRegistry:
    """The registry /metrics exposes: this process's (or, in multiprocess mode, every
    process's) request metrics plus the domain gauges."""

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        for collector in (REQUESTS, LATENCY):
            registry.register(collector)
    registry.register(DomainCollector())
    return registry
