"""A year of synthetic usage for the demo company whose curves look like diffusion.

Status reporting (people): the relaunch pilot took off; wave 1 lags and one of its departments
has not started at all; a few contractors' logins match nobody. Risk framework (projects): the
pilot took off, wave 1 followed, wave 2 is slow. Each adopter's adoption week is drawn from a
Bass curve (inverse of F) after their wave's go-live; afterwards they use the service on a few
days a week, and some lapse. Rows go in with bulk_create; the roll-ups are built once at the end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from typing import TYPE_CHECKING

from onramp.adoption.models import (
    AdopterState,
    AdoptionRule,
    DailyActivity,
    IdentityActivity,
    IngestBatch,
    PersonActivity,
    ProjectActivity,
    UnitWeek,
    UnmatchedIdentity,
    activity_model,
)
from onramp.adoption.services import adoption_refresh, rule_update
from onramp.adoption.services.ingest import _summarise_unmatched
from onramp.org.selectors import unit_descendant_ids
from onramp.rollout.models import Rollout, Wave

if TYPE_CHECKING:
    from onramp.demo.context import DemoContext

DAYS = 364


def reset() -> None:
    for model in (
        PersonActivity,
        ProjectActivity,
        IdentityActivity,
        AdopterState,
        UnitWeek,
        UnmatchedIdentity,
        AdoptionRule,
    ):
        model.objects.all().delete()
    IngestBatch.objects.all().delete()


def bass_week(rng: random.Random, p: float, q: float, ceiling: float) -> float | None:
    """Weeks after go-live at which one adopter adopts, or None for one who never does."""
    u = rng.random()
    if u >= ceiling:
        return None
    x = u / ceiling
    return -math.log((1 - x) / (1 + (q / p) * x)) / (p + q)


def _usage(
    rng: random.Random,
    *,
    adopt_day: dt.date,
    end: dt.date,
    days_per_week: float,
    lapse_after: int | None,
) -> list[dt.date]:
    days = []
    day = adopt_day
    stop = end if lapse_after is None else min(end, adopt_day + dt.timedelta(weeks=lapse_after))
    while day <= stop:
        if day.weekday() < 5 and rng.random() < days_per_week / 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days or [adopt_day]


def _rows_for(
    ctx: DemoContext,
    service,
    adopters: list[tuple[int, dt.date]],
    *,
    qualifying_share: float,
    days_per_week: float,
) -> list[DailyActivity]:
    rng = ctx.rng
    model = activity_model(service.adopter_kind)
    rows: list[DailyActivity] = []
    for adopter_id, adopt_day in adopters:
        lapse = rng.randint(6, 20) if rng.random() < 0.08 else None
        for day in _usage(
            rng, adopt_day=adopt_day, end=ctx.today, days_per_week=days_per_week, lapse_after=lapse
        ):
            events = rng.randint(1, 12)
            qualifying = sum(1 for _ in range(events) if rng.random() < qualifying_share) or (
                1 if day == adopt_day else 0
            )
            rows.append(
                model(
                    service=service,
                    day=day,
                    events=events,
                    qualifying_events=qualifying,
                    distinct_actions=min(events, rng.randint(1, 4)),
                    **{model.ADOPTER: adopter_id},
                )
            )
    return rows


def _wave_members(ctx: DemoContext, wave: Wave, kind: str, skip_units: set[int]) -> list[int]:
    units = unit_descendant_ids([u.pk for u in wave.units.all()]) - skip_units
    if kind == "project_id":
        return [
            p.pk for p in ctx.projects if p.unit_id in units and p.status in ("active", "proposed")
        ]
    return [p.pk for p in ctx.active_people if p.unit_id in units]


# (p, q per week, share who ever adopt) per wave, by wave name: the pilots take off, later
# waves are slower.
CURVES = {
    "project-status-reporting": {
        "Pilot": (0.09, 0.55, 0.95),
        "Wave 1": (0.015, 0.12, 0.7),
        "Wave 2": (0.004, 0.05, 0.3),
    },
    "risk-management-framework": {
        "Pilot": (0.1, 0.6, 0.97),
        "Wave 1": (0.04, 0.35, 0.9),
        "Wave 2": (0.01, 0.12, 0.8),
    },
}


def build(ctx: DemoContext) -> None:
    rng = ctx.reseed("adoption")
    start = ctx.today - dt.timedelta(days=DAYS)
    rollouts = {r.service.slug: r for r in Rollout.objects.select_related("service")}
    plans = (
        ("project-status-reporting", "person_id", 0.35, 2.0, ["report_submitted"], 2),
        (
            "risk-management-framework",
            "project_id",
            0.5,
            1.2,
            ["register_reviewed", "risk_updated"],
            1,
        ),
    )
    for step, (slug, kind, share, per_week, actions, k) in enumerate(plans):
        ctx.progress("Usage", step, len(plans))
        service = ctx.services.get(slug)
        rollout = rollouts.get(slug)
        if service is None or rollout is None:
            continue
        rule_update(service=service, qualifying_actions=actions, min_active_days=k, window_days=28)
        waves = list(rollout.waves.order_by("order"))
        # Wave 1 of status reporting: its last department has not started at all.
        silent: set[int] = set()
        if slug == "project-status-reporting":
            w1 = next((w for w in waves if w.name == "Wave 1"), None)
            if w1 is not None:
                deps = sorted(w1.units.all(), key=lambda u: u.code)
                if len(deps) > 1:
                    silent = unit_descendant_ids([deps[-1].pk])
        seen: set[int] = set()
        adopters: list[tuple[int, dt.date]] = []
        for wave in waves:
            curve = CURVES[slug].get(wave.name)
            members = [m for m in _wave_members(ctx, wave, kind, silent) if m not in seen]
            seen.update(members)
            if curve is None or wave.go_live_date > ctx.today:
                # Not live yet: a handful of innovators try it early.
                for m in members:
                    early = wave.go_live_date - dt.timedelta(days=rng.randint(7, 120))
                    if rng.random() < 0.02 and early <= ctx.today:
                        adopters.append((m, early))
                continue
            p, q, ceiling = curve
            for m in members:
                weeks = bass_week(rng, p, q, ceiling)
                if weeks is None:
                    continue
                day = wave.go_live_date + dt.timedelta(days=int(weeks * 7))
                if day <= ctx.today:
                    adopters.append((m, day))
        # A slow trickle of early users outside the rollout's waves, over the whole year.
        others = (
            [p.pk for p in ctx.projects if p.pk not in seen]
            if kind == "project_id"
            else [p.pk for p in ctx.active_people if p.pk not in seen and p.unit_id not in silent]
        )
        for m in others:
            if rng.random() < 0.03:
                adopters.append((m, start + dt.timedelta(days=rng.randint(0, DAYS - 1))))
        rows = _rows_for(ctx, service, adopters, qualifying_share=share, days_per_week=per_week)
        identities: list[IdentityActivity] = []
        if kind == "person_id":
            for name in ("j.doe@contractor.example", "a.kovacs@partner.example", "svc-report-bot"):
                for week in range(rng.randint(3, 12)):
                    identities.append(
                        IdentityActivity(
                            service=service,
                            identity=name,
                            day=ctx.today - dt.timedelta(days=7 * week + rng.randint(0, 4)),
                            events=rng.randint(1, 9),
                            qualifying_events=1,
                            distinct_actions=1,
                        )
                    )
        activity_model(service.adopter_kind).objects.bulk_create(
            rows, batch_size=5000, ignore_conflicts=True
        )
        IdentityActivity.objects.bulk_create(identities, batch_size=5000, ignore_conflicts=True)
        rows += identities
        _summarise_unmatched(service)
        adoption_refresh(service=service)
        batch = IngestBatch.objects.create(
            file_name=f"{slug}-usage-{start:%Y%m%d}-{ctx.today:%Y%m%d}.csv",
            sha256=hashlib.sha256(f"demo:{slug}:{ctx.seed}".encode()).hexdigest(),
            events=sum(r.events for r in rows),
            rows=len(rows),
            first_day=min((r.day for r in rows), default=None),
            last_day=max((r.day for r in rows), default=None),
            days=DAYS,
            source="demo",
        )
        batch.services.set([service])
    ctx.progress("Usage", len(plans), len(plans))
