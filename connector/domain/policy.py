"""The rules as data: what mappings/rules.yaml is validated into and what the pure rules read.

These models live in the domain (not next to the YAML loader) because the scoring, lifecycle
and routing functions take them as input; the loader in `connector.mapping` only turns a file
into them and reports file:line errors. Every model forbids unknown keys so a typo in a rules
file is an error, not a silently ignored setting.
"""

import re
from datetime import date, time
from enum import StrEnum
from functools import cached_property
from typing import Annotated, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from connector.domain import Value
from connector.domain.contact import IntentLevel, LeadSource
from connector.domain.engagement import EngagementKind
from connector.domain.outcomes import TaskPriority
from connector.domain.ownership import FieldOwnership
from connector.domain.stages import LifecycleStage, SalesStatus

NonNegative = Annotated[float, Field(ge=0)]
PositiveInt = Annotated[int, Field(gt=0)]


# --- Scoring -----------------------------------------------------------------------------------


class EngagementRule(Value):
    """Points for one kind of engagement. Positive points cool off with the half-life; negative
    ones (unsubscribe, bounce) are facts that do not fade."""

    kind: EngagementKind
    points: float
    cap_per_day: NonNegative | None = Field(
        default=None, description="most points this kind can earn on one day, before decay"
    )
    cap_total: NonNegative | None = Field(
        default=None, description="most points this kind can contribute after decay"
    )
    decays: bool | None = Field(
        default=None, description="defaults to true for positive points, false for negative"
    )

    @model_validator(mode="after")
    def _negatives_do_not_fade(self) -> Self:
        if self.points < 0 and self.decays:
            raise ValueError(
                "negative points cannot decay: a fading penalty would raise scores over time"
            )
        return self

    @property
    def applies_decay(self) -> bool:
        return self.points > 0 if self.decays is None else self.decays


class DomainRule(Value):
    """Points (usually negative) for e-mail domains: competitors, students, free mail."""

    name: str = Field(min_length=1)
    points: float
    domains: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _needs_a_domain(self) -> Self:
        if not self.domains and not self.suffixes:
            raise ValueError("give at least one entry in `domains` or `suffixes`")
        return self

    def matches(self, domain: str | None) -> bool:
        if not domain:
            return False
        domain = domain.lower()
        return domain in self._lower_domains or domain.endswith(self._lower_suffixes)

    # Lower-cased once per rule rather than once per contact scored.
    @cached_property
    def _lower_domains(self) -> frozenset[str]:
        return frozenset(d.lower() for d in self.domains)

    @cached_property
    def _lower_suffixes(self) -> tuple[str, ...]:
        return tuple(s.lower() for s in self.suffixes)


class ScoreRefresh(Value):
    """When a score that only cooled with time (no new engagement, no other change) is written
    again. Decay moves every score a little every day; writing each drift would make every sync
    write every contact. The stored score is refreshed when it is off the true decayed score by
    more than the tolerance — the larger of `points` and `percent` of the true score, the way
    `math.isclose` combines an absolute and a relative tolerance — and at most once per
    `min_interval_hours` per person."""

    points: NonNegative = 5
    percent: Annotated[float, Field(ge=0, le=100)] = 10
    min_interval_hours: NonNegative = 24

    def drifted(self, stored: int | None, true: int) -> bool:
        """Whether `stored` is off the true score by more than the tolerance (None: always)."""
        if stored is None:
            return True
        return abs(true - stored) > max(self.points, self.percent / 100 * abs(true))


class ScoringRules(Value):
    half_life_days: float = Field(default=30, gt=0)
    engagement: tuple[EngagementRule, ...] = Field(min_length=1)
    domains: tuple[DomainRule, ...] = ()
    source_weights: dict[LeadSource, NonNegative] = Field(
        default_factory=dict,
        description="multiplier on positive behaviour points by lead source; missing = 1.0",
    )
    intent_points: dict[IntentLevel, float] = Field(default_factory=dict)
    intent_from_kinds: dict[IntentLevel, tuple[EngagementKind, ...]] = Field(
        default_factory=dict,
        description="infer intent from engagement when the CRM holds none",
    )
    intent_window_days: PositiveInt = 90
    properties: "tuple[PropertyRule, ...]" = Field(
        default=(),
        description="points for what a mapped CRM property holds (time on site, occupation, ...)",
    )
    refresh: ScoreRefresh = ScoreRefresh()

    @model_validator(mode="after")
    def _intent_points_grow(self) -> Self:
        levels = [level for level in IntentLevel if level in self.intent_points]
        points = [self.intent_points[level] for level in levels]
        if points != sorted(points):
            raise ValueError(
                "intent_points must not decrease from awareness to interest to consideration "
                "to decision: a later intent is never worth less"
            )
        return self

    @cached_property
    def positive_kinds(self) -> frozenset[EngagementKind]:
        """Kinds worth positive points: what counts as engaging (computed once per policy,
        read for every contact)."""
        return frozenset(rule.kind for rule in self.engagement if rule.points > 0)


# --- Fit -----------------------------------------------------------------------------------------


class FitField(StrEnum):
    """Contact attributes a fit rule may look at (company ones come from the contact's company)."""

    INDUSTRY = "industry"
    EMPLOYEES = "employees"
    ANNUAL_REVENUE = "annual_revenue"
    COUNTRY = "country"
    REGION = "region"
    JOB_TITLE = "job_title"
    SENIORITY = "seniority"
    DECISION_ROLE = "decision_role"
    EMAIL_DOMAIN = "email_domain"
    SOURCE = "source"


#: A Condition's operators by attribute, with their rules-file spelling (`any_of` is `in`).
_OPERATORS = {
    "equals": "equals",
    "any_of": "in",
    "matches": "matches",
    "between": "between",
    "at_least": "at_least",
    "below": "below",
    "within_days": "within_days",
    "is_": "is",
    "per_unit": "per_unit",
    "missing": "missing",
}


class Condition(Value):
    """One test on one field or mapped CRM property. Exactly one of the operators is given; text
    compares case-insensitively, `between` is inclusive, `within_days` holds for a date no
    older than that many days at the time of evaluation, `is` tests a yes/no property.

    `field` names one of the built-in contact attributes (`FitField`); `property` names any
    property the CRM files map under `properties` (custom ones included). Exactly one of the
    two is given. `per_unit` is not a test but a points rule (see `PointsRule`): only rules
    that carry points accept it.
    """

    field: FitField | None = None
    property: str | None = Field(default=None, min_length=1)
    equals: str | float | None = None
    any_of: tuple[str, ...] | None = Field(default=None, alias="in")
    matches: str | None = None
    between: tuple[float, float] | None = None
    at_least: float | None = None
    below: float | None = None
    within_days: float | None = Field(default=None, gt=0)
    is_: bool | None = Field(default=None, alias="is")
    missing: bool | None = None

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="after")
    def _exactly_one_operator(self) -> Self:
        if (self.field is None) == (self.property is None):
            raise ValueError(
                "give exactly one of `field` (a built-in attribute) or `property` (a property "
                "the CRM files map under `properties`)"
            )
        allowed = [op for op in _OPERATORS if op in type(self).model_fields]  # per_unit: points
        given = [name for name in allowed if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of: {', '.join(_OPERATORS[op] for op in allowed)}"
                + (f" (got {', '.join(_OPERATORS[g] for g in given)})" if given else "")
            )
        if self.matches is not None:
            try:
                re.compile(self.matches)
            except re.error as exc:
                raise ValueError(f"`matches` is not a valid regular expression: {exc}") from None
        if self.between is not None and self.between[0] > self.between[1]:
            raise ValueError("`between` needs [low, high] with low <= high")
        return self

    # (cached_property, not property: the `property` field shadows the builtin in this body)
    @cached_property
    def subject(self) -> str:
        """What the condition looks at, as written in the file: a field or a property name."""
        if self.property is not None:
            return self.property
        assert self.field is not None
        return self.field.value

    @cached_property
    def operator(self) -> str:
        """The one operator given, in the rules-file spelling (`in`, `is`, `per_unit`, ...)."""
        return next(
            spelled for name, spelled in _OPERATORS.items() if getattr(self, name, None) is not None
        )

    # What `condition_holds` compares against, prepared once per rule rather than once per
    # contact: `any_of` stripped and case-folded as the value is, `matches` compiled.
    @cached_property
    def folded_any_of(self) -> frozenset[str]:
        return frozenset(str(item).strip().casefold() for item in self.any_of or ())

    @cached_property
    def pattern(self) -> re.Pattern[str] | None:
        return None if self.matches is None else re.compile(self.matches, flags=re.IGNORECASE)


class PointsRule(Condition):
    """A named condition worth `points` when it holds. With `per_unit` it is not a test but
    points per unit of a number, capped: `per_unit: 60, points: 1, cap: 30` is one point per
    full 60 (seconds on site, say), never more than 30 (nor less than -30 for negative points).
    Whole units only, so every point is explainable as "N units x P"."""

    name: str = Field(min_length=1)
    points: float
    per_unit: float | None = Field(default=None, gt=0)
    cap: NonNegative | None = Field(
        default=None, description="most points (in absolute value) a per_unit rule can give"
    )

    @model_validator(mode="after")
    def _cap_needs_per_unit(self) -> Self:
        if self.cap is not None and self.per_unit is None:
            raise ValueError("`cap` only applies to a `per_unit` rule")
        return self


class FitCriterion(PointsRule):
    """Fit points for a match; with `per_unit`, `points` per whole unit of the value (capped)."""

    points: int


class PropertyRule(PointsRule):
    """Behaviour points from a property the CRM keeps on the person (time on site, last
    activity, ...). Property points are a snapshot of the CRM's value: they neither decay (the
    CRM already keeps the value current) nor get a source weight, so each rule adds exactly the
    points its line shows and learned points stay additive."""


class Disqualifier(Condition):
    name: str = Field(min_length=1)


class GradeBand(Value):
    grade: str = Field(min_length=1, max_length=10)
    min_points: int


class FitRules(Value):
    grades: tuple[GradeBand, ...] = Field(min_length=1)
    criteria: tuple[FitCriterion, ...] = ()
    disqualify: tuple[Disqualifier, ...] = ()
    disqualified_grade: str = Field(default="X", min_length=1, max_length=10)

    @model_validator(mode="after")
    def _grades_descend(self) -> Self:
        mins = [band.min_points for band in self.grades]
        if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
            raise ValueError(
                "list grades best first, each with a lower `min_points` than the one before"
            )
        return self

    def grade_rank(self, grade: str) -> int | None:
        """0 for the best grade; None for a grade that is not defined."""
        return self._ranks.get(grade)

    def at_least(self, grade: str, min_grade: str) -> bool:
        """Whether `grade` is `min_grade` or better (an undefined grade never is)."""
        rank, limit = self._ranks.get(grade), self._ranks.get(min_grade)
        return rank is not None and limit is not None and rank <= limit

    @cached_property
    def _ranks(self) -> dict[str, int]:
        """Each grade's first band (the stage rules rank two grades at every decision)."""
        ranks: dict[str, int] = {}
        for index, band in enumerate(self.grades):
            ranks.setdefault(band.grade, index)
        return ranks


# --- Lifecycle -----------------------------------------------------------------------------------


class LeadRule(Value):
    """When a subscriber (or a contact with no stage) becomes a lead."""

    min_score: float | None = 1
    kinds: tuple[EngagementKind, ...] = (EngagementKind.FORM_SUBMISSION,)


class MqlRule(Value):
    min_score: NonNegative = 100
    min_grade: str = Field(description="the worst fit grade that may still become an MQL")


class SqlRule(Value):
    """Sales verification. The score alone never makes an SQL, so there is no score here."""

    bant_complete: bool = True
    sales_statuses: tuple[SalesStatus, ...] = (SalesStatus.QUALIFIED,)
    trigger_kinds: tuple[EngagementKind, ...] = (
        EngagementKind.MEETING_BOOKED,
        EngagementKind.DEMO_REQUEST,
        EngagementKind.PRICING_REQUEST,
    )
    trigger_within_days: PositiveInt = 30


class RecycleRule(Value):
    to: LifecycleStage = LifecycleStage.LEAD
    from_stages: tuple[LifecycleStage, ...] = (LifecycleStage.MQL, LifecycleStage.SQL)
    sales_statuses: tuple[SalesStatus, ...] = (SalesStatus.REJECTED,)
    idle_days: PositiveInt | None = 45
    below_score: NonNegative | None = 40
    idle_from_stages: tuple[LifecycleStage, ...] = (LifecycleStage.MQL,)
    set_sales_status: SalesStatus | None = SalesStatus.NURTURE


class DisqualifyRule(Value):
    to: LifecycleStage = LifecycleStage.OTHER
    from_stages: tuple[LifecycleStage, ...] = (
        LifecycleStage.SUBSCRIBER,
        LifecycleStage.LEAD,
        LifecycleStage.MQL,
    )
    set_sales_status: SalesStatus | None = SalesStatus.DISQUALIFIED


class LifecycleRules(Value):
    lead: LeadRule = LeadRule()
    mql: MqlRule
    sql: SqlRule = SqlRule()
    recycle: RecycleRule = RecycleRule()
    disqualify: DisqualifyRule = DisqualifyRule()
    respect_manual_stage: bool = True
    deals_override_manual_stage: bool = True

    @model_validator(mode="after")
    def _recycle_goes_backwards(self) -> Self:
        target = self.recycle.to
        if target.rank is None or any(
            stage.rank is None or not target.is_before(stage) for stage in self.recycle.from_stages
        ):
            raise ValueError("recycle.to must be a funnel stage before every stage in from_stages")
        return self


# --- Routing -------------------------------------------------------------------------------------


class PoolMember(Value):
    owner: str = Field(min_length=3, description="the owner's e-mail address in the CRM")
    weight: PositiveInt = 1
    capacity: PositiveInt | None = Field(
        default=None, description="most open leads this owner may hold; full owners are skipped"
    )


class RouteKind(StrEnum):
    ACCOUNT_OWNER = "account_owner"
    TERRITORY = "territory"
    ROUND_ROBIN = "round_robin"


class RoutingRule(Value):
    """One step of routing, tried in order until one yields an available owner.

    `when` narrows a territory or round-robin rule to contacts matching every condition.
    """

    name: str = Field(min_length=1)
    type: RouteKind
    when: tuple[Condition, ...] = ()
    pool: tuple[PoolMember, ...] = ()

    @model_validator(mode="after")
    def _pool_matches_type(self) -> Self:
        if self.type == RouteKind.ACCOUNT_OWNER and self.pool:
            raise ValueError("an account_owner rule takes no pool: it uses the account's owner")
        if self.type != RouteKind.ACCOUNT_OWNER and not self.pool:
            raise ValueError(f"a {self.type.value} rule needs a non-empty `pool` of owners")
        owners = [member.owner.lower() for member in self.pool]
        if len(set(owners)) != len(owners):
            raise ValueError("an owner appears twice in the same pool")
        return self


class RoutingRules(Value):
    assign_from_stage: LifecycleStage = LifecycleStage.MQL
    keep_existing_owner: bool = True
    rules: tuple[RoutingRule, ...] = Field(min_length=1)
    out_of_office: tuple[str, ...] = ()
    fallback_owner: str | None = None


# --- Tasks and SLAs ------------------------------------------------------------------------------


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """Monday is 0, as `datetime.weekday()` counts (not `index`: that is `str.index`)."""
        return list(Weekday).index(self)


class BusinessHours(Value):
    time_zone: str = "UTC"
    days: tuple[Weekday, ...] = (Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI)
    start: time = time(9, 0)
    end: time = time(17, 0)
    holidays: tuple[date, ...] = ()

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}: use an IANA name such as Europe/Berlin"
            ) from None
        return value

    @model_validator(mode="after")
    def _sane_window(self) -> Self:
        if not self.days:
            raise ValueError("give at least one working day")
        if self.start >= self.end:
            raise ValueError("`start` must be before `end` (overnight shifts are not supported)")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class EscalationAction(StrEnum):
    """What happens to a follow-up task still open past its SLA plus the escalation margin."""

    REASSIGN = "reassign"  # the person and the task go to the next owner of the same pool
    NOTIFY = "notify"  # one task for `notify_owner` (e.g. the team lead); the task stays


class TaskTemplate(Value):
    """A follow-up task for one stage. `{name}`, `{email}`, `{company}`, `{score}`, `{grade}`
    and `{stage}` are filled in.

    With `escalate_after_business_minutes`, a task the rep has not completed that many business
    minutes after its SLA ran out is escalated once (speed to lead: a hot lead must not wait on
    an absent rep)."""

    subject: str = Field(min_length=1)
    priority: TaskPriority = TaskPriority.MEDIUM
    sla_business_minutes: PositiveInt = 60
    escalate_after_business_minutes: PositiveInt | None = None
    action: EscalationAction = EscalationAction.REASSIGN
    notify_owner: str | None = Field(
        default=None, min_length=3, description="the e-mail of the owner `notify` writes to"
    )

    @model_validator(mode="after")
    def _notify_needs_an_owner(self) -> Self:
        if self.escalate_after_business_minutes is None:
            if self.notify_owner is not None or self.action != EscalationAction.REASSIGN:
                raise ValueError(
                    "`action` and `notify_owner` need `escalate_after_business_minutes`: say "
                    "how many business minutes after the SLA an open task is escalated"
                )
            return self
        if self.action == EscalationAction.NOTIFY and self.notify_owner is None:
            raise ValueError("`action: notify` needs `notify_owner`: the e-mail of who to tell")
        if self.action == EscalationAction.REASSIGN and self.notify_owner is not None:
            raise ValueError("`notify_owner` is only read with `action: notify`")
        return self


class TaskRules(Value):
    business_hours: BusinessHours = BusinessHours()
    on_stage: dict[LifecycleStage, TaskTemplate] = Field(default_factory=dict)


# --- The whole file ------------------------------------------------------------------------------


ScoringRules.model_rebuild()


class RulesPolicy(Value):
    """Everything in mappings/rules.yaml."""

    version: int = Field(default=1, ge=1, le=1)
    scoring: ScoringRules
    fit: FitRules
    lifecycle: LifecycleRules
    routing: RoutingRules
    tasks: TaskRules = TaskRules()
    #: Who owns each written field (connector, shared, human); see domain/ownership.py.
    ownership: FieldOwnership = FieldOwnership()


Path = tuple[str | int, ...]


class PolicyProblem(BaseModel):
    """A mistake that only shows when parts of the file are read together (a duplicate name, a
    grade that is referenced but not defined). `path` points at the offending entry so the
    loader can name its line."""

    path: Path
    message: str


def policy_problems(policy: RulesPolicy) -> list[PolicyProblem]:
    """Every cross-reference and uniqueness mistake in a rules policy, each with its path."""
    scoring, fit = policy.scoring, policy.fit
    unique: list[tuple[Path, str, list[str]]] = [
        (("scoring", "engagement"), "engagement kind", [r.kind.value for r in scoring.engagement]),
        (("scoring", "domains"), "name", [rule.name for rule in scoring.domains]),
        (("fit", "grades"), "grade", [band.grade for band in fit.grades]),
        (("scoring", "properties"), "name", [rule.name for rule in scoring.properties]),
        (("fit", "criteria"), "name", [rule.name for rule in fit.criteria]),
        (("fit", "disqualify"), "name", [rule.name for rule in fit.disqualify]),
        (("routing", "rules"), "name", [rule.name for rule in policy.routing.rules]),
    ]
    problems = [
        PolicyProblem(
            path=(*path, index), message=f"duplicate {what} {name!r}: each {what} must be unique"
        )
        for path, what, names in unique
        for index, name in enumerate(names)
        if name in names[:index]
    ]
    problems += [
        PolicyProblem(
            path=("routing", "rules", index, "when", position, "within_days"),
            message="routing conditions cannot test recency (`within_days`): an owner must not "
            "depend on the day the sync runs",
        )
        for index, rule in enumerate(policy.routing.rules)
        for position, condition in enumerate(rule.when)
        if condition.within_days is not None
    ]
    if fit.disqualified_grade in {band.grade for band in fit.grades}:
        problems.append(
            PolicyProblem(
                path=("fit", "disqualified_grade"),
                message="disqualified_grade must differ from every grade under fit.grades",
            )
        )
    if fit.grade_rank(policy.lifecycle.mql.min_grade) is None:
        known = ", ".join(band.grade for band in fit.grades)
        problems.append(
            PolicyProblem(
                path=("lifecycle", "mql", "min_grade"),
                message=f"{policy.lifecycle.mql.min_grade!r} is not a grade defined under "
                f"fit.grades ({known})",
            )
        )
    return problems
