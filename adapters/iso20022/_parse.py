"""Incoming messages: the bank's pain.002 status reports and camt.054 notifications, to line results.

The XML is read by the evidence parsers in :mod:`reconciliation` (pain.002 001.03/.10/.11, camt.054
001.02/.04/.08: safe against DOCTYPEs and entity tricks, exact amounts), so the gateway and finance read a
bank's answer the same way. This module adds what the adapter must decide on top of them:

- the answer must be about *our* message (``OrgnlMsgId`` = our MsgId, ``OrgnlNbOfTxs`` = our line count)
  and only about our lines; anything else is ``ANSWER_MISMATCH`` → UNKNOWN, inquire;
- status inheritance: a transaction without its own ``TxSts`` takes its block's, else the group's status,
  except under ``PART`` (which says nothing about a single line: UNKNOWN);
- duplicates and disorder: the same line reported twice collapses to one result; an interim and a final
  report of one line give the final; two different final states give UNKNOWN (never a guess);
- an amount that differs from what we sent gives UNKNOWN (invariant 4: never report PAID for money we did
  not ask for);
- camt.054 returns (booked, ``RtrInf``/``RRTN``) of our end-to-end ids give RETURNED with the reason from
  the ISO *return* list.

Anything unreadable — not XML, another message type, a file the evidence parser refuses — is
``MALFORMED_RESPONSE``: SubmitStatus.UNKNOWN with action INQUIRE, never ACCEPTED.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass

from adapters.contract import (
    Action,
    BankError,
    LineOutcome,
    LineResult,
    Submission,
    SubmitResult,
    SubmitStatus,
    WireResponse,
)
from adapters.iso20022 import _codes as C
from gateway.errors import SilinkError
from reconciliation import BankEntry, EntryStatus, ParseResult, Scope, detect_format, parse_file

_FINAL = frozenset({LineOutcome.PAID, LineOutcome.FAILED, LineOutcome.RETURNED})
_MAX_TEXT = 200  # bank free text kept on a result; the rest is in the bank's own file


def error(code: str, text: str = "") -> BankError:
    return BankError(code=code, text=text, action=C.action_of(code))


def _unknown(code: str, text: str) -> SubmitResult:
    return SubmitResult(status=SubmitStatus.UNKNOWN, error=error(code, text))


def _status_for(err: BankError) -> SubmitStatus:
    # INQUIRE means "we do not know what happened": the submission is neither accepted nor refused.
    return SubmitStatus.UNKNOWN if err.action is Action.INQUIRE else SubmitStatus.REJECTED


# -- reading the body ---------------------------------------------------------------------------------


def read_evidence(body: bytes) -> ParseResult:
    """Parse a bank message with the evidence parsers. They read files, so the body goes to a private
    temporary file for the duration of the call (deleted before returning, whatever happens)."""
    fd, name = tempfile.mkstemp(prefix="silink-iso-", suffix=".xml")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(body)
        fmt = detect_format(name)
        if fmt not in ("pain.002", "camt.054"):
            raise ValueError(f"unexpected message type {fmt}")
        return parse_file(name, fmt)
    finally:
        os.unlink(name)


def _http_error(response: WireResponse) -> SubmitResult:
    """A non-2xx answer: the bank's refusal code from a JSON error body, else ``HTTP_<status>``."""
    code = f"HTTP_{response.status}"
    text = ""
    try:
        payload = json.loads(response.body.decode("utf-8")) if response.body else None
    except (UnicodeDecodeError, ValueError):
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("code"), str) and payload["code"]:
        bank_code = payload["code"].strip().upper()
        if bank_code in C.ERRORS:
            code = bank_code
        text = str(payload.get("text") or "")[:_MAX_TEXT]
    err = error(code, text)
    return SubmitResult(status=_status_for(err), error=err)


# -- line results -------------------------------------------------------------------------------------


@dataclass
class _Lines:
    """The submission's lines by end-to-end id and by seq, for matching what the bank reports."""

    by_ref: dict[str, int]
    amounts: dict[int, int]
    refs: dict[int, str]

    @classmethod
    def of(cls, submission: Submission) -> _Lines:
        return cls(
            by_ref={line.end_to_end_ref: line.seq for line in submission.lines},
            amounts={line.seq: line.amount_fen for line in submission.lines},
            refs={line.seq: line.end_to_end_ref for line in submission.lines},
        )

    def seq_of(self, entry: BankEntry) -> int | None:
        ref = entry.refs.end_to_end_id
        if ref is not None:
            return self.by_ref.get(ref)
        instr = entry.refs.instruction_id  # we write the line seq as InstrId
        if instr is not None and instr.isdigit() and int(instr) in self.amounts:
            return int(instr)
        return None


def _reason_text(entry: BankEntry) -> str:
    return (entry.reason.raw_text or "")[:_MAX_TEXT] if entry.reason else ""


def _line_from_status(
    seq: int, ref: str, raw: str | None, entry: BankEntry | None, lines: _Lines, inherited_from=None
) -> LineResult:
    """One line's result from its status ``raw``. ``entry`` is the line's own report (amount, reason);
    ``inherited_from`` the block or group whose status and reason a line without its own inherits."""
    if raw is None:
        return LineResult(LineOutcome.UNKNOWN, seq, ref, raw_text="no status for this line")
    outcome = C.status_outcome(raw)
    amount = entry.amount_minor if entry is not None else None
    if entry is not None and amount is not None and (entry.currency != "CNY" or amount != lines.amounts[seq]):
        return LineResult(
            LineOutcome.UNKNOWN, seq, ref, raw_code=raw, raw_text="amount or currency differs from ours"
        )
    if outcome is LineOutcome.FAILED:
        told = entry if entry is not None and entry.reason is not None else inherited_from
        code = (told.reason.code or told.reason.raw_code or "") if told is not None and told.reason else ""
        return LineResult(
            outcome,
            seq,
            ref,
            reason=C.reason_of(code or ("CANC" if raw == "CANC" else None)),
            reason_code_list="status",
            raw_code=code or raw,
            raw_text=_reason_text(told) if told is not None else "",
            amount_fen=amount,
        )
    value_date = entry.value_date.isoformat() if entry is not None and entry.value_date else ""
    return LineResult(outcome, seq, ref, raw_code=raw, value_date=value_date, amount_fen=amount)


def merge(results: Iterable[LineResult]) -> list[LineResult]:
    """One result per line: duplicates collapse, a final state beats an interim one, two different final
    states (or a final and an UNKNOWN) give UNKNOWN. Ordered by seq."""
    merged: dict[int, LineResult] = {}
    for result in results:
        assert result.seq is not None
        held = merged.get(result.seq)
        if held is None or held == result:
            merged[result.seq] = result
            continue
        a, b = held.outcome, result.outcome
        if a is b and a not in _FINAL:
            continue  # the same interim state twice
        if a is b and held.reason == result.reason:
            continue  # the same final state, told twice (maybe with other texts)
        if a is LineOutcome.PENDING and b in _FINAL:
            merged[result.seq] = result
        elif b is LineOutcome.PENDING and a in _FINAL:
            continue
        elif {a, b} == {LineOutcome.PAID, LineOutcome.RETURNED}:
            # Paid, then returned after settlement: both true, the return is the later fact.
            merged[result.seq] = result if b is LineOutcome.RETURNED else held
        else:
            merged[result.seq] = LineResult(
                LineOutcome.UNKNOWN, result.seq, result.end_to_end_ref, raw_text="conflicting states reported"
            )
    return [merged[seq] for seq in sorted(merged)]


# -- pain.002 -----------------------------------------------------------------------------------------


def from_pain002(parsed: ParseResult, submission: Submission) -> SubmitResult:
    statement = parsed.statements[0] if parsed.statements else None
    if statement is None or statement.original_message_id != submission.bank_reference:
        return _unknown(C.ANSWER_MISMATCH, "the report is about another message")
    lines = _Lines.of(submission)
    group = next((e for e in parsed.entries if e.scope is Scope.GROUP), None)
    blocks = [e for e in parsed.entries if e.scope is Scope.BATCH]
    txs = [e for e in parsed.entries if e.scope is Scope.TRANSACTION]
    if group is not None and group.nb_of_txs is not None and group.nb_of_txs != len(submission.lines):
        return _unknown(C.ANSWER_MISMATCH, "the report counts another number of transactions")

    group_raw = group.raw_status if group is not None else None
    block_raw = blocks[0].raw_status if len(blocks) == 1 else None  # we send one PmtInf
    top_raw = block_raw or group_raw
    top_entry = (blocks[0] if block_raw else group) if top_raw else None
    for raw in (group_raw, block_raw):
        if raw is not None and raw not in C.STATUS:
            return _unknown(C.UNKNOWN_STATUS, "the report carries a status code we do not know")

    if top_raw == "RJCT" and not any(e.raw_status for e in txs):
        # The whole message was refused (when the bank lists lines with their own states instead, each
        # line is read below: every line rejected on its own is not a refusal of the message).
        code = ""
        if top_entry is not None and top_entry.reason is not None:
            code = top_entry.reason.code or top_entry.reason.raw_code or ""
        err = error(code or "RJCT", _reason_text(top_entry) if top_entry else "")
        failed: list[LineResult] = []
        if err.action is Action.TERMINAL:
            # Refused for good: every line fails with the group's reason (nothing was paid).
            failed = [
                LineResult(
                    LineOutcome.FAILED,
                    line.seq,
                    line.end_to_end_ref,
                    reason=C.reason_of(code),
                    reason_code_list="status",
                    raw_code=code,
                )
                for line in submission.lines
            ]
        return SubmitResult(
            status=_status_for(err), bank_batch_reference=statement.message_id or "", error=err, lines=failed
        )

    results: list[LineResult] = []
    for entry in txs:
        seq = lines.seq_of(entry)
        if seq is None:
            return _unknown(C.ANSWER_MISMATCH, "the report names a transaction we did not send")
        ref = lines.refs[seq]
        raw = entry.raw_status or top_raw
        if raw == "PART":
            raw = None  # PART says nothing about this line
        results.append(_line_from_status(seq, ref, raw, entry, lines, top_entry))
    reported = {r.seq for r in results}
    inherited = None if top_raw in (None, "PART") else top_raw
    for line in submission.lines:
        if line.seq not in reported:
            results.append(
                _line_from_status(line.seq, line.end_to_end_ref, inherited, None, lines, top_entry)
            )
    return SubmitResult(
        status=SubmitStatus.ACCEPTED, bank_batch_reference=statement.message_id or "", lines=merge(results)
    )


# -- camt.054 -----------------------------------------------------------------------------------------


def from_camt054(parsed: ParseResult, submission: Submission) -> SubmitResult:
    """Returns of our lines. A notification covers the fund account, so other payments in it are not an
    error; they are simply not ours to report."""
    lines = _Lines.of(submission)
    results: list[LineResult] = []
    for entry in parsed.payments():
        if entry.status is not EntryStatus.RETURNED:
            continue
        seq = lines.seq_of(entry) if entry.refs.end_to_end_id else None
        if seq is None:
            continue
        code = (entry.reason.code or entry.reason.raw_code or "") if entry.reason else ""
        results.append(
            LineResult(
                LineOutcome.RETURNED,
                seq,
                entry.refs.end_to_end_id,
                reason=C.reason_of(code),
                reason_code_list="return",
                raw_code=code,
                raw_text=_reason_text(entry),
                value_date=str(entry.value_date or entry.booking_date or ""),
                amount_fen=entry.amount_minor if entry.currency == "CNY" else None,
            )
        )
    return SubmitResult(status=SubmitStatus.ACCEPTED, lines=merge(results))


# -- entry points -------------------------------------------------------------------------------------


def parse_response(
    response: WireResponse, submission: Submission, *, allow_notification: bool
) -> SubmitResult:
    if not 200 <= response.status < 300:
        return _http_error(response)
    if not response.body.strip():
        return _unknown(C.MALFORMED_RESPONSE, "empty answer")
    try:
        parsed = read_evidence(response.body)
    except (SilinkError, ValueError, OSError) as exc:
        # The evidence parser's message names positions and fields only; keep a short code-level hint.
        hint = exc.reason if isinstance(exc, SilinkError) else type(exc).__name__
        return _unknown(C.MALFORMED_RESPONSE, f"unreadable answer ({hint})")
    if parsed.format == "pain.002":
        return from_pain002(parsed, submission)
    if parsed.format == "camt.054" and allow_notification:
        return from_camt054(parsed, submission)
    return _unknown(C.MALFORMED_RESPONSE, f"unexpected {parsed.format} answer")
