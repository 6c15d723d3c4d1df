"""The pages as text: self-contained, escaped, one bar per item (the browser test checks they
render; this checks what is in them)."""

import re

from connector.insight.html import render_report, render_whatif
from tests.unit.insight.seeded import (
    REPORT_BARS,
    WHATIF_BARS,
    seeded_report,
    seeded_whatif,
)


def _bars(html: str) -> dict[str, int]:
    charts = re.findall(r'<svg class="chart" data-chart="(\w+)".*?</svg>', html, re.S)
    bodies = re.findall(r'<svg class="chart" data-chart="\w+".*?</svg>', html, re.S)
    return {name: body.count('<rect class="bar') for name, body in zip(charts, bodies, strict=True)}


def test_report_page_is_self_contained_and_escapes_crm_text():
    html = render_report(seeded_report())
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert _bars(html) == REPORT_BARS


def test_report_small_cohorts_are_marked_small():
    html = render_report(seeded_report())
    # referral's MQL cohort is 2 people: its cells carry the "small" class
    row = re.search(r"<tr><td>referral</td>.*?</tr>", html, re.S).group(0)
    assert 'class="small"' in row and "1/2" in row


def test_whatif_page_counts_and_escapes():
    html = render_whatif(seeded_whatif(), "rules <new>.yaml", "snapshot")
    assert "rules &lt;new&gt;.yaml" in html
    assert _bars(html) == WHATIF_BARS
    assert html.count("<tr>", html.index('data-table="movers"')) >= 2


def test_empty_report_renders_empty_sections_not_errors():
    from connector.insight.figures import build_report
    from tests.factories import NOW, shipped_policy

    empty = build_report(
        account="x",
        crm="hubspot",
        people=[],
        moves=[],
        tasks=[],
        policy=shipped_policy(),
        owner_name={},
        now=NOW,
        since=NOW,
        spend={},
    )
    html = render_report(empty)
    assert "No MQL in this period." in html and "No spend in this period." in html
