"""How far the releases running in this server process have come, for WatchBatch to report.

Release writes a batch's submissions in one transaction, so until it commits no other connection (and
no other process) can see any of them. The release itself counts what it has signed and written; this
table holds those counts per batch while it runs, in this process only. A watcher served by another
gateway process sees the batch jump from APPROVED to RELEASED instead.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class ReleaseCount:
    lines_total: int
    lines_done: int
    submissions_written: int


class ReleaseTracker:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[int, ReleaseCount] = {}

    def update(self, batch_id: int, lines_total: int, lines_done: int, submissions_written: int) -> None:
        with self._lock:
            self._running[batch_id] = ReleaseCount(lines_total, lines_done, submissions_written)

    def finish(self, batch_id: int) -> None:
        with self._lock:
            self._running.pop(batch_id, None)

    def get(self, batch_id: int) -> ReleaseCount | None:
        with self._lock:
            return self._running.get(batch_id)
