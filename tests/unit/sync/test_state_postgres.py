"""What only a PostgreSQL state store shows: its URL forms and two runs racing for one stale
lock (row locks), on a real server (tests/postgres.py)."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import make_url

from connector.sync.schema import locks
from connector.sync.state import LockHeldError, StateStore


@pytest.fixture
def pg_url(postgres_server):
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_a_url_without_a_driver_uses_psycopg_3(pg_url, scheme):
    """SQLAlchemy would load psycopg2 for `postgresql://`, which the [postgres] extra does not
    install; the store opens such a URL with psycopg 3."""
    plain = make_url(pg_url).set(drivername="postgresql").render_as_string(hide_password=False)
    store = StateStore.open(plain.replace("postgresql://", f"{scheme}://", 1))
    try:
        assert store.engine.dialect.name == "postgresql"
        assert store.engine.dialect.driver == "psycopg"
        assert store.schema_revision() == StateStore.head_revision()
    finally:
        store.engine.dispose()


def test_of_two_runs_finding_one_stale_lock_the_second_waits_and_sees_the_first(pg_url):
    """The takeover reads the lock row FOR UPDATE: a run that finds the row while another run
    is taking it over waits for that commit, then finds a live holder and says who it is."""
    store = StateStore.open(pg_url)
    store.acquire_lock("a", "sync", stale_after=timedelta(minutes=5))
    stale = datetime(2026, 1, 1, tzinfo=UTC)
    with store.engine.begin() as connection:
        connection.execute(update(locks).values(pid=1, host="dead-host", heartbeat_at=stale))
    outcome: list[BaseException | None] = []
    with store.engine.begin() as first:  # the first run, mid-takeover, holding the row
        first.execute(select(locks).where(locks.c.account == "a").with_for_update())
        second = threading.Thread(
            target=lambda: outcome.append(_try_lock(StateStore.open(pg_url))), daemon=True
        )
        second.start()
        second.join(timeout=2)  # it cannot finish: the row is locked until `first` commits
        assert second.is_alive() and outcome == []
        first.execute(
            update(locks).values(
                holder="backfill", host="live-host", pid=4242, heartbeat_at=datetime.now(UTC)
            )
        )
    second.join(timeout=60)
    (error,) = outcome
    assert isinstance(error, LockHeldError)
    assert "backfill, pid 4242 on live-host" in str(error)


def _try_lock(store: StateStore) -> BaseException | None:
    try:
        store.acquire_lock("a", "sync", stale_after=timedelta(minutes=5))
    except LockHeldError as exc:
        return exc
    finally:
        store.engine.dispose()
    return None
