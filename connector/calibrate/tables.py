"""Rich tables of the learned rules, ranking and MQL trade-off; user text is passed as `Text`,
never parsed as markup."""

from rich.console import Console
from rich.table import Table
from rich.text import Text

from connector.calibrate.report import BacktestReport, CalibrationReport, Ranking, TradeOff


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _ranking_table(title: str, ranking: Ranking) -> Table:
    table = Table(title=Text(title))
    for name in ("decile", "people", "converted", "rate", "lift", "scores"):
        table.add_column(name, justify="right")
    for row in ranking.deciles:
        table.add_row(
            str(row.decile),
            str(row.people),
            str(row.converted),
            _percent(row.rate),
            f"{row.lift:.2f}",
            f"{row.lowest_score:g}..{row.highest_score:g}",
        )
    return table


def _tradeoff_table(rows: list[TradeOff], chosen: int) -> Table:
    grade = rows[0].min_grade if rows else "-"
    table = Table(
        title=Text(f"MQL gate on the holdout: score >= threshold AND grade {grade} or better")
    )
    for name in ("threshold", "MQLs", "share", "MQL -> converted", "recall"):
        table.add_column(name, justify="right")
    for row in rows:
        mark = " <" if row.threshold == chosen else ""
        table.add_row(
            f"{row.threshold}{mark}",
            str(row.mqls),
            _percent(row.share),
            _percent(row.precision),
            _percent(row.recall),
        )
    return table


def print_calibration(console: Console, report: CalibrationReport) -> None:
    held = report.holdout_ranking
    console.print(
        Text(
            f"{report.people_read} people read ({report.skipped} skipped), "
            f"{report.known_outcome} with a known outcome: {report.train} to learn from, "
            f"{report.holdout} held out. Base rate {held.base_rate:.1%}."
        )
    )
    if report.fit_rows < report.train or report.holdout_measured < report.holdout:
        console.print(
            Text(
                f"Fitted on a uniform sample of {report.fit_rows} training people (support, "
                f"conversion and lift count all {report.train}); holdout figures measured on "
                f"{report.holdout_measured} of the {report.holdout} held out."
            )
        )
    rules = Table(title="Proposed points (training part)")
    for name in ("rule", "was", "proposed", "support", "conversion", "lift", "status"):
        rules.add_column(name, justify="left" if name in ("rule", "status") else "right")
    for rule in report.rules:
        rules.add_row(
            Text(rule.label),
            f"{rule.current:g}",
            f"{rule.proposed:g}",
            str(rule.support),
            _percent(rule.conversion),
            "-" if rule.lift is None else f"{rule.lift:.2f}",
            Text(rule.status + (f": {rule.why}" if rule.why else "")),
        )
    console.print(rules)
    console.print(_ranking_table(f"Holdout: AUC {held.auc:.3f}, lift per decile", held))
    console.print(_tradeoff_table(report.tradeoff, report.proposed_threshold))
    verdict = "reaches" if report.target_met else "does NOT reach"
    console.print(
        Text(
            f"Proposed MQL gate: score >= {report.proposed_threshold} and grade "
            f"{report.proposed_min_grade} or better ({verdict} the target "
            f"MQL -> conversion rate {report.target_rate:.0%}). Holdout AUC {held.auc:.3f}."
        )
    )
    console.print(Text(f"Wrote {report.out} and {report.chart}."))


def print_backtest(console: Console, report: BacktestReport) -> None:
    console.print(
        Text(
            f"{report.people_read} people read ({report.skipped} skipped), part {report.part}, "
            f"{report.known_outcome} with a known outcome; rules {report.rules}."
        )
    )
    if report.ranking is None:
        console.print(Text("Too few known outcomes of each kind to measure the ranking."))
    else:
        ranking = report.ranking
        console.print(_ranking_table(f"AUC {ranking.auc:.3f}, lift per decile", ranking))
    if report.mql is not None:
        mql = report.mql
        console.print(
            Text(
                f"MQL gate (score >= {mql.threshold:g}, grade {mql.min_grade} or better): "
                f"{mql.mqls} MQLs, {_percent(mql.precision)} convert, recall "
                f"{_percent(mql.recall)}"
                + (f", base rate {report.ranking.base_rate:.1%}" if report.ranking else "")
            )
        )
    if report.out:
        console.print(Text(f"Wrote {report.out}"))
