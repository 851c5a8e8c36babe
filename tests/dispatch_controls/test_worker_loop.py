"""A worker's loop survives a database it cannot reach for a while: it backs off and carries on."""

from __future__ import annotations

import threading

from sqlalchemy.exc import OperationalError

from gateway.dispatch.worker import Dispatcher


class _Flaky:
    """Stands in for the dispatcher: the outbox is locked twice, then there is work, then nothing."""

    owner = "worker:test"

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.calls = 0

    def run_once(self) -> int:
        self.calls += 1
        if self.calls <= 2:
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
        if self.calls == 3:
            return 1
        self.stop.set()
        return 0


def test_a_locked_outbox_does_not_kill_the_worker_thread() -> None:
    stop = threading.Event()
    flaky = _Flaky(stop)
    thread = threading.Thread(target=Dispatcher.run_forever, args=(flaky, stop, 0.001))
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert flaky.calls == 4  # two failures, backed off, then it worked and went idle
