"""The card service's SQLite write and read paths: several calls in one transaction with one commit,
each still all-or-nothing; batched reads. Through the real audit chain and idempotency records."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import func, select

from gateway import audit
from gateway.errors import InvalidInput
from gateway.idempotency import run_once_in
from gateway.services.read_batcher import ReadBatcher
from gateway.storage.group_commit import GroupCommitter
from gateway.storage.tables import audit_log, idempotency

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def _unit(n: int, fail: bool = False):
    def work(conn):
        audit.append(conn, principal="p:test", action="test.unit", object_type="t", object_id=str(n))
        if fail:
            raise InvalidInput("refused", "TEST_REFUSED")
        return n

    return work


def _count(db, table) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_group_commits_once_and_a_refused_unit_leaves_no_trace(db):
    committer = GroupCommitter(db)
    gate, running = threading.Event(), threading.Event()

    # Hold the writer on a first unit so the next ones queue up and form one group.
    def hold(conn):
        running.set()
        gate.wait(10)
        return 0

    first = committer.submit(hold)
    assert running.wait(10)
    futures = [committer.submit(_unit(n, fail=(n == 3))) for n in range(1, 6)]
    gate.set()
    assert first.result(10) == 0
    assert [f.result(10) for f in futures if f is not futures[2]] == [1, 2, 4, 5]
    with pytest.raises(InvalidInput):
        futures[2].result(10)
    assert committer.groups == 2 and committer.units == 6  # the held unit, then the other five together
    with db.read() as conn:
        ids = [r.object_id for r in conn.execute(select(audit_log.c.object_id).order_by(audit_log.c.seq))]
    assert ids == ["1", "2", "4", "5"]  # unit 3 rolled back to its savepoint, the chain unbroken
    assert audit.verify(db).ok
    committer.close()


def test_idempotency_inside_a_group_replays_and_refuses_a_changed_payload(db):
    committer = GroupCommitter(db)
    calls = []

    def once(payload: bytes):
        def effect(conn):
            calls.append(payload)
            return b"answer-" + payload

        return committer.submit(
            lambda conn: run_once_in(
                conn, principal="p", method="/m", request_id="r1", payload=payload, effect=effect
            )
        )

    assert once(b"a").result(10) == (b"answer-a", False)
    assert once(b"a").result(10) == (b"answer-a", True)
    with pytest.raises(Exception, match="request_id"):
        once(b"b").result(10)
    assert calls == [b"a"] and _count(db, idempotency) == 1
    committer.close()


def test_batched_reads_each_get_their_own_answer_or_error(db):
    with db.write() as conn:
        for n in range(3):
            audit.append(conn, principal="p", action="a", object_type="t", object_id=str(n))

    def read_seq(k):
        def fn(conn):
            if k == 99:
                raise InvalidInput("no such entry", "NOT_THERE")
            return conn.execute(select(audit_log.c.object_id).where(audit_log.c.seq == k)).scalar_one()

        return fn

    async def main():
        reader = ReadBatcher(db)
        results = await asyncio.gather(
            *(reader.read(read_seq(k)) for k in (1, 2, 99, 3)), return_exceptions=True
        )
        return results

    one, two, bad, three = asyncio.run(main())
    assert (one, two, three) == ("0", "1", "2")
    assert isinstance(bad, InvalidInput) and bad.reason == "NOT_THERE"
