"""Client side of a payroll upload: a payroll file as the CreateBatch message stream.

Used by `silink batch submit`, the demo and the tests, so every client sends exactly what the server's
single validation path expects: the header first, then one message per source line with the raw text
fields, or, for a line the reader could not split into fields, its reason in ``reader_error``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from silink.common.v1 import common_pb2
from silink.disbursement.v1 import disbursement_pb2 as dpb

from gateway.intake.reader import open_payroll
from gateway.intake.records import COLUMNS, LineError


def payroll_messages(
    path: Path,
    *,
    request_id: str,
    fund: str,
    period: str,
    title: str = "",
    progress: Callable[[int], None] | None = None,
    run: int = 500,
) -> Iterator[dpb.CreateBatchRequest]:
    """The upload as messages: the header, then runs of ``run`` lines (``run=1``: one line a message)."""
    yield dpb.CreateBatchRequest(
        header=dpb.BatchHeader(
            request_id=request_id,
            fund=common_pb2.Fund.Value("FUND_" + fund),
            period=period,
            title=title or path.name,
            source_file_name=path.name,
        )
    )
    n = 0
    pending: list[dpb.PayrollLine] = []
    with open_payroll(path) as source:
        for line_no, fields in source:
            if fields.__class__ is LineError:
                line = dpb.PayrollLine(line_number=line_no, reader_error=fields.reason)
            else:
                line = dpb.PayrollLine(line_number=line_no, **dict(zip(COLUMNS, fields, strict=True)))
            pending.append(line)
            n += 1
            if len(pending) >= run:
                yield _message(pending)
                pending = []
                if progress is not None:
                    progress(n)
    if pending:
        yield _message(pending)
    if progress is not None:
        progress(n)


def _message(lines: list[dpb.PayrollLine]) -> dpb.CreateBatchRequest:
    if len(lines) == 1:
        return dpb.CreateBatchRequest(line=lines[0])
    return dpb.CreateBatchRequest(lines=dpb.PayrollLineRun(lines=lines))
