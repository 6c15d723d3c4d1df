"""What the two commands report: one shape for the tables, `--json` and the chart."""

from typing import Literal

from pydantic import BaseModel, ConfigDict

RuleStatus = Literal["learned", "dropped", "held at 0", "kept"]


class _Report(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LearnedRule(_Report):
    """One rule's old and proposed points with the evidence behind them (training part)."""

    label: str
    section: Literal["score", "fit"]
    path: list[str | int]
    current: float
    proposed: float
    support: int  # people in the training part for whom the rule fired
    conversion: float | None  # their conversion rate
    lift: float | None  # that rate over the training base rate
    status: RuleStatus
    why: str


class Decile(_Report):
    decile: int  # 1 = the highest scores
    people: int
    converted: int
    rate: float
    lift: float
    lowest_score: float
    highest_score: float


class TradeOff(_Report):
    """The MQL gate (score >= threshold AND grade good enough) at one threshold."""

    min_grade: str
    threshold: int
    mqls: int
    share: float  # of the people scored
    precision: float | None  # MQL -> converted rate
    recall: float  # converted people the gate catches


class Ranking(_Report):
    """How well a score ranks people whose outcome is known."""

    people: int
    converted: int
    base_rate: float
    auc: float
    deciles: list[Decile]


class CalibrationReport(_Report):
    people_read: int
    skipped: int
    known_outcome: int
    train: int
    holdout: int
    #: rows fitted and held-out people measured: all, or a sample beyond the caps
    fit_rows: int
    holdout_measured: int
    points_per_logit: float
    holdout_ranking: Ranking
    tradeoff: list[TradeOff]
    target_rate: float
    proposed_threshold: int
    proposed_min_grade: str
    target_met: bool
    rules: list[LearnedRule]
    out: str
    chart: str


class Mql(_Report):
    threshold: float
    min_grade: str
    mqls: int
    precision: float | None
    recall: float


class BacktestReport(_Report):
    people_read: int
    skipped: int
    known_outcome: int
    part: str
    rules: str
    ranking: Ranking | None  # None: too few known outcomes of each kind to measure
    mql: Mql | None
    out: str | None
