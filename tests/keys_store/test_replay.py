"""Replay protection on SQLite and PostgreSQL: timestamp window, single-use nonces across restarts."""

from __future__ import annotations

import secrets
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from gateway.errors import InvalidInput, SilinkError, Unauthenticated
from gateway.storage import Database
from gateway.storage.tables import replay_nonces
from keys.replay import ReplayGuard, new_stamp


def nonce() -> str:
    return secrets.token_hex(16)


def reason(fn, *args, **kw) -> str:
    with pytest.raises(SilinkError) as exc:
        fn(*args, **kw)
    return exc.value.reason


def test_a_replayed_nonce_is_rejected_after_a_restart(db) -> None:
    """A nonce accepted once is rejected as REPLAY_NONCE by a new guard on a new connection pool to the
    same database, as after a gateway restart."""
    n, ts = new_stamp()
    ReplayGuard(db).check(n, ts)
    assert reason(ReplayGuard(db).check, n, ts) == "REPLAY_NONCE"
    restarted = Database(db.url)
    try:
        assert reason(ReplayGuard(restarted).check, n, ts) == "REPLAY_NONCE"
        ReplayGuard(restarted).check(nonce(), ts)  # a fresh nonce still passes
    finally:
        restarted.dispose()


def test_timestamps_outside_the_window_are_rejected_both_ways(db) -> None:
    """Older or newer than ±window is REPLAY_WINDOW; inside the window passes; the nonce of a rejected
    message is not consumed."""
    guard = ReplayGuard(db, window_seconds=300)
    now = time.time()
    n = nonce()
    with pytest.raises(Unauthenticated) as exc:
        guard.check(n, now - 301)
    assert exc.value.reason == "REPLAY_WINDOW"
    assert reason(guard.check, nonce(), now + 301) == "REPLAY_WINDOW"
    guard.check(n, now - 299)
    guard.check(nonce(), datetime.now(UTC) + timedelta(seconds=200))
    guard.check(nonce(), (datetime.now(UTC) - timedelta(seconds=100)).isoformat().replace("+00:00", "Z"))


def test_malformed_nonces_and_timestamps_are_invalid_input(db) -> None:
    """A short nonce, a timestamp without a zone, or garbage are InvalidInput(REPLAY_MALFORMED)."""
    guard = ReplayGuard(db)
    for bad_nonce, ts in (("short", time.time()), ("x" * 200, time.time()), (nonce(), "2026-11-25T10:00:00"),
                          (nonce(), "yesterday"), (nonce(), True)):  # fmt: skip
        with pytest.raises(InvalidInput) as exc:
            guard.check(bad_nonce, ts)
        assert exc.value.reason == "REPLAY_MALFORMED"


def test_expired_nonces_are_purged(db) -> None:
    """Nonces whose messages are past the window are deleted by the periodic purge; live ones stay."""
    clock = [1_800_000_000.0]
    guard = ReplayGuard(db, window_seconds=60, clock=lambda: clock[0], purge_interval_seconds=10)
    old = [nonce() for _ in range(5)]
    for n in old:
        guard.check(n, clock[0])
    clock[0] += 120
    guard.check(nonce(), clock[0])  # triggers the purge
    with db.read() as conn:
        left = conn.execute(select(func.count()).select_from(replay_nonces)).scalar()
    assert left == 1
    # The purged nonces cannot be replayed anyway: their timestamps are outside the window now.
    assert reason(guard.check, old[0], clock[0] - 120) == "REPLAY_WINDOW"


def test_concurrent_use_of_one_nonce_succeeds_exactly_once(db) -> None:
    """Eight threads presenting the same nonce at once: the database's unique key lets one through."""
    n, ts = new_stamp()
    results: list[str] = []
    start = threading.Barrier(8)

    def attempt() -> None:
        guard = ReplayGuard(db)
        start.wait()
        try:
            guard.check(n, ts, scope="bank:102")
            results.append("ok")
        except Unauthenticated as exc:
            results.append(exc.reason)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["REPLAY_NONCE"] * 7 + ["ok"]
    ReplayGuard(db).check(n, ts, scope="bank:105")  # another peer's nonce space
