"""The calibration chart beside the proposed rules file, a self-contained SVG: lift per decile
and the MQL gate's trade-off. Hand-written: two small panels do not justify a plotting library;
text is escaped."""

from xml.sax.saxutils import escape

from connector.calibrate.report import Decile, TradeOff

_WIDTH, _HEIGHT, _PAD = 360, 240, 40


def _panel(x0: int, title: str, body: list[str], x_label: str, y_label: str) -> list[str]:
    return [
        f'<g transform="translate({x0},0)">',
        f'<text x="{_WIDTH / 2}" y="18" text-anchor="middle" font-weight="bold">'
        f"{escape(title)}</text>",
        f'<line x1="{_PAD}" y1="{_HEIGHT - _PAD}" x2="{_WIDTH - 10}" y2="{_HEIGHT - _PAD}" '
        'stroke="#333"/>',
        f'<line x1="{_PAD}" y1="30" x2="{_PAD}" y2="{_HEIGHT - _PAD}" stroke="#333"/>',
        f'<text x="{_WIDTH / 2}" y="{_HEIGHT - 8}" text-anchor="middle">{escape(x_label)}</text>',
        f'<text x="12" y="{_HEIGHT / 2}" text-anchor="middle" '
        f'transform="rotate(-90 12 {_HEIGHT / 2})">{escape(y_label)}</text>',
        *body,
        "</g>",
    ]


def render(title: str, deciles: list[Decile], tradeoff: list[TradeOff], chosen: int) -> str:
    plot_w, plot_h = _WIDTH - _PAD - 10, _HEIGHT - _PAD - 30
    top = max([d.lift for d in deciles] + [1.0])
    bars = []
    step = plot_w / max(len(deciles), 1)
    for i, d in enumerate(deciles):
        h = plot_h * d.lift / top
        x = _PAD + i * step + 2
        bars.append(
            f'<rect x="{x:.1f}" y="{_HEIGHT - _PAD - h:.1f}" width="{step - 4:.1f}" '
            f'height="{h:.1f}" fill="#4c78a8"><title>decile {d.decile}: lift {d.lift:.2f}, '
            f"{d.converted}/{d.people} converted</title></rect>"
        )
        bars.append(
            f'<text x="{x + (step - 4) / 2:.1f}" y="{_HEIGHT - _PAD + 12}" '
            f'text-anchor="middle" font-size="9">{d.decile}</text>'
        )
    one = _HEIGHT - _PAD - plot_h / top
    bars.append(
        f'<line x1="{_PAD}" y1="{one:.1f}" x2="{_WIDTH - 10}" y2="{one:.1f}" '
        'stroke="#999" stroke-dasharray="4 3"><title>lift 1 (base rate)</title></line>'
    )
    points, marks = [], []
    for row in tradeoff:
        if row.precision is None:
            continue
        x = _PAD + plot_w * row.share
        y = _HEIGHT - _PAD - plot_h * row.precision
        points.append(f"{x:.1f},{y:.1f}")
        colour = "#e45756" if row.threshold == chosen else "#4c78a8"
        marks.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>threshold '
            f"{row.threshold}: {row.mqls} MQLs ({row.share:.0%}), precision "
            f"{row.precision:.0%}, recall {row.recall:.0%}</title></circle>"
        )
    curve = [f'<polyline points="{" ".join(points)}" fill="none" stroke="#4c78a8"/>', *marks]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * _WIDTH}" height="{_HEIGHT + 20}" '
        'font-family="sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
        *_panel(0, "Lift per score decile", bars, "decile (1 = highest scores)", "lift"),
        *_panel(
            _WIDTH,
            f"MQL gate trade-off (proposed: {chosen})",
            curve,
            "MQL share of people",
            "MQL -> conversion rate",
        ),
        "</svg>",
    ]
    return "\n".join(parts) + "\n"
