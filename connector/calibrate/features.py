"""What each scoring and fit rule saw in one person: the rule's evidence at one point, so that a
fitted weight *is* the rule's points.

The features come from the rules engine itself, run with a *unit policy*: the same rules.yaml
with every learnable rule worth 1 point (engagement caps converted into event units, so a cap
still stops the same burst), source weights neutral. Reading the engine's own ScoreLines and
FitLines means every cap, decay, window and match is exactly the engine's — the learned points,
put back in the file, give a score that is the weighted sum of these same lines.

Only `score_contact` and `grade_contact` run here, never the lifecycle rules: stage, deals,
lead status and the recycle marker (the outcome, see `outcomes.py`) cannot become features.

Adding a rule family means telling `_features` where its rules sit in the policy, their line
label and the YAML path of their points, and `_unit_policy` how to make them worth one point.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from connector.domain.contact import Contact, IntentLevel
from connector.domain.engagement import Engagement
from connector.domain.fit import grade_contact
from connector.domain.history import EngagementHistory
from connector.domain.policy import RulesPolicy
from connector.domain.scoring import score_contact

Section = Literal["score", "fit"]
YamlPath = tuple[str | int, ...]
#: Allowed sign of learned points: positive engagement keeps decaying, so it cannot turn
#: negative (a fading penalty would raise scores over time), and a penalty cannot turn into a
#: reward without changing how it decays; both are held at their sign.
Sign = Literal["positive", "negative", "any"]
#: How a rule's line becomes its evidence: decayed engagement points (under the total cap), a
#: yes/no match (1), or whole units of a number (under the cap) for a `per_unit` rule.
Evidence = Literal["decayed", "match", "units"]


@dataclass(frozen=True)
class Feature:
    """One learnable rule: its line label, where its points live in the file, what they are."""

    label: str
    section: Section
    path: YamlPath
    current: float
    sign: Sign
    evidence: Evidence = "match"
    #: caps of the rule in events or units (cap in points / |points|): rescaled with the
    #: learned points so a cap keeps stopping the same number of events or units
    cap_units: dict[str, float] = field(default_factory=dict)
    #: multiplied by the contact's source weight (positive engagement only, as the engine does)
    source_weighted: bool = False
    #: the order position of an intent level (intent points must not decrease)
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
        self._score_index = {
            f.label: i for i, f in enumerate(self.features) if f.section == "score"
        }
        self._fit_index = {f.label: i for i, f in enumerate(self.features) if f.section == "fit"}
        self.unit_policy = _unit_policy(policy, self.features)
        self._caps = {
            i: f.cap_units["cap_total"]
            for i, f in enumerate(self.features)
            if "cap_total" in f.cap_units
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
        yield Feature(
            label=f"engagement: {rule.kind.value}",
            section="score",
            path=("scoring", "engagement", index, "points"),
            current=rule.points,
            sign="positive" if positive else "negative",
            evidence="decayed",
            cap_units=caps,
            source_weighted=positive,
        )
    for index, domain in enumerate(scoring.domains):
        yield Feature(
            label=f"e-mail domain: {domain.name}",
            section="score",
            path=("scoring", "domains", index, "points"),
            current=domain.points,
            sign="any",
        )
    for index, prop in enumerate(scoring.properties):
        yield Feature(
            label=f"property: {prop.name}",
            section="score",
            path=("scoring", "properties", index, "points"),
            current=prop.points,
            sign="any",  # property points neither decay nor get a source weight
            evidence="match" if prop.per_unit is None else "units",
            cap_units=_cap_units(prop.points, cap=prop.cap),
        )
    for rank, level in enumerate(IntentLevel):
        if level in scoring.intent_points:
            yield Feature(
                label=f"intent: {level.value}",
                section="score",
                path=("scoring", "intent_points", level.value),
                current=scoring.intent_points[level],
                sign="positive",
                intent_rank=rank,
            )
    for index, criterion in enumerate(policy.fit.criteria):
        yield Feature(
            label=criterion.name,
            section="fit",
            path=("fit", "criteria", index, "points"),
            current=criterion.points,
            sign="any",
            evidence="match" if criterion.per_unit is None else "units",
            cap_units=_cap_units(criterion.points, cap=criterion.cap),
        )


def _cap_units(points: float, **caps: float | None) -> dict[str, float]:
    """The caps a rule sets, in events or units: cap in points / |points|."""
    return {name: cap / (abs(points) or 1.0) for name, cap in caps.items() if cap is not None}


def _unit_policy(policy: RulesPolicy, features: Sequence[Feature]) -> RulesPolicy:
    """The policy with every learnable rule worth one point and its caps in events or units
    (rebuilt from its dump, so no value cached from the original points survives). Penalties
    are worth 1 too: evidence is a magnitude, the fit gives the sign."""
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
