"""The fixed-width file adapter: 报盘 out, 回执 and 回盘 in, through a drop folder."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from typing import ClassVar

from adapters.contract import (
    Action,
    AdapterContext,
    BankError,
    Capabilities,
    FailureReason,
    LineOutcome,
    LineResult,
    Submission,
    SubmitResult,
    SubmitStatus,
    WireMessage,
    WireResponse,
)
from adapters.direct_link import TRANSPORT_ACTIONS, wire_time
from gateway.errors import InvalidInput

from . import _codes, _files
from ._manual import ManualMark, manual_results
from ._profile import FileProfile, profile_for

SIGNATURE_HEADER = "X-Detached-Signature"
POLL_CONTENT_TYPE = "application/vnd.silink.folder-poll"
CONTEXT_REQUIRED = "ADAPTER_CONTEXT_REQUIRED"
SUBMISSION_NEEDS_PARTS = "SUBMISSION_NEEDS_PARTS"

_LOCAL_BY_REASON = {
    _files.SIGNATURE_MISSING: _codes.LOCAL_SIGNATURE_MISSING,
    _files.SIGNATURE_INVALID: _codes.LOCAL_SIGNATURE_INVALID,
    _files.FILE_MALFORMED: _codes.LOCAL_FILE_MALFORMED,
}


def _local(code: str, text: str) -> BankError:
    return BankError(code, text, _codes.LOCAL_ACTIONS[code])


def detached_signature(response: WireResponse) -> bytes | None:
    """The ``.sig`` bytes the folder transport passed base64 in the X-Detached-Signature header."""
    for key, value in response.headers.items():
        if key.lower() == SIGNATURE_HEADER.lower():
            try:
                return base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                return None
    return None


class FixedWidthAdapter:
    """Classic fixed-width GBK/GB18030 payroll files (报盘/回盘) through a drop folder.

    The format and the default layout are specified in ``adapters/fixed_width/FORMAT.md``; a bank's
    layout is a :class:`FileProfile`. As for the direct-link adapter, reading a bank file needs the bank's
    verifier: ``FixedWidthAdapter.bind(ctx)`` or ``ctx=`` on the parse methods.
    """

    name = "fixed_width_file"
    # The kit's HTTP-shaped suites (malformed answers → INQUIRE; 5xx, refusal, dropped answers) have no
    # folder meaning; the folder bank's own faults are tested in tests/dispatch/test_dispatch_cn.py.
    SUITES: ClassVar[tuple[str, ...]] = ("render_parse", "status_map", "error_map", "submit", "dedup")

    def __init__(
        self, settings: Mapping[str, object] | None = None, ctx: AdapterContext | None = None
    ) -> None:
        self.profile = profile_for(settings if settings is not None else (ctx and ctx.settings))
        self._ctx = ctx
        self._cached: tuple[Mapping[str, object], FileProfile] | None = None
        p = self.profile
        # The tables the conformance kit checks entry by entry (this bank's profile included).
        self.STATUS_CODES: Mapping[str, LineOutcome] = p.status_codes
        self.ERROR_CODES: Mapping[str, Action] = {
            **{code: row[1] for code, row in _codes.RETURN_CODES.items()},
            **_codes.LOCAL_ACTIONS,
            **TRANSPORT_ACTIONS,
            **{code: Action(action) for code, action in p.return_code_overrides.items()},
        }
        self.capabilities = Capabilities(
            protocol=self.name,
            amount_unit=p.amount_unit,
            max_lines_per_submission=p.max_lines,
            text_encoding=p.encoding,
            bank_dedupes_on_reference=True,  # receipt 3006 for a second file with the same batch reference
            status_query=True,  # by polling the folder for the result file
            returns=True,  # 退票: the bank's returns file (RTN_…), read like a result file
            card_services=False,
            signature_algorithm="SM2-SM3",
            hash_algorithm=p.hash_algorithm,
            encryption_algorithm=None,  # the folder's transport (SFTP) protects the bytes in transit
            transport="folder",
        )

    @classmethod
    def bind(cls, ctx: AdapterContext) -> FixedWidthAdapter:
        return cls(ctx.settings, ctx)

    def _profile(self, ctx: AdapterContext | None) -> FileProfile:
        if ctx is None or ctx is self._ctx or not ctx.settings:
            return self.profile
        cached = self._cached
        if cached is not None and cached[0] is ctx.settings:
            return cached[1]
        profile = profile_for(ctx.settings)
        self._cached = (ctx.settings, profile)
        return profile

    def _read_ctx(self, ctx: AdapterContext | None) -> AdapterContext:
        ctx = ctx or self._ctx
        if ctx is None:
            raise InvalidInput(
                "reading a bank file needs the bank's verifier: bind the adapter or pass ctx",
                CONTEXT_REQUIRED,
            )
        return ctx

    # --- 报盘 --------------------------------------------------------------------------------------

    def render_submission_parts(self, submission: Submission, ctx: AdapterContext) -> list[WireMessage]:
        """One signed file per ``max_lines`` lines (``…_001.txt``, ``…_002.txt``); the detached signature
        is the attachment ``<name>.sig``; ``X-Silink-Content-Hash`` carries the file's hash."""
        profile = self._profile(ctx)
        return _files.render_files(submission, ctx, profile, wire_time(ctx.now_iso)[:8])

    def render_submission(self, submission: Submission, ctx: AdapterContext) -> WireMessage:
        profile = self._profile(ctx)
        parts = -(-len(submission.lines) // profile.max_lines)
        if parts > 1:
            raise InvalidInput(
                f"submission has {len(submission.lines)} lines, more than the bank's {profile.max_lines} per "
                f"file: render it with render_submission_parts ({parts} parts)",
                SUBMISSION_NEEDS_PARTS,
            )
        return self.render_submission_parts(submission, ctx)[0]

    def file_names(self, submission: Submission, ctx: AdapterContext | None = None) -> list[dict[str, str]]:
        """For every part: the names of the 报盘 file, its signature, the receipt and the result file."""
        profile = self._profile(ctx)
        parts = max(1, -(-len(submission.lines) // profile.max_lines))
        out = []
        for part_no in range(1, parts + 1):
            names = {}
            for kind, prefix in (
                ("payroll", profile.file_prefix),
                ("receipt", profile.receipt_prefix),
                ("result", profile.result_prefix),
                ("returns", profile.returns_prefix),
            ):
                names[kind] = _files.file_name(profile, prefix, submission, part_no)
            names["payroll_signature"] = names["payroll"] + ".sig"
            names["receipt_signature"] = names["receipt"] + ".sig"
            names["result_signature"] = names["result"] + ".sig"
            names["returns_signature"] = names["returns"] + ".sig"
            out.append(names)
        return out

    # --- 回执 --------------------------------------------------------------------------------------

    def parse_submit_response(
        self, response: WireResponse, submission: Submission, ctx: AdapterContext | None = None
    ) -> SubmitResult:
        """The bank's receipt file (one ``R`` record). No file yet → UNKNOWN, look again later."""
        ctx = self._read_ctx(ctx)
        profile = self._profile(ctx)
        if not response.body:
            return SubmitResult(
                SubmitStatus.UNKNOWN, error=_local(_codes.LOCAL_NOT_READY, "no receipt file yet")
            )
        try:
            receipt = _files.parse_receipt(
                response.body, detached_signature(response), ctx.bank_verifier, profile
            )
        except InvalidInput as exc:
            code = _LOCAL_BY_REASON.get(exc.reason)
            if code is None:
                raise
            return SubmitResult(SubmitStatus.UNKNOWN, error=_local(code, exc.message))
        if receipt["batch_ref"] != submission.bank_reference:
            return SubmitResult(
                SubmitStatus.UNKNOWN,
                error=_local(_codes.LOCAL_REFERENCE_MISMATCH, "the receipt is for another batch"),
            )
        retcode = receipt["retcode"]
        if retcode != _codes.SUCCESS:
            error = self._map_error(retcode, receipt.get("retmsg", ""), profile)
            status = SubmitStatus.UNKNOWN if error.action is Action.INQUIRE else SubmitStatus.REJECTED
            return SubmitResult(status, error=error)
        # The bank must have read what we sent: its count and control sum of the part must be ours.
        part_no = receipt.get("part_no") or 1
        part = submission.lines[(part_no - 1) * profile.max_lines : part_no * profile.max_lines]
        error = None
        if ("total_count" in receipt and receipt["total_count"] != len(part)) or (
            "total_amount" in receipt and receipt["total_amount"] != sum(line.amount_fen for line in part)
        ):
            error = _local(
                _codes.LOCAL_RESULT_DEFECTS, "the receipt's count or control sum differs from the file sent"
            )
        return SubmitResult(SubmitStatus.ACCEPTED, bank_batch_reference=receipt["batch_ref"], error=error)

    # --- 回盘 --------------------------------------------------------------------------------------

    def render_status_query(self, submission: Submission, ctx: AdapterContext) -> WireMessage:
        """A folder poll for the result file of a one-part submission (``path`` = the file to look for)."""
        names = self.file_names(submission, ctx)
        if len(names) > 1:
            raise InvalidInput(
                "a submission of several files has one result file per part: use render_status_query_parts",
                SUBMISSION_NEEDS_PARTS,
            )
        return self.render_status_query_parts(submission, ctx)[0]

    def render_status_query_parts(self, submission: Submission, ctx: AdapterContext) -> list[WireMessage]:
        return [
            WireMessage(
                body=b"",
                content_type=POLL_CONTENT_TYPE,
                path=names["result"],
                headers={"X-Silink-Signature-Path": names["result_signature"]},
            )
            for names in self.file_names(submission, ctx)
        ]

    def render_notification_query(self, submission: Submission, ctx: AdapterContext) -> WireMessage:
        """A folder poll for the returns file (退票, ``RTN_…``) of a one-part submission."""
        parts = self.render_notification_query_parts(submission, ctx)
        if len(parts) > 1:
            raise InvalidInput(
                "a submission of several files has one returns file per part: use "
                "render_notification_query_parts",
                SUBMISSION_NEEDS_PARTS,
            )
        return parts[0]

    def render_notification_query_parts(
        self, submission: Submission, ctx: AdapterContext
    ) -> list[WireMessage]:
        return [
            WireMessage(
                body=b"",
                content_type=POLL_CONTENT_TYPE,
                path=names["returns"],
                headers={"X-Silink-Signature-Path": names["returns_signature"]},
            )
            for names in self.file_names(submission, ctx)
        ]

    def parse_result_file(
        self,
        data: bytes,
        signature: bytes | None,
        submission: Submission | None = None,
        ctx: AdapterContext | None = None,
    ) -> _files.ResultFile:
        """Verify (raises ``InvalidInput`` SIGNATURE_MISSING/INVALID), hash and read a 回盘 file; line and
        file problems are collected in the result, beside the good lines."""
        ctx = self._read_ctx(ctx)
        return _files.parse_result(data, signature, ctx.bank_verifier, self._profile(ctx), submission)

    def parse_status_response(
        self, response: WireResponse, submission: Submission, ctx: AdapterContext | None = None
    ) -> SubmitResult:
        """The result file as a SubmitResult: the good lines, and a MANUAL error when anything was wrong.

        The contract's SubmitResult has no place for the file's content hash or the per-line errors: a
        caller that must refuse a file applied before uses :meth:`parse_result_file` (or
        :func:`content_hash` of ``response.body``)."""
        ctx = self._read_ctx(ctx)
        if not response.body:
            return SubmitResult(
                SubmitStatus.UNKNOWN, error=_local(_codes.LOCAL_NOT_READY, "no result file yet")
            )
        try:
            result = self.parse_result_file(response.body, detached_signature(response), submission, ctx)
        except InvalidInput as exc:
            code = _LOCAL_BY_REASON.get(exc.reason)
            if code is None:
                raise
            return SubmitResult(SubmitStatus.UNKNOWN, error=_local(code, exc.message))
        if any(issue.code == _files.REFERENCE_MISMATCH for issue in result.file_errors):
            return SubmitResult(
                SubmitStatus.UNKNOWN,
                error=_local(_codes.LOCAL_REFERENCE_MISMATCH, "the result file is for another batch"),
            )
        error = None
        if not result.clean:
            shown = [str(e) for e in result.line_errors[:3]] + [i.message for i in result.file_errors[:3]]
            error = _local(
                _codes.LOCAL_RESULT_DEFECTS,
                f"{len(result.line_errors)} line error(s), {len(result.file_errors)} file error(s): "
                + "; ".join(shown),
            )
        return SubmitResult(
            SubmitStatus.ACCEPTED, bank_batch_reference=result.batch_ref, error=error, lines=result.lines
        )

    # --- tables -------------------------------------------------------------------------------------

    def map_status(self, raw_status: str) -> LineOutcome:
        """The profile's status codes (default S/E/A); anything else is UNKNOWN, never PAID."""
        return self.profile.status_codes.get(raw_status, LineOutcome.UNKNOWN)

    def map_error(self, raw_code: str, raw_text: str = "") -> BankError:
        return self._map_error(raw_code, raw_text, self.profile)

    @staticmethod
    def _map_error(raw_code: str, raw_text: str, profile: FileProfile) -> BankError:
        """Receipt codes and local codes; an unknown code is INQUIRE, never RETRY."""
        row = _codes.RETURN_CODES.get(raw_code)
        if raw_code in profile.return_code_overrides:
            action = Action(profile.return_code_overrides[raw_code])
        elif row is not None:
            action = row[1]
        elif raw_code in _codes.LOCAL_ACTIONS:
            action = _codes.LOCAL_ACTIONS[raw_code]
        elif raw_code in TRANSPORT_ACTIONS:
            action = TRANSPORT_ACTIONS[raw_code]
        else:
            action = Action.INQUIRE
        return BankError(raw_code, raw_text or (row[0] if row else ""), action)

    def failure_reason(self, raw_code: str) -> FailureReason | None:
        row = _codes.RETURN_CODES.get(raw_code)
        return row[2] if row else None

    # --- manual results -----------------------------------------------------------------------------

    @staticmethod
    def manual_results(
        marks: Iterable[ManualMark], submission: Submission, bank_code: str = ""
    ) -> list[LineResult]:
        """A finance officer's "mark failed with reason" as LineResults (see :mod:`._manual`)."""
        return manual_results(marks, submission, bank_code)
