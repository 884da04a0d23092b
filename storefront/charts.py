"""Charts drawn on the server as SVG strings: no script, no image files, no library.

Each chart is an `<svg role="img">` with a `<title>` and a `<desc>` that a
screen reader reads out, and the pages show the same numbers in a table
beside it, so nobody has to read values off a picture. Lines differ by dash
pattern as well as colour. All text is escaped; callers pass formatters so
money reads as money in the page's language. The drawing is 360 units wide
(a small phone) and scales to its container.
"""
import math
import re
from collections.abc import Callable, Sequence
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH = 360
PALETTE = ("#1d5e2c", "#b45309", "#1f5f99", "#9a3412", "#6b3fa0", "#0f766e", "#4b5563", "#a16207")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4")
LEGEND_X = 8
INK = ' fill="#1b1f1c"'
LABEL_CHARS = 42  # about what fits on one line of a 360-unit drawing at 12 units
_ID = re.compile(r"^[a-z][a-z0-9-]{0,40}$")


def _t(value) -> str:
    return escape(str(value), {'"': "&quot;"})


def wrap(label: str, width: int = LABEL_CHARS, lines: int = 2) -> list[str]:
    """`label` cut at spaces into at most `lines` lines of about `width` characters (… if longer)."""
    out, current = [], ""
    for word in str(label).split():
        if current and len(current) + 1 + len(word) > width:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    out.append(current)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return [line if len(line) <= width else line[: width - 1] + "…" for line in out]


def _text(x: float, y: float, lines: list[str], attrs: str = "") -> str:
    """A <text> of one or more lines, 14 units apart."""
    spans = "".join(f'<tspan x="{x:g}" dy="{0 if i == 0 else 14}">{_t(line)}</tspan>' for i, line in enumerate(lines))
    return f'<text x="{x:g}" y="{y:g}"{attrs}>{spans}</text>'


def _svg(chart_id: str, title: str, desc: str, height: float, body: str) -> SafeString:
    if not _ID.match(chart_id):
        raise ValueError(f"chart id must be a short lowercase slug: {chart_id!r}")
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height:g}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d" font-family="system-ui, sans-serif" font-size="12">'
        f'<title id="{chart_id}-t">{_t(title)}</title><desc id="{chart_id}-d">{_t(desc)}</desc>{body}</svg>'
    )


def _empty(chart_id: str, title: str, desc: str, text: str) -> SafeString:
    return _svg(chart_id, title, desc, 40, f'<text x="{WIDTH / 2:g}" y="24" text-anchor="middle" fill="#4d5650">{_t(text)}</text>')


def nice_max(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at least `value` (a y axis that ends on a round number)."""
    if value <= 0:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def integer_ticks(value: float, most: int = 5) -> list[int]:
    """The y axis of counts and amounts: 0 and evenly spaced whole numbers up to the first at or above
    `value`, at most `most` steps, each step 1, 2, 5 × 10ⁿ (or 25 × 10ⁿ): no repeated and no missing
    numbers (“0 1 2 3 4 5”, never “0 1 2 3 5”)."""
    value = max(math.ceil(value), 1)
    power = 1
    while True:
        steps = (power, 2 * power, 25 * power // 10, 5 * power) if power >= 10 else (power, 2 * power, 5 * power)
        for step in steps:
            if math.ceil(value / step) <= most:
                return [i * step for i in range(math.ceil(value / step) + 1)]
        power *= 10


def bar_chart(chart_id: str, *, title: str, desc: str, items: Sequence[tuple[str, int]],
              fmt: Callable[[int], str] = str, empty: str = "—") -> SafeString:
    """Horizontal bars, one per (label, value), the label above its bar and the value after it."""
    if not items or not any(v for _, v in items):
        return _empty(chart_id, title, desc, empty)
    top = max(v for _, v in items)
    room = WIDTH - 96  # the rest holds the value
    parts, y = [], 0
    for i, (label, value) in enumerate(items):
        lines = wrap(label)
        y += 13 + 14 * (len(lines) - 1)
        length = max(value / top * room, 1 if value else 0)
        color = PALETTE[i % len(PALETTE)] if len(items) <= len(PALETTE) else PALETTE[0]
        parts.append(
            f'<g><title>{_t(label)}: {_t(fmt(value))}</title>{_text(0, y, lines, INK)}'
            f'<rect x="0" y="{y + 4}" width="{length:.1f}" height="13" rx="2" fill="{color}"/>'
            f'<text x="{length + 5:.1f}" y="{y + 15}" fill="#1b1f1c" font-weight="600">{_t(fmt(value))}</text></g>'
        )
        y += 23
    return _svg(chart_id, title, desc, y + 4, "".join(parts))


def line_chart(chart_id: str, *, title: str, desc: str, x_labels: Sequence[str],
               series: Sequence[tuple[str, Sequence[int]]], fmt: Callable[[int], str] = str,
               tick: Callable[[float], str] | None = None, empty: str = "—") -> SafeString:
    """One line per (name, values), values aligned with `x_labels`; a legend under the plot."""
    if not x_labels or not series or not any(v for _, values in series for v in values):
        return _empty(chart_id, title, desc, empty)
    tick = tick or (lambda v: fmt(int(v)))
    left, right, top, plot_h = 56, 10, 8, 170
    plot_w = WIDTH - left - right
    ticks = integer_ticks(max(v for _, values in series for v in values))
    y_max = ticks[-1]
    n = len(x_labels)

    def x(i):
        return left + (plot_w / 2 if n == 1 else i * plot_w / (n - 1))

    def y(v):
        return top + plot_h - v / y_max * plot_h

    parts = []
    for value in ticks:  # grid and y ticks at whole numbers
        parts.append(
            f'<line x1="{left}" x2="{WIDTH - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#d9ded9"/>'
            f'<text x="{left - 4}" y="{y(value) + 4:.1f}" text-anchor="end" fill="#4d5650" font-size="11">{_t(tick(value))}</text>'
        )
    shown = sorted({0, n // 2, n - 1})
    for i in shown:
        anchor = "start" if i == 0 and n > 1 else "end" if i == n - 1 and n > 1 else "middle"
        parts.append(
            f'<text x="{x(i):.1f}" y="{top + plot_h + 16}" text-anchor="{anchor}" fill="#4d5650" font-size="11">'
            f'{_t(x_labels[i])}</text>'
        )
    legend_y = top + plot_h + 34
    for s, (name, values) in enumerate(series):
        color, dash = PALETTE[s % len(PALETTE)], DASHES[s % len(DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
        dots = "".join(
            f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{color}"><title>{_t(x_labels[i])}: {_t(fmt(v))}</title></circle>'
            for i, v in enumerate(values)
        ) if n <= 60 else ""
        parts.append(
            f'<g><title>{_t(name)}</title><polyline points="{points}" fill="none" stroke="{color}" stroke-width="2"'
            f'{dash_attr} stroke-linejoin="round"/>{dots}</g>'
        )
        lines = wrap(name, LABEL_CHARS - 4)
        parts.append(
            f'<line x1="{LEGEND_X}" x2="{LEGEND_X + 22}" y1="{legend_y - 4}" y2="{legend_y - 4}" stroke="{color}" '
            f'stroke-width="2"{dash_attr}/>{_text(LEGEND_X + 28, legend_y, lines, INK)}'
        )
        legend_y += 14 * len(lines) + 6
    return _svg(chart_id, title, desc, legend_y, "".join(parts))
