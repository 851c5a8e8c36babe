"""Live progress of `silink batch release` and `silink batch watch`, from the WatchBatch stream.

Every figure shown comes from a server snapshot (BatchProgress): the release's own count of lines placed
in signed submissions while it runs, then the line counts and sums per bank and state from the
database. Nothing is estimated or animated between snapshots. On a terminal the display redraws in place
(rich); otherwise each snapshot is printed once, as plain lines, so logs and tests can read it.
"""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from gateway.cli._common import console


def _yuan(fen: int) -> str:
    from gateway.intake.amounts import format_yuan

    return format_yuan(fen)


def _names(dpb: Any) -> tuple[Any, Any]:
    return dpb.Batch.State, dpb.BatchLine.State


def _state(enum: Any, value: int) -> str:
    return enum.Name(value).removeprefix("STATE_")


def snapshot_dict(p: Any) -> dict[str, Any]:
    """A BatchProgress as JSON-ready data: the per bank and state picture, amounts in fen."""
    from silink.disbursement.v1 import disbursement_pb2 as dpb

    batch_state, line_state = _names(dpb)
    out: dict[str, Any] = {
        "batch_id": p.batch_id,
        "state": _state(batch_state, p.state),
        "done": p.done,
        "submissions_total": p.submissions_total,
        "submissions_sent": p.submissions_sent,
        "lines_by_state": {
            _state(line_state, t.state): {"lines": t.line_count, "amount_fen": t.amount_fen}
            for t in p.line_totals
        },
        "lines_by_bank": {},
        "observe_time": p.observe_time.ToJsonString() if p.HasField("observe_time") else None,
    }
    for t in p.bank_totals:
        out["lines_by_bank"].setdefault(t.bank_code, {})[_state(line_state, t.state)] = {
            "lines": t.line_count,
            "amount_fen": t.amount_fen,
        }
    if p.HasField("release"):
        out["release"] = {
            "lines_total": p.release.lines_total,
            "lines_done": p.release.lines_done,
            "submissions_written": p.release.submissions_written,
        }
    return out


def state_table(p: Any) -> Table:
    """Banks down, line states across; each cell ``lines · yuan``; a total row from the per-state sums."""
    from silink.disbursement.v1 import disbursement_pb2 as dpb

    from gateway.intake.banks import bank_label

    batch_state, line_state = _names(dpb)
    states = [t.state for t in p.line_totals]
    cells: dict[str, dict[int, Any]] = {}
    for t in p.bank_totals:
        cells.setdefault(t.bank_code, {})[t.state] = t
    title = f"{p.batch_id} {_state(batch_state, p.state)}"
    if p.submissions_total:
        title += f" — {p.submissions_sent:,} of {p.submissions_total:,} submissions sent"
    t = Table("bank", *(_state(line_state, s) for s in states), title=title, title_justify="left")
    for code in sorted(cells):
        row = [bank_label(code)]
        for s in states:
            c = cells[code].get(s)
            row.append(f"{c.line_count:,} · {_yuan(c.amount_fen)}" if c is not None else "")
        t.add_row(*row)
    t.add_row(
        "all banks", *(f"{x.line_count:,} · {_yuan(x.amount_fen)}" for x in p.line_totals), style="bold"
    )
    return t


def release_line(p: Any) -> str:
    r = p.release
    return (
        f"releasing {p.batch_id}: {r.lines_done:,} of {r.lines_total:,} lines in "
        f"{r.submissions_written:,} signed submissions"
    )


class ReleaseDisplay:
    """The bar of `batch release`: lines placed in signed submissions out of the lines to release."""

    def __init__(self, batch_id: str, *, tty: bool | None = None, out: Console | None = None) -> None:
        self.batch_id = batch_id
        self.tty = sys.stderr.isatty() if tty is None else tty
        self.out = out or console(stderr=True)
        self._last: tuple[int, int, int] | None = None
        self._bar: Progress | None = None  # started with the first count: no bar before there is one

    def _start_bar(self, r: Any) -> Progress:
        bar = Progress(
            TextColumn("releasing {task.fields[batch]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("lines · {task.fields[subs]} submissions signed and written"),
            TimeElapsedColumn(),
            console=self.out,
        )
        self._task = bar.add_task(
            "release",
            total=r.lines_total,
            completed=r.lines_done,
            batch=self.batch_id,
            subs=r.submissions_written,
        )
        bar.start()
        return bar

    def update(self, p: Any) -> None:
        if not p.HasField("release"):
            return
        r = p.release
        key = (r.lines_total, r.lines_done, r.submissions_written)
        if key == self._last:
            return
        self._last = key
        if self.tty:
            self._bar = self._bar or self._start_bar(r)
            self._bar.update(
                self._task, total=r.lines_total, completed=r.lines_done, subs=r.submissions_written
            )
        else:
            self.out.print(release_line(p))

    def finish(self, after: Any | None) -> None:
        """Close the display. ``after`` is a snapshot taken once the release answered successfully (None
        otherwise): its submission count is the committed one, and a committed release placed every line
        it set out to, so the bar ends full rather than at the last count the stream happened to catch."""
        if self._bar is not None:
            if after is not None and self._last is not None:
                self._bar.update(self._task, completed=self._last[0], subs=after.submissions_total)
            self._bar.stop()
        if after is not None and after.submissions_total:
            self.out.print(
                f"released {self.batch_id}: {after.submissions_total:,} signed submissions, "
                f"{after.submissions_sent:,} sent so far"
            )


class WatchDisplay:
    """The live table of `batch watch`: redrawn in place on a terminal, printed per change otherwise."""

    def __init__(self, *, tty: bool | None = None, out: Console | None = None) -> None:
        self.out = out or console()
        self.tty = self.out.is_terminal if tty is None else tty
        self._live: Live | None = None

    def _render(self, p: Any) -> Any:
        parts: list[Any] = [state_table(p)]
        if p.HasField("release"):
            parts.insert(0, Text(release_line(p)))
        if p.done:
            parts.append(Text("every line is final", style="green"))
        return Group(*parts)

    def update(self, p: Any) -> None:
        if not self.tty:
            self.out.print(self._render(p))
            return
        if self._live is None:
            self._live = Live(self._render(p), console=self.out, auto_refresh=False)
            self._live.start()
        else:
            self._live.update(self._render(p), refresh=True)

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
