"""The two commands' work, between the CLI (which parses and prints) and the pure figures."""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from pathlib import Path

from connector.calibrate.history import Person, iter_people
from connector.insight.figures import FunnelReport, build_report
from connector.insight.sources import people_now, stage_moves, task_records
from connector.insight.spend import read_spend
from connector.insight.whatif import WhatIf, what_if
from connector.mapping.loader import CRM_FILES, cross_file_problems, load_rules
from connector.mapping.problems import ConfigError
from connector.sync.session import Session
from connector.sync.snapshot import PeopleSnapshot, SnapshotPerson


def run_report(
    session: Session, now: datetime, since: date | None, spend_file: Path | None
) -> FunnelReport:
    """The report of the session's account, read-only; a bad spend file raises SpendError before
    the CRM is read."""
    spend = None if spend_file is None else read_spend(spend_file, since)
    adapter, engine, account = session.adapter, session.store.engine, session.account
    start = None if since is None else datetime.combine(since, time.min, tzinfo=UTC)
    owner_name = {o.id: (o.email or o.name or o.id).casefold() for o in adapter.list_owners()}
    people = list(people_now(adapter))
    moves = stage_moves(engine, account, start)
    return build_report(
        account=account,
        crm=adapter.name,
        people=people,
        moves=moves,
        tasks=task_records(engine, account, start, moves, adapter),
        policy=session.mappings.rules,
        owner_name=owner_name,
        now=now,
        since=start,
        spend=spend,
    )


class EmptySnapshotError(Exception):
    """No run has filled the snapshot yet for this account."""


def run_whatif(
    session: Session, rules_file: Path, now: datetime, refresh: bool
) -> tuple[WhatIf, str]:
    """Decide everyone with the live rules and with `rules_file`, writing nothing; ConfigError
    names the proposed file's problems."""
    proposed = load_rules(rules_file)
    mapping = session.mappings.crms[session.crm]
    crm_file = session.rules_file.parent / CRM_FILES[session.crm]
    if problems := cross_file_problems(proposed, mapping, crm_file):
        raise ConfigError(problems)
    snapshot = PeopleSnapshot(session.store.engine)
    if refresh:
        people: Iterable[SnapshotPerson | Person] = iter_people(session.adapter, now)
        source = "read from the CRM now"
    else:
        if (count := snapshot.count(session.account)) == 0:
            raise EmptySnapshotError(
                f"no snapshot for account {session.account} yet: run `connector backfill` or "
                "`connector sync` first, or add --refresh to read the CRM now"
            )
        people = snapshot.people(session.account)
        source = f"snapshot of the last runs, {count} people"
    result = what_if(
        people,
        session.mappings.rules,
        proposed,
        session.adapter.list_owners(),
        session.store.routing_state(session.account),
        now,
    )
    return result, source
