"""Rollouts, waves, milestones and lessons. Gates are in gate_views.py, the roadmap, heatmap,
exports and calendar feed in roadmap_views.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from onramp.catalog.models import Service
from onramp.catalog.selectors import service_can_edit
from onramp.core.access import MANAGE, READ, access, ensure
from onramp.rollout import selectors, services
from onramp.rollout.charts import roadmap_svg
from onramp.rollout.forms import LessonApplyForm, LessonForm, MilestoneForm, RolloutForm, WaveForm
from onramp.rollout.models import Lesson, Milestone, Rollout, Wave
from onramp.rollout.roadmap import roadmap_items

CANNOT_SEE = "You cannot see this service's rollouts."
CANNOT_EDIT = "Only the service's owner or a PMO admin can change its rollouts."


def crumbs(*extra: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [("Home", reverse("home")), ("Rollouts", reverse("rollout:index")), *extra]


def rollout_crumbs(
    rollout: Rollout, *extra: tuple[str, str | None]
) -> list[tuple[str, str | None]]:
    return crumbs(
        (rollout.service.name, reverse("rollout:service_roadmap", args=[rollout.service.slug])),
        (rollout.name, rollout.get_absolute_url() if extra else None),
        *extra,
    )


def rollout_for(request: HttpRequest, pk: int, *, edit: bool = False) -> Rollout:
    rollout = get_object_or_404(Rollout.objects.select_related("service", "owner"), pk=pk)
    ensure(selectors.rollout_can_read(request.user, rollout), CANNOT_SEE)
    if edit:
        ensure(selectors.rollout_can_edit(request.user, rollout), CANNOT_EDIT)
    return rollout


def add_errors(form: Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: per field where the form has the field."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- rollouts -----------------------------------------------------------------------------------


@access(MANAGE)
def rollout_create(request: HttpRequest, slug: str) -> HttpResponse:
    service = get_object_or_404(Service, slug=slug)
    ensure(service_can_edit(request.user, service), CANNOT_EDIT)
    form = RolloutForm(
        request.POST or None,
        service=service,
        initial={
            "name": f"{service.name} rollout",
            "owner": service.owner_id,
            "adoption_target_pct": service.adoption_target_pct,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        units = data.pop("units")
        try:
            rollout = services.rollout_create(service=service, units=units, **data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Rollout “{rollout.name}” created. Plan its pilot next.")
            return redirect(rollout)
    return render(
        request,
        "rollout/form.html",
        {
            "title": f"New rollout of {service.name}",
            "crumbs": crumbs(
                (service.name, reverse("rollout:service_roadmap", args=[service.slug])),
                ("New rollout", None),
            ),
            "form": form,
            "submit": "Create rollout",
            "cancel": reverse("rollout:service_roadmap", args=[service.slug]),
        },
    )


@access(MANAGE)
def rollout_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rollout = rollout_for(request, pk, edit=True)
    form = RolloutForm(request.POST or None, instance=rollout, service=rollout.service)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        units = data.pop("units")
        try:
            services.rollout_update(rollout=Rollout.objects.get(pk=pk), units=units, **data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Changes saved.")
            return redirect(rollout)
    return render(
        request,
        "rollout/form.html",
        {
            "title": f"Edit {rollout.name}",
            "crumbs": rollout_crumbs(rollout, ("Edit", None)),
            "form": form,
            "submit": "Save",
            "cancel": rollout.get_absolute_url(),
        },
    )


@access(READ)
def rollout_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        rollout = selectors.rollout_full(pk)
    except Rollout.DoesNotExist:
        raise Http404("No such rollout.") from None
    ensure(selectors.rollout_can_read(request.user, rollout), CANNOT_SEE)
    today = timezone.localdate()
    waves = list(rollout.waves.all())
    wave_rows = [
        {"wave": w, "people": len(selectors.wave_people_ids(w)), "units": list(w.units.all())}
        for w in waves
    ]
    gates = [
        {"gate": g, "status": selectors.gate_status(g), "criteria": list(g.criteria.all())}
        for g in rollout.gates.all()
    ]
    milestones = selectors.milestone_rows(
        rollout.milestones.select_related("wave", "owner").order_by("planned_date", "id"),
        today=today,
    )
    lessons = (
        Lesson.objects.filter(wave__rollout=rollout)
        .select_related("wave", "applied_in_wave", "applied_in_version", "recorded_by")
        .order_by("wave__order", "-created_at")
    )
    roadmap = roadmap_items(Rollout.objects.filter(pk=rollout.pk))
    return render(
        request,
        "rollout/rollout_detail.html",
        {
            "title": rollout.name,
            "crumbs": rollout_crumbs(rollout),
            "rollout": rollout,
            "units": list(rollout.units.all()),
            "people": selectors.rollout_people(rollout).count() if rollout.units.all() else 0,
            "projects": selectors.rollout_projects(rollout).count() if rollout.units.all() else 0,
            "wave_rows": wave_rows,
            "gates": gates,
            "milestones": milestones,
            "lessons": lessons,
            "can_edit": selectors.rollout_can_edit(request.user, rollout),
            "timeline": roadmap_svg(roadmap, today=today) if waves else None,
            "today": today,
        },
    )


# --- waves --------------------------------------------------------------------------------------


def _wave_form_page(
    request: HttpRequest,
    rollout: Rollout,
    form: WaveForm,
    *,
    wave: Wave | None,
    problem: Any = None,
) -> HttpResponse:
    title = f"Edit {wave.name}" if wave else f"Plan a wave of {rollout.name}"
    return render(
        request,
        "rollout/wave_form.html",
        {
            "title": title,
            "crumbs": rollout_crumbs(rollout, (wave.name if wave else "New wave", None)),
            "form": form,
            "rollout": rollout,
            "wave": wave,
            "problem": problem,
            "cancel": rollout.get_absolute_url(),
        },
    )


def _wave_save(
    request: HttpRequest, rollout: Rollout, wave: Wave | None
) -> tuple[Wave | None, WaveForm, Any]:
    """Validate and save; on a soft problem (collision with later waves, capacity) return the
    form again with the matching checkbox shown."""
    data = request.POST
    form = WaveForm(
        data,
        instance=wave,
        show_shift=bool(data.get("shift_later")),
        show_capacity=bool(data.get("accept_over_capacity")),
    )
    if not form.is_valid():
        return None, form, None
    fields = form.wave_fields()
    units = list(form.cleaned_data["units"])
    try:
        if wave is None:
            saved = services.wave_create(
                rollout=rollout,
                units=units,
                accept_over_capacity=form.cleaned_data.get("accept_over_capacity", False),
                **fields,
            )
        else:
            saved = services.wave_update(
                wave=Wave.objects.get(pk=wave.pk),
                units=units,
                shift_later=form.cleaned_data.get("shift_later", False),
                accept_over_capacity=form.cleaned_data.get("accept_over_capacity", False),
                **fields,
            )
    except services.LaterWavesCollide as exc:
        form = WaveForm(
            data,
            instance=wave,
            show_shift=True,
            show_capacity=bool(data.get("accept_over_capacity")),
        )
        form.is_valid()
        return None, form, exc
    except services.CapacityWarning as exc:
        form = WaveForm(
            data, instance=wave, show_shift=bool(data.get("shift_later")), show_capacity=True
        )
        form.is_valid()
        return None, form, exc
    except ValidationError as exc:
        add_errors(form, exc)
        return None, form, None
    return saved, form, None


@access(MANAGE)
def wave_create(request: HttpRequest, pk: int) -> HttpResponse:
    rollout = rollout_for(request, pk, edit=True)
    if request.method == "POST":
        saved, form, problem = _wave_save(request, rollout, None)
        if saved is not None:
            messages.success(request, f"“{saved.name}” planned.")
            return redirect(rollout)
    else:
        last = rollout.waves.order_by("-order").first()
        initial: dict[str, Any] = {"kind": "pilot", "name": "Pilot"}
        if last is not None:
            # Suggest the week after the previous wave ends, so the plan runs in order.
            start = last.end_date + dt.timedelta(days=7 - last.end_date.weekday())
            initial = {
                "kind": "wave",
                "start_date": start,
                "go_live_date": start + dt.timedelta(days=14),
                "end_date": start + dt.timedelta(weeks=6, days=-1),
            }
        form = WaveForm(initial=initial)
        problem = None
    return _wave_form_page(request, rollout, form, wave=None, problem=problem)


@access(MANAGE)
def wave_edit(request: HttpRequest, pk: int) -> HttpResponse:
    wave = get_object_or_404(Wave.objects.select_related("rollout__service"), pk=pk)
    rollout = rollout_for(request, wave.rollout_id, edit=True)
    if request.method == "POST":
        saved, form, problem = _wave_save(request, rollout, wave)
        if saved is not None:
            messages.success(request, f"“{saved.name}” saved.")
            return redirect(rollout)
        wave = Wave.objects.get(pk=pk)  # the form may have changed the instance in memory
    else:
        form = WaveForm(instance=wave)
        problem = None
    return _wave_form_page(request, rollout, form, wave=wave, problem=problem)


# --- milestones ---------------------------------------------------------------------------------


@access(MANAGE)
def milestone_create(request: HttpRequest, pk: int) -> HttpResponse:
    rollout = rollout_for(request, pk, edit=True)
    form = MilestoneForm(
        request.POST or None, rollout=rollout, initial={"wave": request.GET.get("wave")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_create(rollout=rollout, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"Milestone “{form.cleaned_data['name']}” added.")
            return redirect(reverse("rollout:rollout_detail", args=[rollout.pk]) + "#milestones")
    return render(
        request,
        "rollout/form.html",
        {
            "title": f"New milestone of {rollout.name}",
            "crumbs": rollout_crumbs(rollout, ("New milestone", None)),
            "form": form,
            "submit": "Add milestone",
            "cancel": rollout.get_absolute_url(),
        },
    )


@access(MANAGE)
def milestone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(Milestone, pk=pk)
    rollout = rollout_for(request, milestone.rollout_id, edit=True)
    initial = {
        "name": milestone.name,
        "wave": milestone.wave_id,
        "owner": milestone.owner_id,
        "planned_date": milestone.planned_date,
        "forecast_date": milestone.forecast_date,
        "actual_date": milestone.actual_date,
    }
    form = MilestoneForm(request.POST or None, rollout=rollout, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_update(milestone=milestone, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Milestone saved.")
            return redirect(reverse("rollout:rollout_detail", args=[rollout.pk]) + "#milestones")
    return render(
        request,
        "rollout/form.html",
        {
            "title": f"Edit milestone {milestone.name}",
            "crumbs": rollout_crumbs(rollout, (milestone.name, None)),
            "form": form,
            "submit": "Save",
            "cancel": rollout.get_absolute_url(),
        },
    )


# --- lessons ------------------------------------------------------------------------------------


@access(MANAGE)
def lesson_create(request: HttpRequest, pk: int) -> HttpResponse:
    wave = get_object_or_404(Wave.objects.select_related("rollout__service"), pk=pk)
    rollout = rollout_for(request, wave.rollout_id, edit=True)
    form = LessonForm(request.POST or None, wave=wave)
    if request.method == "POST" and form.is_valid():
        try:
            services.lesson_create(wave=wave, recorded_by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Lesson recorded.")
            return redirect(reverse("rollout:rollout_detail", args=[rollout.pk]) + "#lessons")
    return render(
        request,
        "rollout/form.html",
        {
            "title": f"Lesson learned in {wave.name}",
            "crumbs": rollout_crumbs(rollout, ("New lesson", None)),
            "form": form,
            "submit": "Record lesson",
            "cancel": rollout.get_absolute_url(),
        },
    )


@access(MANAGE)
def lesson_apply(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = get_object_or_404(Lesson.objects.select_related("wave__rollout__service"), pk=pk)
    rollout = rollout_for(request, lesson.wave.rollout_id, edit=True)
    form = LessonApplyForm(
        request.POST or None,
        wave=lesson.wave,
        initial={
            "applied_in_wave": lesson.applied_in_wave_id,
            "applied_in_version": lesson.applied_in_version_id,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.lesson_apply(lesson=lesson, **form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "Saved where the lesson was applied.")
            return redirect(reverse("rollout:rollout_detail", args=[rollout.pk]) + "#lessons")
    return render(
        request,
        "rollout/form.html",
        {
            "title": "Where was this lesson applied?",
            "crumbs": rollout_crumbs(rollout, ("Lesson", None)),
            "form": form,
            "intro": lesson.what_to_change,
            "submit": "Save",
            "cancel": rollout.get_absolute_url(),
        },
    )
