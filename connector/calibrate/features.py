"""What each scoring and fit rule saw in one person, as its evidence at one point: a fitted
weight *is* the rule's points.

The engine itself computes them, run with a *unit policy* (every learnable rule worth 1, caps in
event units, source weights neutral), so every cap, decay, window and match is the engine's.
Only scoring and fit run, never the lifecycle rules: the outcome fields (`outcomes.py`) cannot
become features. A new rule family goes into `_features` and `_unit_policy`.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from connector.domain.contact import Contact, IntentLevel
from connector.domain.engagement import Engagement
from connector.domain.fit import grade_contact
from connector.domain.history import EngagementHistory
from connector.domain.policy import PointsRule, RulesPolicy
from connector.domain.scoring import score_contact

Section = Literal["score", "fit"]
YamlPath = tuple[str | int, ...]
#: Allowed sign of learned points: decaying engagement cannot turn negative (a fading penalty
#: would raise scores over time), nor a penalty into a reward; both are held at their sign.
Sign = Literal["positive", "negative", "any"]
#: A line's evidence: decayed engagement points, a match (1) or a `per_unit` rule's units.
Evidence = Literal["decayed", "match", "units"]


@dataclass(frozen=True)
class Feature:
    """One learnable rule: its line label, where its points live in the file, what they are.
    `cap_units`: its caps in events or units, rescaled with the learned points; `intent_rank`:
    an intent level's order (intent points must not decrease)."""

    label: str
    section: Section
    path: YamlPath
    current: float
    sign: Sign
    evidence: Evidence = "match"
    cap_units: dict[str, float] = field(default_factory=dict)
    source_weighted: bool = False  # times the source weight (positive engagement, as the engine)
    intent_rank: int | None = None


@dataclass(frozen=True)
class Row:
    values: list[float]
    disqualified: bool


class FeatureSpace:
    """The learnable rules of one policy and the per-person evidence for each."""

    def __init__(self, policy: RulesPolicy) -> None:
        self.policy = policy
        self.features: list[Feature] = list(_features(policy))
        numbered = list(enumerate(self.features))
        self._score_index = {f.label: i for i, f in numbered if f.section == "score"}
        self._fit_index = {f.label: i for i, f in numbered if f.section == "fit"}
        self.unit_policy = _unit_policy(policy, self.features)
        self._caps = {
            i: f.cap_units["cap_total"] for i, f in numbered if "cap_total" in f.cap_units
        }

    def indices(self, section: Section) -> list[int]:
        return [i for i, f in enumerate(self.features) if f.section == section]

    def row(self, contact: Contact, engagements: Sequence[Engagement], now: datetime) -> Row:
        """This person's evidence per rule (0 where a rule did not fire)."""
        values = [0.0] * len(self.features)
        history = EngagementHistory.of(contact.id, engagements, now)
        card = score_contact(contact, history, self.unit_policy.scoring, now)
        weight = self.policy.scoring.source_weights.get(contact.source) if contact.source else None
        for line in card.lines:
            index = self._score_index.get(line.rule)
            if index is None:
                continue
            feature = self.features[index]
            if feature.evidence == "decayed":  # engagement: decayed points, under the total cap
                value = line.decayed_points
                cap = self._caps.get(index)
                if cap is not None:
                    value = max(-cap, min(cap, value))
            elif feature.evidence == "units":  # per-unit property: whole units, under the cap
                value = line.capped_points
            else:  # a constant line (intent, e-mail domain, property match) fired
                value = 1.0
            if feature.source_weighted and weight is not None:
                value *= weight
            values[index] = value
        fit = grade_contact(contact, self.unit_policy.fit, now)
        for fit_line in fit.lines:
            index = self._fit_index.get(fit_line.rule)
            if index is not None:
                # a match is worth 1 point in the unit policy, a per-unit criterion 1 per unit
                values[index] = float(fit_line.points)
        return Row(values, fit.disqualified)


def _features(policy: RulesPolicy) -> Iterator[Feature]:
    scoring = policy.scoring
    for index, rule in enumerate(scoring.engagement):
        caps = _cap_units(rule.points, cap_per_day=rule.cap_per_day, cap_total=rule.cap_total)
        positive = rule.points > 0 or (rule.points == 0 and rule.decays is not False)
        label, path = f"engagement: {rule.kind.value}", ("scoring", "engagement", index, "points")
        sign: Sign = "positive" if positive else "negative"
        yield Feature(label, "score", path, rule.points, sign, "decayed", caps, positive)
    for index, domain in enumerate(scoring.domains):
        path = ("scoring", "domains", index, "points")
        yield Feature(f"e-mail domain: {domain.name}", "score", path, domain.points, "any")
    for index, prop in enumerate(scoring.properties):
        path = ("scoring", "properties", index, "points")
        yield _per_unit(f"property: {prop.name}", "score", path, prop)
    for rank, level in enumerate(IntentLevel):
        if level in scoring.intent_points:
            label, key = f"intent: {level.value}", ("scoring", "intent_points", level.value)
            points = scoring.intent_points[level]
            yield Feature(label, "score", key, points, "positive", intent_rank=rank)
    for index, criterion in enumerate(policy.fit.criteria):
        yield _per_unit(criterion.name, "fit", ("fit", "criteria", index, "points"), criterion)


def _per_unit(label: str, section: Section, path: YamlPath, rule: PointsRule) -> Feature:
    """A property or fit rule (no decay, no source weight): a match, or a `per_unit` rule's
    whole units under its cap."""
    evidence: Evidence = "match" if rule.per_unit is None else "units"
    caps = _cap_units(rule.points, cap=rule.cap)
    return Feature(label, section, path, rule.points, "any", evidence, caps)


def _cap_units(points: float, **caps: float | None) -> dict[str, float]:
    """The caps a rule sets, in events or units: cap in points / |points|."""
    return {name: cap / (abs(points) or 1.0) for name, cap in caps.items() if cap is not None}


def _unit_policy(policy: RulesPolicy, features: Sequence[Feature]) -> RulesPolicy:
    """The policy with every learnable rule worth one point (penalties too: the fit gives the
    sign), caps in events or units; rebuilt from its dump so no cached value survives."""
    data: dict[str, Any] = policy.model_dump(by_alias=True, mode="python")
    for feature in features:
        node: Any = data
        for part in feature.path[:-1]:
            node = node[part]
        node[feature.path[-1]] = 1.0 if feature.section == "score" else 1
        node.update(feature.cap_units)
    for rule, original in zip(
        data["scoring"]["engagement"], policy.scoring.engagement, strict=True
    ):
        rule["decays"] = original.applies_decay
    data["scoring"]["source_weights"] = {}
    return RulesPolicy.model_validate(data)
