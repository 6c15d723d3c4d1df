"""The run: pull → decide → diff → guard → push → record, for an incremental sync or a
resumable backfill.

Ordering is what makes it crash-safe: planned writes are journaled in the state store before
the CRM is written, the CRM is written before the state that says it was written, task creation
is idempotent by key in the CRM itself, and the watermark (or the backfill checkpoint) is
committed only with the writes it covers. Every run first finishes what a killed run left in
the journal, exactly as planned. A run killed at any moment and run again therefore converges on
the same CRM state, without duplicate tasks.

A backfill journals page by page but writes once several pages have gathered
(`RunOptions.write_buffer_records`): a page of 100 contacts holds a handful of tasks and stage
clears, and sending those per page would cost a call each where one call takes 100.
"""

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, Field

from connector.adapters.base import (
    ContactPage,
    CrmAdapter,
    KnownDecisions,
    RecordError,
    ResumableRead,
)
from connector.adapters.errors import CrmDailyLimitError, CrmError
from connector.adapters.kit.chunks import chunks
from connector.domain.contact import Contact, Owner
from connector.domain.due import DueTime, as_written, next_due
from connector.domain.engagement import Engagement
from connector.domain.engine import Assessment, Evaluation, assess, evaluate
from connector.domain.lifecycle import StageDecision
from connector.domain.outcomes import ContactUpdate, TaskSpec, UpdatableField
from connector.domain.policy import RulesPolicy
from connector.domain.routing import RoutingState, unknown_owner_problems
from connector.domain.text import bounded
from connector.sync import events
from connector.sync.guard import ChangeCount, ChangeLimit, GuardVerdict, check_change_limit
from connector.sync.ownership import edits_of, recheck, restrict, retarget, written_marks
from connector.sync.plan import plan_update
from connector.sync.report import PlannedChange, RunSummary, score_bucket
from connector.sync.snapshot import PeopleSnapshot
from connector.sync.speed import (
    DUE_READ_BATCH,
    apply_refresh_rule,
    escalation_part,
    escalation_watch,
    is_refresh,
    only_cools,
)
from connector.sync.state import (
    BACKFILL_JOB,
    CONTACTS,
    AuditEntry,
    Checkpoint,
    DueEntry,
    FieldMark,
    KeptJournal,
    LockHeldError,
    PendingWrite,
    StateStore,
    later_of,
)

EXIT_OK, EXIT_REJECTED, EXIT_CONFIG, EXIT_GUARD = 0, 1, 2, 3
#: A task subject in the audit log names the task, it need not hold all of it.
AUDIT_TEXT_LENGTH = 255
#: People a page decides and journals at once (their plans become one journal row, then go).
DECIDE_SLICE = 200

Progress = Callable[[int, int | None], None]
log = logging.getLogger("connector.sync.heartbeat")


class RunOptions(BaseModel):
    dry_run: bool = False
    max_changes: ChangeLimit | None = None
    force: bool = False
    resume: bool = False
    stale_lock_after: timedelta = timedelta(minutes=30)
    #: A backfill writes the CRM once this many planned updates have gathered (or the oldest
    #: has waited `write_buffer_wait`), so writes go out in full batches, not one partial
    #: batch per page; memory grows with it (a few kB per buffered contact). 2,000: a
    #: Salesforce page, and 20 full HubSpot batches (bench/README.md, "Memory at 100,000").
    write_buffer_records: int = Field(default=2000, ge=1)
    write_buffer_wait: timedelta = timedelta(seconds=60)
    #: Records skipped as unusable (no e-mail, impossible dates) are counted and reported but do
    #: not fail the run: they are the CRM's data, not the run's fault, and a cron alert on a
    #: non-zero exit would fire on every ordinary run. Set to make them exit 1 as rejects do.
    fail_on_skipped: bool = False
    #: A sync with no watermark yet (a new or mistyped state store) stops instead of reading
    #: and deciding every contact unannounced; `connector sync --from-scratch` allows it.
    require_history: bool = False
    #: The change limit never aborts a run that changes this many people or fewer.
    change_floor: int = Field(default=10, ge=0)


@dataclass
class ContactPlan:
    contact: Contact
    evaluation: Evaluation
    update: ContactUpdate | None
    #: Fields left alone by ownership (audited as "hold") and first-seen marks to keep.
    holds: list[AuditEntry] = field(default_factory=list)
    marks: list[FieldMark] = field(default_factory=list)
    due: DueTime | None = None
    score_refreshed: bool = False

    @property
    def task(self) -> TaskSpec | None:
        return self.evaluation.task


def unusable_reason(contact: Contact, now: datetime) -> str | None:
    """Why the rules cannot be trusted with this record, or None. Such records are skipped
    (and reported) rather than scored on garbage."""
    if not contact.email:
        return "missing e-mail address"
    if contact.created_at and contact.created_at > now + timedelta(days=1):
        return f"created in the future ({contact.created_at:%Y-%m-%d})"
    if contact.updated_at and contact.created_at and contact.updated_at < contact.created_at:
        return "last modified before it was created"
    return None


class OwnerConfigError(Exception):
    """The rules name an owner the CRM has no active user for (exit 2, nothing run)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class SyncEngine:
    """Runs syncs and backfills of one CRM account with one rules policy."""

    def __init__(
        self,
        adapter: CrmAdapter,
        policy: RulesPolicy,
        store: StateStore,
        account: str,
        clock: Callable[[], datetime] | None = None,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        owner_check: "Callable[[Sequence[Owner]], list[str]] | None" = None,
    ) -> None:
        """`clock` is the moment the rules decide at (decay, SLAs, idle time): the wall clock
        unless pinned for a reproducible run (CONNECTOR_AS_OF). Run records and the backfill's
        watermark always use the wall clock, because they describe when CRM data was read."""
        self.adapter = adapter
        self.policy = policy
        self.store = store
        self.account = account
        self.wall_clock = wall_clock
        self.clock = clock or wall_clock
        #: Problems (one line each, ideally `file:line: ...`) with the owners the rules name;
        #: any problem stops the run before it decides anyone.
        self.owner_check = owner_check or (
            lambda owners: [
                f"rules {'.'.join(map(str, p.path))}: {p.message}"
                for p in unknown_owner_problems(policy.routing, owners)
            ]
        )
        #: The inputs each page was decided on, kept for `connector whatif` (not on a dry run,
        #: which writes nothing to the state store).
        self.snapshot = PeopleSnapshot(store.engine)
        self._keep_snapshot = False

    # --- the two entry points ----------------------------------------------------------------

    def sync(self, options: RunOptions) -> RunSummary:
        """Contacts modified since the watermark: plan them all, guard, then write."""
        return self._run("sync", options, self._sync_body)

    def backfill(self, options: RunOptions, progress: Progress | None = None) -> RunSummary:
        """Every contact, page by page; each page journaled with its checkpoint, the CRM
        written whenever the buffer of journaled pages is full, and at the end."""
        return self._run(
            "backfill", options, lambda s, o, r: self._backfill_body(s, o, r, progress)
        )

    # --- shared run frame --------------------------------------------------------------------

    def _run(
        self,
        kind: str,
        options: RunOptions,
        body: Callable[[RunSummary, RunOptions, int | None], None],
    ) -> RunSummary:
        summary = RunSummary(
            kind=kind, account=self.account, dry_run=options.dry_run, started_at=self.wall_clock()
        )
        run_id: int | None = None
        self._keep_snapshot = not options.dry_run
        if not options.dry_run:  # a dry run writes nothing, not even its own run record
            try:
                self.store.acquire_lock(self.account, kind, stale_after=options.stale_lock_after)
            except LockHeldError as exc:
                summary.outcome, summary.exit_code, summary.message = "locked", EXIT_GUARD, str(exc)
                summary.finished_at = self.wall_clock()
                events.run_finished(None, self.adapter.name, summary)
                return summary
            run_id = self.store.begin_run(self.account, kind, dry_run=False)
        events.run_started(
            run_id,
            self.adapter.name,
            self.account,
            kind,
            dry_run=options.dry_run,
            resume=options.resume,
        )
        beating: AbstractContextManager[object] = (
            heartbeat(self.store, self.account, options.stale_lock_after)
            if run_id is not None
            else nullcontext()
        )
        try:
            beating.__enter__()
            self._recover(summary, options, keep_unapproved=kind == "sync")
            if run_id is not None:  # runs still open while this one holds the lock were killed
                note = (
                    f"killed; its lock was taken over by run {run_id}, which finished its "
                    f"journal ({summary.recovered_updates} update(s) written on its behalf)"
                )
                summary.killed_runs = self.store.close_killed_runs(self.account, run_id, note)
            body(summary, options, run_id)
            if summary.outcome == "running":
                bad = summary.rejected or (options.fail_on_skipped and summary.skipped)
                summary.outcome = "finished_with_rejects" if bad else "ok"
                summary.exit_code = EXIT_REJECTED if bad else EXIT_OK
        except CrmError as exc:
            summary.outcome, summary.exit_code, summary.message = "failed", exc.exit_code, str(exc)
            if isinstance(exc, CrmDailyLimitError) and kind == "backfill" and _stalled(summary):
                summary.message += (
                    " This run finished no page and wrote nothing before the allowance ran out, "
                    "so `backfill --resume` after the next reset would stop at the same point: "
                    "leave the connector more of the daily allowance (HUBSPOT_DAILY_RESERVE, "
                    "SALESFORCE_DAILY_RESERVE) or run it when other integrations are quiet."
                )
        except OwnerConfigError as exc:
            summary.outcome, summary.exit_code = "failed", EXIT_CONFIG
            summary.message = "\n".join([*exc.problems, "Nothing was run."])
        finally:
            beating.__exit__(None, None, None)
            summary.finished_at = self.wall_clock()
            summary.cpu_seconds = round(time.process_time(), 3)
            summary.api_calls = self.adapter.usage.by_endpoint()
            if run_id is not None:
                self.store.finish_run(
                    run_id,
                    summary.outcome if summary.outcome != "running" else "interrupted",
                    summary.counts(),
                    {name: usage.model_dump() for name, usage in summary.api_calls.items()},
                )
                self.store.release_lock(self.account)
            events.run_finished(run_id, self.adapter.name, summary)
        return summary

    def _known_owners(self, summary: RunSummary) -> list[Owner]:
        """The CRM's owners, once every owner the rules name is among the active ones."""
        owners = self.adapter.list_owners()
        if problems := self.owner_check(owners):
            raise OwnerConfigError(problems)
        summary.owner_names = {owner.id: owner.name or owner.email or owner.id for owner in owners}
        return owners

    # --- sync --------------------------------------------------------------------------------

    def _sync_body(self, summary: RunSummary, options: RunOptions, run_id: int | None) -> None:
        """Decide and journal every page, guard the whole plan, then write it in chunks.

        Plans go to the journal, unapproved, as each page is decided; in memory stay only the
        guard's counts, so a sync re-reading everything (the first after a backfill, or one
        after a long outage) needs no more memory than a page and a write chunk.
        """
        now = self.clock()
        since = self.store.watermark(self.account, CONTACTS)
        if since is None and options.require_history:
            summary.outcome, summary.exit_code = "failed", EXIT_CONFIG
            summary.message = (
                f"The state store holds no backfill or earlier sync of account {self.account!r}, "
                "so this sync would read and decide every contact. If CONNECTOR_STATE_URL has a "
                "typo, fix it; otherwise run `connector backfill` first (or `connector sync "
                "--from-scratch` to do it anyway). Nothing was run."
            )
            return
        owners = self._known_owners(summary)
        routing = self.store.routing_state(self.account)
        kept = self._kept_journal(since, options)
        if kept is not None:
            routing = kept.routing  # the kept decisions' round-robin steps stay taken
            summary.decisions_carried_over = len(kept.read_at)
        basis, read_at = self._basis(), self.wall_clock()
        redone = 0
        changes = ChangeCount()
        watermark: datetime | None = None
        resumable = self.adapter if isinstance(self.adapter, ResumableRead) else None
        if resumable is not None and kept is not None:
            resumable.known = KnownDecisions(kept.read_at)
        try:
            for page in self._changed_then_due(since, now, summary, kept):
                due_read = isinstance(page, _DuePage)
                rows = self._decide("sync", page, owners, routing, now, summary, run_id, due_read)
                last = rows[-1]
                routing = last.routing
                if run_id is not None:
                    self.store.heartbeat(self.account)
                for row in rows:
                    row.read_at, row.basis = read_at, basis
                    changes.add(row.updates)
                if isinstance(page, _DuePage):
                    last.forget_due = page.gone
                if page.deleted:
                    self._forget_deleted(page.deleted, last, summary, options.dry_run)
                if not due_read:  # a read by id says nothing about what changed since when
                    watermark = later_of(watermark, page.max_updated_at)
                if kept is not None:
                    decided = [cid for row in rows for cid in row.decided]
                    redone += self._supersede(kept, [*decided, *page.deleted])
                    summary.decisions_carried_over = len(kept.read_at)
                if not options.dry_run:
                    self.store.append_pending(self.account, rows, approved=False)
        finally:
            if resumable is not None:
                resumable.known = None
        if kept is not None:
            events.journal_kept(run_id, carried=len(kept.read_at), redone=redone, rows=kept.rows)
            if options.max_changes is not None and not options.force:
                # the guard judges the kept and the new decisions together
                changes = ChangeCount()
                for row in self.store.unapproved_rows(self.account):
                    changes.add(row.updates)
        escalations = self.store.due_escalations(self.account, now)
        if escalations:
            part = escalation_part(
                escalations, self.adapter, self.policy, owners, routing, now, run_id, summary
            )
            part.read_at, part.basis, routing = read_at, basis, part.routing
            changes.add(part.updates)
            if not options.dry_run:
                self.store.append_pending(self.account, [part], approved=False)
        if options.max_changes is not None and not options.force:
            evaluated = summary.contacts_read + len(escalations) + summary.decisions_carried_over
            verdict = self._judge(changes, evaluated, options.max_changes, options.change_floor)
            events.guard_decision(verdict)
            if verdict.tripped:
                self.store.discard_pending(self.account)
                summary.outcome, summary.exit_code = "aborted_by_guard", EXIT_GUARD
                summary.message = verdict.summary()
                return
        if options.dry_run:
            return
        closing = PendingWrite(job="sync", routing=routing, watermark=watermark, run_id=run_id)
        self.store.approve_pending(self.account, closing)
        self._push_journal(summary, options)

    def _kept_journal(self, since: datetime | None, options: RunOptions) -> KeptJournal | None:
        """The decisions a failed or killed sync journaled, if this sync can build on them;
        otherwise they are dropped and everybody is read as before. Not trusted: another rules
        or mapping basis, a journal of an older version or of another job, a read from scratch
        (no watermark). A dry run neither uses nor drops them."""
        if options.dry_run:
            return None
        kept = self.store.kept_decisions(self.account, self._basis()) if since else None
        if kept is None:
            self.store.discard_pending(self.account, unapproved_only=True)
        return kept

    def _supersede(self, kept: KeptJournal, contact_ids: Sequence[str]) -> int:
        """People read and decided again (they changed after the kept read, or the adapter
        cannot skip them) or deleted: their kept decision leaves the journal. How many."""
        again = [cid for cid in dict.fromkeys(contact_ids) if cid in kept.read_at]
        if again:
            self.store.drop_decided(self.account, again, [kept.row_of[cid] for cid in again])
            for cid in again:
                del kept.read_at[cid]
        return len(again)

    def _basis(self) -> str:
        """A digest of what a decision depends on besides the CRM's data: the rules and the
        adapter's mapping. A kept decision made on another basis is never carried over."""
        digest = hashlib.sha256(self.adapter.name.encode())
        digest.update(self.policy.model_dump_json().encode())
        mapping = getattr(self.adapter, "mapping", None)
        if isinstance(mapping, BaseModel):
            digest.update(mapping.model_dump_json().encode())
        return digest.hexdigest()

    def _forget_deleted(
        self, ids: list[str], part: PendingWrite, summary: RunSummary, dry_run: bool
    ) -> None:
        """People the CRM deleted: their due time goes with this page's journal (so they are
        never read by id again) and their snapshot row now (a what-if no longer counts them).
        Counted only when the state still knew them: a deletion reported again by the next sync
        (the read window overlaps) is not counted twice."""
        known = set(self.store.due_rows(self.account, ids)) | self.snapshot.known(self.account, ids)
        summary.contacts_deleted += len(known)
        part.forget_due = [*part.forget_due, *ids]
        if not dry_run:
            self.snapshot.forget(self.account, ids)

    def _judge(
        self, changes: ChangeCount, evaluated: int, limit: ChangeLimit, floor: int
    ) -> GuardVerdict:
        """The guard's verdict. A share is taken of the account's population, counted in the CRM
        (one call) only when the run changes more than the floor and more than that share of
        what it read (`evaluated`), so a quiet sync pays nothing for it."""
        verdict = check_change_limit(changes, evaluated, limit, floor)
        if verdict.tripped and limit.percent is not None:
            population = max(self.adapter.count_contacts(None) or 0, evaluated)
            verdict = check_change_limit(changes, population, limit, floor)
        return verdict

    def _changed_then_due(
        self, since: datetime | None, now: datetime, summary: RunSummary, kept: KeptJournal | None
    ) -> Iterable[ContactPage]:
        """The pages of the incremental read, then the people whose decision fell due with
        no CRM change (read by id, in full batches), minus those the first read already
        brought and those a kept journal already decided: each person is decided once per
        sync, and nobody is read without reason."""
        seen: set[str] = set()
        for page in self.adapter.iter_contact_pages(since):
            seen.update(contact.id for contact in page.contacts)
            seen.update(error.record_id for error in page.skipped)
            yield page
        if since is None:
            return  # a full read already decided everyone
        decided = kept.read_at if kept is not None else {}
        due = [
            cid
            for cid in self.store.due_contacts(self.account, now)
            if cid not in seen and cid not in decided
        ]
        for wanted in chunks(due, DUE_READ_BATCH):
            summary.contacts_due += len(wanted)
            page = self.adapter.read_contacts(wanted)
            found = {c.id for c in page.contacts} | {e.record_id for e in page.skipped}
            yield _DuePage(
                contacts=page.contacts,
                skipped=page.skipped,
                gone=[cid for cid in wanted if cid not in found],
            )

    # --- backfill ----------------------------------------------------------------------------

    def _backfill_body(
        self,
        summary: RunSummary,
        options: RunOptions,
        run_id: int | None,
        progress: Progress | None,
    ) -> None:
        started = self.wall_clock()
        checkpoint = self.store.checkpoint(self.account, BACKFILL_JOB) if options.resume else None
        cursor = checkpoint.cursor if checkpoint else None
        if checkpoint is not None:
            summary.resumed_from_page = summary.pages_done = checkpoint.pages_done
            summary.contacts_read = checkpoint.records_done
            started = checkpoint.started_at
        # A resumed backfill takes the total (a progress figure) from its checkpoint: under a
        # small daily API allowance every call a resume spends before its first page counts.
        summary.contacts_total = (
            checkpoint.total
            if checkpoint is not None and checkpoint.total is not None
            else self.adapter.count_contacts(None)
        )
        owners = self._known_owners(summary)
        routing = self.store.routing_state(self.account)
        # Updates journaled since the last write, and since when (None: nothing journaled).
        buffered, buffered_since = 0, None
        for page in self.adapter.iter_contact_pages(None, resume_after=cursor):
            now = self.clock()
            rows = self._decide("backfill", page, owners, routing, now, summary, run_id)
            routing = rows[-1].routing
            if not options.dry_run:
                summary.pages_done += 1
                rows[-1].checkpoint = Checkpoint(
                    cursor=page.cursor,
                    pages_done=summary.pages_done,
                    records_done=summary.contacts_read,
                    total=summary.contacts_total,
                    started_at=started,
                )
                # Journaled now, written later: the page is done for --resume once journaled,
                # since whatever run comes next finishes the journal before anything else.
                self.store.append_pending(self.account, rows)
                buffered += sum(len(row.updates) for row in rows)
                buffered_since = buffered_since or self.wall_clock()
            # The page and its decisions go now: the write reads them back from the journal, as
            # a sync's does, so the backfill holds a page or a write chunk, never both, nor
            # several pages' plans while later pages are read (2,000 people a Salesforce page).
            del rows, page
            if buffered_since is not None and self._buffer_full(buffered, buffered_since, options):
                self._push_journal(summary, options)
                buffered, buffered_since = 0, None
            if not options.dry_run:
                self.store.heartbeat(self.account)
            if progress is not None:
                progress(summary.contacts_read, summary.contacts_total)
        if buffered_since is not None:
            self._push_journal(summary, options)
        if not options.dry_run:
            # A full pass covers every change made before it started.
            self.store.set_watermark(self.account, CONTACTS, started, run_id)
            self.store.clear_checkpoint(self.account, BACKFILL_JOB)

    def _buffer_full(self, buffered: int, buffered_since: datetime, options: RunOptions) -> bool:
        """Time to write: enough updates gathered for full batches, or the oldest buffered
        write waited long enough (a rate-limited CRM reads slowly; its tasks' SLA runs)."""
        return (
            buffered >= options.write_buffer_records
            or self.wall_clock() - buffered_since >= options.write_buffer_wait
        )

    # --- decide ------------------------------------------------------------------------------

    def _decide(
        self,
        job: str,
        page: ContactPage,
        owners: list[Owner],
        routing: RoutingState,
        now: datetime,
        summary: RunSummary,
        run_id: int | None,
        due_read: bool = False,
    ) -> list[PendingWrite]:
        """Evaluate a page of contacts, counted in the summary, into its journal rows: one per
        `DECIDE_SLICE` people, each with the routing state it leaves and the people it decided
        (the last row also holds the page's skipped records; a page with nobody usable is one
        row). Each plan carries the person's next due time. A score that only cooled (people
        read because due, or whose update only lowers the score) is written only under the
        refresh rule, so the decision does not depend on the read."""
        skipped = list(page.skipped)
        summary.contacts_read += len(page.contacts) + len(page.skipped)
        usable: list[Contact] = []
        for contact in page.contacts:
            reason = unusable_reason(contact, now)
            if reason is None:
                usable.append(contact)
            else:
                skipped.append(RecordError(record_id=contact.id, message=reason))
        summary.skipped.extend(skipped)
        events.page_read(page, due=due_read)
        events.records_skipped(skipped)
        ids = [c.id for c in usable]
        by_contact: dict[str, list[Engagement]] = {}
        for engagement in self.adapter.iter_engagements(ids):
            by_contact.setdefault(engagement.contact_id, []).append(engagement)
        if self._keep_snapshot:
            people = [(contact, by_contact.get(contact.id, [])) for contact in usable]
            self.snapshot.save(self.account, people, self.wall_clock())
        held = self.store.due_rows(self.account, ids)
        marks = self.store.field_marks(self.account, ids)
        # The page's engagement is read at once (a query takes hundreds of people), but it is
        # decided and journaled a slice at a time: each slice's plans become a journal row and
        # go, each person's history with them, and the write reads the rows back one by one
        # (a row's JSON is parsed whole), so no step holds 2,000 people's plans at once.
        rows = []
        for part in list(chunks(usable, DECIDE_SLICE)) or [[]]:
            plans, routing = self._plans(
                part, by_contact, held, marks, owners, routing, now, due_read
            )
            self._tally(plans, summary)
            rows.append(self._journal_row(job, plans, routing, run_id))
        rows[-1].skipped = [
            AuditEntry(contact_id=e.record_id, kind="skip", rule=e.message) for e in skipped
        ]
        rows[-1].decided += [e.record_id for e in skipped]
        rows[-1].page_end = True
        return rows

    def _journal_row(
        self, job: str, plans: list[ContactPlan], routing: RoutingState, run_id: int | None
    ) -> PendingWrite:
        """The journal row of these people's plans (not yet the page's last): what to write and
        what to commit after."""
        return PendingWrite(
            job=job,
            routing=routing,
            run_id=run_id,
            page_end=False,
            decided=[plan.contact.id for plan in plans],
            updates=[plan.update for plan in plans if plan.update is not None],
            tasks=[plan.task for plan in plans if plan.task is not None],
            audit=[*_planned_audit(plans), *(hold for plan in plans for hold in plan.holds)],
            marks=[mark for plan in plans for mark in plan.marks],
            due=[
                DueEntry(
                    contact_id=plan.contact.id,
                    due_at=plan.due.at,
                    reason=plan.due.reason,
                    score_refreshed_at=self.clock() if plan.score_refreshed else None,
                )
                for plan in plans
                if plan.due is not None
            ],
            watches=[
                watch
                for plan in plans
                if plan.task is not None
                and (watch := escalation_watch(plan.task, self.policy)) is not None
            ],
        )

    def _plans(
        self,
        usable: Sequence[Contact],
        by_contact: dict[str, list[Engagement]],
        held: dict[str, DueEntry],
        marks: dict[str, dict[str, str | None]],
        owners: list[Owner],
        routing: RoutingState,
        now: datetime,
        due_read: bool,
    ) -> tuple[list[ContactPlan], RoutingState]:
        """The plans of these people, each with its next due time, and the routing state they
        leave; each person's engagement leaves `by_contact` once decided."""
        plans = []
        for contact in usable:
            plan, routing, assessed = self._plan(
                contact, by_contact, marks.get(contact.id, {}), owners, routing, now
            )
            refreshed_at = held[contact.id].score_refreshed_at if contact.id in held else None
            # what time alone did to the score is a refresh, however the person was read
            cooled = due_read or only_cools(plan.contact, plan.update)
            update, wait_until = (
                apply_refresh_rule(plan.contact, plan.update, self.policy, refreshed_at, now)
                if cooled
                else (plan.update, None)
            )
            written = as_written(plan.contact, update.changes if update is not None else {})
            engagements = by_contact.pop(contact.id, [])
            due = next_due(written, engagements, self.policy, now, assessed=assessed)
            if wait_until is not None and (due.at is None or wait_until < due.at):
                due = DueTime(at=wait_until, reason="cooled score: refresh interval")
            plan.update, plan.due = update, due
            # a refresh is a write of a score that only cooled; the interval limits those
            plan.score_refreshed = cooled and update is not None and is_refresh(update)
            plans.append(plan)
        return plans, routing

    def _plan(
        self,
        contact: Contact,
        by_contact: dict[str, list[Engagement]],
        marks: dict[str, str | None],
        owners: list[Owner],
        routing: RoutingState,
        now: datetime,
    ) -> tuple[ContactPlan, RoutingState, Assessment]:
        """One contact's decision with field ownership applied: a stage a person set since the
        connector's mark is a manual stage for the lifecycle rules, and every field a person
        owns or changed is left out of the update (audited as a hold). The assessment (history,
        score, fit) comes back for the due search, which would otherwise build it again."""
        ownership = self.policy.ownership
        edits = edits_of(contact, marks, ownership)
        if UpdatableField.LIFECYCLE_STAGE in edits and not contact.stage_set_manually:
            contact = contact.model_copy(update={"stage_set_manually": True})
        engagements = by_contact.get(contact.id, [])
        assessed = assess(contact, engagements, self.policy, now)
        evaluation, routed = evaluate(
            contact, engagements, self.policy, owners, routing, now, assessed=assessed
        )
        kept = restrict(
            contact, evaluation, plan_update(contact, evaluation), edits, marks, ownership
        )
        if not kept.stage_written:
            note = "the stage is not the connector's to write (ownership)"
            evaluation = evaluation.model_copy(
                update={"task": None, "stage": StageDecision(transition=None, notes=(note,))}
            )
        if not kept.owner_written:
            routed = routing  # no assignment made, no round-robin step taken
            if evaluation.task is not None:
                task = retarget(evaluation.task, {contact.id: contact.owner_id})
                evaluation = evaluation.model_copy(update={"task": task})
        plan = ContactPlan(contact, evaluation, kept.update, kept.holds, kept.marks)
        return plan, routed, assessed

    def _tally(self, plans: list[ContactPlan], summary: RunSummary) -> None:
        for plan in plans:
            summary.fields_held += len(plan.holds)
            summary.score_distribution[score_bucket(plan.evaluation.score.total)] += 1
            if plan.update is not None:
                summary.updates_planned += 1
                summary.owners_assigned += UpdatableField.OWNER_ID in plan.update.changes
                if summary.dry_run:
                    summary.plan.append(_planned(plan))
            transition = plan.evaluation.stage.transition
            if transition is not None:
                origin = transition.from_stage.value if transition.from_stage else "none"
                summary.stage_changes[f"{origin} -> {transition.to_stage.value}"] += 1
            summary.tasks_planned += plan.task is not None
            summary.scores_refreshed += plan.score_refreshed

    # --- push and record ---------------------------------------------------------------------

    def _push_journal(self, summary: RunSummary, options: RunOptions) -> None:
        """Write the approved journal in chunks of about `write_buffer_records` updates, each
        committed (and its rows dropped) as soon as it landed."""
        for chunk, through_seq in self.store.pending_chunks(
            self.account, options.write_buffer_records
        ):
            self._push(chunk, summary, through_seq)

    def _push(
        self, pending: PendingWrite, summary: RunSummary, through_seq: int | None = None
    ) -> None:
        """Write journaled plans to the CRM, then commit what landed and drop their journal
        rows (up to `through_seq`, or all).

        Just before the write, the shared fields about to be written are read again (one call
        per batch) and any a person changed since the decision are left alone, audited: no
        lost update, neither in a run nor in the replay of a killed run's journal."""
        ownership, updates = self.policy.ownership, pending.updates
        shared = [
            u.contact_id for u in updates if any(ownership.of(f) == "shared" for f in u.changes)
        ]
        checked = recheck(updates, self.adapter.current_values(shared) if shared else {}, ownership)
        updates, dropped, owners_now = checked.updates, checked.dropped, checked.owners
        summary.fields_held += len(checked.holds)
        result = self.adapter.apply_updates(updates) if updates else None
        rejected = {error.record_id: error.message for error in result.rejected} if result else {}
        if result is not None:
            events.write_batch("contacts", result, planned=len(updates))
            summary.rejected.extend(result.rejected)
            summary.updates_applied += len(result.applied)
        # a task moves only with its person: a rejected owner update keeps the task too, and
        # so does one a person changed in the meantime (their choice of owner stands)
        reassign_rejected = {
            plan.task_key
            for plan in pending.escalations
            if pending.reassignments
            and (plan.contact_id in rejected or plan.contact_id in owners_now)
        }
        moves = [m for m in pending.reassignments if m.key not in reassign_rejected]
        if moves:
            moved = self.adapter.reassign_tasks(moves)
            events.write_batch("task_owners", moved, planned=len(moves))
            summary.rejected.extend(moved.rejected)
            reassign_rejected |= {error.record_id for error in moved.rejected}  # task keys
        notices = {p.notify_task.key for p in pending.escalations if p.notify_task is not None}
        stage_left = {cid for cid, name in dropped if name == UpdatableField.LIFECYCLE_STAGE}
        tasks = [
            task if task.key in notices else retarget(task, owners_now)
            for task in pending.tasks
            if task.contact_id not in rejected and task.contact_id not in stage_left
        ]
        known = self.store.known_task_keys(self.account, [task.key for task in tasks])
        fresh = [task for task in tasks if task.key not in known]
        summary.tasks_already_existed += len(tasks) - len(fresh)
        created: dict[str, tuple[str, str]] = {}
        if fresh:
            task_result = self.adapter.create_tasks(fresh)
            events.write_batch("tasks", task_result, planned=len(fresh))
            summary.rejected.extend(task_result.rejected)
            contact_of = {task.key: task.contact_id for task in fresh}
            created = {
                key: (crm_id, contact_of[key])
                for key, crm_id in task_result.created_ids.items()
                if key in contact_of
            }
            summary.tasks_already_existed += len(task_result.already_existed)
            summary.tasks_created += len(created) - len(task_result.already_existed)
        entries = [
            entry
            for entry in pending.audit
            if entry.contact_id not in rejected
            and (
                entry.kind not in ("write", "transition")
                or (entry.contact_id, entry.field) not in dropped
            )
        ]
        entries += checked.holds
        entries += [
            AuditEntry(contact_id=contact_id, kind="reject", rule=message)
            for contact_id, message in rejected.items()
        ]
        entries += [
            AuditEntry(
                contact_id=task.contact_id,
                kind="task",
                new_value=created[task.key][0],
                rule=bounded(task.subject, AUDIT_TEXT_LENGTH),
            )
            for task in fresh
            if task.key in created
        ]
        entries += pending.skipped
        summary.escalations_applied += sum(
            plan.to_owner_id is not None
            and plan.task_key not in reassign_rejected
            and (plan.notify_task is None or plan.notify_task.key in created)
            for plan in pending.escalations
        )
        if rejected:
            pending = pending.model_copy(
                update={"due": [d for d in pending.due if d.contact_id not in rejected]}
            )
        marks = [m for m in pending.marks if m.contact_id not in rejected]
        marks += written_marks(updates, set(rejected), ownership)
        self.store.commit_pending(
            self.account,
            pending,
            created,
            entries,
            through_seq,
            rejected_escalations=reassign_rejected,
            marks=marks,
        )

    def _recover(
        self, summary: RunSummary, options: RunOptions, *, keep_unapproved: bool = False
    ) -> None:
        """Finish the writes a killed run journaled but may not have made.

        They are replayed as planned (not re-decided), so round-robin positions and task keys
        stay those of the interrupted run. A sync killed before its guard approved its plan
        left unapproved rows: a backfill drops them (its watermark did not move, so the next
        sync reads those contacts again); a sync keeps them for `_kept_journal` to judge
        (`keep_unapproved`). A dry run only reports what it found.
        """
        if options.dry_run:
            pending = self.store.pending(self.account)
            if pending is not None:
                summary.message = (
                    f"a killed {pending.job} left {len(pending.updates)} planned update(s) and "
                    f"{len(pending.tasks)} task(s); the next run finishes them first"
                )
            return
        if not keep_unapproved:
            self.store.discard_pending(self.account, unapproved_only=True)
        applied_before = summary.updates_applied
        self._push_journal(summary, options)
        summary.recovered_updates = summary.updates_applied - applied_before


@contextmanager
def heartbeat(store: StateStore, account: str, stale_after: timedelta) -> Iterator[None]:
    """Keeps a run's lock alive while it works, whatever it is waiting for: beats every quarter
    of `stale_after`, and stops with the run (a killed process stops beating, as it should).

    The lock of a run whose heartbeat is older than the stale-lock timeout is taken over, on
    the assumption that its run was killed. A page loop's heartbeat is not enough: a write
    phase of thousands of updates against a rate-limited CRM can outlast the timeout, and a
    second run would then take the lock and write the same people."""
    every = max(stale_after.total_seconds() / 4, 0.05)
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(every):
            try:
                store.heartbeat(account)
            except Exception:  # a busy store must not kill the run; the next beat retries
                log.warning("lock heartbeat failed; retrying", exc_info=False)

    thread = threading.Thread(target=beat, name="lock-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


class _DuePage(ContactPage):
    """A page of people read by id because they were due; `gone` are those the CRM no longer
    holds (their due time is forgotten)."""

    gone: list[str] = Field(default_factory=list)


def _stalled(summary: RunSummary) -> bool:
    """A backfill that neither finished a page nor wrote anything: run again under the same
    daily allowance, it would stop at the same point."""
    moved = summary.pages_done > (summary.resumed_from_page or 0)
    return not moved and not summary.updates_applied and not summary.tasks_created


def _planned(plan: ContactPlan) -> PlannedChange:
    assert plan.update is not None
    return PlannedChange(
        contact_id=plan.contact.id,
        changes={field.value: value for field, value in plan.update.changes.items()},
        previous={field.value: value for field, value in plan.update.previous.items()},
        reasons=plan.update.reasons,
        task=plan.task,
    )


def _planned_audit(plans: list[ContactPlan]) -> Iterable[AuditEntry]:
    """Every transition and field write the plans make (reasons as the rule)."""
    for plan in plans:
        contact_id = plan.contact.id
        transition = plan.evaluation.stage.transition
        if transition is not None:
            yield AuditEntry(
                contact_id=contact_id,
                kind="transition",
                field="lifecycle_stage",
                old_value=transition.from_stage.value if transition.from_stage else None,
                new_value=transition.to_stage.value,
                rule="; ".join(transition.reasons),
            )
        if plan.update is not None:
            for field, value in plan.update.changes.items():
                if field == UpdatableField.SCORE_REASONS:
                    continue  # the explanation itself; its score line is audited
                yield AuditEntry(
                    contact_id=contact_id,
                    kind="write",
                    field=field.value,
                    old_value=plan.update.previous.get(field),
                    new_value=value,
                    rule=_why(plan, field),
                )


def _why(plan: ContactPlan, field: UpdatableField) -> str | None:
    """The rule that decided one field's write, as an auditor asks for it: the score's rules,
    the fit's criteria, the routing rule, or the transition's reasons."""
    evaluation = plan.evaluation
    match field:
        case UpdatableField.SCORE:
            fired = "; ".join(
                f"{line.rule} {line.points:+d}" for line in evaluation.score.lines if line.points
            )
            text = f"scoring: {fired or 'no rule fired'} = {evaluation.score.total}"
        case UpdatableField.GRADE:
            fit = evaluation.fit
            if fit.disqualified:
                text = "fit: disqualified: " + "; ".join(fit.disqualified_reasons)
            else:
                lines = "; ".join(f"{line.rule} {line.points:+d}" for line in fit.lines)
                text = f"fit: {lines or 'no criterion matched'} = {fit.points} (grade {fit.grade})"
        case UpdatableField.OWNER_ID if evaluation.routing and evaluation.routing.assignment:
            assignment = evaluation.routing.assignment
            text = f"routing rule {assignment.rule!r}: " + "; ".join(assignment.reasons)
        case _:
            reasons = plan.update.reasons if plan.update is not None else ()
            return "; ".join(reasons) or None
    return bounded(text, AUDIT_TEXT_LENGTH * 4)
