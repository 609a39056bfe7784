"""The report's charts: inline SVG, drawn here so the page needs no script library and no network.

Two shapes cover the report: horizontal bars with their labels and values (scores, findings by severity, rule
and project) and an area chart of one series over days (the trend of open findings). A charting library would
bring a browser runtime or pandas/matplotlib for that; forty lines of SVG do not.

Each chart is one ``<svg class="chart" role="img">`` with a ``<title>`` and a ``<desc>`` (read by screen
readers) and a table of the same numbers beside it in the page. Shapes that must show on screen carry the
class ``mark`` (a bar's track and its value, the trend's area and points, an empty chart's text): the page's
self-check (check.js) measures them once drawn. Every text is escaped here: labels
are resource and project names, i.e. untrusted input.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 640
BAR_HEIGHT = 18
BAR_GAP = 6
LABEL_WIDTH = 210
VALUE_WIDTH = 56
MAX_LABEL_CHARS = 28
_ids = itertools.count(1)


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value, the text shown beside it and its colour (a CSS colour)."""

    label: str
    value: float
    shown: str
    color: str = "#3b6ea5"


def _chart_id(prefix: str) -> str:
    return f"{prefix}-{next(_ids)}"


def _shorten(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _open_svg(chart_id: str, height: float, title: str, description: str, kind: str) -> str:
    return (
        f'<svg class="chart chart-{kind}" id="{chart_id}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'viewBox="0 0 {WIDTH} {height:g}" width="{WIDTH}" height="{height:g}" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="12">'
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(description)}</desc>'
    )


def bar_chart(title: str, bars: Sequence[Bar], *, maximum: float | None = None, empty: str = "Nothing to show") -> str:
    """Horizontal bars, one per item, longest = ``maximum`` (default: the largest value)."""
    chart_id = _chart_id("bars")
    description = "; ".join(f"{bar.label}: {bar.shown}" for bar in bars) or empty
    if not bars:
        return (_open_svg(chart_id, 30, title, description, "bars")
                + f'<text class="mark" x="0" y="20" fill="#555">{escape(empty)}</text></svg>')
    top = maximum if maximum is not None else max(bar.value for bar in bars)
    span = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    height = len(bars) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP
    parts = [_open_svg(chart_id, height, title, description, "bars")]
    for index, bar in enumerate(bars):
        y = BAR_GAP + index * (BAR_HEIGHT + BAR_GAP)
        length = span * bar.value / top if top > 0 else 0
        text_y = y + BAR_HEIGHT * 0.7
        parts.append(
            f'<g class="bar"><title>{escape(bar.label)}: {escape(bar.shown)}</title>'
            f'<text x="{LABEL_WIDTH - 8}" y="{text_y:g}" text-anchor="end" fill="#222">'
            f"{escape(_shorten(bar.label))}</text>"
            f'<rect class="mark track" x="{LABEL_WIDTH}" y="{y}" width="{span:g}" height="{BAR_HEIGHT}" '
            'fill="#eef1f5"/>'
        )
        if length > 0:
            parts.append(f'<rect class="mark value" x="{LABEL_WIDTH}" y="{y}" width="{max(length, 2):.1f}" '
                         f'height="{BAR_HEIGHT}" fill="{escape(bar.color)}"/>')
        parts.append(f'<text x="{LABEL_WIDTH + span + 6}" y="{text_y:g}" fill="#222">{escape(bar.shown)}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def trend_chart(title: str, points: Sequence[tuple[dt.date, int]], *, color: str = "#b3261e") -> str:
    """An area chart of one count per day, with the y axis from 0 and the first, middle and last day labelled."""
    chart_id = _chart_id("trend")
    height, left, right, top_pad, bottom = 220, 48, 16, 12, 28
    first, last = (points[0], points[-1]) if points else ((dt.date.today(), 0),) * 2
    description = (f"{len(points)} days from {first[0]:%Y-%m-%d} ({first[1]}) to {last[0]:%Y-%m-%d} ({last[1]}); "
                   f"highest {max((v for _d, v in points), default=0)}")
    parts = [_open_svg(chart_id, height, title, description, "trend")]
    top = max([v for _d, v in points] + [1])
    plot_w, plot_h = WIDTH - left - right, height - top_pad - bottom

    def x(i: int) -> float:
        return left + (plot_w * i / (len(points) - 1) if len(points) > 1 else plot_w / 2)

    def y(value: float) -> float:
        return top_pad + plot_h * (1 - value / top)

    for value in sorted({0, top // 2, top}):
        parts.append(f'<line x1="{left}" x2="{WIDTH - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
                     f'stroke="#dde2e8"/><text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" '
                     f'fill="#555">{value}</text>')
    for i in sorted({0, (len(points) - 1) // 2, len(points) - 1}) if points else []:
        anchor = "start" if i == 0 and len(points) > 1 else "end" if i == len(points) - 1 else "middle"
        parts.append(f'<text x="{x(i):.1f}" y="{height - 8}" text-anchor="{anchor}" fill="#555">'
                     f"{points[i][0]:%Y-%m-%d}</text>")
    line = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, (_d, v) in enumerate(points))
    if points and max(v for _d, v in points) > 0:
        area = f"M{x(0):.1f},{y(0):.1f} L{line.replace(' ', ' L')} L{x(len(points) - 1):.1f},{y(0):.1f} Z"
        parts.append(f'<path class="mark area" d="{area}" fill="{color}" fill-opacity="0.15"/>')
    if points:
        parts.append(f'<polyline class="line" points="{line}" fill="none" stroke="{color}" stroke-width="2"/>')
    for i, (day, value) in enumerate(points):
        parts.append(f'<circle class="mark point" cx="{x(i):.1f}" cy="{y(value):.1f}" r="2.5" fill="{color}">'
                     f"<title>{day:%Y-%m-%d}: {value} open</title></circle>")
    parts.append("</svg>")
    return "".join(parts)
