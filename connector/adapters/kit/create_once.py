"""Create records at most once by an idempotency key, even when an answer is lost.

A batch create sent again after a timeout or a 5xx may create every record twice. So a create
is never retried blindly: the keys are looked up before anything is sent and again before every
further attempt, whatever failed (a record may land while the CRM answers 429 or "row locked"),
and only the keys still missing are created. After a lost answer the lookup waits
`settle_seconds`: HubSpot finds keys through its search index, which shows a write seconds
later; Salesforce's SOQL lookup passes 0.
"""

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from connector.adapters.base import RecordError, WriteResult
from connector.adapters.errors import CrmError, Disposition, Failure, classify
from connector.adapters.kit.chunks import chunks
from connector.adapters.retry import RetryPolicy, backoff

V = TypeVar("V")
#: key → CRM id of the records that already hold these keys.
Find = Callable[[Sequence[str]], dict[str, str]]


@dataclass
class Attempt:
    """What one create call answered, by key."""

    created: dict[str, str] = field(default_factory=dict)  # key → new CRM id
    rejected: dict[str, RecordError] = field(default_factory=dict)  # refused for good
    transient: dict[str, RecordError] = field(default_factory=dict)  # try again (reject if not)
    taken: dict[str, RecordError] = field(default_factory=dict)  # CRM says the key exists


def lost_answer(failure: Failure) -> bool:
    """No answer, or a 5xx: the create may have landed before the answer failed (a 429 or a
    4xx means it was refused before anything happened)."""
    return failure.status is None or failure.status >= 500


def once(policy: RetryPolicy) -> RetryPolicy:
    """`policy` with one attempt: a create is never retried as is (see the module)."""
    return policy.model_copy(update={"max_attempts": 1})


def create_once(
    items: Mapping[str, V],
    *,
    find: Find,
    send: Callable[[dict[str, V]], Attempt],
    batch_size: int,
    policy: RetryPolicy,
    settle_seconds: float = 0.0,
    sleep: Callable[[float], None] = time.sleep,
) -> WriteResult:
    """Create the records of `items` (key → what to create) whose key `find` does not know.

    `send` makes one create call (without retries of its own) for up to `batch_size` items. A
    key found after its create's answer was lost (`lost_answer`) counts as applied (this run
    made it), any other key found counts as already existing."""

    def create_batch(pending: dict[str, V]) -> WriteResult:
        result = WriteResult()
        unanswered: set[str] = set()  # keys of a create whose answer was lost
        transient: dict[str, RecordError] = {}
        last: CrmError | None = None

        def settle(keys: Sequence[str]) -> dict[str, str]:
            found = find(keys)
            for key, crm_id in found.items():
                result.created_ids[key] = crm_id
                (result.applied if key in unanswered else result.already_existed).append(key)
                pending.pop(key, None)
            return found

        for attempt in range(1, policy.max_attempts + 1):
            if attempt > 1:
                settle(list(pending))
            if not pending:
                return result
            try:
                outcome = send(dict(pending))
            except CrmError as problem:
                failure = problem.failure
                if failure is None or classify(failure) not in (
                    Disposition.RETRY,
                    Disposition.RATE_LIMITED,
                ):
                    raise
                last, transient = problem, {}
                wait = backoff(policy, attempt, failure.retry_after)
                if lost_answer(failure):
                    unanswered.update(pending)
                    wait = max(wait, settle_seconds)  # let the lookup see what may have landed
                if attempt < policy.max_attempts:
                    sleep(wait)
                continue
            last, transient = None, outcome.transient
            for key, crm_id in outcome.created.items():
                result.created_ids[key] = crm_id
                result.applied.append(key)
            result.rejected += outcome.rejected.values()
            done = {*outcome.created, *outcome.rejected, *outcome.taken}
            pending = {key: value for key, value in pending.items() if key not in done}
            if outcome.taken:
                # A concurrent run, or an earlier attempt that landed, holds the key already.
                found = settle(list(outcome.taken))
                result.rejected += [e for k, e in outcome.taken.items() if k not in found]
            if not pending:
                return result
            if attempt < policy.max_attempts:
                sleep(backoff(policy, attempt))
        if last is not None:
            raise last
        for key in pending:
            unsent = RecordError(record_id=key, message="not created", code="TRANSIENT")
            result.rejected.append(transient.get(key, unsent))
        return result

    existing = find(list(items))
    total = WriteResult(created_ids=dict(existing), already_existed=list(existing))
    todo = [key for key in items if key not in existing]
    for batch in chunks(todo, batch_size):
        total = total.merge(create_batch({key: items[key] for key in batch}))
    return total
