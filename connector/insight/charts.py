"""Horizontal bar charts as plain geometry for inline SVG: no script, opens offline, every bar a
`<rect class="bar">`; the SVG scales with its `viewBox` and labels never need rotating."""

from collections.abc import Sequence

from pydantic import BaseModel

WIDTH = 640
ROW = 26
LABEL_WIDTH = 190
VALUE_WIDTH = 70
TOP = 6


class Bar(BaseModel):
    label: str
    text: str
    x: float
    y: float
    width: float
    height: float
    negative: bool = False
    marker_x: float | None = None  # e.g. an owner's capacity


class Chart(BaseModel):
    name: str
    title: str
    width: int
    height: int
    label_width: int
    bars: list[Bar]
    empty: bool


def bar_chart(
    name: str,
    title: str,
    items: Sequence[tuple[str, float]],
    *,
    markers: Sequence[float | None] | None = None,
) -> Chart:
    """One horizontal bar per item, scaled to the largest magnitude (and marker). Negative
    values (a what-if's load change) grow left from a centre line."""
    values = [value for _, value in items]
    marks = [m for m in (markers or []) if m is not None]
    largest = max([abs(v) for v in values] + marks + [0]) or 1
    signed = any(v < 0 for v in values)
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    zero = LABEL_WIDTH + (plot / 2 if signed else 0)
    scale = (plot / 2 if signed else plot) / largest
    bars = []
    for index, (label, value) in enumerate(items):
        length = abs(value) * scale
        marker = markers[index] if markers else None
        bars.append(
            Bar(
                label=label,
                text=f"{value:+g}" if signed else f"{value:g}",
                x=zero - length if value < 0 else zero,
                y=TOP + index * ROW,
                width=max(length, 1 if value else 0),
                height=ROW - 8,
                negative=value < 0,
                marker_x=None if marker is None else zero + marker * scale,
            )
        )
    return Chart(
        name=name,
        title=title,
        width=WIDTH,
        height=TOP * 2 + max(len(items), 1) * ROW,
        label_width=LABEL_WIDTH,
        bars=bars,
        empty=not items,
    )
