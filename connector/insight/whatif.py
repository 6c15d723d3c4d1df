"""Decide every person twice, with the live and the proposed rules, and count the difference.
Pure: nothing is written; each side threads its own copy of the stored routing state, so
round-robin and capacity decide as each rule set would from where the real runs left off."""

import heapq
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime

from pydantic import BaseModel

from connector.calibrate.history import Person
from connector.domain.contact import Contact, Owner
from connector.domain.engine import Evaluation, assess, evaluate
from connector.domain.policy import RulesPolicy
from connector.domain.routing import RoutingState
from connector.domain.stages import FUNNEL_RANK, LifecycleStage
from connector.insight.figures import OPEN_LEADS
from connector.sync.engine import unusable_reason
from connector.sync.snapshot import SnapshotPerson

TOP_MOVERS = 20
TASKS_LISTED = 200
NONE = "none"


class Side(BaseModel):
    """One rule set's decision about one person."""

    stage: str
    owner: str | None
    score: int
    grade: str
    task: str | None  # the follow-up task's subject, if one would be made
    reasons: list[str]  # the stage move's reasons, then the score lines


class Mover(BaseModel):
    contact_id: str
    stage_now: str
    live: Side
    proposed: Side
    distance: int  # funnel steps between the two outcomes


class TaskPreview(BaseModel):
    contact_id: str
    owner: str | None
    stage: str
    subject: str
    due_at: datetime


class OwnerLoad(BaseModel):
    owner: str
    live: int
    proposed: int

    @property
    def change(self) -> int:
        return self.proposed - self.live


class WhatIf(BaseModel):
    people: int = 0
    skipped: int = 0
    people_changed: int = 0  # whose stage, owner or task would differ
    stage_changes: dict[str, int] = {}  # 'live -> proposed' outcome counts, changed only
    stage_matrix: dict[str, dict[str, int]] = {}  # live outcome → proposed outcome → people
    mql_live: int = 0
    mql_proposed: int = 0
    mql_gained: int = 0
    mql_lost: int = 0
    sql_gained: int = 0
    sql_lost: int = 0
    owner_load: list[OwnerLoad] = []
    tasks_live: int = 0
    tasks_proposed: int = 0
    tasks_added: int = 0  # tasks the proposed rules make that live ones don't
    tasks_removed: int = 0
    new_tasks: list[TaskPreview] = []  # the first TASKS_LISTED added tasks
    movers: list[Mover] = []


def _owner_after(evaluation: Evaluation, contact: Contact) -> str | None:
    routing = evaluation.routing
    if routing is not None and routing.assignment is not None:
        return routing.assignment.owner_id
    return contact.owner_id


def _side(evaluation: Evaluation, contact: Contact, owner_name: dict[str, str]) -> Side:
    stage = evaluation.final_stage or contact.lifecycle_stage
    owner_id = _owner_after(evaluation, contact)
    transition = evaluation.stage.transition
    reasons = list(transition.reasons) if transition else list(evaluation.stage.notes)
    return Side(
        stage=stage.value if stage else NONE,
        owner=owner_name.get(owner_id, owner_id) if owner_id else None,
        score=evaluation.score.total,
        grade=evaluation.fit.grade,
        task=evaluation.task.subject if evaluation.task else None,
        reasons=reasons + evaluation.score.explain().splitlines(),
    )


class WhatIfCounter:
    """Accumulates the comparison person by person; memory holds counters, the top movers and
    a bounded list of new tasks, never the people."""

    def __init__(self, owners: Sequence[Owner]) -> None:
        self.result = WhatIf()
        self._owner_name = {owner.id: owner.email or owner.name or owner.id for owner in owners}
        self._matrix: Counter[tuple[str, str]] = Counter()
        self._load_live: Counter[str] = Counter()
        self._load_proposed: Counter[str] = Counter()
        # (distance, score change, -sequence) → mover; a min-heap of the TOP_MOVERS largest
        self._heap: list[tuple[int, int, int, Mover]] = []
        self._seq = 0

    def add(self, contact: Contact, live: Evaluation, proposed: Evaluation) -> None:
        result = self.result
        result.people += 1
        live_stage = live.final_stage or contact.lifecycle_stage
        new_stage = proposed.final_stage or contact.lifecycle_stage
        live_key = live_stage.value if live_stage else NONE
        new_key = new_stage.value if new_stage else NONE
        self._matrix[(live_key, new_key)] += 1
        live_owner, new_owner = _owner_after(live, contact), _owner_after(proposed, contact)
        if live_stage in OPEN_LEADS and live_owner:
            self._load_live[live_owner] += 1
        if new_stage in OPEN_LEADS and new_owner:
            self._load_proposed[new_owner] += 1
        mql, sql = LifecycleStage.MQL, LifecycleStage.SQL
        result.mql_live += live_stage == mql
        result.mql_proposed += new_stage == mql
        result.mql_gained += new_stage == mql and live_stage != mql
        result.mql_lost += live_stage == mql and new_stage != mql
        result.sql_gained += new_stage == sql and live_stage != sql
        result.sql_lost += live_stage == sql and new_stage != sql
        # which follow-up a person gets (by target stage); who gets it is the owner comparison
        live_task = live.task.stage.value if live.task else None
        new_task = proposed.task.stage.value if proposed.task else None
        result.tasks_live += live_task is not None
        result.tasks_proposed += new_task is not None
        if new_task != live_task:
            result.tasks_added += new_task is not None
            result.tasks_removed += live_task is not None
            if (task := proposed.task) is not None and len(result.new_tasks) < TASKS_LISTED:
                result.new_tasks.append(
                    TaskPreview(
                        contact_id=contact.id,
                        owner=self._owner_name.get(task.owner_id or "", task.owner_id),
                        stage=task.stage.value,
                        subject=task.subject,
                        due_at=task.due_at,
                    )
                )
        if live_key == new_key and live_owner == new_owner and live_task == new_task:
            return
        result.people_changed += 1
        distance = (  # `other` (disqualified) sits below the funnel, at -1
            abs(FUNNEL_RANK.get(new_stage, -1) - FUNNEL_RANK.get(live_stage, -1))
            if (live_stage and new_stage)
            else int(live_stage != new_stage)
        )
        score_change = abs(proposed.score.total - live.score.total)
        self._seq += 1
        entry = (distance, score_change, -self._seq)
        if len(self._heap) >= TOP_MOVERS and entry <= self._heap[0][:3]:
            return
        mover = Mover(
            contact_id=contact.id,
            stage_now=contact.lifecycle_stage.value if contact.lifecycle_stage else NONE,
            live=_side(live, contact, self._owner_name),
            proposed=_side(proposed, contact, self._owner_name),
            distance=distance,
        )
        push = heapq.heappush if len(self._heap) < TOP_MOVERS else heapq.heapreplace
        push(self._heap, (*entry, mover))

    def finish(self) -> WhatIf:
        result = self.result
        for (live, new), count in sorted(self._matrix.items()):
            result.stage_matrix.setdefault(live, {})[new] = count
            if live != new:
                result.stage_changes[f"{live} -> {new}"] = count
        result.owner_load = [
            OwnerLoad(
                owner=self._owner_name.get(owner, owner),
                live=self._load_live[owner],
                proposed=self._load_proposed[owner],
            )
            for owner in sorted(set(self._load_live) | set(self._load_proposed))
        ]
        result.movers = [item[3] for item in sorted(self._heap, reverse=True)]
        return result


def what_if(
    people: Iterable[SnapshotPerson | Person],
    live: RulesPolicy,
    proposed: RulesPolicy,
    owners: Sequence[Owner],
    routing: RoutingState,
    now: datetime,
) -> WhatIf:
    """The difference the proposed rules would make, decided at `now`. People whose record
    the rules cannot use (the runs skip them too) are counted as skipped."""
    counter = WhatIfCounter(owners)
    live_state = proposed_state = routing
    # Score and grade depend only on these two sections: when the edit leaves them alone, each
    # person is scored and graded once and both rule sets decide from that.
    shared = live.scoring == proposed.scoring and live.fit == proposed.fit
    for person in people:
        contact = person.contact
        if unusable_reason(contact, now) is not None:
            counter.result.skipped += 1
            continue
        basis = assess(contact, person.engagements, live, now)
        new_basis = basis if shared else None
        live_eval, live_state = evaluate(
            contact, person.engagements, live, owners, live_state, now, assessed=basis
        )
        new_eval, proposed_state = evaluate(
            contact, person.engagements, proposed, owners, proposed_state, now, assessed=new_basis
        )
        counter.add(contact, live_eval, new_eval)
    return counter.finish()
