from __future__ import annotations

import datetime as dt
from typing import Any

from auditlog.models import LogEntry
from django.core.paginator import Paginator
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse

from onramp.audit import selectors
from onramp.audit.context import SOURCES
from onramp.audit.registration import service_id_of, service_paths
from onramp.catalog.models import Service
from onramp.catalog.selectors import service_can_read
from onramp.core.access import ADMIN, READ, access, ensure
from onramp.core.htmx import render_page
from onramp.core.tabular import csv_response, xlsx_response

# Pages of records that have no get_absolute_url, for the breadcrumbs of their history.
DETAIL_URLS = {"org.person": "org:person_detail", "org.orgunit": "org:unit_detail"}
EXPORT_LIMIT = 100_000


def record_url(instance: models.Model | None) -> str | None:
    if instance is None:
        return None
    name = DETAIL_URLS.get(instance._meta.label_lower)
    try:
        if name:
            return reverse(name, args=[instance.pk])
        if hasattr(instance, "get_absolute_url"):
            return instance.get_absolute_url()
    except NoReverseMatch:
        return None
    return None


def _rows(entries: Any) -> list[dict[str, Any]]:
    return [
        {
            "entry": e,
            "action": selectors.ACTIONS.get(e.action, str(e.action)),
            "actor": selectors.entry_actor(e),
            "source": selectors.entry_source(e),
            "changes": selectors.entry_changes(e),
        }
        for e in entries
    ]


def _export(request: HttpRequest, entries: QuerySet[LogEntry], stem: str) -> HttpResponse | None:
    fmt = request.GET.get("format", "")
    if fmt not in ("csv", "xlsx"):
        return None
    rows = list(selectors.export_rows(entries[:EXPORT_LIMIT]))
    if fmt == "csv":
        return csv_response(f"{stem}.csv", selectors.EXPORT_HEADERS, rows)
    return xlsx_response(f"{stem}.xlsx", {"Activity": (selectors.EXPORT_HEADERS, rows)})


def _ensure_may_read_history(
    user: Any, model: type[models.Model], instance: models.Model | None, entries: Any
) -> None:
    if model._meta.app_label == "core":
        ensure(user.is_pmo_admin, "Only PMO admins may read the history of accounts.")
        return
    if not service_paths(model):
        return  # organisation records: everyone with a role reads them
    service_id = service_id_of(instance) if instance is not None else None
    if service_id is None:
        service_id = selectors.service_id_in_entries(entries)
    service = Service.objects.filter(pk=service_id).first() if service_id else None
    if service is None:
        ensure(user.is_pmo_admin, "Only PMO admins may read the history of a deleted service.")
    else:
        ensure(
            service_can_read(user, service),
            "You may not read this history: ask the service owner to add you as a champion.",
        )


@access(READ)
def history(request: HttpRequest, app_label: str, model: str, pk: str) -> HttpResponse:
    model_class = selectors.audited_model(app_label, model)
    if model_class is None:
        raise Http404("No history is kept for this kind of record.")
    entries = selectors.entries_for_object(model_class, pk)
    try:
        instance = model_class._default_manager.filter(pk=pk).first()
    except (ValueError, TypeError):
        raise Http404("No such record.") from None
    if instance is None and not entries.exists():
        raise Http404("No such record.")
    _ensure_may_read_history(request.user, model_class, instance, entries)
    label = str(instance) if instance is not None else entries.first().object_repr
    export = _export(request, entries, f"history-{app_label}-{model}-{pk}")
    if export is not None:
        return export
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    kind = str(model_class._meta.verbose_name).capitalize()
    return render_page(
        request,
        "audit/history.html",
        {
            "title": f"History of {label}",
            "crumbs": [
                ("Home", reverse("home")),
                (f"{kind}: {label}", record_url(instance)),
                ("History", None),
            ],
            "page": page,
            "rows": _rows(page.object_list),
            "deleted": instance is None,
            "kind": kind,
        },
        partial="audit/partials/entries.html",
    )


@access(READ)
def service_activity(request: HttpRequest, slug: str) -> HttpResponse:
    service = get_object_or_404(Service, slug=slug)
    ensure(
        service_can_read(request.user, service),
        "You may not read this service's activity: ask its owner to add you as a champion.",
    )
    source = request.GET.get("source", "")
    entries = selectors.entry_list(
        source=source, queryset=selectors.entries_for_service(service.pk)
    )
    export = _export(request, entries, f"activity-{service.slug}")
    if export is not None:
        return export
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render_page(
        request,
        "audit/activity.html",
        {
            "title": f"Activity on {service.name}",
            "crumbs": [
                ("Home", reverse("home")),
                ("Services", reverse("catalog:service_list")),
                (service.name, service.get_absolute_url()),
                ("Activity", None),
            ],
            "page": page,
            "rows": _rows(page.object_list),
            "sources": SOURCES,
            "source": source,
            "show_record": True,
            "empty_text": (
                "Nothing has changed on this service yet. Edits to the service, its versions "
                "and its rollouts will appear here."
            ),
        },
        partial="audit/partials/entries.html",
    )


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@access(ADMIN)
def activity(request: HttpRequest) -> HttpResponse:
    source = request.GET.get("source", "")
    since = _date(request.GET.get("since", ""))
    until = _date(request.GET.get("until", ""))
    entries = selectors.entry_list(source=source, since=since, until=until)
    export = _export(request, entries, "activity")
    if export is not None:
        return export
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render_page(
        request,
        "audit/activity.html",
        {
            "title": "Activity",
            "crumbs": [("Home", reverse("home")), ("Activity", None)],
            "page": page,
            "rows": _rows(page.object_list),
            "sources": SOURCES,
            "source": source,
            "since": since,
            "until": until,
            "show_dates": True,
            "show_record": True,
            "empty_text": "No change matches these filters: widen the dates or pick any source.",
        },
        partial="audit/partials/entries.html",
    )
