"""Whole-number points from L1-regularised logistic regression (scikit-learn) on the rules' own
evidence, rounded at a fixed number of points per unit of log-odds.

A logistic model's log-odds is a sum of per-rule terms, as a score is, so its weights can be
written back as points. L1 zeroes rules that add nothing beyond the others; features are
standardised for the fit so the penalty treats a count and a yes/no alike. A rule that fired
for fewer than `min_support` training people keeps its points (too little evidence).

Memory is flat in the people (`History`): support, conversion, lift and spread are streamed
over every training person; the fit learns from at most `sample_size` rows (a seeded reservoir
per outcome, weighted back) and the holdout is measured on at most `holdout_size`. Below the
caps nothing is sampled (bench/calibrate_sample.py measures what a smaller sample changes).
"""

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from pydantic import Field
from sklearn.linear_model import LogisticRegression

from connector.calibrate.counts import RuleCounts
from connector.calibrate.errors import CalibrationError
from connector.calibrate.features import Feature, FeatureSpace, Row
from connector.calibrate.outcomes import OutcomeRules
from connector.calibrate.report import LearnedRule, RuleStatus
from connector.calibrate.sample import Reservoir
from connector.domain import Value


class CalibrateOptions(Value):
    outcomes: OutcomeRules = OutcomeRules()
    holdout_share: float = Field(default=0.3, gt=0, lt=1)
    split_seed: int = 42
    split_by: str | None = Field(
        default=None, description="a mapped property to split by instead of the CRM id"
    )
    min_support: int = Field(default=30, ge=1)
    points_per_logit: float = Field(default=10.0, gt=0)
    regularisation: float = Field(default=1.0, gt=0, description="C: smaller = sparser points")
    target_rate: float | None = Field(
        default=None, gt=0, le=1, description="MQL -> conversion rate to reach; None: 2x base"
    )
    sample_size: int = Field(
        default=50_000, ge=100, description="most training rows fitted (half per outcome)"
    )
    holdout_size: int = Field(
        default=50_000, ge=100, description="most held-out rows measured; beyond, a uniform sample"
    )


#: Tags of a kept row: its outcome, and (held-out rows) whether the fit rules disqualify it.
CONVERTED, DISQUALIFIED = 1, 2


@dataclass(frozen=True)
class TrainingSample:
    """The training rows, in CRM read order; with `weights`, each row stands for that many people
    of its class (None: every training person is there)."""

    x: NDArray[np.float32]
    y: NDArray[np.bool_]
    weights: NDArray[np.float64] | None


@dataclass(frozen=True)
class HoldoutSample:
    """The held-out rows measured (all, or a uniform sample), in CRM read order."""

    x: NDArray[np.float32]
    y: NDArray[np.bool_]
    disqualified: NDArray[np.bool_]


class History:
    """What calibrate keeps of the people with a known outcome, in bounded memory: exact streamed
    per-rule counts of the training part, and uniform samples of training rows (per class) and
    of held-out rows. Only feature values (float32), never the records."""

    def __init__(
        self, width: int, sample_size: int = 50_000, holdout_size: int = 50_000, seed: int = 42
    ) -> None:
        per_class = max(1, sample_size // 2)
        # one reservoir per class: a rare outcome is kept whole, the common one sampled
        self.training = (Reservoir(width, per_class, seed), Reservoir(width, per_class, seed + 1))
        self.holdout = Reservoir(width, holdout_size, seed + 2)
        self.counts = RuleCounts(width)
        self.held_people = 0
        self.held_converted = 0
        self._offered = 0

    def add(self, row: Row, outcome: bool, held_out: bool) -> None:
        order = self._offered
        self._offered += 1
        if held_out:
            self.held_people += 1
            self.held_converted += outcome
            tag = (CONVERTED if outcome else 0) | (DISQUALIFIED if row.disqualified else 0)
            self.holdout.offer(row.values, tag, order)
        else:
            self.counts.add(row.values, outcome)
            self.training[int(outcome)].offer(row.values, int(outcome), order)

    def finish(self) -> None:
        self.counts.finish()  # once every person was added

    def __len__(self) -> int:
        return self._offered

    @property
    def fit_rows(self) -> int:
        return sum(len(reservoir) for reservoir in self.training)

    def training_sample(self) -> TrainingSample:
        parts = [reservoir.rows() for reservoir in self.training]
        order = np.argsort(np.concatenate([part[2] for part in parts]), kind="stable")
        x = np.concatenate([part[0] for part in parts])[order]
        y = np.concatenate([part[1] for part in parts])[order].astype(bool)
        weights = None
        if any(reservoir.sampled for reservoir in self.training):
            per_class = [r.offered / len(r) if len(r) else 0.0 for r in self.training]
            weights = np.where(y, per_class[1], per_class[0])
        return TrainingSample(x, y, weights)

    def holdout_sample(self) -> HoldoutSample:
        x, tags, order = self.holdout.rows()
        sort = np.argsort(order, kind="stable")
        tags = tags[sort]
        return HoldoutSample(
            x[sort], (tags & CONVERTED).astype(bool), (tags & DISQUALIFIED).astype(bool)
        )


def _check_classes(people: int, positives: int, where: str, hint: str) -> None:
    if people == 0:
        raise CalibrationError(f"no people with a known outcome in {where}: {hint}")
    if positives in (0, people):
        kind = "converted" if positives else "not converted"
        raise CalibrationError(
            f"every one of the {people} people with a known outcome in {where} is {kind}: "
            f"learning needs both kinds ({hint})"
        )


def check_history(history: History) -> None:
    """Enough of both outcomes in both parts, or a clear error (exit 2)."""
    hint = (
        "record outcomes in the CRM (stages, deals, lead statuses) or widen what counts "
        "(--success-from, --idle-days)"
    )
    train, held = history.counts, (history.held_people, history.held_converted)
    _check_classes(len(history), train.converted + held[1], "the CRM", hint)
    _check_classes(
        train.people, train.converted, "the training part", hint + ", or a smaller --holdout"
    )
    _check_classes(*held, "the holdout part", hint + ", or a larger --holdout")


def fit_points(
    space: FeatureSpace, history: History, options: CalibrateOptions
) -> list[LearnedRule]:
    """Proposed points for every learnable rule, with the evidence behind each. A sampled row is
    weighted by the people of its class it stands for, so liblinear minimises the same
    C * sum(loss) + |w|_1 as on all of them (in expectation): L1 keeps its strength."""
    counts = history.counts
    sample = history.training_sample()
    x, y = sample.x, sample.y
    base = counts.converted / counts.people
    support = counts.support
    # all training rows at hand: their spread exactly as before; sampled: the streamed one
    spread = counts.spread() if sample.weights is not None else x.std(axis=0, dtype=np.float64)
    eligible = [
        j for j in range(len(space.features)) if support[j] >= options.min_support and spread[j] > 0
    ]
    held: set[int] = set()
    coefficients: dict[int, float] = {}
    active = list(eligible)
    while active:
        model = LogisticRegression(
            l1_ratio=1.0,  # pure L1 (scikit-learn >= 1.8 spells the penalty this way)
            solver="liblinear",
            C=options.regularisation,
            max_iter=1000,
            random_state=options.split_seed,
        )
        model.fit(x[:, active] / spread[active], y, sample_weight=sample.weights)
        raw = model.coef_[0] / spread[active]
        coefficients = dict(zip(active, raw.tolist(), strict=True))
        wrong = [j for j in active if _wrong_sign(space.features[j], coefficients[j])]
        if not wrong:
            break
        held.update(wrong)
        active = [j for j in active if j not in held]

    rules = []
    for j, feature in enumerate(space.features):
        count = int(support[j])
        rate = int(counts.support_converted[j]) / count if count else None
        lift = rate / base if rate is not None and base else None
        status: RuleStatus
        if j in held:
            proposed, status = 0.0, "held at 0"
            why = "the fit gave it the opposite sign; it keeps its sign and gets no points"
        elif j not in eligible:
            proposed, status = feature.current, "kept"
            why = (
                f"fired for {count} training people, under --min-support {options.min_support}"
                if spread[j] > 0 or count == 0
                else "fired for every training person: nothing to learn from"
            )
        else:
            proposed = float(round(coefficients.get(j, 0.0) * options.points_per_logit))
            status = "learned" if proposed else "dropped"
            why = "" if proposed else "adds nothing beyond the other rules (L1)"
        rules.append(
            LearnedRule(
                label=feature.label,
                section=feature.section,
                path=list(feature.path),
                current=feature.current,
                proposed=proposed,
                support=count,
                conversion=rate,
                lift=lift,
                status=status,
                why=why,
            )
        )
    intent_never_decreases(space, rules)
    return rules


def _wrong_sign(feature: Feature, coefficient: float) -> bool:
    return {"positive": 1, "negative": -1}.get(feature.sign, 0) * coefficient < 0


def intent_never_decreases(space: FeatureSpace, rules: list[LearnedRule]) -> None:
    """Intent points must never decrease along the journey (the rules file requires it): a later
    level that learned fewer inherits the earlier level's."""
    best = None
    for feature, rule in zip(space.features, rules, strict=True):
        if feature.intent_rank is None:
            continue
        if best is not None and rule.proposed < best:
            rule.proposed = best
            rule.why = (rule.why + "; " if rule.why else "") + "raised to the level before it"
        best = rule.proposed  # never below the best before it, raised or not
