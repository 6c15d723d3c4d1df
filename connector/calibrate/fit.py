"""Fitting whole-number points: L1-regularised logistic regression (scikit-learn) on the rules'
own evidence, rounded to integers at a fixed number of points per unit of log-odds.

Why this shape: a logistic model's log-odds is a sum of per-rule terms, exactly how a score is
built, so its weights can be written back as points and the score stays the sum of its readable
lines. L1 zeroes rules that add nothing beyond the others (fewer, larger points to review);
features are standardised for the fit so the penalty treats a page-view count and a yes/no
criterion alike, and unscaled afterwards. A rule that fired for fewer than `min_support`
training people keeps its points: too little evidence to explain a change.
"""

from array import array
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field
from sklearn.linear_model import LogisticRegression

from connector.calibrate.errors import CalibrationError
from connector.calibrate.features import Feature, FeatureSpace, Row
from connector.calibrate.outcomes import OutcomeRules
from connector.calibrate.report import LearnedRule, RuleStatus


class CalibrateOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

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


@dataclass
class History:
    """Feature rows of the people with a known outcome, compact (float32), never the records."""

    width: int
    values: array = field(default_factory=lambda: array("f"))
    outcomes: array = field(default_factory=lambda: array("b"))
    holdout: array = field(default_factory=lambda: array("b"))
    disqualified: array = field(default_factory=lambda: array("b"))

    def add(self, row: Row, outcome: bool, held_out: bool) -> None:
        self.values.extend(row.values)
        self.outcomes.append(outcome)
        self.holdout.append(held_out)
        self.disqualified.append(row.disqualified)

    def __len__(self) -> int:
        return len(self.outcomes)

    def arrays(self) -> tuple[NDArray[np.float32], NDArray[np.bool_], NDArray[np.bool_]]:
        """The rows as a float32 view of the buffer, not a float64 copy: at 100,000 people a
        copy of the whole matrix cost 28 MB more at the peak. Arithmetic with the float64
        points and spreads is done in float64 by numpy's promotion, so results are the same."""
        matrix = np.frombuffer(self.values, dtype=np.float32).reshape(-1, self.width)
        return (
            matrix,
            np.frombuffer(self.outcomes, dtype=np.int8).astype(bool),
            np.frombuffer(self.holdout, dtype=np.int8).astype(bool),
        )


@dataclass(frozen=True)
class Fitted:
    rules: list[LearnedRule]

    def points(self) -> NDArray[np.float64]:
        return np.array([rule.proposed for rule in self.rules])


def _check_classes(outcomes: NDArray[np.bool_], where: str, hint: str) -> None:
    positives = int(outcomes.sum())
    if len(outcomes) == 0:
        raise CalibrationError(f"no people with a known outcome in {where}: {hint}")
    if positives in (0, len(outcomes)):
        kind = "converted" if positives else "not converted"
        raise CalibrationError(
            f"every one of the {len(outcomes)} people with a known outcome in {where} is {kind}: "
            f"learning needs both kinds ({hint})"
        )


def check_history(history: History) -> None:
    """Enough of both outcomes in both parts, or a clear error (exit 2)."""
    hint = (
        "record outcomes in the CRM (stages, deals, lead statuses) or widen what counts "
        "(--success-from, --idle-days)"
    )
    _, outcomes, holdout = history.arrays()
    _check_classes(outcomes, "the CRM", hint)
    _check_classes(outcomes[~holdout], "the training part", hint + ", or a smaller --holdout")
    _check_classes(outcomes[holdout], "the holdout part", hint + ", or a larger --holdout")


def fit_points(space: FeatureSpace, history: History, options: CalibrateOptions) -> Fitted:
    """Proposed points for every learnable rule, with the evidence behind each."""
    matrix, outcomes, holdout = history.arrays()
    x, y = matrix[~holdout], outcomes[~holdout]
    base = float(y.mean())
    fired = x != 0
    support = fired.sum(axis=0)
    spread = x.std(axis=0, dtype=np.float64)
    eligible = [
        j for j in range(space_width(space)) if support[j] >= options.min_support and spread[j] > 0
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
        model.fit(x[:, active] / spread[active], y)
        raw = model.coef_[0] / spread[active]
        coefficients = dict(zip(active, raw.tolist(), strict=True))
        wrong = [j for j in active if _wrong_sign(space.features[j], coefficients[j])]
        if not wrong:
            break
        held.update(wrong)
        active = [j for j in active if j not in held]
    else:
        coefficients = {}

    rules = []
    for j, feature in enumerate(space.features):
        count = int(support[j])
        rate = float(y[fired[:, j]].mean()) if count else None
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
    return Fitted(rules)


def space_width(space: FeatureSpace) -> int:
    return len(space.features)


def _wrong_sign(feature: Feature, coefficient: float) -> bool:
    if feature.sign == "positive":
        return coefficient < 0
    if feature.sign == "negative":
        return coefficient > 0
    return False


def intent_never_decreases(space: FeatureSpace, rules: list[LearnedRule]) -> None:
    """The rules file requires intent points that never decrease along the journey: a later
    level inherits the earlier level's points when it learned fewer."""
    best = None
    for feature, rule in zip(space.features, rules, strict=True):
        if feature.intent_rank is None:
            continue
        if best is not None and rule.proposed < best:
            rule.proposed = best
            rule.why = (rule.why + "; " if rule.why else "") + "raised to the level before it"
        best = rule.proposed if best is None else max(best, rule.proposed)
