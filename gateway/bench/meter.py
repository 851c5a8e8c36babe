"""Stage timing, peak resident memory and progress for the province benchmark.

A :class:`Stage` accumulates the seconds spent inside ``with stage.clock():`` blocks, so two stages that
interleave on one stream (validate a block, then store it) are timed apart without holding the stream.
Peak RSS comes from a sampling thread reading ``/proc/<pid>/statm`` every 20 ms for this process and any
helper processes it was told about (dispatcher processes on PostgreSQL); the simulated banks are not
counted, since they stand in for the banks' own machines.
"""

from __future__ import annotations

import os
import platform
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes(pid: int | str = "self") -> int:
    """Resident set size of one process (0 when it has gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


class RssSampler:
    """Peak RSS (this process plus ``extra_pids``) since the last :meth:`reset`, sampled in a thread."""

    def __init__(self, interval: float = 0.02) -> None:
        self.interval = interval
        self.extra_pids: list[int] = []
        self._peak = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def current(self) -> int:
        return rss_bytes() + sum(rss_bytes(p) for p in list(self.extra_pids))

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            now = self.current()
            with self._lock:
                self._peak = max(self._peak, now)

    def start(self) -> RssSampler:
        self._peak = self.current()
        self._thread.start()
        return self

    def reset(self) -> None:
        with self._lock:
            self._peak = self.current()

    def peak(self) -> int:
        with self._lock:
            return max(self._peak, self.current())

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(1)


@dataclass
class Stage:
    """One stage's seconds, lines and peak RSS."""

    name: str
    title: str
    lines: int = 0
    seconds: float = 0.0
    peak_rss: int = 0
    detail: dict = field(default_factory=dict)

    @contextmanager
    def clock(self) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.seconds += time.perf_counter() - t0

    def as_dict(self) -> dict:
        return {
            "stage": self.name,
            "title": self.title,
            "lines": self.lines,
            "seconds": round(self.seconds, 3),
            "lines_per_s": round(self.lines / self.seconds) if self.seconds > 0 else None,
            "peak_rss_mb": round(self.peak_rss / 2**20, 1),
            **({"detail": self.detail} if self.detail else {}),
        }


class StageBoard:
    """The stages of one run, each with a progress bar on stderr and its peak RSS."""

    def __init__(self, sampler: RssSampler, *, show: bool = True) -> None:
        self.sampler = sampler
        self.stages: list[Stage] = []
        self.progress = Progress(
            TextColumn("{task.description:<34}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:>12}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            disable=not show,
        )
        self._tasks: dict[str, int] = {}
        # Without a terminal (CI, `make bench-scale` logs) the bars cannot redraw: a plain line every
        # ten seconds and at each stage's end says where the run is instead.
        self._plain = show and not self.progress.console.is_terminal
        self._said = time.monotonic()
        self._totals: dict[str, int] = {}

    def __enter__(self) -> StageBoard:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    @contextmanager
    def stages_open(self, *stages: Stage, total: int) -> Iterator[None]:
        """Bars for ``stages`` (they run interleaved, or one alone) and their shared peak-RSS window."""
        self.sampler.reset()
        for s in stages:
            self._totals[s.name] = total
            self.stages.append(s)
            self._tasks[s.name] = self.progress.add_task(
                f"{len(self.stages)}. {s.title}", total=total, rate=""
            )
        try:
            yield
        finally:
            peak = self.sampler.peak()
            for s in stages:
                s.peak_rss = peak
                self.advance(s, 0)
                if self._plain:
                    self._say(s, "done")

    def advance(self, stage: Stage, lines: int) -> None:
        stage.lines += lines
        rate = f"{stage.lines / stage.seconds:,.0f}/s" if stage.seconds > 0 else ""
        self.progress.update(self._tasks[stage.name], completed=stage.lines, rate=rate)
        if self._plain and time.monotonic() - self._said >= 10:
            self._say(stage, "")

    def _say(self, stage: Stage, note: str) -> None:
        self._said = time.monotonic()
        n = self.stages.index(stage) + 1
        rate = f", {stage.lines / stage.seconds:,.0f} lines/s" if stage.seconds > 0 else ""
        self.progress.console.print(
            f"{n}. {stage.title}: {stage.lines:,}/{self._totals.get(stage.name, 0):,} lines, "
            f"{stage.seconds:,.1f} s{rate}" + (f" — {note}" if note else ""),
            highlight=False,
            soft_wrap=True,
        )

    def set_total(self, stage: Stage, total: int) -> None:
        self._totals[stage.name] = total
        self.progress.update(self._tasks[stage.name], total=total)


def machine() -> dict:
    """Cores, CPU model, memory, OS and Python of this machine, for the report."""
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = 0
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            mem = int(f.readline().split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return {
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": model or platform.processor() or "unknown",
        "memory_gb": round(mem / 2**30, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
