"""The dispatch stage's stall guard: sending without settling is progress; no change at all is a stall."""

from __future__ import annotations

from itertools import chain, repeat
from pathlib import Path

import pytest

from gateway.bench import province as P
from gateway.bench.meter import RssSampler, Stage, StageBoard
from gateway.errors import Conflict


def _run(tmp_path: Path, observations, open_lines: int = 0) -> tuple[P._Run, StageBoard, Stage]:
    run = P._Run(P.ProvinceSpec(payees=10, stall_seconds=1.2, show_progress=False), tmp_path)
    feed = iter(observations)
    run._settled_lines = lambda ctx: next(feed)  # type: ignore[method-assign]
    run._count = lambda ctx, states: open_lines  # type: ignore[method-assign]
    board = StageBoard(RssSampler(), show=False)
    stage = Stage("dispatch", "dispatch")
    board.stages.append(stage)
    board._tasks[stage.name] = board.progress.add_task("dispatch", total=10, rate="")
    return run, board, stage


def test_submissions_moving_without_a_settled_line_is_not_a_stall(tmp_path: Path) -> None:
    # Four seconds of sending (each look sees another submission SENDING), nothing settled, then all.
    sending = [(0, (("READY", 0, 8 - i), ("SENDING", 1, i))) for i in range(8)]
    run, board, stage = _run(tmp_path, chain(sending, repeat((10, (("COMPLETED", 1, 8),)))))
    run._wait_final(None, board, stage, total=10)
    assert stage.lines == 10


def test_nothing_moving_is_a_stall(tmp_path: Path) -> None:
    run, board, stage = _run(tmp_path, repeat((0, (("SENDING", 1, 8),))))
    with pytest.raises(Conflict, match="no progress") as caught:
        run._wait_final(None, board, stage, total=10)
    assert caught.value.reason == "BENCH_STALLED"
