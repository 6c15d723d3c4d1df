"""Ranking measures of calibrate (on its holdout) and backtest: ROC AUC (scikit-learn), lift per
decile, the MQL gate's precision and recall."""

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from sklearn.metrics import roc_auc_score

from connector.calibrate.report import Decile, Ranking, TradeOff


def ranking(scores: NDArray[np.float64], outcomes: NDArray[np.bool_]) -> Ranking:
    """AUC and lift per decile (1 = the highest scores; ties cut in CRM read order, so a decile
    boundary never depends on chance)."""
    people = len(scores)
    converted = int(outcomes.sum())
    base = converted / people
    order = np.argsort(-scores, kind="stable")
    deciles = []
    for number, chunk in enumerate(np.array_split(order, 10), start=1):
        if len(chunk) == 0:
            continue
        hits = int(outcomes[chunk].sum())
        rate = hits / len(chunk)
        deciles.append(
            Decile(
                decile=number,
                people=len(chunk),
                converted=hits,
                rate=rate,
                lift=rate / base if base else 0.0,
                lowest_score=float(scores[chunk].min()),
                highest_score=float(scores[chunk].max()),
            )
        )
    auc = float(roc_auc_score(outcomes, scores))
    return Ranking(people=people, converted=converted, base_rate=base, auc=auc, deciles=deciles)


def gate(
    scores: NDArray[np.float64],
    grade_ok: NDArray[np.bool_],
    outcomes: NDArray[np.bool_],
    threshold: float,
    min_grade: str,
) -> TradeOff:
    """The MQL gate at one threshold: score >= threshold AND an acceptable grade."""
    chosen = grade_ok & (scores >= threshold)
    mqls = int(chosen.sum())
    total = int(outcomes.sum())
    hits = int((chosen & outcomes).sum())
    return TradeOff(
        min_grade=min_grade,
        threshold=int(threshold),
        mqls=mqls,
        share=mqls / len(scores) if len(scores) else 0.0,
        precision=hits / mqls if mqls else None,
        recall=hits / total if total else 0.0,
    )


def tradeoff(
    scores: NDArray[np.float64],
    grade_ok: NDArray[np.bool_],
    outcomes: NDArray[np.bool_],
    min_grade: str,
) -> list[TradeOff]:
    """The gate at every 5th percentile of the scores (whole, non-negative), lowest first."""
    candidates: Sequence[float] = sorted(
        {max(0, int(np.ceil(v))) for v in np.percentile(scores, list(range(0, 100, 5)))}
    )
    return [gate(scores, grade_ok, outcomes, t, min_grade) for t in candidates]


def propose_threshold(rows: list[TradeOff], target: float) -> tuple[TradeOff, bool]:
    """The gate with the most MQLs whose MQL -> conversion rate reaches `target` (ties: the
    stricter grade, listed first); else the most precise one, flagged as missing it."""
    reaching = [row for row in rows if row.precision is not None and row.precision >= target]
    if reaching:
        return max(reaching, key=lambda row: row.mqls), True
    scored = [row for row in rows if row.precision is not None]
    if not scored:  # nobody passes the grade gate at any threshold
        return rows[-1], False
    return max(scored, key=lambda row: (row.precision or 0.0, row.mqls)), False
