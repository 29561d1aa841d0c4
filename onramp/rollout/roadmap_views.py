"""The roadmap across services, the change-load heatmap, exports and the iCalendar feed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from onramp.catalog.models import Service
from onramp.catalog.selectors import service_can_edit, service_can_read, service_list
from onramp.core.access import PUBLIC, READ, SIGNED_IN, access, ensure
from onramp.core.tabular import xlsx_response
from onramp.org.models import OrgUnit
from onramp.rollout import selectors, services
from onramp.rollout.changeload import change_load as compute_change_load
from onramp.rollout.changeload import week_start
from onramp.rollout.charts import heatmap_svg, roadmap_svg
from onramp.rollout.models import CalendarToken, Rollout, RolloutStatus
from onramp.rollout.roadmap import roadmap_items
from onramp.rollout.views import CANNOT_SEE, crumbs


def _filters(request: HttpRequest, service: Service | None) -> dict[str, Any]:
    division = None
    division_id = request.GET.get("division", "")
    if division_id.isdigit():
        division = OrgUnit.objects.filter(pk=int(division_id)).first()
    status = request.GET.get("status", "")
    if status not in RolloutStatus.values:
        status = ""
    if service is None:
        slug = request.GET.get("service", "")
        if slug:
            service = Service.objects.filter(slug=slug).first()
            if service is not None and not service_can_read(request.user, service):
                service = None
    return {"service": service, "division": division, "status": status}


def _roadmap_page(request: HttpRequest, *, service: Service | None) -> HttpResponse:
    f = _filters(request, service)
    qs = selectors.rollout_list(
        user=request.user, service=f["service"], status=f["status"], division=f["division"]
    )
    rollouts = roadmap_items(qs)
    today = timezone.localdate()
    rows = []
    for r in rollouts:
        next_gate = next((g for g in r.gates if g.gate_date >= today), None)
        rows.append(
            {
                "rollout": r,
                "waves": len(r.waves),
                "current": next((w for w in r.waves if w.start_date <= today <= w.end_date), None),
                "next_gate": next_gate,
                "last_gate": r.gates[-1] if r.gates and next_gate is None else None,
                "next_milestone": next((m for m in r.milestones if not m.actual_date), None),
            }
        )
    if service is not None:
        title = f"Rollouts of {service.name}"
        page_crumbs = crumbs((service.name, None))
    else:
        title = "Rollout roadmap"
        page_crumbs = [("Home", reverse("home")), ("Rollouts", None)]
    query = request.GET.urlencode()
    return render(
        request,
        "rollout/roadmap.html",
        {
            "title": title,
            "crumbs": page_crumbs,
            "service": service,
            "rows": rows,
            "svg": roadmap_svg(rollouts, today=today) if rollouts else None,
            "filters": f,
            "services": list(service_list(user=request.user).values("slug", "name")),
            "divisions": selectors.divisions(),
            "statuses": RolloutStatus.choices,
            "can_create": service is not None and service_can_edit(request.user, service),
            "export_query": query,
            "today": today,
        },
    )


@access(READ)
def index(request: HttpRequest) -> HttpResponse:
    return _roadmap_page(request, service=None)


@access(READ)
def service_roadmap(request: HttpRequest, slug: str) -> HttpResponse:
    service = get_object_or_404(Service, slug=slug)
    ensure(service_can_read(request.user, service), CANNOT_SEE)
    return _roadmap_page(request, service=service)


def _parse_start(value: str, default: dt.date) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return default


@access(READ)
def change_load(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    start = _parse_start(request.GET.get("start", ""), week_start(today) - dt.timedelta(weeks=4))
    try:
        weeks = max(4, min(52, int(request.GET.get("weeks", "26"))))
    except ValueError:
        weeks = 26
    depth_value = request.GET.get("depth", "2")
    max_depth = None if depth_value == "all" else (int(depth_value) if depth_value.isdigit() else 2)
    division_id = request.GET.get("division", "")
    division = (
        OrgUnit.objects.filter(pk=int(division_id)).first() if division_id.isdigit() else None
    )
    only_loaded = request.GET.get("loaded") == "1"
    plan = selectors.planning_settings()
    data = compute_change_load(start=start, weeks=weeks, default_capacity=plan.default_capacity)
    rows = []
    for i, unit in enumerate(data.units):
        if max_depth is not None and unit.depth > max_depth:
            continue
        if division is not None and not unit.path.startswith(division.path):
            continue
        if only_loaded and not data.load[i].any():
            continue
        rows.append(i)
    over = [(data.units[r], int((data.load[r] > data.capacity[r]).sum())) for r in rows]
    over = sorted([o for o in over if o[1]], key=lambda o: -o[1])[:10]
    return render(
        request,
        "rollout/change_load.html",
        {
            "title": "Change load",
            "crumbs": crumbs(("Change load", None)),
            "svg": heatmap_svg(data, rows, today=today) if rows else None,
            "rows": len(rows),
            "over": over,
            "start": data.weeks[0],
            "weeks": weeks,
            "depth": depth_value,
            "division": division,
            "divisions": selectors.divisions(),
            "only_loaded": only_loaded,
            "default_capacity": plan.default_capacity,
            "prev": (data.weeks[0] - dt.timedelta(weeks=weeks // 2)).isoformat(),
            "next": (data.weeks[0] + dt.timedelta(weeks=weeks // 2)).isoformat(),
            "is_admin": request.user.is_pmo_admin,
        },
    )


@access(READ)
def export_xlsx(request: HttpRequest) -> HttpResponse:
    f = _filters(request, None)
    rollouts = selectors.roadmap_rollouts(
        selectors.rollout_list(
            user=request.user, service=f["service"], status=f["status"], division=f["division"]
        )
    )
    today = timezone.localdate()
    plan = selectors.planning_settings()
    roadmap_rows = []
    milestone_rows = []
    gate_rows = []
    for r in rollouts:
        for w in r.waves.all():
            roadmap_rows.append(
                [
                    r.service.name,
                    r.name,
                    r.get_status_display(),
                    w.order,
                    w.get_kind_display(),
                    w.name,
                    w.get_status_display(),
                    w.start_date,
                    w.go_live_date,
                    w.end_date,
                    w.rationale,
                ]
            )
        for m in r.milestones.all():
            wave_name = next((w.name for w in r.waves.all() if w.id == m.wave_id), "")
            milestone_rows.append(
                [
                    r.service.name,
                    r.name,
                    wave_name,
                    m.name,
                    m.planned_date,
                    m.forecast_date,
                    m.actual_date,
                    m.slip_days(today),
                    m.rag(
                        today, amber_days=plan.slip_amber_days, red_days=plan.slip_red_days
                    ).upper(),
                ]
            )
        for g in r.gates.all():
            gate_rows.append(
                [r.service.name, r.name, g.name, g.gate_date, selectors.gate_status(g).label]
            )
    return xlsx_response(
        f"roadmap-{today.isoformat()}.xlsx",
        {
            "Roadmap": (
                [
                    "Service",
                    "Rollout",
                    "Rollout status",
                    "Order",
                    "Kind",
                    "Wave",
                    "Wave status",
                    "Start",
                    "Go-live",
                    "End",
                    "Selection rationale",
                ],
                roadmap_rows,
            ),
            "Milestones": (
                [
                    "Service",
                    "Rollout",
                    "Wave",
                    "Milestone",
                    "Planned",
                    "Forecast",
                    "Done",
                    "Slip (days)",
                    "RAG",
                ],
                milestone_rows,
            ),
            "Gates": (["Service", "Rollout", "Gate", "Date", "Status"], gate_rows),
        },
    )


# --- calendar feed ------------------------------------------------------------------------------


@access(SIGNED_IN)
def calendar_page(request: HttpRequest) -> HttpResponse:
    token = CalendarToken.objects.filter(user=request.user, revoked_at__isnull=True).first()
    raw = request.session.pop("new_calendar_token", None)
    feed_url = (
        request.build_absolute_uri(reverse("rollout:calendar_feed", args=[raw])) if raw else None
    )
    return render(
        request,
        "rollout/calendar.html",
        {
            "title": "Calendar subscription",
            "crumbs": crumbs(("Calendar subscription", None)),
            "token": token,
            "feed_url": feed_url,
        },
    )


@require_POST
@access(SIGNED_IN)
def calendar_token_new(request: HttpRequest) -> HttpResponse:
    _token, raw = services.calendar_token_create(user=request.user)
    request.session["new_calendar_token"] = raw
    messages.success(request, "A new subscription link was made; the previous one stopped working.")
    return redirect("rollout:calendar")


@require_POST
@access(SIGNED_IN)
def calendar_token_revoke(request: HttpRequest) -> HttpResponse:
    if services.calendar_token_revoke(user=request.user):
        messages.success(
            request, "Your subscription link no longer works. Make a new one any time."
        )
    return redirect("rollout:calendar")


@access(PUBLIC)
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The milestones, go-live dates and gates of every rollout the token's owner may see.
    Public URL, protected by the token (calendar apps cannot sign in)."""
    user = services.calendar_token_authenticate(token)
    if user is None:
        raise Http404("No such calendar.")
    rollouts = selectors.roadmap_rollouts(selectors.rollout_list(user=user))
    body = roadmap_ics(rollouts, host=request.get_host())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="onramp-rollouts.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def roadmap_ics(rollouts: list[Rollout], *, host: str) -> bytes:
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//Onramp//Rollouts//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Onramp rollouts")
    stamp = timezone.now()
    domain = host.split(":")[0] or "onramp"

    def event(uid: str, summary: str, day: dt.date, description: str, url: str) -> None:
        e = Event()
        e.add("uid", f"{uid}@{domain}")
        e.add("dtstamp", stamp)
        e.add("dtstart", day)
        e.add("dtend", day + dt.timedelta(days=1))
        e.add("summary", summary)
        e.add("description", description)
        e.add("url", url)
        e.add("transp", "TRANSPARENT")
        cal.add_component(e)

    base = getattr(settings, "ONRAMP_BASE_URL", "") or f"http://{host}"
    for r in rollouts:
        link = base + r.get_absolute_url()
        for w in r.waves.all():
            event(
                f"wave-{w.pk}-golive",
                f"Go-live: {w.name} ({r.service.name})",
                w.go_live_date,
                f"{r.name}: {w.get_kind_display()} {w.name} goes live.",
                link,
            )
        for m in r.milestones.all():
            day = m.actual_date or m.forecast_date or m.planned_date
            state = "done" if m.actual_date else f"planned {m.planned_date.isoformat()}"
            event(
                f"milestone-{m.pk}",
                f"Milestone: {m.name} ({r.service.name})",
                day,
                f"{r.name}: {m.name}, {state}.",
                link,
            )
        for g in r.gates.all():
            event(
                f"gate-{g.pk}",
                f"Gate: {g.name} ({r.service.name})",
                g.gate_date,
                f"{r.name}: go/no-go gate. {selectors.gate_status(g).label}.",
                base + g.get_absolute_url(),
            )
    return cal.to_ical()
