"""Adoption pages: the services' adoption, one service's dashboard, usage upload with a preview,
the rule, and mapping identities that matched nobody."""

from __future__ import annotations

import json
import re
import secrets
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from onramp.adoption import dashboard, selectors, services
from onramp.adoption.forms import IngestConfirmForm, MapIdentityForm, RuleForm, UsageUploadForm
from onramp.adoption.models import UnmatchedIdentity
from onramp.catalog.models import Service
from onramp.catalog.selectors import service_can_edit, service_can_read, service_list
from onramp.core.access import MANAGE, READ, access, ensure
from onramp.core.charts import band_chart, heat_grid, line_chart
from onramp.core.tabular import TableError
from onramp.org.models import Person, Project

CANNOT_SEE = "You cannot see this service's adoption."
CANNOT_EDIT = "Only the service's owner or a PMO admin can import usage or change the rule."
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def _crumbs(*extra: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [("Home", reverse("home")), ("Adoption", reverse("adoption:index")), *extra]


def _service(request: HttpRequest, slug: str, *, edit: bool = False) -> Service:
    service = get_object_or_404(Service.objects.select_related("owner"), slug=slug)
    ensure(service_can_read(request.user, service), CANNOT_SEE)
    if edit:
        ensure(service_can_edit(request.user, service), CANNOT_EDIT)
    return service


@access(READ)
def index(request: HttpRequest) -> HttpResponse:
    rows = []
    with selectors.memoised():  # the population per unit is read once, not once per service
        services_counts = [
            (service, dashboard.load_counts(service, weeks_back=5))
            for service in service_list(user=request.user)
        ]
    for service, counts in services_counts:
        rate = None
        if counts.weeks:
            pop = int(counts.population.sum())
            rate = round(100 * int(counts.active[:, -1].sum()) / pop, 1) if pop else None
        rows.append(
            {
                "service": service,
                "rate": rate,
                "as_of": counts.weeks[-1] if counts.weeks else None,
                "rule": services.rule_for(service).text,
            }
        )
    return render(
        request,
        "adoption/index.html",
        {"title": "Adoption", "crumbs": _crumbs()[:-1] + [("Adoption", None)], "rows": rows},
    )


@access(READ)
def service_adoption(request: HttpRequest, slug: str) -> HttpResponse:
    service = _service(request, slug)
    rule = services.rule_for(service)
    batches = list(selectors.batch_list(service=service)[:10])
    # What the page reads from the roll-ups is cached until the roll-ups change (see rollup_key).
    key = dashboard.rollup_key(service, rule=rule, batch=batches[0] if batches else None)
    tree = dashboard.Tree.load()
    counts = dashboard.load_counts(service, key=key)
    plan = dashboard.Plan.load(service)
    rollouts = plan.rollouts
    chosen = request.GET.get("rollout", "")
    if chosen:
        rollouts = [r for r in rollouts if str(r.pk) == chosen] or rollouts
    views = [dashboard.rollout_view(r, counts, tree, plan) for r in rollouts]
    # A label every fourth week keeps a year of weeks readable.
    labels = [f"{w:%d %b}" if i % 4 == 0 else "" for i, w in enumerate(counts.weeks)]
    everyone = set(tree.units) | {None}  # type: ignore[arg-type]
    overall, pop = counts.rate(everyone)
    ever, _ = counts.rate(everyone, "ever")
    kpis = _kpis(counts, everyone, pop)
    charts = []
    for view in views:
        series: dict[str, list[float | None]] = {"All waves": view.rates}
        for curve in view.waves:
            series[curve.wave.name] = curve.rates
        f = view.forecast
        band = None
        if f.weeks:
            first = counts.weeks.index(f.weeks[0]) if f.weeks[0] in counts.weeks else 0
            observed = view.ever_rates[first:]
            band = band_chart(
                [f"{w:%d %b}" for w in f.weeks],
                observed,
                f.expected,
                f.low,
                f.high,
                label=f"Forecast of people who have adopted, {view.rollout.name}",
                target=float(view.rollout.adoption_target_pct),
            )
        charts.append(
            {
                "view": view,
                "curve": line_chart(
                    labels,
                    series,
                    low=0,
                    high=100,
                    unit="%",
                    label=f"Adoption rate per wave, {view.rollout.name}",
                    target=float(view.rollout.adoption_target_pct),
                    width=760,
                )
                if labels
                else None,
                "band": band,
            }
        )
    scope_units = set().union(*(v.units for v in views)) if views else None
    hm_rows, hm_cols, hm_values = dashboard.heatmap(counts, tree, scope_units or None)
    lagging = dashboard.lagging_units(service, views, counts, tree)
    categories = dashboard.rogers_categories(service, views, key=key)
    can_edit = service_can_edit(request.user, service)
    unmatched = list(selectors.unmatched_list(service=service)[:50])
    return render(
        request,
        "adoption/service.html",
        {
            "title": f"Adoption of {service.name}",
            "crumbs": _crumbs((service.name, None)),
            "service": service,
            "rule": rule,
            "as_of": counts.weeks[-1] if counts.weeks else None,
            "kpis": kpis,
            "overall": None
            if not len(overall) or overall[-1] != overall[-1]
            else round(float(overall[-1]), 1),
            "ever": None if not len(ever) or ever[-1] != ever[-1] else round(float(ever[-1]), 1),
            "population": pop,
            "charts": charts,
            "all_rollouts": plan.rollouts,
            "chosen": chosen,
            "heatmap": heat_grid(
                hm_rows, hm_cols, hm_values, label="Adoption rate by unit and week"
            )
            if hm_rows
            else None,
            "retention_weeks": list(range(1, dashboard.RETENTION_WEEKS + 1)),
            "lagging": lagging,
            "categories": categories,
            "unmatched": unmatched,
            "unmatched_total": selectors.unmatched_list(service=service).count(),
            "map_form": MapIdentityForm(),
            "batches": batches,
            "can_edit": can_edit,
            "adopters": "projects" if service.adopter_kind == "projects" else "people",
        },
    )


def _kpis(counts: dashboard.Counts, units: set[Any], pop: int) -> dict[str, Any]:
    """Headline figures at the last week end: from the weekly roll-up (same rule)."""
    if not counts.weeks or not pop:
        return {}
    idx = counts.rows(units)
    active = counts.active[idx].sum(axis=0)
    ever = counts.ever[idx].sum(axis=0)
    mau = int(counts.mau[idx, -1].sum())
    dau = float(counts.dau[idx, -1].sum())
    rate_now = 100 * active[-1] / pop
    before = 100 * active[-5] / pop if len(active) >= 5 else None
    return {
        "active": int(active[-1]),
        "ever": int(ever[-1]),
        "stickiness": round(100 * dau / mau, 1) if mau else None,
        "lapse": round(100 * (ever[-1] - active[-1]) / ever[-1], 1) if ever[-1] else None,
        "velocity": round((rate_now - before) / 4, 2) if before is not None else None,
    }


# --- upload -------------------------------------------------------------------------------------


def _uploads() -> Path:
    return Path(settings.MEDIA_ROOT) / "usage"


def _stored(token: str) -> tuple[Path, dict[str, Any]]:
    folder = _uploads() / token
    if not TOKEN_RE.match(token) or not (folder / "meta.json").is_file():
        raise Http404("This upload is gone (imported, or never made): upload the file again.")
    meta = json.loads((folder / "meta.json").read_text())
    return folder / ("upload" + Path(meta["file_name"]).suffix.lower()), meta


@access(MANAGE)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, slug: str) -> HttpResponse:
    service = _service(request, slug, edit=True)
    form = UsageUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
        token = secrets.token_urlsafe(24)
        folder = _uploads() / token
        folder.mkdir(parents=True, mode=0o700)
        name = Path(file.name).name
        with (folder / ("upload" + Path(name).suffix.lower())).open("wb") as fh:
            for chunk in file.chunks():
                fh.write(chunk)
        meta = {"file_name": name, "service": service.slug, "user_id": request.user.pk}
        (folder / "meta.json").write_text(json.dumps(meta))
        return redirect("adoption:upload_confirm", slug=service.slug, token=token)
    return render(
        request,
        "adoption/upload.html",
        {
            "title": f"Import usage of {service.name}",
            "crumbs": _crumbs(
                (service.name, reverse("adoption:service", args=[service.slug])),
                ("Import usage", None),
            ),
            "service": service,
            "form": form,
        },
    )


@access(MANAGE)
@require_http_methods(["GET", "POST"])
def upload_confirm(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    service = _service(request, slug, edit=True)
    path, meta = _stored(token)
    if meta["service"] != service.slug:
        raise Http404("This upload belongs to another service.")
    name = meta["file_name"]
    error = ""
    headers: list[str] = []
    preview: list[dict[str, Any]] = []
    try:
        headers = services.usage_headers(path, name)
        preview = services.usage_preview(path, name)
    except TableError as exc:
        error = " ".join(str(e) for e in exc.errors)
    from onramp.adoption.usage_file import ALIASES
    from onramp.core.tabular import ColumnMapping

    guessed = ColumnMapping.guess(headers, ALIASES).fields
    initial = {f"map_{k}": v or "" for k, v in guessed.items()}
    form = IngestConfirmForm(request.POST or None, headers=headers, initial=initial)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid() and not error:
        columns = {k: form.cleaned_data[f"map_{k}"] for k in ALIASES}
        try:
            result = services.usage_ingest(
                path=path,
                service=service,
                file_name=name,
                mode=form.cleaned_data["mode"],
                skip_bad_rows=form.cleaned_data["skip_bad_rows"],
                columns=columns,
                by=request.user,
                source="upload",
            )
        except TableError as exc:
            errors = [str(e) for e in exc.errors]
        else:
            shutil.rmtree(path.parent, ignore_errors=True)
            messages.success(request, result.summary)
            return redirect("adoption:service", slug=service.slug)
    return render(
        request,
        "adoption/upload_confirm.html",
        {
            "title": f"Check {name} before importing",
            "crumbs": _crumbs(
                (service.name, reverse("adoption:service", args=[service.slug])),
                ("Import usage", reverse("adoption:upload", args=[service.slug])),
                ("Check", None),
            ),
            "service": service,
            "form": form,
            "file_name": name,
            "headers": headers,
            "preview": [[row.get(h) for h in headers] for row in preview],
            "error": error,
            "errors": errors,
        },
    )


# --- rule and identities ------------------------------------------------------------------------


@access(MANAGE)
@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, slug: str) -> HttpResponse:
    service = _service(request, slug, edit=True)
    rule = services.rule_for(service)
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            services.rule_update(
                service=service,
                qualifying_actions=form.cleaned_data["qualifying_actions"],
                min_active_days=form.cleaned_data["min_active_days"],
                window_days=form.cleaned_data["window_days"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(
                request,
                "Rule saved and adoption recomputed. Changed qualifying actions apply to usage "
                "imported from now on: re-import older files to apply them there.",
            )
            return redirect("adoption:service", slug=service.slug)
    return render(
        request,
        "adoption/rule.html",
        {
            "title": f"Adoption rule of {service.name}",
            "crumbs": _crumbs(
                (service.name, reverse("adoption:service", args=[service.slug])), ("Rule", None)
            ),
            "service": service,
            "form": form,
        },
    )


@access(MANAGE)
@require_POST
def identity_map(request: HttpRequest, pk: int) -> HttpResponse:
    unmatched = get_object_or_404(UnmatchedIdentity.objects.select_related("service"), pk=pk)
    service = unmatched.service
    ensure(service_can_read(request.user, service), CANNOT_SEE)
    ensure(service_can_edit(request.user, service), CANNOT_EDIT)
    form = MapIdentityForm(request.POST)
    back = reverse("adoption:service", args=[service.slug]) + "#unmatched"
    if not form.is_valid():
        messages.error(request, "Type the employee id or email of the person to map to.")
        return redirect(back)
    who = form.cleaned_data["who"].strip()
    if service.adopter_kind == "projects":
        project = Project.objects.filter(code__iexact=who).first()
        if project is None:
            messages.error(
                request, f"No project has the code {who!r}: check the code and try again."
            )
            return redirect(back)
        services.unmatched_map(unmatched=unmatched, project=project)
        messages.success(request, f"{unmatched.identity} is now {project}: its activity moved.")
        return redirect(back)
    person = Person.objects.filter(Q(employee_id__iexact=who) | Q(email__iexact=who)).first()
    if person is None:
        messages.error(
            request, f"Nobody has the employee id or email {who!r}: check it and try again."
        )
        return redirect(back)
    services.unmatched_map(unmatched=unmatched, person=person)
    messages.success(request, f"{unmatched.identity} is now {person.name}: their activity moved.")
    return redirect(back)
