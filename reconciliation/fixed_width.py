"""Our fixed-width 回盘 (RET_…) and 退票 (RTN_…) files as bank entries, read by ``adapters.fixed_width``.

The adapter's reader does the byte-exact work (GBK/GB18030 widths, header/trailer totals, duplicate
lines); this module only picks the built-in profile that reads the file cleanly and turns each line into
a :class:`~reconciliation.entry.BankEntry`. Any line or file error refuses the whole file, naming line,
column and field (values masked by the adapter).

The detached signature is not checked here: a file reaches reconciliation from the pickup, which
verified it against the bank's key before recording it (``bank_files``); ``statement parse`` only reads.
"""

from __future__ import annotations

from pathlib import Path

from adapters.fixed_width import BUILTIN, FileProfile, ResultFile, parse_result
from reconciliation._base import EvidenceFormat, ParseContext, Sniff
from reconciliation._line_results import entry_from_result, parse_day
from reconciliation.entry import BankEntry, EntryKind, Statement

FORMAT = "fixed_width"


class _AlreadyVerified:
    """Stands in for the bank's verifier: the pickup verified the signature before the file was stored."""

    @staticmethod
    def verify(data: bytes, signature: bytes) -> bool:
        return True


def _header_lengths() -> set[int]:
    out = set()
    for profile in BUILTIN.values():
        lay = profile.record("result_header")
        out.add(sum(f.width for f in lay.fields))
    return out


_HEADER_LENGTHS = _header_lengths()


def detect(sniff: Sniff) -> bool:
    first = sniff.head.split(b"\n", 1)[0].rstrip(b"\r")
    return first.startswith(b"H") and len(first) in _HEADER_LENGTHS and first[1:4].isdigit()


def _read(data: bytes, profile: FileProfile) -> ResultFile:
    return parse_result(data, b"verified-at-pickup", _AlreadyVerified(), profile)


def parse(path: Path, ctx: ParseContext) -> tuple[list[Statement], list[BankEntry]]:
    data = path.read_bytes()
    # Which built-in layout? The one that reads every line; else report the default's problems.
    attempts = [(name, _read(data, profile)) for name, profile in BUILTIN.items()]
    chosen = next((r for _n, r in attempts if r.clean), attempts[0][1])
    for err in chosen.line_errors:
        where = f"line {err.line}"
        shown = f" ({err.value_masked})" if err.value_masked else ""
        ctx.problem(where, err.field, f"column {err.column}: {err.message}{shown}", err.line)
    for issue in chosen.file_errors:
        ctx.problem("file", issue.code, issue.message)
    ctx.raise_if_problems()
    entries: list[BankEntry] = []
    # Detail lines are rows 2..n-1 in file order; the reader keeps that order.
    for index, result in enumerate(chosen.lines, 2):
        try:
            value_date = parse_day(result.value_date)
        except ValueError as exc:
            ctx.problem(f"line {index}", "value_date", str(exc), index)
            continue
        entries.append(
            entry_from_result(
                result,
                source_format=FORMAT,
                source_file=ctx.file_name,
                position=f"line {index}",
                line=index,
                batch_ref=chosen.batch_ref,
                value_date=value_date,
            )
        )
    ctx.raise_if_problems()
    statement = Statement(
        source_format=FORMAT,
        source_file=ctx.file_name,
        position="line 1",
        kind=EntryKind.STATUS,
        line=1,
        statement_id=chosen.batch_ref,
        sequence=str(chosen.part_no) if chosen.part_no is not None else None,
        page_number=chosen.part_no,
        currency="CNY",
        entries_count=len(entries),
        debit_count=len(entries),
        debit_sum_minor=sum(e.amount_minor or 0 for e in entries),
    )
    return [statement], entries


FIXED_WIDTH = EvidenceFormat(FORMAT, "silink fixed-width 回盘 / 退票 result file", detect, parse)
