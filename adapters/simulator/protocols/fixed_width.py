"""The folder bank: takes fixed-width 报盘 files from a drop folder, writes 回执, 回盘 and 退票 files back.

No HTTP at all (the framework opens only its control port). The bank watches ``DATA/payroll/`` (option
``payroll_dir``: where the gateway drops its files) every ``poll_interval`` seconds (default 0.2) and
writes into ``DATA/results/`` (option ``results_dir``: where the gateway picks them up), always a
detached signature first and then the file, each atomically, so a reader never sees a half file or a file
without its signature. The layout is the bank's :class:`~adapters.fixed_width.FileProfile` (option
``profile``, default the built-in of the bank code), shared with the adapter.

For every ``PAY_…`` file that has its ``.sig``:

1. the bank takes it (moves both into ``DATA/received/``);
2. checks the detached SM2 signature with the gateway's public key (``--client-key``; ``2002``), the
   records (``2001``), the name against the header (``2003``), the trailer's count and control sum
   (``3003`` / ``3004``), and de-duplicates on (batch reference, part): the same file again is a resend
   (answered as the first time, counted as one), another file under a used reference is ``3006``;
3. writes the receipt ``ACK_…`` (``0000`` or the refusal code);
4. books the batch in the ledger once every part is in (each end-to-end id credited at most once);
5. writes each part's result file ``RET_…`` once the batch is settled (``--settle-after``): ``S`` for a
   credit, ``E`` with the bank's Chinese failure text (:mod:`adapters.simulator.bank_texts`);
6. writes a returns file ``RTN_…`` (status ``R``) whenever more of the batch's credits have come back.

Faults (``silink banksim fault``), with the folder meaning of the endpoints (``submit`` the receipt,
``status`` the result file, ``notifications`` the returns file):

=================  =====================================================================================
latency            wait ``ms`` before writing the file: a late receipt or a late result
drop-response      never write it: the bank took the file (money moved) and sends nothing machine-
                   readable (a small bank whose results come on paper)
duplicate-results  write the result file again, the same bytes, once the gateway has taken the first
reorder-results    detail lines in reverse order
malformed          ``lines`` (default): every 7th detail line damaged (a letter in its amount), the rest
                   intact; ``truncated``: the file cut off before its last lines and trailer; both
                   signed by the bank as they are; forged: ``bad-signature`` (signed with another key)
late-returns       ``rate`` of the settled credits come back, reported in a returns file
=================  =====================================================================================
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, ClassVar

from adapters.direct_link import wire_time
from adapters.fixed_width import FileProfile, decode_record, encode_record, profile_for
from adapters.simulator import bank_texts
from adapters.simulator._files import atomic_write
from adapters.simulator.faults import FaultKind
from adapters.simulator.ledger import BatchView, IncomingBatch, IncomingLine
from adapters.simulator.protocol import Request, Response, SimContext, register_protocol
from gateway.logs import get_logger
from keys.algorithms import SignatureAlgorithm, get_backend

log = get_logger("banksim.files")

STATE_FILE = "files.sqlite3"
PAYROLL_DIR = "payroll"
RESULTS_DIR = "results"
TEXT_CONTENT_TYPE = "text/plain"
DUPLICATE_GIVE_UP_S = 300.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS parts (
    batchref TEXT NOT NULL,
    partno INTEGER NOT NULL,
    partcount INTEGER NOT NULL,
    digest TEXT NOT NULL,
    file_name TEXT NOT NULL,
    lines TEXT NOT NULL,
    received_at REAL NOT NULL,
    PRIMARY KEY (batchref, partno)
);
CREATE TABLE IF NOT EXISTS results (
    batchref TEXT NOT NULL,
    partno INTEGER NOT NULL,
    due_at REAL NOT NULL,
    state TEXT NOT NULL,
    file_name TEXT NOT NULL,
    duplicate_of TEXT,
    duplicate_since REAL,
    returns_written INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (batchref, partno)
);
"""


class _Refusal(Exception):
    def __init__(self, code: str, text: str) -> None:
        super().__init__(code)
        self.code = code
        self.text = text


@dataclasses.dataclass(frozen=True)
class PayrollFile:
    """A 报盘 file as the bank read it."""

    bank_code: str
    batch_ref: str
    part_no: int
    part_count: int
    value_date: str
    debtor_account: str
    total_count: int
    total_fen: int
    lines: tuple[IncomingLine, ...]


def _date8(ts: float) -> str:
    return wire_time(dt.datetime.fromtimestamp(ts, dt.UTC).isoformat())[:8]


def _rows(data: bytes) -> list[bytes]:
    rows = data.split(b"\n")
    if rows and rows[-1] == b"":
        rows.pop()
    return [r[:-1] if r.endswith(b"\r") else r for r in rows]


def read_payroll(data: bytes, profile: FileProfile) -> PayrollFile:
    """The bank's reading of a 报盘 file (header, details, trailer); a _Refusal with the receipt code."""
    enc, form = profile.encoding, profile.amount_form
    head_lay, det_lay, tail_lay = (profile.record(r) for r in ("header", "detail", "trailer"))
    rows = _rows(data)
    if len(rows) < 2 or not rows[0].startswith(head_lay.tag) or not rows[-1].startswith(tail_lay.tag):
        raise _Refusal("2001", "文件格式错误")
    header, issues = decode_record(head_lay, rows[0], enc, form)
    trailer, more = decode_record(tail_lay, rows[-1], enc, form)
    if issues or more:
        raise _Refusal("2001", "文件格式错误")
    lines = []
    for raw in rows[1:-1]:
        values, issues = decode_record(det_lay, raw, enc, form)
        if issues or not raw.startswith(det_lay.tag):
            raise _Refusal("2001", "文件格式错误")
        lines.append(
            IncomingLine(
                values["seq"],
                values.get("end_to_end_ref") or f"#{values['seq']}",
                values.get("account", ""),
                values["amount"],
                values.get("name", ""),
            )
        )
    total = sum(x.amount_fen for x in lines)
    if trailer["total_count"] != len(lines) or header.get("total_count", len(lines)) != len(lines):
        raise _Refusal("3003", "文件笔数与明细不符")
    if trailer["total_amount"] != total or header.get("total_amount", total) != total:
        raise _Refusal("3004", "文件金额与明细不符")
    return PayrollFile(
        bank_code=header.get("bank_code", ""),
        batch_ref=header.get("batch_ref", trailer.get("batch_ref", "")),
        part_no=header.get("part_no", 1),
        part_count=header.get("part_count", 1),
        value_date=header.get("value_date", ""),
        debtor_account=header.get("payer_account", ""),
        total_count=len(lines),
        total_fen=total,
        lines=tuple(lines),
    )


def render_receipt(
    profile: FileProfile, batch_ref: str, part_no: int, code: str, text: str, count: int, fen: int
) -> bytes:
    values = {
        "batch_ref": batch_ref,
        "part_no": part_no,
        "retcode": code,
        "retmsg": text,
        "total_count": count,
        "total_amount": fen,
    }
    record = encode_record(profile.record("receipt"), values, profile.encoding, profile.amount_form)
    return record + profile.line_ending


def render_result(
    profile: FileProfile,
    bank_code: str,
    view: BatchView,
    part: list[dict],
    part_no: int,
    result_date: str,
    *,
    returns: bool = False,
    reverse: bool = False,
) -> bytes:
    """A 回盘 file for the lines ``part`` of ``view`` (or, with ``returns``, a 退票 file of the lines that
    came back). ``part`` holds the 报盘's own rows (seq, ref, account, name), echoed as banks do."""
    enc, form = profile.encoding, profile.amount_form
    by_seq = {line.seq: line for line in view.lines}
    details = []
    paid = paid_fen = failed = failed_fen = total_fen = 0
    for row in part:
        line = by_seq.get(row["seq"])
        if line is None or (returns and not line.returned):
            continue
        values: dict[str, Any] = {
            "seq": row["seq"],
            "end_to_end_ref": row["ref"],
            "account": row["account"],
            "name": row["name"],
            "amount": line.amount_fen,
        }
        if returns:
            code, text = bank_texts.return_text(line.returned)
            values.update(
                status="R", reason_code=code, reason_text=text, value_date=_date8(line.returned_at or 0.0)
            )
        elif line.credited:
            values.update(status="S", value_date=_date8(view.settle_at))
            paid += 1
            paid_fen += line.amount_fen
        else:
            code, text = bank_texts.failure_text(bank_code, line.reason)
            values.update(status="E", reason_code=code, reason_text=text)
            failed += 1
            failed_fen += line.amount_fen
        total_fen += line.amount_fen
        details.append(encode_record(profile.record("result_detail"), values, enc, form))
    if reverse:
        details.reverse()
    header = {
        "bank_code": bank_code,
        "batch_ref": view.reference,
        "part_no": part_no,
        "result_date": result_date,
        "total_count": len(details),
        "total_amount": total_fen,
    }
    trailer = {
        "total_count": len(details),
        "total_amount": total_fen,
        "success_count": paid,
        "success_amount": paid_fen,
        "fail_count": failed,
        "fail_amount": failed_fen,
    }
    eol = profile.line_ending
    records = [
        encode_record(profile.record("result_header"), header, enc, form),
        *details,
        encode_record(profile.record("result_trailer"), trailer, enc, form),
    ]
    return eol.join(records) + eol


def damage_lines(data: bytes, profile: FileProfile, every: int = 7) -> bytes:
    """Every ``every``-th detail line with a letter in the middle of its amount (the ``lines`` variant)."""
    lay = profile.record("result_detail")
    spec_at = next(
        (off for spec, off in zip(lay.fields, lay.offsets, strict=True) if spec.name == "amount"), None
    )
    eol = profile.line_ending
    rows = _rows(data)
    out = []
    n = 0
    for i, row in enumerate(rows):
        if 0 < i < len(rows) - 1 and row.startswith(lay.tag) and spec_at is not None:
            n += 1
            if n % every == 1:
                at = spec_at + 5
                row = row[:at] + b"X" + row[at + 1 :]
        out.append(row)
    return eol.join(out) + eol


def truncate_file(data: bytes, profile: FileProfile) -> bytes:
    """The file cut off before its last two lines (the last detail and the trailer)."""
    rows = _rows(data)
    eol = profile.line_ending
    return eol.join(rows[: max(1, len(rows) - 2)]) + eol


_NAME = re.compile(
    r"(?P<prefix>[A-Za-z0-9]+)_(?P<bank>[^_]+)_(?P<date>\d{8})_(?P<ref>.+)_(?P<part>\d{3})\.txt"
)


def reply_name(profile: FileProfile, payroll_name: str, prefix: str) -> str:
    """The receipt/result/returns name of a 报盘 file: the same suffix, another prefix."""
    return prefix + payroll_name[len(profile.file_prefix) :]


class _State:
    """What the folder bank has taken and written (DATA/files.sqlite3, 0600: it holds the lines)."""

    def __init__(self, path: Path) -> None:
        self._lock = threading.RLock()
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.executescript(_SCHEMA)

    def part(self, ref: str, partno: int) -> tuple | None:
        with self._lock:
            return self.db.execute(
                "SELECT digest, file_name FROM parts WHERE batchref = ? AND partno = ?", (ref, partno)
            ).fetchone()

    def add_part(self, pf: PayrollFile, digest: str, name: str, now: float) -> None:
        rows = [
            {
                "seq": x.seq,
                "ref": x.end_to_end_id,
                "account": x.account,
                "name": x.name,
                "amount": x.amount_fen,
            }
            for x in pf.lines
        ]
        with self._lock:
            self.db.execute(
                "INSERT OR IGNORE INTO parts VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    pf.batch_ref,
                    pf.part_no,
                    pf.part_count,
                    digest,
                    name,
                    json.dumps(rows, ensure_ascii=False),
                    now,
                ),
            )

    def parts(self, ref: str) -> list[tuple[int, int, str, list[dict]]]:
        with self._lock:
            rows = self.db.execute(
                "SELECT partno, partcount, file_name, lines FROM parts WHERE batchref = ? ORDER BY partno",
                (ref,),
            ).fetchall()
        return [(r[0], r[1], r[2], json.loads(r[3])) for r in rows]

    def schedule(self, ref: str, partno: int, due: float, name: str) -> None:
        with self._lock:
            self.db.execute(
                "INSERT OR IGNORE INTO results (batchref, partno, due_at, state, file_name)"
                " VALUES (?, ?, ?, 'due', ?)",
                (ref, partno, due, name),
            )

    def due(self) -> list[tuple[str, int, str, float]]:
        with self._lock:
            return self.db.execute(
                "SELECT batchref, partno, file_name, due_at FROM results WHERE state = 'due' ORDER BY due_at"
            ).fetchall()

    def set_state(self, ref: str, partno: int, state: str, **values: Any) -> None:
        sets = ", ".join(["state = ?", *(f"{k} = ?" for k in values)])
        with self._lock:
            self.db.execute(
                f"UPDATE results SET {sets} WHERE batchref = ? AND partno = ?",  # noqa: S608 - fixed names
                (state, *values.values(), ref, partno),
            )

    def written(self) -> list[tuple[str, int, str, int, str | None, float | None]]:
        with self._lock:
            return self.db.execute(
                "SELECT batchref, partno, file_name, returns_written, duplicate_of, duplicate_since"
                " FROM results WHERE state = 'written'"
            ).fetchall()


@register_protocol
class FixedWidthBank:
    name = "fixed_width_file"
    endpoints: ClassVar[Mapping[str, str]] = MappingProxyType({})  # a folder bank: no HTTP
    malformed_variants = ("lines", "truncated")
    tamper_variants = ("bad-signature",)
    bank_key_algorithm = SignatureAlgorithm.SM2_SM3

    def __init__(self) -> None:
        self._state: _State | None = None
        self._lock = threading.Lock()
        self._returned_seen = 0

    # -- configuration --------------------------------------------------------------------------------

    @staticmethod
    def profile(sim: SimContext) -> FileProfile:
        settings: dict[str, Any] = {"bank_code": sim.bank_code}
        if sim.options.get("profile"):
            settings["file_profile"] = sim.options["profile"]
        return profile_for(settings)

    @staticmethod
    def folders(sim: SimContext) -> tuple[Path, Path]:
        base = Path(sim.data_dir)
        payroll = Path(str(sim.options.get("payroll_dir") or base / PAYROLL_DIR))
        results = Path(str(sim.options.get("results_dir") or base / RESULTS_DIR))
        return payroll, results

    def state(self, sim: SimContext) -> _State:
        with self._lock:
            if self._state is None:
                self._state = _State(Path(sim.data_dir) / STATE_FILE)
            return self._state

    def run_info(self, sim: SimContext) -> dict:
        payroll, results = self.folders(sim)
        return {"payroll_dir": str(payroll), "results_dir": str(results), "profile": self.profile(sim).name}

    # -- the loop -------------------------------------------------------------------------------------

    def run(self, sim: SimContext, stop: threading.Event) -> None:
        payroll, results = self.folders(sim)
        for folder in (payroll, results, Path(sim.data_dir) / "received"):
            folder.mkdir(parents=True, exist_ok=True)
        interval = float(sim.options.get("poll_interval") or 0.2)
        while not stop.is_set():
            try:
                self.step(sim)
            except Exception as exc:  # keep watching: one bad file must not stop the bank
                log.error("banksim.files_step_failed", error=type(exc).__name__)
            stop.wait(interval)

    def step(self, sim: SimContext) -> None:
        """One round: take new files, write due results, returns and duplicates."""
        payroll, results = self.folders(sim)
        profile = self.profile(sim)
        for path in sorted(payroll.glob(f"{profile.file_prefix}_*.txt")):
            sig = path.with_name(path.name + ".sig")
            if sig.exists():
                self.take(path, sig, sim, profile, results)
        now = sim.now()
        for ref, partno, name, due_at in self.state(sim).due():
            # Settlement may have been brought forward (``banksim settle``): the ledger decides.
            settle_at = due_at if due_at <= now else sim.ledger.settle_at(ref)
            if settle_at is not None and settle_at <= now:
                self._write_result(sim, profile, results, ref, partno, name)
        self._after_results(sim, profile, results)

    def take(self, path: Path, sig: Path, sim: SimContext, profile: FileProfile, results: Path) -> None:
        """Move a dropped file (and its signature) into DATA/received/ and answer it."""
        keep = Path(sim.data_dir) / "received" / f"{int(sim.now() * 1000):013d}-{path.name}"
        try:
            data, signature = path.read_bytes(), sig.read_bytes()
            os.replace(sig, keep.with_name(keep.name + ".sig"))
            os.replace(path, keep)
        except FileNotFoundError:
            return  # replaced under us while we read it: the next round takes the new one
        code, text, pf = self.answer(path.name, data, signature, sim, profile)
        fields = _NAME.fullmatch(path.name)
        ref = pf.batch_ref if pf else (fields["ref"] if fields else "")
        part_no = pf.part_no if pf else (int(fields["part"]) if fields else 1)
        log.info("banksim.file_taken", reference=ref or None, part=part_no, retcode=code)
        receipt = render_receipt(
            profile, ref, part_no, code, text, pf.total_count if pf else 0, pf.total_fen if pf else 0
        )
        self._emit(sim, results / reply_name(profile, path.name, profile.receipt_prefix), receipt, "submit")

    def answer(
        self, name: str, data: bytes, signature: bytes, sim: SimContext, profile: FileProfile
    ) -> tuple[str, str, PayrollFile | None]:
        """(receipt code, text, the file read) for one 报盘 file; books the batch when complete."""
        if sim.client_verifier is not None and not sim.client_verifier.verify(data, signature):
            return "2002", "签名验证失败", None
        try:
            pf = read_payroll(data, profile)
        except _Refusal as refusal:
            return refusal.code, refusal.text, None
        fields = _NAME.fullmatch(name)
        if (
            fields is None
            or fields["prefix"] != profile.file_prefix
            or fields["ref"] != pf.batch_ref
            or int(fields["part"]) != pf.part_no
            or (pf.bank_code and fields["bank"] != pf.bank_code)
        ):
            return "2003", "文件名不合规", pf
        state = self.state(sim)
        digest = hashlib.sha256(data).hexdigest()
        known = state.part(pf.batch_ref, pf.part_no)
        if known is not None and known[0] != digest:
            return "3006", "批次号重复", pf
        if known is None:
            state.add_part(pf, digest, name, sim.now())
        view = sim.ledger.batch(pf.batch_ref)
        if view is None:
            stored = state.parts(pf.batch_ref)
            if len(stored) == pf.part_count:
                lines = [
                    IncomingLine(r["seq"], r["ref"], r["account"], r["amount"], r["name"])
                    for _no, _count, _name, rows in stored
                    for r in rows
                ]
                view, _new = sim.ledger.receive(
                    IncomingBatch(
                        reference=pf.batch_ref,
                        lines=lines,
                        declared_count=len(lines),
                        declared_sum_fen=sum(x.amount_fen for x in lines),
                        debtor_account=pf.debtor_account[:34],
                    ),
                    sim.now(),
                )
                for no, _count, part_name, _rows in stored:
                    result_name = reply_name(profile, part_name, profile.result_prefix)
                    state.schedule(pf.batch_ref, no, view.settle_at, result_name)
        elif known is not None:
            sim.ledger.receive(IncomingBatch(pf.batch_ref, ()), sim.now())  # counts the resend
        return "0000", "交易成功", pf

    # -- writing --------------------------------------------------------------------------------------

    def _emit(self, sim: SimContext, path: Path, data: bytes, endpoint: str) -> bool:
        """Write a reply file and its signature (signature first), unless a fault says otherwise."""
        delay = sim.faults.fires(FaultKind.LATENCY, endpoint)
        if delay is not None:
            time.sleep(delay.ms / 1000)
        if sim.faults.fires(FaultKind.DROP_RESPONSE, endpoint) is not None:
            log.info("banksim.file_withheld", file=path.name, fault="drop-response")
            return False
        signer = sim.bank_signer
        malformed = sim.faults.fires(FaultKind.MALFORMED, endpoint)
        profile = self.profile(sim)
        if malformed is not None:
            variant = malformed.variant or "lines"
            if variant == "lines":
                data = damage_lines(data, profile)
            elif variant == "truncated":
                data = truncate_file(data, profile)
            elif variant == "bad-signature":
                signer = get_backend().generate(SignatureAlgorithm.SM2_SM3)
            log.info("banksim.file_malformed", file=path.name, variant=variant)
        path.parent.mkdir(parents=True, exist_ok=True)
        if signer is not None:
            atomic_write(path.with_name(path.name + ".sig"), signer.sign(data))
        atomic_write(path, data)
        return True

    def _write_result(
        self, sim: SimContext, profile: FileProfile, results: Path, ref: str, partno: int, name: str
    ) -> None:
        view = sim.ledger.batch(ref)
        state = self.state(sim)
        part = next((rows for no, _c, _n, rows in state.parts(ref) if no == partno), None)
        if view is None or part is None:
            return
        reorder = sim.faults.fires(FaultKind.REORDER_RESULTS, "status") is not None
        data = render_result(profile, sim.bank_code, view, part, partno, _date8(sim.now()), reverse=reorder)
        duplicate = sim.faults.fires(FaultKind.DUPLICATE_RESULTS, "status") is not None
        written = self._emit(sim, results / name, data, "status")
        if not written:
            state.set_state(ref, partno, "withheld")
            return
        if duplicate:
            # Keep what was written (exactly, damage included) to drop it again once it has been taken.
            written_bytes = (results / name).read_bytes()
            keep = Path(sim.data_dir) / "received" / f"dup-{name}"
            atomic_write(keep, written_bytes, mode=0o600)
            with contextlib.suppress(FileNotFoundError):
                atomic_write(keep.with_name(keep.name + ".sig"), (results / (name + ".sig")).read_bytes())
            state.set_state(ref, partno, "written", duplicate_of=str(keep), duplicate_since=sim.now())
        else:
            state.set_state(ref, partno, "written")

    def _after_results(self, sim: SimContext, profile: FileProfile, results: Path) -> None:
        state = self.state(sim)
        late = sim.faults.armed(FaultKind.LATE_RETURNS, "notifications")
        now = sim.now()
        # Returns change only by a control call or the late-returns fault: look at the batches only then.
        returned_now = sim.ledger.totals()["returned_count"]
        scan_returns = late is not None or returned_now != self._returned_seen
        self._returned_seen = returned_now
        for ref, partno, name, returns_written, dup_of, dup_since in state.written():
            if dup_of and not (results / name).exists():
                # The gateway took the result file: drop the very same bytes again.
                source = Path(dup_of)
                with contextlib.suppress(FileNotFoundError):
                    atomic_write(
                        results / (name + ".sig"), source.with_name(source.name + ".sig").read_bytes()
                    )
                with contextlib.suppress(FileNotFoundError):
                    atomic_write(results / name, source.read_bytes())
                    log.info("banksim.file_duplicated", file=name)
                state.set_state(ref, partno, "written", duplicate_of=None, duplicate_since=None)
            elif dup_of and dup_since is not None and now - dup_since > DUPLICATE_GIVE_UP_S:
                state.set_state(ref, partno, "written", duplicate_of=None, duplicate_since=None)
            if not scan_returns:
                continue
            if late is not None:
                sim.ledger.late_returns(ref, late.rate, now)
            view = sim.ledger.batch(ref)
            if view is None:
                continue
            part = next((rows for no, _c, _n, rows in state.parts(ref) if no == partno), [])
            seqs = {row["seq"] for row in part}
            returned = sum(1 for line in view.lines if line.returned and line.seq in seqs)
            if returned > returns_written:
                data = render_result(profile, sim.bank_code, view, part, partno, _date8(now), returns=True)
                rtn = profile.returns_prefix + name[len(profile.result_prefix) :]
                if self._emit(sim, results / rtn, data, "notifications"):
                    state.set_state(ref, partno, "written", returns_written=returned)

    # -- the conformance hooks ------------------------------------------------------------------------

    def read_batch(self, request: Request, sim: SimContext) -> IncomingBatch:
        """The bank's reading of a one-part 报盘 file (``request.body``)."""
        pf = read_payroll(request.body, self.profile(sim))
        return IncomingBatch(
            reference=pf.batch_ref,
            lines=list(pf.lines),
            declared_count=pf.total_count,
            declared_sum_fen=pf.total_fen,
            debtor_account=pf.debtor_account[:34],
            extra={"rows": [dataclasses.asdict(x) for x in pf.lines]},
        )

    def render_result(self, view: BatchView, stage: str, sim: SimContext) -> Response:
        """``ack`` (the receipt), ``interim``/``final`` (the result file: every line is final in a file)
        or ``returns`` (the returns file), signed in the ``X-Detached-Signature`` header."""
        import base64

        profile = self.profile(sim)
        rows = view.extra.get("rows") or [
            {"seq": x.seq, "end_to_end_id": x.end_to_end_id, "account": "", "name": ""} for x in view.lines
        ]
        part = [
            {"seq": r["seq"], "ref": r["end_to_end_id"], "account": r["account"], "name": r["name"]}
            for r in rows
        ]
        if stage == "ack":
            total = sum(x.amount_fen for x in view.lines)
            data = render_receipt(profile, view.reference, 1, "0000", "交易成功", len(view.lines), total)
        else:
            data = render_result(
                profile, sim.bank_code, view, part, 1, _date8(sim.now()), returns=stage == "returns"
            )
        headers = {}
        if sim.bank_signer is not None:
            headers["X-Detached-Signature"] = base64.b64encode(sim.bank_signer.sign(data)).decode("ascii")
        return Response(200, data, TEXT_CONTENT_TYPE, headers, view.reference)

    def handle(self, endpoint: str, request: Request, sim: SimContext) -> Response:
        return Response(404, b"", TEXT_CONTENT_TYPE)  # no HTTP endpoints

    def corrupt(self, response: Response, variant: str, sim: SimContext) -> Response:
        return response  # faults are applied where the files are written (_emit)
