"""Shared fixtures: both database backends, instance folders, a real server process, log capture.

Every log line written during the suite (in-process structlog output and the stderr of every server
process started here) lands in one folder; when the session ends, ``pytest_sessionfinish`` scans it
for clear ID or account numbers and fails the run if it finds any (DESIGN.md invariant 9).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from gateway.logs import configure_logging
from tests.support import logscan
from tests.support.pg import PgCluster, find_bindir

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
# Under pytest-xdist the controller makes the folder and its workers inherit it through the environment;
# each process writes its own file, and only the controller scans, after every worker has finished.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if "SILINK_TEST_LOG_DIR" not in os.environ:
    os.environ["SILINK_TEST_LOG_DIR"] = tempfile.mkdtemp(prefix="silink-test-logs-")
LOG_DIR = Path(os.environ["SILINK_TEST_LOG_DIR"])
_INPROC_NAME = f"inprocess-{_WORKER}.log" if _WORKER else "inprocess.log"
_inproc_log = open(LOG_DIR / _INPROC_NAME, "a", encoding="utf-8")  # noqa: SIM115 - lives for the session
configure_logging(json=True, stream=_inproc_log)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _inproc_log.flush()
    if _WORKER:
        return
    findings = logscan.scan_folder(LOG_DIR)
    if findings:
        sys.stderr.write(
            f"\nPERSONAL DATA IN LOGS: {len(findings)} unmasked numbers found in captured logs "
            f"(first at {findings[0]}); logs kept in {LOG_DIR}\n"
        )
        session.exitstatus = 1
    else:
        sys.stderr.write(
            f"\nlog scan: no clear ID or account number in {logscan.count_lines(LOG_DIR)} log lines\n"
        )


# -- PostgreSQL ------------------------------------------------------------------------------------

_pg: PgCluster | None = None


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    global _pg
    bindir = find_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not installed")
    if _pg is None:
        _pg = PgCluster(bindir)
        _pg.start()
    yield _pg


def pytest_unconfigure(config: pytest.Config) -> None:
    if _pg is not None:
        _pg.stop()


def new_pg_database(cluster: PgCluster) -> str:
    name = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(cluster.url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return cluster.url(name)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return new_pg_database(request.getfixturevalue("pg_cluster"))


@pytest.fixture
def db(db_url: str):
    from gateway.storage import Database, migrate

    database = Database(db_url)
    migrate(database)
    yield database
    database.dispose()


# -- instances and servers -------------------------------------------------------------------------


@pytest.fixture
def instance(tmp_path: Path, db_url: str) -> Path:
    """An initialised instance folder whose database is on the parametrised backend."""
    from gateway.instance import init_instance

    home = tmp_path / "inst"
    init_instance(home, database_url="" if db_url.startswith("sqlite") else db_url)
    return home


class ServerProcess:
    """`silink serve` as a real separate process on a free loopback port."""

    def __init__(self, home: Path, *extra: str) -> None:
        self.home = home
        self.log_path = LOG_DIR / f"server-{uuid.uuid4().hex[:8]}.log"
        run_file = home / "run" / "serve.json"
        if run_file.exists():
            run_file.unlink()
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gateway.cli.main",
                "serve",
                "--dir",
                str(home),
                "--listen",
                "127.0.0.1:0",
                "--metrics-listen",
                "127.0.0.1:0",
                *extra,
            ],
            stdout=self._log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.time() + 60
        while not run_file.exists():
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log_path}")
            if time.time() > deadline:
                self.proc.kill()
                raise RuntimeError(f"server did not start; see {self.log_path}")
            time.sleep(0.05)
        import json

        self.info = json.loads(run_file.read_text())
        self.port = self.info["port"]
        self.target = f"127.0.0.1:{self.port}"

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode

    def log_text(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@pytest.fixture
def server(instance: Path) -> Iterator[ServerProcess]:
    srv = ServerProcess(instance)
    yield srv
    srv.stop()
