"""The report and what-if pages: one self-contained file each (inline CSS and SVG, no script, no
CDN), rendered by Jinja2 with autoescaping, so CRM and rules text is never interpreted."""

from jinja2 import Environment, PackageLoader, select_autoescape

from connector.insight.charts import bar_chart
from connector.insight.figures import SCORE_BANDS, SPEED_BUCKETS, STAGE_ORDER, FunnelReport
from connector.insight.whatif import WhatIf

#: Cohorts smaller than this are greyed: a 1-of-2 rate is noise, not a finding.
SMALL_COHORT = 10

_env = Environment(
    loader=PackageLoader("connector.insight", "templates"),
    autoescape=select_autoescape(["html", "j2"], default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _percent(part: int, whole: int) -> str:
    return "n/a" if whole == 0 else f"{100 * part / whole:.0f} %"


def render_report(report: FunnelReport) -> str:
    mql_in = sum(flow.entered for flow in report.flow if flow.stage == "mql")
    mql = sum(row.mql for row in report.conversion_by_source)
    sql = sum(row.sql for row in report.conversion_by_source)
    speed = report.speed_to_lead
    charts = {  # by the name each carries in the page (`data-chart`)
        "funnel": bar_chart(
            "funnel", "People per stage now", [(s.stage, s.people) for s in report.funnel]
        ),
        "recycle": bar_chart("recycle", "Recycle reasons", list(report.recycle_reasons.items())),
        "disqualify": bar_chart(
            "disqualify", "Disqualify reasons", list(report.disqualify_reasons.items())
        ),
        "speed": bar_chart(
            "speed",
            "Time to follow-up done",
            [(label, speed.distribution.get(label, 0)) for _, label in SPEED_BUCKETS]
            if speed.done - speed.done_time_unknown
            else [],
        ),
        "load": bar_chart(
            "load",
            "Open leads per owner",
            [(row.owner, row.open_leads) for row in report.owner_load],
            markers=[row.capacity for row in report.owner_load],
        ),
    }
    return _env.get_template("report.html.j2").render(
        r=report,
        charts=charts,
        small=SMALL_COHORT,
        bands=SCORE_BANDS,
        mql_in=mql_in,
        mql_to_sql=_percent(sql, mql),
        sla_share=_percent(speed.within_sla, speed.done - speed.done_time_unknown),
    )


def render_whatif(result: WhatIf, rules_file: str, source: str) -> str:
    matrix = result.stage_matrix
    shown = set(matrix).union(*matrix.values())  # a stage on either side of any change
    load = [(row.owner, row.change) for row in result.owner_load if row.change]
    return _env.get_template("whatif.html.j2").render(
        w=result,
        charts={
            "changes": bar_chart(
                "changes", "People per stage change", list(result.stage_changes.items())
            ),
            "load": bar_chart("load", "Open leads per owner, proposed minus live", load),
        },
        rules_file=rules_file,
        source=source,
        stages=[stage for stage in (*STAGE_ORDER, "none") if stage in shown],
    )
