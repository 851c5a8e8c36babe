"""Folder banks (fixed-width 报盘/回盘 files): the drop-folder transport and the pickup of what banks send.

Out: :class:`FolderTransport` writes each 报盘 file into the bank's **outgoing** folder together with its
detached signature — signature first, each to a temporary name, flushed to disk, then renamed, then the
folder itself flushed — so the bank never sees a partial file or a file without its signature. A write
that fails before the rename delivered nothing (``NotSent``); once the file is in place the drop counts
as sent, and the outcome is known only from the bank's receipt and result (the submission waits UNKNOWN,
like any request whose answer has not come).

In: :func:`pickup` (run every poll interval by the dispatcher's pickup thread, and by a worker following
a dropped submission) takes every receipt (``ACK_``), result (``RET_``) and returns (``RTN_``) file from
the bank's **incoming** folder — claimed by renaming it into ``processing/``, so two workers or two
processes never read the same copy — verifies its detached signature, parses it with the bank's
profile and applies it:

* a receipt accepts the submission (its lines move from UNKNOWN to ACCEPTED), or refuses it: RETRY (the
  bank did not take the file: it is dropped again), TERMINAL (the part's lines fail), MANUAL;
* a result or returns file moves its lines forward (PAID, FAILED, RETURNED); malformed lines are listed
  with line and column, the rest of the file is applied;
* each content is applied **at most once**: its hash goes into ``bank_files.applied_hash`` (unique) in the
  transaction that applies it, so a file dropped twice — or read by two processes — is recorded the second
  time as DUPLICATE and changes nothing.

Every file, applied or not, is kept as raw evidence and ends in ``processed/`` beside the incoming folder.

Settings (``[banks."<code>"]``): ``outgoing_dir`` and ``incoming_dir`` (relative to the instance folder;
with ``simulator_dir`` they default to its ``payroll/`` and ``results/``), ``result_wait_seconds`` (how long
after the drop a submission may wait for its results before it goes to the manual queue; default
``sla_hours`` × 3600), and the adapter's own (``file_profile``, ``bank_verify_key``, ``signing_key``).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import json
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from adapters.contract import (
    Action,
    LineOutcome,
    LineResult,
    Submission,
    SubmitStatus,
    WireMessage,
    WireResponse,
)
from adapters.fixed_width import SIGNATURE_HEADER, content_hash
from adapters.fixed_width._adapter import POLL_CONTENT_TYPE
from gateway.clock import now_iso
from gateway.dispatch.lines import apply_results, move_submission_lines, open_lines
from gateway.dispatch.transport import NotSent, OutcomeUnknown
from gateway.errors import InvalidInput, SilinkError
from gateway.storage.tables_bankfiles import bank_files
from gateway.storage.tables_dispatch import submissions

if TYPE_CHECKING:
    from gateway.dispatch.worker import Dispatcher

log = structlog.get_logger("silink.dispatch.folders")
SYSTEM = "system:dispatcher"
PROCESSING = "processing"
PROCESSED = "processed"
MAX_ERRORS_KEPT = 50
_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,199}")
_NAME = re.compile(
    r"(?P<prefix>[A-Za-z0-9]+)_(?P<bank>[^_]+)_(?P<date>\d{8})_(?P<ref>.+)_(?P<part>\d{3})\.txt"
)
FOLDER_CONFIG = "FOLDER_CONFIG_INVALID"


# -- settings ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FolderSettings:
    outgoing: Path  # where we drop 报盘 files for the bank
    incoming: Path  # where the bank puts its receipts, results and returns
    result_wait_seconds: float


def folder_settings(home: Path, code: str, raw: dict[str, Any]) -> FolderSettings:
    """The folders of bank ``code`` from its ``[banks.X]`` table (paths relative to the instance)."""

    def path(key: str, default: Path | None) -> Path:
        value = raw.get(key)
        if value is None:
            if default is None:
                raise InvalidInput(
                    f"bank {code} exchanges files: set {key} (or simulator_dir)",
                    FOLDER_CONFIG,
                    metadata={"setting": f"banks.{code}.{key}"},
                )
            return default
        given = Path(str(value)).expanduser()
        return given if given.is_absolute() else home / given

    sim = raw.get("simulator_dir")
    sim_dir = None
    if sim:
        sim_dir = Path(str(sim)) if Path(str(sim)).is_absolute() else home / str(sim)
    wait = raw.get("result_wait_seconds")
    if wait is None:
        wait = float(raw.get("sla_hours", 24)) * 3600
    try:
        wait_s = float(wait)
    except (TypeError, ValueError):
        raise InvalidInput(
            "result_wait_seconds must be a number", FOLDER_CONFIG, metadata={"setting": "result_wait_seconds"}
        ) from None
    return FolderSettings(
        outgoing=path("outgoing_dir", sim_dir / "payroll" if sim_dir else None),
        incoming=path("incoming_dir", sim_dir / "results" if sim_dir else None),
        result_wait_seconds=wait_s,
    )


# -- out ----------------------------------------------------------------------------------------------


def _safe_name(name: str) -> str:
    if not _SAFE.fullmatch(name) or name.endswith(".tmp"):
        raise InvalidInput("a bank file name must be a plain file name", "FILE_NAME_INVALID")
    return name


def _write_durably(path: Path, data: bytes) -> None:
    """Temporary name in the same folder, write, fsync, rename over ``path``."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # 报盘 files hold personal data
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FolderTransport:
    """Drops files into ``outgoing``; a folder poll (the adapter's status query) reads from ``incoming``."""

    def __init__(self, outgoing: Path, incoming: Path) -> None:
        self.outgoing = Path(outgoing)
        self.incoming = Path(incoming)

    def send(self, message: WireMessage) -> WireResponse:
        if message.content_type == POLL_CONTENT_TYPE:
            return self.poll(message)
        name = _safe_name(message.path)
        try:
            self.outgoing.mkdir(parents=True, exist_ok=True)
            # The signature first: a bank that sees the file always finds its signature beside it.
            for extra, data in message.attachments.items():
                _write_durably(self.outgoing / _safe_name(extra), data)
            _write_durably(self.outgoing / name, message.body)
        except OSError as exc:
            raise NotSent(f"cannot write to the bank's folder: {type(exc).__name__}") from None
        try:
            _fsync_folder(self.outgoing)
        except OSError as exc:
            raise OutcomeUnknown(f"the drop may not be durable: {type(exc).__name__}") from None
        return WireResponse(status=0, body=b"", headers={"X-Silink-Dropped": name})

    def poll(self, message: WireMessage) -> WireResponse:
        """The file ``message.path`` in the incoming folder, its ``.sig`` base64 in a header; empty when
        it has not come (yet)."""
        name = _safe_name(message.path)
        try:
            data = (self.incoming / name).read_bytes()
        except FileNotFoundError:
            return WireResponse(status=0, body=b"")
        headers = {}
        with contextlib.suppress(FileNotFoundError):
            sig = (self.incoming / (name + ".sig")).read_bytes()
            headers[SIGNATURE_HEADER] = base64.b64encode(sig).decode("ascii")
        return WireResponse(status=0, body=data, headers=headers)


# -- in -----------------------------------------------------------------------------------------------


@dataclass
class PickupReport:
    files: int = 0
    applied: int = 0
    duplicates: int = 0
    refused: int = 0
    unmatched: int = 0
    lines_moved: int = 0
    line_errors: int = 0


_SWEEP_LOCKS: dict[str, threading.Lock] = {}
_SWEEP_LOCKS_GUARD = threading.Lock()


def _sweep_lock(folder: Path) -> threading.Lock:
    with _SWEEP_LOCKS_GUARD:
        return _SWEEP_LOCKS.setdefault(str(folder.resolve()), threading.Lock())


def _kinds(profile: Any) -> dict[str, str]:
    return {
        profile.receipt_prefix: "receipt",
        profile.result_prefix: "result",
        profile.returns_prefix: "returns",
    }


def _release_stale_claims(incoming: Path, after_seconds: float) -> None:
    """A worker that died while holding a file: after a lease's time the file goes back to the queue
    (should the first worker still be at it, the content hash keeps the second from applying it again)."""
    folder = incoming / PROCESSING
    if not folder.is_dir():
        return
    now = time.time()
    for path in folder.iterdir():
        name, _, _token = path.name.rpartition(".claim-")
        if not name:
            continue
        with contextlib.suppress(FileNotFoundError):
            if now - path.stat().st_mtime > after_seconds:
                os.replace(path, incoming / name)


def _claim(incoming: Path, name: str) -> tuple[Path, Path | None] | None:
    """Move a file (and then its signature) into processing/; None when another worker was faster."""
    folder = incoming / PROCESSING
    folder.mkdir(exist_ok=True)
    token = secrets.token_hex(4)
    claimed = folder / f"{name}.claim-{token}"
    try:
        os.replace(incoming / name, claimed)
    except FileNotFoundError:
        return None
    with contextlib.suppress(FileNotFoundError):
        os.utime(claimed)  # the claim's age, not the file's, decides when it counts as abandoned
    sig = folder / f"{name}.sig.claim-{token}"
    try:
        os.replace(incoming / (name + ".sig"), sig)
    except FileNotFoundError:
        return claimed, None
    return claimed, sig


def _archive(incoming: Path, name: str, claimed: Path, sig: Path | None) -> None:
    folder = incoming / PROCESSED
    folder.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
    with contextlib.suppress(FileNotFoundError):
        os.replace(claimed, folder / f"{stamp}-{name}")
    if sig is not None:
        with contextlib.suppress(FileNotFoundError):
            os.replace(sig, folder / f"{stamp}-{name}.sig")


_WARNED: set[tuple[str, str]] = set()


def _warn_once(code: str, reason: str) -> None:
    """A bank whose files cannot be read yet (its key is not imported): say so once, not every sweep."""
    if (code, reason) not in _WARNED:
        _WARNED.add((code, reason))
        log.warning("dispatch.pickup_not_possible", bank=code, reason=reason, setting=f"banks.{code}")


def pickup(dispatcher: Dispatcher, code: str) -> PickupReport:
    """Take and apply everything bank ``code`` has put into its incoming folder (see the module doc)."""
    report = PickupReport()
    settings = dispatcher.folder_settings_for(code)
    incoming = settings.incoming
    if not incoming.is_dir():
        return report
    lock = _sweep_lock(incoming)
    if not lock.acquire(blocking=False):
        return report  # another worker of this process is sweeping this folder right now
    try:
        _release_stale_claims(incoming, dispatcher.policy.lease_seconds)
        try:
            ctx = dispatcher.context_for(code)
        except SilinkError as exc:
            _warn_once(code, exc.reason)
            return report
        if ctx.bank_verifier is None:
            # Without the bank's key nothing can be verified: leave the files where they are.
            _warn_once(code, "BANK_VERIFY_KEY_MISSING")
            return report
        adapter = dispatcher.bound_adapter(str(ctx.settings.get("adapter", "fixed_width_file")), ctx)
        profile = adapter.profile
        kinds = _kinds(profile)
        names = sorted(
            p.name
            for p in incoming.iterdir()
            if p.is_file() and p.name.endswith(".txt") and not p.name.startswith(".")
        )
        for name in names:
            fields = _NAME.fullmatch(name)
            kind = kinds.get(fields["prefix"]) if fields else None
            if kind is None:
                continue  # not a file of this exchange (or not finished: temporary names start with '.')
            if not (incoming / (name + ".sig")).exists() and _young(incoming / name):
                continue  # its signature may still be on its way
            claim = _claim(incoming, name)
            if claim is None:
                continue
            claimed, sig = claim
            report.files += 1
            try:
                _apply_file(dispatcher, code, adapter, ctx, kind, name, fields, claimed, sig, report)
            finally:
                _archive(incoming, name, claimed, sig)
    finally:
        lock.release()
    return report


_REPORT_FIELD = {
    "APPLIED": "applied",
    "DUPLICATE": "duplicates",
    "REFUSED": "refused",
    "UNMATCHED": "unmatched",
}


def _young(path: Path, seconds: float = 60.0) -> bool:
    try:
        return time.time() - path.stat().st_mtime < seconds
    except FileNotFoundError:
        return True


def _apply_file(
    d: Dispatcher,
    code: str,
    adapter: Any,
    ctx: Any,
    kind: str,
    name: str,
    fields: re.Match,
    claimed: Path,
    sig_path: Path | None,
    report: PickupReport,
) -> None:
    data = claimed.read_bytes()
    signature = sig_path.read_bytes() if sig_path is not None else None
    digest = content_hash(data, adapter.profile.hash_algorithm)
    ref, part_no = fields["ref"], int(fields["part"])
    with d.db.read() as conn:
        sub = (
            conn.execute(
                select(submissions).where(
                    submissions.c.bank_code == code, submissions.c.bank_reference == ref
                )
            )
            .mappings()
            .first()
        )
    sub = dict(sub) if sub is not None else None
    submission = d._submission(sub) if sub is not None else None
    row: dict[str, Any] = {
        "bank_code": code,
        "kind": kind,
        "file_name": name[:200],
        "content_hash": digest,
        "submission_id": sub["id"] if sub else None,
        "bank_reference": ref[:35],
        "part_no": part_no,
        "detail_lines": 0,
        "lines_moved": 0,
        "line_errors": 0,
        "file_errors": 0,
    }
    # Read (and verify) before taking the write lock: parsing a large file is the slow part.
    parsed: Any = None
    refusal: str | None = None
    if submission is not None:
        parsed, refusal = _parse(adapter, ctx, kind, data, signature, submission)
    try:
        with d.db.write() as conn:
            seen = conn.execute(select(bank_files.c.id).where(bank_files.c.applied_hash == digest)).first()
            if seen is not None:
                row["outcome"] = "DUPLICATE"
            else:
                evidence_sub = sub or {"id": None, "bank_code": code}
                row["evidence_id"] = d._evidence(conn, evidence_sub, "in", f"{kind}_file", data)
                if sub is None:
                    row.update(outcome="UNMATCHED", applied_hash=digest)
                elif refusal is not None:
                    row.update(outcome="REFUSED", errors=json.dumps([refusal], ensure_ascii=False))
                else:
                    _apply(d, conn, sub, submission, adapter, kind, part_no, parsed, row)
                    row.update(outcome="APPLIED", applied_hash=digest)
            conn.execute(insert(bank_files).values(received_at=now_iso(), **row))
    except IntegrityError:
        # Another process applied the same content between our check and our insert: its transaction
        # won, ours (with whatever it would have moved) is gone. Record the copy as a duplicate.
        row.update(outcome="DUPLICATE", applied_hash=None, lines_moved=0, evidence_id=None)
        with d.db.write() as conn:
            conn.execute(insert(bank_files).values(received_at=now_iso(), **row))
    outcome = row["outcome"]
    counter = _REPORT_FIELD[outcome]
    setattr(report, counter, getattr(report, counter) + 1)
    report.lines_moved += row["lines_moved"]
    report.line_errors += row["line_errors"]
    shown = json.loads(row["errors"])[:3] if row.get("errors") else None
    logger = log.warning if outcome in ("REFUSED", "UNMATCHED") or row["line_errors"] else log.info
    logger(
        "dispatch.bank_file",
        bank=code,
        kind=kind,
        file=name,
        outcome=outcome,
        lines=row["detail_lines"],
        moved=row["lines_moved"],
        line_errors=row["line_errors"],
        file_errors=row["file_errors"],
        errors=shown,
    )


def _parse(
    adapter: Any, ctx: Any, kind: str, data: bytes, signature: bytes | None, submission: Submission
) -> tuple[Any, str | None]:
    """(what the file says, None) or (None, why it is refused)."""
    if kind == "receipt":
        headers = {SIGNATURE_HEADER: base64.b64encode(signature).decode("ascii")} if signature else {}
        result = adapter.parse_submit_response(WireResponse(0, data, headers), submission, ctx)
        if result.status is SubmitStatus.UNKNOWN and result.error and result.error.action is Action.MANUAL:
            return None, f"{result.error.code}: {result.error.text}"
        return result, None
    try:
        parsed = adapter.parse_result_file(data, signature, submission, ctx)
    except InvalidInput as exc:
        return None, f"{exc.reason}: {exc.message}"
    if any(issue.code == "REFERENCE_MISMATCH" for issue in parsed.file_errors):
        return None, "REFERENCE_MISMATCH: the file is for another batch"
    return parsed, None


def _apply(
    d: Dispatcher,
    conn: Any,
    sub: dict,
    submission: Submission,
    adapter: Any,
    kind: str,
    part_no: int,
    parsed: Any,
    row: dict[str, Any],
) -> None:
    sub_id = sub["id"]
    state = d._state(conn, sub_id)
    if kind == "receipt":
        _apply_receipt(d, conn, sub, submission, adapter, part_no, parsed, state, row)
        return
    evidence = row["evidence_id"]
    row.update(
        detail_lines=parsed.detail_records,
        line_errors=len(parsed.line_errors),
        file_errors=len(parsed.file_errors),
    )
    problems = [str(e) for e in parsed.line_errors] + [f"{i.code}: {i.message}" for i in parsed.file_errors]
    if problems:
        row["errors"] = json.dumps(problems[:MAX_ERRORS_KEPT], ensure_ascii=False)
    if parsed.lines and state in ("SENDING", "UNKNOWN"):
        d._set_state(conn, sub_id, "ACCEPTED")
        move_submission_lines(conn, sub_id, ("SUBMITTED", "UNKNOWN"), "ACCEPTED", "bank.result_file", SYSTEM)
    counts = apply_results(
        conn, sub_id, parsed.lines, principal=SYSTEM, cause=f"bank.{kind}_file", evidence_id=evidence
    )
    row["lines_moved"] = sum(n for k, n in counts.items() if k not in ("ignored", "foreign"))
    if problems:
        d._set_state(
            conn,
            sub_id,
            d._state(conn, sub_id),
            last_error=f"{row['file_name']}: {len(parsed.line_errors)} line error(s), "
            f"{len(parsed.file_errors)} file error(s); first: {problems[0]}"[:500],
        )
    if open_lines(conn, sub_id) == 0 and d._state(conn, sub_id) not in ("COMPLETED", "REJECTED"):
        d._set_state(conn, sub_id, "COMPLETED", completed_at=now_iso())


def _apply_receipt(
    d: Dispatcher,
    conn: Any,
    sub: dict,
    submission: Submission,
    adapter: Any,
    part_no: int,
    result: Any,
    state: str,
    row: dict[str, Any],
) -> None:
    sub_id = sub["id"]
    error = result.error
    if error is not None:
        row["errors"] = json.dumps([f"{error.code}: {error.text}"], ensure_ascii=False)
    if result.status is SubmitStatus.ACCEPTED:
        if state in ("SENDING", "UNKNOWN"):
            d._set_state(conn, sub_id, "ACCEPTED", bank_batch_reference=result.bank_batch_reference or None)
            row["lines_moved"] = move_submission_lines(
                conn, sub_id, ("SUBMITTED", "UNKNOWN"), "ACCEPTED", "bank.receipt", SYSTEM
            )
        return
    if result.status is SubmitStatus.UNKNOWN or error is None:
        return  # "duplicate reference" / "result unknown": the result file will tell
    if state not in ("SENDING", "UNKNOWN", "ACCEPTED"):
        return  # settled already (a late receipt of an earlier attempt)
    if error.action is Action.RETRY:
        # The bank did not take the file: drop it again (the bank de-duplicates on our reference).
        d._set_state(conn, sub_id, "READY", last_error=f"receipt {error.code} {error.text}"[:500])
        from gateway.dispatch import outbox

        outbox.enqueue(conn, sub_id, "SEND", d.policy.backoff(0))
    elif error.action is Action.TERMINAL:
        size = adapter.profile.max_lines
        part = submission.lines[(part_no - 1) * size : part_no * size]
        reason = adapter.failure_reason(error.code)
        fails = [
            LineResult(
                outcome=LineOutcome.FAILED,
                end_to_end_ref=line.end_to_end_ref,
                reason=reason,
                raw_code=error.code,
                raw_text=error.text,
            )
            for line in part
        ]
        counts = apply_results(
            conn,
            sub_id,
            fails,
            principal=SYSTEM,
            cause="bank.receipt_refused",
            evidence_id=row["evidence_id"],
        )
        row["lines_moved"] = sum(n for k, n in counts.items() if k not in ("ignored", "foreign"))
        if open_lines(conn, sub_id) == 0:
            d._set_state(
                conn,
                sub_id,
                "REJECTED",
                completed_at=now_iso(),
                last_error=f"{error.code} {error.text}"[:500],
            )
    else:
        d._set_state(conn, sub_id, "MANUAL", last_error=f"receipt {error.code}: needs a person"[:500])
        row["lines_moved"] = move_submission_lines(
            conn, sub_id, ("SUBMITTED", "ACCEPTED", "UNKNOWN"), "MANUAL", "dispatch.manual", SYSTEM
        )
