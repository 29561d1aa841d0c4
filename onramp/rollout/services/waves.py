"""Planning waves: order, dates, units, and the rules between waves of one rollout.

- The same person cannot be targeted by two waves of one rollout (a company-wide wave takes the
  people no other wave targets, so it never double-targets).
- Waves of one rollout do not overlap in time unless one of them says it may.
- Moving a wave so that it collides with later waves is refused unless the caller asks to shift
  the later waves (their gates and open milestone forecasts with them) by the same number of days.
- A wave that would push a unit over its weekly change capacity is refused unless the caller
  accepts the warning.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max

from onramp.org.models import OrgUnit
from onramp.rollout import selectors
from onramp.rollout.changeload import ChangeActivity, Overload, overloads_with
from onramp.rollout.models import Milestone, Rollout, Wave, WaveKind, WaveStatus


class CapacityWarning(ValidationError):
    """The wave would push units over capacity; save again accepting the warning to proceed."""

    def __init__(self, overloads: list[Overload]):
        self.overloads = overloads
        units = sorted({o.unit.name for o in overloads})
        shown = ", ".join(units[:5]) + (f" and {len(units) - 5} more" if len(units) > 5 else "")
        weeks = sorted({o.week for o in overloads})
        super().__init__(
            f"This wave would push {len(units)} unit(s) over their weekly change capacity "
            f"({shown}) in {len(weeks)} week(s) from {weeks[0]:%d %b %Y}. Move the dates, or "
            "confirm that these units can take the extra load.",
            code="over_capacity",
        )


class LaterWavesCollide(ValidationError):
    """Moving the wave makes it overlap later waves; save again shifting them to proceed."""

    def __init__(self, wave: Wave, later: list[Wave], days: int):
        self.later = later
        self.days = days
        names = ", ".join(f"“{w.name}” (starts {w.start_date:%d %b %Y})" for w in later)
        super().__init__(
            f"With these dates “{wave.name}” runs into {names}. Shift the later waves by "
            f"{days} day(s) as well, or choose other dates.",
            code="later_waves_collide",
        )


WaveProblem = (CapacityWarning, LaterWavesCollide)


def _check_shape(wave: Wave, units: Sequence[OrgUnit]) -> None:
    errors: dict[str, list[str]] = {}
    if (
        wave.start_date
        and wave.go_live_date
        and wave.end_date
        and not (wave.start_date <= wave.go_live_date <= wave.end_date)
    ):
        errors.setdefault("go_live_date", []).append(
            "The go-live date must fall between the start and the end date: start ≤ go-live ≤ end."
        )
    if not units:
        errors.setdefault("units", []).append(
            "Choose at least one org unit: a wave reaches the people of its units."
        )
    rollout_units = selectors.rollout_unit_ids(wave.rollout)
    if units and rollout_units:
        allowed = selectors.units_in_scope(rollout_units)
        outside = [u.name for u in units if u.id not in allowed]
        if outside:
            errors.setdefault("units", []).append(
                f"{', '.join(outside)} lie outside the rollout's target population: "
                "add them to the rollout first, or pick units inside it."
            )
    if errors:
        raise ValidationError(errors)


def _others(wave: Wave) -> list[Wave]:
    qs = Wave.objects.filter(rollout_id=wave.rollout_id).prefetch_related("units")
    if wave.pk:
        qs = qs.exclude(pk=wave.pk)
    return list(qs.order_by("order"))


def _check_company_wide(wave: Wave, others: list[Wave]) -> None:
    if wave.kind == WaveKind.COMPANY_WIDE:
        for other in others:
            if other.kind == WaveKind.COMPANY_WIDE:
                raise ValidationError(
                    {
                        "kind": f"“{other.name}” is already this rollout's company-wide wave: "
                        "make this one a wave, or change that one."
                    }
                )


def _check_overlap(wave: Wave, others: Iterable[Wave]) -> None:
    for other in others:
        if wave.allow_overlap or other.allow_overlap:
            continue
        if other.overlaps(wave.start_date, wave.end_date):
            raise ValidationError(
                {
                    "start_date": f"These dates overlap “{other.name}” "
                    f"({other.start_date:%d %b %Y} – {other.end_date:%d %b %Y}). Choose dates "
                    "outside it, or tick “may overlap other waves” if they really run together."
                }
            )


def _check_double_targeting(wave: Wave, unit_ids: set[int], others: list[Wave]) -> None:
    if wave.kind == WaveKind.COMPANY_WIDE:
        return
    people = selectors._people_ids(unit_ids)
    if not people:
        return
    for other in others:
        if other.kind == WaveKind.COMPANY_WIDE:
            continue
        theirs = selectors._people_ids({u.id for u in other.units.all()})
        common = people & theirs
        if common:
            raise ValidationError(
                {
                    "units": f"“{other.name}” already targets {len(common)} of the people in "
                    "these units: a person belongs to one wave only. Choose other units, or "
                    "remove them from that wave."
                }
            )


def _check_capacity(wave: Wave, unit_ids: set[int], accept: bool) -> None:
    if accept or wave.status in (WaveStatus.CLOSED, WaveStatus.ON_HOLD):
        return
    activity = ChangeActivity(
        "wave", wave.name, frozenset(unit_ids), wave.start_date, wave.end_date, key=""
    )
    overloads = overloads_with(
        activity,
        default_capacity=selectors.planning_settings().default_capacity,
        exclude_keys=[f"wave:{wave.pk}"] if wave.pk else [],
    )
    if overloads:
        raise CapacityWarning(overloads)


@transaction.atomic
def wave_create(
    *,
    rollout: Rollout,
    name: str,
    units: Sequence[OrgUnit],
    start_date: dt.date,
    go_live_date: dt.date,
    end_date: dt.date,
    kind: str = WaveKind.WAVE,
    rationale: str = "",
    objective: str = "",
    status: str = WaveStatus.PLANNED,
    allow_overlap: bool = False,
    order: int | None = None,
    accept_over_capacity: bool = False,
) -> Wave:
    if order is None:
        order = (Wave.objects.filter(rollout=rollout).aggregate(m=Max("order"))["m"] or 0) + 1
    wave = Wave(
        rollout=rollout,
        name=name.strip(),
        kind=kind,
        rationale=rationale,
        objective=objective,
        start_date=start_date,
        go_live_date=go_live_date,
        end_date=end_date,
        status=status,
        allow_overlap=allow_overlap,
        order=order,
    )
    units = list(units)
    _check_shape(wave, units)
    wave.full_clean()
    others = _others(wave)
    unit_ids = {u.id for u in units}
    _check_company_wide(wave, others)
    _check_overlap(wave, others)
    _check_double_targeting(wave, unit_ids, others)
    _check_capacity(wave, unit_ids, accept_over_capacity)
    wave.save()
    wave.units.set(units)
    return wave


WAVE_FIELDS = (
    "name",
    "kind",
    "rationale",
    "objective",
    "start_date",
    "go_live_date",
    "end_date",
    "status",
    "allow_overlap",
)


def _shift(waves: Iterable[Wave], days: int) -> None:
    delta = dt.timedelta(days=days)
    ids = [w.pk for w in waves]
    Wave.objects.filter(pk__in=ids).update(
        start_date=F("start_date") + delta,
        go_live_date=F("go_live_date") + delta,
        end_date=F("end_date") + delta,
    )
    from onramp.rollout.models import Gate

    Gate.objects.filter(wave_id__in=ids).update(gate_date=F("gate_date") + delta)
    # Plans keep their baseline: the forecast moves, so the slip shows.
    for m in Milestone.objects.filter(wave_id__in=ids, actual_date__isnull=True):
        m.forecast_date = (m.forecast_date or m.planned_date) + delta
        m.save(update_fields=["forecast_date", "updated_at"])


@transaction.atomic
def wave_update(
    *,
    wave: Wave,
    units: Sequence[OrgUnit] | None = None,
    shift_later: bool = False,
    accept_over_capacity: bool = False,
    **fields: object,
) -> Wave:
    """Change a wave. When its new dates collide with later waves, raise LaterWavesCollide
    unless `shift_later`, which moves every later wave by the days the end moved."""
    unknown = set(fields) - set(WAVE_FIELDS)
    if unknown:
        raise TypeError(f"wave_update() got unexpected fields: {sorted(unknown)}")
    old = Wave.objects.get(pk=wave.pk)
    for name, value in fields.items():
        setattr(wave, name, value)
    if isinstance(wave.name, str):
        wave.name = wave.name.strip()
    unit_list = list(units) if units is not None else list(wave.units.all())
    _check_shape(wave, unit_list)
    wave.full_clean()
    others = _others(wave)
    later = [o for o in others if o.order > wave.order]
    earlier = [o for o in others if o.order < wave.order]
    colliding = [
        o
        for o in later
        if not (wave.allow_overlap or o.allow_overlap)
        and o.overlaps(wave.start_date, wave.end_date)
    ]
    days = (wave.end_date - old.end_date).days
    if colliding:
        if days <= 0:
            _check_overlap(wave, colliding)
        if not shift_later:
            raise LaterWavesCollide(wave, colliding, days)
        _shift(later, days)
        later = list(Wave.objects.filter(pk__in=[o.pk for o in later]).prefetch_related("units"))
    unit_ids = {u.id for u in unit_list}
    _check_company_wide(wave, others)
    _check_overlap(wave, earlier + later)
    _check_double_targeting(wave, unit_ids, others)
    dates_or_units_changed = (
        (old.start_date, old.end_date) != (wave.start_date, wave.end_date)
        or units is not None
        and {u.id for u in old.units.all()} != unit_ids
    )
    if dates_or_units_changed:
        _check_capacity(wave, unit_ids, accept_over_capacity)
    wave.save()
    if units is not None:
        wave.units.set(unit_list)
    return wave


def later_waves_after_move(wave: Wave, start: dt.date, end: dt.date) -> list[Wave]:
    """The later waves that new dates for `wave` would collide with (for the form's preview)."""
    return [
        o
        for o in Wave.objects.filter(rollout_id=wave.rollout_id, order__gt=wave.order)
        if not (wave.allow_overlap or o.allow_overlap) and o.overlaps(start, end)
    ]
