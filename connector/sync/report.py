"""What a run did, for people (rich tables) and machines (--json)."""

from collections import Counter
from datetime import datetime

from pydantic import BaseModel, Field

from connector.adapters.base import RecordError
from connector.adapters.usage import EndpointUsage
from connector.domain.escalation import EscalationPlan
from connector.domain.outcomes import FieldValue, TaskSpec

SCORE_BUCKETS = ((None, 0, "< 0"), (0, 25, "0-24"), (25, 50, "25-49"), (50, 100, "50-99"))


def score_bucket(score: int) -> str:
    for low, high, label in SCORE_BUCKETS:
        if (low is None or score >= low) and score < high:
            return label
    return "100+"


class PlannedChange(BaseModel):
    """One contact's share of the plan: the field changes and the task, with reasons."""

    contact_id: str
    changes: dict[str, FieldValue]
    previous: dict[str, FieldValue]
    reasons: tuple[str, ...] = ()
    task: TaskSpec | None = None


class RunSummary(BaseModel):
    kind: str
    account: str
    dry_run: bool = False
    started_at: datetime
    finished_at: datetime | None = None
    outcome: str = "running"
    exit_code: int = 0
    message: str = ""
    contacts_read: int = 0
    contacts_total: int | None = None
    updates_planned: int = 0
    updates_applied: int = 0
    tasks_planned: int = 0
    tasks_created: int = 0
    tasks_already_existed: int = 0
    owners_assigned: int = 0
    stage_changes: Counter[str] = Field(default_factory=Counter)
    score_distribution: Counter[str] = Field(default_factory=Counter)
    rejected: list[RecordError] = []
    skipped: list[RecordError] = []
    api_calls: dict[str, EndpointUsage] = {}
    resumed_from_page: int | None = None
    recovered_updates: int = 0  # journaled writes of a killed run, finished by this one
    #: people a failed or killed sync had decided whose kept decision this sync used instead
    #: of reading and deciding them again (nothing about them changed since)
    decisions_carried_over: int = 0
    killed_runs: list[int] = []  # runs found unfinished and closed as killed by this one
    fields_held: int = 0  # shared or human fields left alone (a person's edit), each audited
    pages_done: int = 0
    plan: list[PlannedChange] = []
    #: owner id → display name, so a plan shows "Alex Kim" rather than "83021742"
    owner_names: dict[str, str] = {}
    # speed to lead: people re-decided because their decision fell due with no CRM change,
    # scores refreshed because they cooled beyond the tolerance, and SLA escalations
    contacts_due: int = 0
    #: people the CRM deleted (Salesforce getDeleted) whom the state still knew: their due time
    #: and snapshot row are dropped, so they are never read by id or previewed again
    contacts_deleted: int = 0
    scores_refreshed: int = 0
    escalations_planned: int = 0
    escalations_applied: int = 0
    escalations_closed: int = 0  # the rep completed the task (or it is gone): not escalated
    escalations_unassignable: int = 0  # nobody available to take it; the reason is audited
    escalations: list[EscalationPlan] = []  # the dry run's preview
    #: CPU seconds (user + system) of the connector's process when the run ended, imports
    #: included: what one scheduled run costs its host, kept with the run's counts
    cpu_seconds: float = 0.0

    @property
    def wall_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def counts(self) -> dict[str, int]:
        """The run's counts, as its run record and its `run_end` event keep them."""
        sizes = {"rejected": len(self.rejected), "skipped": len(self.skipped)}
        sizes["cpu_ms"] = round(self.cpu_seconds * 1000)
        return {
            name: sizes[name] if name in sizes else getattr(self, name) for name in _COUNTS.split()
        }


#: The counts of `RunSummary.counts`, in the order a log line shows them.
_COUNTS = (
    "contacts_read updates_planned updates_applied tasks_created tasks_already_existed "
    "owners_assigned rejected skipped contacts_due contacts_deleted scores_refreshed "
    "escalations_planned escalations_applied escalations_closed fields_held recovered_updates "
    "decisions_carried_over cpu_ms"
)
