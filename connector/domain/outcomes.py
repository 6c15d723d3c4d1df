"""What the rules decide: score and fit cards, transitions, assignments, tasks and updates.

Each carries its reasons, because users must be able to see why the connector did what it did
before they trust it with their CRM.
"""

from datetime import datetime
from enum import StrEnum

from pydantic import AwareDatetime, Field

from connector.domain import Value
from connector.domain.stages import LifecycleStage


class ScoreLine(Value):
    """One rule's contribution, shown at each step so a reader can follow the arithmetic:
    `raw_points` before anything, `capped_points` after the per-day cap, `decayed_points` after
    time decay, and `points` (what it adds to the total) after the total cap, rounded."""

    rule: str
    events: int = 0
    raw_points: float
    capped_points: float
    decayed_points: float
    points: int
    note: str = ""


class ScoreCard(Value):
    total: int
    lines: tuple[ScoreLine, ...]
    computed_at: AwareDatetime

    def explain(self) -> str:
        """Plain-text explanation, one rule per line, ending with the total it sums to."""
        rows = [
            f"{line.points:+d}  {line.rule}"
            + (f" ({line.events} events)" if line.events else "")
            + (f" — {line.note}" if line.note else "")
            for line in self.lines
        ]
        rows.append(f"= {self.total}")
        return "\n".join(rows)


class FitLine(Value):
    rule: str
    points: int
    matched: str


class FitCard(Value):
    """The fit grade, kept apart from behaviour: who they are, not what they did."""

    grade: str
    points: int
    lines: tuple[FitLine, ...]
    disqualified_reasons: tuple[str, ...] = ()

    @property
    def disqualified(self) -> bool:
        return bool(self.disqualified_reasons)


class TransitionKind(StrEnum):
    ADVANCE = "advance"
    RECYCLE = "recycle"
    DISQUALIFY = "disqualify"


class Transition(Value):
    contact_id: str
    from_stage: LifecycleStage | None
    to_stage: LifecycleStage
    kind: TransitionKind
    at: AwareDatetime
    reasons: tuple[str, ...] = Field(min_length=1)


class Assignment(Value):
    contact_id: str
    owner_id: str
    rule: str
    reasons: tuple[str, ...] = Field(min_length=1)


class TaskPriority(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class TaskSpec(Value):
    """A follow-up for a human. `key` is stable for (contact, transition, day) so that a re-run
    or a crash between creating the task and recording it never produces a second task."""

    key: str
    contact_id: str
    owner_id: str | None
    subject: str
    body: str
    priority: TaskPriority
    due_at: AwareDatetime
    stage: LifecycleStage


class UpdatableField(StrEnum):
    """The contact fields the connector writes back; everything else it only reads."""

    SCORE = "score"
    GRADE = "grade"
    LIFECYCLE_STAGE = "lifecycle_stage"
    OWNER_ID = "owner_id"
    SALES_STATUS = "sales_status"
    RECYCLED_AT = "recycled_at"
    SCORE_REASONS = "score_reasons"


FieldValue = str | int | datetime | None


class ContactUpdate(Value):
    """Only the fields whose desired value differs from what the CRM holds, with the old values
    kept for the audit log."""

    contact_id: str
    changes: dict[UpdatableField, FieldValue]
    previous: dict[UpdatableField, FieldValue] = Field(default_factory=dict)
    reasons: tuple[str, ...] = ()
