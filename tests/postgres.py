"""A real PostgreSQL server for the state-store tests, and a fresh database per test.

`CONNECTOR_TEST_POSTGRES_URL` (a SQLAlchemy URL of a role that may CREATE DATABASE, e.g.
`postgresql+psycopg://postgres@127.0.0.1:5432/postgres`) points the tests at a server someone
started. Without it the session starts its own from the PostgreSQL binaries on this machine
(Debian's `postgresql` package: /usr/lib/postgresql/*/bin, or `pg_ctl` on PATH) — initdb into a
temporary folder, loopback only, a free port, trust authentication, fsync off — and stops it at
the end. PostgreSQL refuses to run as root, so under root the server runs as the `postgres`
user (`runuser`). With neither, the PostgreSQL cases are skipped with the reason, or fail when
`CI_REQUIRE_POSTGRES=1` (as .ci/run sets it): CI must not pass by skipping them.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from connector.sync.state import postgres_driver

ENV_URL = "CONNECTOR_TEST_POSTGRES_URL"
SUPERUSER = "postgres"


@dataclass(frozen=True)
class PostgresServer:
    """A server the tests may create databases on; `admin_url` names one it already has."""

    admin_url: str

    def create_database(self) -> str:
        """A new, empty database; its SQLAlchemy URL (the psycopg 3 driver)."""
        name = f"connector_test_{uuid.uuid4().hex[:12]}"
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def drop_database(self, url: str) -> None:
        """Drop a database `create_database` made, closing what still uses it (PostgreSQL 13+)."""
        name = make_url(url).database
        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            engine.dispose()


def postgres_bin_dir() -> Path | None:
    """The folder of this machine's PostgreSQL server binaries (the newest version), if any."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
    )
    for folder in reversed(candidates):
        if (Path(folder) / "pg_ctl").exists() and (Path(folder) / "initdb").exists():
            return Path(folder)
    found = shutil.which("pg_ctl")
    if found and (Path(found).resolve().parent / "initdb").exists():
        return Path(found).resolve().parent
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _as_server_user(command: list[str]) -> list[str]:
    """`command` as the user the server runs as: the `postgres` user under root."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", SUPERUSER, "--", *command]


@dataclass
class _OwnServer:
    bin_dir: Path
    root: Path
    port: int

    @property
    def data(self) -> Path:
        return self.root / "data"

    def start(self) -> PostgresServer:
        if os.geteuid() == 0:
            entry = pwd.getpwnam(SUPERUSER)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run(
            str(self.bin_dir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            SUPERUSER,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )
        options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=400"
        )
        self._run(
            str(self.bin_dir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "start",
        )
        return PostgresServer(f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/postgres")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run(
                _as_server_user(
                    [str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "stop"]
                ),
                capture_output=True,
                check=False,
                timeout=60,
            )
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, *command: str) -> None:
        done = subprocess.run(
            _as_server_user(list(command)), capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(
                f"{Path(command[0]).name} failed ({done.returncode}): {done.stderr.strip()}\n{tail}"
            )


def _unavailable(reason: str) -> None:
    if os.environ.get("CI_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required here (CI_REQUIRE_POSTGRES=1) but {reason}")
    pytest.skip(f"no PostgreSQL: {reason}; install Debian's `postgresql` or set {ENV_URL}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server: the one `CONNECTOR_TEST_POSTGRES_URL` names, or one
    started here from the local binaries (stopped at the end of the session)."""
    try:
        import psycopg  # noqa: F401  (the driver of the `postgres` extra)
    except ImportError:
        _unavailable("the psycopg driver is not installed (pip install -e '.[postgres]')")
    if os.environ.get(ENV_URL):
        yield PostgresServer(postgres_driver(os.environ[ENV_URL]))  # postgresql:// too
        return
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        _unavailable("no server binaries (pg_ctl, initdb) were found")
        return
    own = _OwnServer(bin_dir, Path(tempfile.mkdtemp(prefix="connector-pg-")), _free_port())
    try:
        server = own.start()
    except (RuntimeError, OSError, subprocess.SubprocessError, KeyError) as exc:
        own.stop()
        _unavailable(f"the local server did not start: {exc}")
        return
    try:
        yield server
    finally:
        own.stop()


#: The state-store backends the state, lock, crash and multi-account tests run on.
BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(params=BACKENDS)
def state_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty state store's URL (CONNECTOR_STATE_URL form), once per backend: a SQLite
    file in the test's folder, or a new database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        yield str(tmp_path / "state.sqlite")
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    url = server.create_database()
    try:
        yield url
    finally:
        server.drop_database(url)
