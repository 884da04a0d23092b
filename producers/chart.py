"""A tiny server-drawn SVG column chart for the portal's reports (no script, no library).

The drawing is 360 units wide (a small phone) and scales to its container; it has a <title>
and a <desc> for screen readers, and every page shows the same numbers in a table beside it.
All text is escaped.
"""
from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH, PLOT_H, LEFT, BOTTOM = 360, 140, 34, 22
COLOR = "#1d5e2c"


def _t(value) -> str:
    return escape(str(value), {'"': "&quot;"})


def column_chart(chart_id: str, *, title: str, desc: str, labels: Sequence[str], values: Sequence[int],
                 empty: str = "—") -> SafeString:
    """One column per (label, value); the largest value and 0 marked on the axis, a few labels under it."""
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {{h}}" role="img" '
            f'aria-labelledby="{chart_id}-t {chart_id}-d" font-family="system-ui, sans-serif" font-size="11">'
            f'<title id="{chart_id}-t">{_t(title)}</title><desc id="{chart_id}-d">{_t(desc)}</desc>')
    if not values or not any(values):
        return mark_safe(head.format(h=40) + f'<text x="{WIDTH / 2:g}" y="24" text-anchor="middle" '
                         f'fill="#4d5650">{_t(empty)}</text></svg>')
    top = max(values)
    n = len(values)
    slot = (WIDTH - LEFT - 4) / n
    bar = max(slot * 0.75, 1)
    parts = [f'<line x1="{LEFT}" y1="{PLOT_H + 4}" x2="{WIDTH - 2}" y2="{PLOT_H + 4}" stroke="#8a948d"/>',
             f'<text x="{LEFT - 4}" y="12" text-anchor="end" fill="#1b1f1c">{top}</text>',
             f'<text x="{LEFT - 4}" y="{PLOT_H + 4}" text-anchor="end" fill="#1b1f1c">0</text>']
    every = max(1, -(-n // 6))  # at most about six labels under the axis
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = value / top * PLOT_H
        x = LEFT + i * slot + (slot - bar) / 2
        parts.append(f'<rect x="{x:.1f}" y="{PLOT_H + 4 - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                     f'fill="{COLOR}"><title>{_t(label)}: {value}</title></rect>')
        if i % every == 0:
            parts.append(f'<text x="{x + bar / 2:.1f}" y="{PLOT_H + 18}" text-anchor="middle" '
                         f'fill="#1b1f1c">{_t(label)}</text>')
    return mark_safe(head.format(h=PLOT_H + BOTTOM + 4) + "".join(parts) + "</svg>")
