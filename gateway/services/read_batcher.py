"""Short reads off the event loop, many per thread hand-off.

``asyncio.to_thread`` costs a thread wake-up, a future and a loop wake-up per call; for a read that
takes a quarter of a millisecond that is as much again, paid in the one process that also runs gRPC.
A :class:`ReadBatcher` has one reader thread: under load the reads queue up and the thread runs all that
are waiting inside ONE read transaction (one connection checkout, one BEGIN; on SQLite's WAL a snapshot
taken after every one of them was asked for), then wakes the event loop once for the whole batch. When
calls are sparse it behaves like ``to_thread``. Storage work still never runs on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection

from gateway.storage import Database

T = TypeVar("T")


class ReadBatcher:
    def __init__(self, db: Database, *, max_batch: int = 64, name: str = "read-batcher") -> None:
        self.db = db
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    async def read(self, fn: Callable[[Connection], T]) -> T:
        """``fn(conn)`` in the next batch's read transaction; its exception is raised here."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._queue.put((loop, future, fn))
        return await future

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            done: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future, Any, BaseException | None]]] = {}
            try:
                with self.db.read() as conn:
                    for loop, future, fn in batch:
                        try:
                            done.setdefault(loop, []).append((future, fn(conn), None))
                        except Exception as exc:  # this read only
                            done.setdefault(loop, []).append((future, None, exc))
            except Exception as exc:  # the transaction itself failed: every read of the batch fails
                done = {}
                for loop, future, _fn in batch:
                    done.setdefault(loop, []).append((future, None, exc))
            for loop, results in done.items():
                with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                    loop.call_soon_threadsafe(_deliver, results)


def _deliver(results: list[tuple[asyncio.Future, Any, BaseException | None]]) -> None:
    for future, value, error in results:
        if future.cancelled():
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)
