"""Server-side SVG for the roadmap timeline and the change-load heatmap. No JavaScript, nothing
from a CDN: the markup is built here (string joins are fast enough for hundreds of rows) and
placed inline in the page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

from onramp.rollout.changeload import ChangeLoad
from onramp.rollout.roadmap import RGate, RMilestone, RoadmapItem

WAVE_COLOURS = {
    "planned": "#9db4e8",
    "active": "#2457c5",
    "hypercare": "#7a5af8",
    "closed": "#98a2b3",
    "on_hold": "#e0b35a",
}
GATE_COLOURS = {
    "go": "#1f7a4d",
    "conditional": "#d08c00",
    "no_go": "#b42318",
    "pending": "#667085",
    "postpone": "#667085",
    "none": "#ffffff",
}
FONT = 'font-family="system-ui, sans-serif"'
ONE_DAY = dt.timedelta(days=1)


def _e(text: object) -> str:
    return escape(str(text), quote=True)


@dataclass(frozen=True)
class Axis:
    start: dt.date
    end: dt.date
    left: int
    px_per_day: float

    def x(self, day: dt.date) -> float:
        return self.left + (day - self.start).days * self.px_per_day

    @property
    def width(self) -> float:
        return self.x(self.end) + 12


def _month_starts(start: dt.date, end: dt.date) -> list[dt.date]:
    out = []
    day = start.replace(day=1)
    while day <= end:
        if day >= start:
            out.append(day)
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return out


def _range(rollouts: list[RoadmapItem], today: dt.date) -> tuple[dt.date, dt.date]:
    days = [today]
    for r in rollouts:
        for w in r.waves:
            days += [w.start_date, w.end_date]
        days += [m.forecast_date or m.planned_date for m in r.milestones]
        days += [g.gate_date for g in r.gates]
    start = min(days).replace(day=1)
    end = max(days) + dt.timedelta(days=14)
    return start, end


def roadmap_svg(
    rollouts: list[RoadmapItem], *, today: dt.date, label_width: int = 300
) -> SafeString:
    """Rows per rollout and wave over a month axis: wave bars (colour = status) with a go-live
    tick, milestone marks, gate diamonds (colour = decision or latest evaluation), a today line."""
    start, end = _range(rollouts, today)
    days = max((end - start).days, 30)
    axis = Axis(start, end, label_width, max(1.4, min(6.0, 700 / days)))
    head, row_h, group_gap = 34, 22, 8
    rows: list[str] = []
    y = head
    for rollout in rollouts:
        waves = rollout.waves
        gates_by_wave: dict[int, list[RGate]] = {}
        for g in rollout.gates:
            gates_by_wave.setdefault(g.wave_id, []).append(g)
        ms_by_wave: dict[int | None, list[RMilestone]] = {}
        for m in rollout.milestones:
            ms_by_wave.setdefault(m.wave_id, []).append(m)
        service_name = _clip(rollout.service_name, 26)
        rows.append(
            f'<a href="{_e(rollout.url)}"><text x="6" y="{y + 15}" font-size="12.5">'
            f'<tspan font-weight="650">{_e(service_name)}</tspan>'
            f'<tspan fill="#5d6778"> · {_e(_clip(rollout.name, max(8, 39 - len(service_name))))}</tspan>'
            f"<title>{_e(rollout.service_name)}: {_e(rollout.name)}</title></text></a>"
        )
        if waves:
            x0 = axis.x(min(w.start_date for w in waves))
            x1 = axis.x(max(w.end_date for w in waves))
            rows.append(
                f'<rect x="{x0:.1f}" y="{y + 8}" width="{max(x1 - x0, 2):.1f}" height="6" '
                f'rx="3" fill="#c9ced8"><title>{_e(rollout.name)}: '
                f"{rollout.status_label}</title></rect>"
            )
        rows.extend(_milestone_marks(axis, ms_by_wave.get(None, []), y, today))
        y += row_h
        for wave in waves:
            x0, x1 = axis.x(wave.start_date), axis.x(wave.end_date + ONE_DAY)
            gx_live = axis.x(wave.go_live_date)
            colour = WAVE_COLOURS.get(wave.status, "#9db4e8")
            tip = (
                f"{wave.name} ({wave.kind_label}, {wave.status_label}): "
                f"{wave.start_date:%d %b %Y} – {wave.end_date:%d %b %Y}, go-live "
                f"{wave.go_live_date:%d %b %Y}"
            )
            rows.append(
                f'<text x="18" y="{y + 15}" font-size="12" fill="#344054">'
                f"{_e(_clip(wave.name, 32))}</text>"
                f'<rect x="{x0:.1f}" y="{y + 4}" width="{max(x1 - x0, 3):.1f}" height="14" rx="3" '
                f'fill="{colour}"><title>{_e(tip)}</title></rect>'
                f'<line x1="{gx_live:.1f}" x2="{gx_live:.1f}" '
                f'y1="{y + 2}" y2="{y + 20}" stroke="#101828" stroke-width="2"><title>Go-live '
                f"{wave.go_live_date:%d %b %Y}</title></line>"
            )
            rows.extend(_milestone_marks(axis, ms_by_wave.get(wave.id, []), y, today))
            for gate in gates_by_wave.get(wave.id, []):
                status = gate.status
                gx, gy = axis.x(gate.gate_date), y + 11
                rows.append(
                    f'<a href="{_e(gate.url)}"><path d="M{gx:.1f} {gy - 8} L{gx + 8:.1f} {gy} '
                    f'L{gx:.1f} {gy + 8} L{gx - 8:.1f} {gy} Z" fill="{GATE_COLOURS[status.code]}" '
                    f'stroke="#101828" stroke-width="1.2" class="gate gate-{status.code}">'
                    f"<title>{_e(gate.name)} ({gate.gate_date:%d %b %Y}): {_e(status.label)}</title>"
                    "</path></a>"
                )
            y += row_h
        y += group_gap
    height = y + 6
    width = axis.width
    grid = [
        f'<rect x="0" y="0" width="{width:.0f}" height="{head - 4}" fill="#fafbfc"/>',
    ]
    for n, month in enumerate(_month_starts(start, end)):
        mx = axis.x(month)
        grid.append(
            f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{head - 8}" y2="{height}" stroke="#eaecf0"/>'
        )
        if axis.px_per_day * 30 >= 34 or month.month in (1, 4, 7, 10):
            label = (
                month.strftime("%b %y")
                if month.month == 1 or n == 0 or axis.px_per_day * 30 >= 60
                else month.strftime("%b")
            )
            grid.append(
                f'<text x="{mx + 3:.1f}" y="{head - 14}" font-size="11" fill="#5d6778">{label}</text>'
            )
    tx = axis.x(today)
    grid.append(
        f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{head - 10}" y2="{height}" stroke="#b42318" '
        f'stroke-width="1.5" stroke-dasharray="4 3"/><text x="{tx + 3:.1f}" y="{head - 1}" '
        f'font-size="10.5" fill="#b42318">Today</text>'
    )
    body = "".join(grid + rows)
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="roadmap-svg" width="{width:.0f}" '
        f'height="{height}" viewBox="0 0 {width:.0f} {height}" {FONT} role="img" '
        f'aria-label="Roadmap timeline of {len(rollouts)} rollout(s)">{body}</svg>'
    )


def _milestone_marks(axis: Axis, milestones: list[RMilestone], y: int, today: dt.date) -> list[str]:
    out = []
    for m in milestones:
        day = m.actual_date or m.forecast_date or m.planned_date
        mx = axis.x(day)
        fill = "#1f7a4d" if m.actual_date else ("#b42318" if day < today else "#101828")
        tip = f"{m.name}: planned {m.planned_date:%d %b %Y}"
        if m.forecast_date and not m.actual_date:
            tip += f", forecast {m.forecast_date:%d %b %Y}"
        if m.actual_date:
            tip += f", done {m.actual_date:%d %b %Y}"
        out.append(
            f'<path d="M{mx - 5:.1f} {y + 1} L{mx + 5:.1f} {y + 1} L{mx:.1f} {y + 9} Z" '
            f'fill="{fill}" class="milestone"><title>{_e(tip)}</title></path>'
        )
    return out


def _clip(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1] + "…"


def heat_colour(load: int, capacity: int) -> str:
    if load <= 0:
        return "#f2f4f7"
    ratio = load / max(capacity, 1)
    if ratio < 0.67:
        return "#cfe9d9"
    if ratio < 1:
        return "#8fd0a9"
    if load == capacity:
        return "#f3d7a5"
    if ratio < 1.5:
        return "#f1998e"
    return "#d92d20"


def heatmap_svg(
    data: ChangeLoad, rows: list[int], *, today: dt.date | None = None, label_width: int = 230
) -> SafeString:
    """Units (rows, indented by depth) x weeks; each cell is the number of change activities
    reaching the unit that week, coloured against the unit's capacity."""
    cell_w, cell_h, head = 26, 18, 40
    weeks = len(data.weeks)
    width = label_width + weeks * cell_w + 8
    height = head + len(rows) * cell_h + 6
    min_depth = min((data.units[r].depth for r in rows), default=0)
    grid_w, grid_h = weeks * cell_w, len(rows) * cell_h
    # Empty cells come from one patterned rectangle; only cells with load are drawn one by one.
    out = [
        f'<defs><pattern id="hm-empty" x="{label_width}" y="{head}" width="{cell_w}" '
        f'height="{cell_h}" patternUnits="userSpaceOnUse"><rect width="{cell_w - 2}" '
        f'height="{cell_h - 2}" fill="#f2f4f7"/></pattern></defs>',
        f'<rect x="0" y="0" width="{width}" height="{head - 4}" fill="#fafbfc"/>',
        f'<rect x="{label_width}" y="{head}" width="{grid_w}" height="{grid_h}" '
        'fill="url(#hm-empty)"/>',
    ]
    for w, monday in enumerate(data.weeks):
        if w % 4 == 0:
            x = label_width + w * cell_w
            out.append(
                f'<text x="{x + 1}" y="{head - 22}" font-size="10.5" fill="#5d6778">{monday:%d %b}</text>'
                f'<text x="{x + 1}" y="{head - 9}" font-size="9.5" fill="#98a2b3">w{monday.isocalendar()[1]}</text>'
            )
    half = cell_w / 2 - 1
    week_text = [f"{m:%d %b %Y}" for m in data.weeks]
    xs = [label_width + w * cell_w for w in range(weeks)]
    # Cells repeat the same few (activities, load, capacity) combinations: build each text once.
    label_text: dict[tuple[str, ...], str] = {}
    style: dict[tuple[int, int], tuple[str, str]] = {}
    loads = data.load.tolist()
    for i, r in enumerate(rows):
        unit = data.units[r]
        y = head + i * cell_h
        ty = y + 12
        indent = 6 + 12 * (unit.depth - min_depth)
        cap = int(data.capacity[r])
        name = _e(unit.name)
        out.append(
            f'<text x="{indent}" y="{y + 13}" font-size="11.5" fill="#344054">'
            f"{_e(_clip(unit.name, 30 - (indent // 8)))}<title>{name}: capacity {cap} a week</title></text>"
        )
        line = loads[r]
        acts = data.by_row.get(r, ())
        for w in range(weeks):
            load = line[w]
            if not load:
                continue
            labels = tuple(data.activities[a].label for w0, w1, a in acts if w0 <= w <= w1)[:4]
            text = label_text.get(labels)
            if text is None:
                text = label_text[labels] = _e("; ".join(labels))
            more = load - len(labels)
            colours = style.get((load, cap))
            if colours is None:
                colours = style[(load, cap)] = (
                    heat_colour(load, cap),
                    "#fff" if load > cap * 1.5 else "#101828",
                )
            x = xs[w]
            out.append(
                f'<rect x="{x}" y="{y}" width="{cell_w - 2}" height="{cell_h - 2}" '
                f'fill="{colours[0]}"><title>{name}, week of {week_text[w]}: {load} of {cap}. '
                f"{text}{f'; and {more} more' if more > 0 else ''}</title></rect>"
                f'<text x="{x + half}" y="{ty}" font-size="10" text-anchor="middle" '
                f'fill="{colours[1]}" pointer-events="none">{load}</text>'
            )
    if today is not None and data.weeks and data.weeks[0] <= today:
        w = (today - data.weeks[0]).days // 7
        if w < weeks:
            x = label_width + w * cell_w + (today.weekday() * cell_w / 7)
            out.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{head - 6}" y2="{height}" stroke="#b42318" '
                f'stroke-width="1.5" stroke-dasharray="4 3"><title>Today</title></line>'
            )
    body = "".join(out)
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="heatmap-svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" {FONT} role="img" '
        f'aria-label="Change load of {len(rows)} unit(s) over {weeks} weeks">{body}</svg>'
    )
