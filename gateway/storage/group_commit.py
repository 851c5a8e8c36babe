"""Group commit for SQLite: many short write transactions, one durable commit.

SQLite has one writer at a time, and with ``synchronous=FULL`` every commit waits for an fsync (about
4 ms on the test machine). Every write transaction also appends to the audit chain, so writes are
serial whatever the database. When each call runs its own transaction, the fsync is paid per call and
callers waiting for the write lock sleep in SQLite's busy handler (its back-off reaches 100 ms), which is
what limited the card service to about 200 calls/s with p99 near a second.

A :class:`GroupCommitter` owns one writer thread. Each submitted unit of work runs inside its own
SAVEPOINT of a shared transaction, one after another, so each is still all-or-nothing (a refusal rolls
back to its savepoint and touches nothing of the others) and sees the ones before it exactly as a
serial execution would; the audit chain grows in that same order. The transaction commits when the
queue is empty or ``max_batch`` units are in, and only after that commit is any caller answered: no
answer is given for a change that is not durable. A failed commit fails every unit of the group (their
callers retry under the same request id, which is idempotent).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

import structlog
from sqlalchemy import Connection

from gateway.storage.database import Database

T = TypeVar("T")
log = structlog.get_logger("silink.storage")
_STOP = object()


class GroupCommitter:
    def __init__(self, db: Database, *, max_batch: int = 64, name: str = "group-commit") -> None:
        self.db = db
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        self.groups = 0  # committed transactions, for tests and metrics
        self.units = 0  # units of work in them

    def submit(self, work: Callable[[Connection], T]) -> Future[T]:
        """Run ``work(conn)`` in its own savepoint of the next group; the future resolves after commit."""
        future: Future[T] = Future()
        self._queue.put((future, work))
        return future

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout=30)

    def _take(self) -> list[tuple[Future, Callable]] | None:
        first = self._queue.get()
        if first is _STOP:
            return None
        group = [first]
        while len(group) < self.max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                self._queue.put(_STOP)  # finish this group, then stop
                break
            group.append(item)
        return group

    def _run(self) -> None:
        while (group := self._take()) is not None:
            done: list[tuple[Future, Any, BaseException | None]] = []
            try:
                with self.db.write() as conn:
                    for future, work in group:
                        if not future.set_running_or_notify_cancel():
                            continue
                        try:
                            with conn.begin_nested():
                                done.append((future, work(conn), None))
                        except Exception as exc:  # this unit only: rolled back to its savepoint
                            done.append((future, None, exc))
            except Exception as exc:  # the commit (or BEGIN) failed: nothing of the group is durable
                log.warning("storage.group_commit_failed", error_type=type(exc).__name__, units=len(group))
                for future, _work in group:
                    if not future.done():
                        future.set_exception(exc)
                continue
            self.groups += 1
            self.units += len(done)
            for future, result, error in done:
                if error is not None:
                    future.set_exception(error)
                else:
                    future.set_result(result)
