"""Small server-rendered SVG charts (no JavaScript, no CDN), each with a <title> and an
aria-label so screen readers get the gist; pages show the numbers in a table beside them."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#2457c5", "#1f7a4d", "#b4690e", "#7a3fb8", "#b42318", "#0e7490")


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.1f}"


def hbar_chart(
    rows: Sequence[tuple[str, float | None]],
    *,
    low: float = 0,
    high: float = 100,
    unit: str = "",
    label: str = "",
    target: float | None = None,
    width: int = 420,
) -> SafeString:
    """Horizontal bars from `low` to `high` (a zero line when low < 0); None draws 'hidden'."""
    bar_h, gap, left, right = 22, 8, 140, 46
    height = len(rows) * (bar_h + gap) + 24
    span = (high - low) or 1
    x0 = left + (width - left - right) * (0 - low) / span if low < 0 else left

    def x(v: float) -> float:
        return left + (width - left - right) * (max(low, min(high, v)) - low) / span

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>'
    ]
    for i, (name, value) in enumerate(rows):
        y = 8 + i * (bar_h + gap)
        parts.append(
            f'<text x="{left - 8}" y="{y + bar_h * 0.7:.1f}" text-anchor="end" font-size="12" fill="#1d2433">{escape(name[:20])}</text>'
        )
        if value is None:
            parts.append(
                f'<text x="{left + 4}" y="{y + bar_h * 0.7:.1f}" font-size="12" fill="#5d6778">hidden: too few answers</text>'
            )
            continue
        a, b = sorted((x0, x(value)))
        parts.append(
            f'<rect x="{a:.1f}" y="{y}" width="{max(b - a, 1):.1f}" height="{bar_h}" rx="3" fill="{PALETTE[0] if value >= 0 else PALETTE[4]}"/>'
        )
        parts.append(
            f'<text x="{b + 4:.1f}" y="{y + bar_h * 0.7:.1f}" font-size="12" fill="#1d2433">{_fmt(value)}{escape(unit)}</text>'
        )
    if low < 0:
        parts.append(
            f'<line x1="{x0:.1f}" x2="{x0:.1f}" y1="4" y2="{height - 16}" stroke="#5d6778"/>'
        )
    if target is not None:
        tx = x(target)
        parts.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="4" y2="{height - 16}" stroke="#b4690e" stroke-dasharray="4 3"/>'
            f'<text x="{tx:.1f}" y="{height - 4}" font-size="11" text-anchor="middle" fill="#b4690e">target {_fmt(target)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def stacked_bar(
    parts: Sequence[tuple[str, float, str]], *, label: str, width: int = 560
) -> SafeString:
    """One 100% bar split into (name, percent, colour) parts, with a legend below."""
    height = 58
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>'
    ]
    x = 0.0
    for _name, pct, colour in parts:
        w = width * max(pct, 0) / 100
        if w > 0:
            out.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="26" fill="{colour}"/>')
            if w > 34:
                out.append(
                    f'<text x="{x + w / 2:.1f}" y="17" font-size="12" text-anchor="middle" fill="#fff">{_fmt(pct)}%</text>'
                )
        x += w
    lx = 0
    for name, pct, colour in parts:
        out.append(
            f'<rect x="{lx}" y="38" width="12" height="12" fill="{colour}"/>'
            f'<text x="{lx + 16}" y="48" font-size="12" fill="#1d2433">{escape(name)} {_fmt(pct)}%</text>'
        )
        lx += 150
    out.append("</svg>")
    return mark_safe("".join(out))


def line_chart(
    x_labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    low: float,
    high: float,
    label: str,
    unit: str = "",
    target: float | None = None,
    width: int = 640,
    height: int = 240,
) -> SafeString:
    """Lines over categorical x positions; a None breaks the line (a hidden or missing point)."""
    left, right, top, bottom = 44, 40, 12, 46
    n = max(len(x_labels), 1)
    span = (high - low) or 1

    def px(i: int) -> float:
        return left + (width - left - right) * (i / (n - 1) if n > 1 else 0.5)

    def py(v: float) -> float:
        return top + (height - top - bottom) * (1 - (max(low, min(high, v)) - low) / span)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>'
    ]
    for k in range(5):
        v = low + span * k / 4
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{py(v):.1f}" y2="{py(v):.1f}" stroke="#e4e7ec"/>'
            f'<text x="{left - 6}" y="{py(v) + 4:.1f}" font-size="11" text-anchor="end" fill="#5d6778">{_fmt(v)}</text>'
        )
    for i, name in enumerate(x_labels):
        out.append(
            f'<text x="{px(i):.1f}" y="{height - bottom + 16}" font-size="11" text-anchor="middle" fill="#5d6778">{escape(name)}</text>'
        )
    if target is not None:
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{py(target):.1f}" y2="{py(target):.1f}" stroke="#b4690e" stroke-dasharray="5 4"/>'
            f'<text x="{width - right}" y="{py(target) - 4:.1f}" font-size="11" text-anchor="end" fill="#b4690e">target {_fmt(target)}{escape(unit)}</text>'
        )
    for s, (name, values) in enumerate(series.items()):
        colour = PALETTE[s % len(PALETTE)]
        segment: list[str] = []
        for i, v in enumerate(values):
            if v is None:
                if len(segment) > 1:
                    out.append(
                        f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="{" ".join(segment)}"/>'
                    )
                segment = []
                continue
            segment.append(f"{px(i):.1f},{py(v):.1f}")
            out.append(
                f'<circle cx="{px(i):.1f}" cy="{py(v):.1f}" r="3.5" fill="{colour}"><title>{escape(name)} {escape(x_labels[i])}: {_fmt(v)}{escape(unit)}</title></circle>'
            )
        if len(segment) > 1:
            out.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" points="{" ".join(segment)}"/>'
            )
        out.append(
            f'<rect x="{left + s * 130}" y="{height - 18}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{left + s * 130 + 16}" y="{height - 8}" font-size="12" fill="#1d2433">{escape(name)}</text>'
        )
    out.append("</svg>")
    return mark_safe("".join(out))


def heat_grid(
    row_labels: Sequence[str],
    col_labels: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    label: str,
    high: float = 100,
    unit: str = "%",
    cell: int = 34,
) -> SafeString:
    """A rows x columns grid of cells shaded from white (0) to blue (`high`); None is grey.
    Each cell shows its value and carries a <title> for hover and screen readers."""
    left, top = 170, 48
    width = left + cell * max(len(col_labels), 1) + 8
    height = top + 22 * len(row_labels) + 8
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>'
    ]
    for j, name in enumerate(col_labels):
        x = left + j * cell + cell / 2
        out.append(
            f'<text x="{x:.1f}" y="{top - 8}" font-size="10" text-anchor="end" fill="#5d6778" transform="rotate(-35 {x:.1f} {top - 8})">{escape(name)}</text>'
        )
    for i, name in enumerate(row_labels):
        y = top + i * 22
        out.append(
            f'<text x="{left - 6}" y="{y + 15}" font-size="12" text-anchor="end" fill="#1d2433">{escape(name[:24])}</text>'
        )
        for j, v in enumerate(values[i]):
            x = left + j * cell
            if v is None:
                fill, text, colour = "#eef0f3", "", "#5d6778"
            else:
                share = max(0.0, min(1.0, v / high)) if high else 0.0
                r, g, b = (int(255 - (255 - c) * share) for c in (36, 87, 197))
                fill, text = f"#{r:02x}{g:02x}{b:02x}", _fmt(v)
                colour = "#fff" if share > 0.55 else "#1d2433"
            tip = f"{name}, {col_labels[j]}: {text + unit if text else 'no data'}"
            out.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="20" rx="2" fill="{fill}"><title>{escape(tip)}</title></rect>'
                f'<text x="{x + (cell - 2) / 2:.1f}" y="{y + 14}" font-size="10" text-anchor="middle" fill="{colour}">{text}</text>'
            )
    out.append("</svg>")
    return mark_safe("".join(out))


def band_chart(
    x_labels: Sequence[str],
    observed: Sequence[float | None],
    expected: Sequence[float],
    low: Sequence[float],
    high: Sequence[float],
    *,
    label: str,
    target: float | None = None,
    unit: str = "%",
    top_value: float = 100,
    width: int = 640,
    height: int = 240,
) -> SafeString:
    """Observed points as a line, a forecast as a dashed line inside a shaded band."""
    left, right, top, bottom = 44, 40, 12, 46
    n = max(len(x_labels), 1)

    def px(i: int) -> float:
        return left + (width - left - right) * (i / (n - 1) if n > 1 else 0.5)

    def py(v: float) -> float:
        return top + (height - top - bottom) * (1 - max(0.0, min(top_value, v)) / top_value)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>'
    ]
    for k in range(5):
        v = top_value * k / 4
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{py(v):.1f}" y2="{py(v):.1f}" stroke="#e4e7ec"/>'
            f'<text x="{left - 6}" y="{py(v) + 4:.1f}" font-size="11" text-anchor="end" fill="#5d6778">{_fmt(v)}</text>'
        )
    step = max(1, n // 8)
    for i in range(0, n, step):
        out.append(
            f'<text x="{px(i):.1f}" y="{height - bottom + 16}" font-size="11" text-anchor="middle" fill="#5d6778">{escape(x_labels[i])}</text>'
        )
    if low and high:
        upper = " ".join(f"{px(i):.1f},{py(v):.1f}" for i, v in enumerate(high))
        lower = " ".join(f"{px(i):.1f},{py(v):.1f}" for i, v in reversed(list(enumerate(low))))
        out.append(f'<polygon points="{upper} {lower}" fill="#2457c5" fill-opacity="0.15"/>')
    if expected:
        pts = " ".join(f"{px(i):.1f},{py(v):.1f}" for i, v in enumerate(expected))
        out.append(
            f'<polyline fill="none" stroke="#2457c5" stroke-width="2" stroke-dasharray="6 4" points="{pts}"/>'
        )
    seen = [(i, v) for i, v in enumerate(observed) if v is not None]
    if seen:
        pts = " ".join(f"{px(i):.1f},{py(v):.1f}" for i, v in seen)
        out.append(f'<polyline fill="none" stroke="#1f7a4d" stroke-width="2.5" points="{pts}"/>')
    if target is not None:
        out.append(
            f'<line x1="{left}" x2="{width - right}" y1="{py(target):.1f}" y2="{py(target):.1f}" stroke="#b4690e" stroke-dasharray="5 4"/>'
            f'<text x="{width - right}" y="{py(target) - 4:.1f}" font-size="11" text-anchor="end" fill="#b4690e">target {_fmt(target)}{escape(unit)}</text>'
        )
    legend = (("observed", "#1f7a4d", ""), ("forecast", "#2457c5", ' stroke-dasharray="6 4"'))
    for s, (name, colour, dash) in enumerate(legend):
        x = left + s * 130
        out.append(
            f'<line x1="{x}" x2="{x + 14}" y1="{height - 12}" y2="{height - 12}" stroke="{colour}" stroke-width="2.5"{dash}/>'
            f'<text x="{x + 18}" y="{height - 8}" font-size="12" fill="#1d2433">{name}</text>'
        )
    out.append(
        f'<rect x="{left + 260}" y="{height - 18}" width="12" height="12" fill="#2457c5" fill-opacity="0.15"/>'
        f'<text x="{left + 276}" y="{height - 8}" font-size="12" fill="#1d2433">80% band</text>'
    )
    out.append("</svg>")
    return mark_safe("".join(out))
