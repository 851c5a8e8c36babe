"""The conformance kit's machinery: suites, the simulator process, submissions from generated payrolls.

Every adapter in ``adapters.registry.names()`` runs the same suites against its simulator (the handler
registered under its ``capabilities.protocol``). An adapter says which suites it passes with a ``SUITES``
attribute (names from :data:`SUITES`); the kit recognises an adapter without suites and skips it, and
refuses a suite name it does not know (a typo must not silently skip a suite).

What the kit may use of an adapter beyond the contract, each optional:

``SUITES``         the suite names it passes
``STATUS_CODES``   its status table (status_map checks every entry and that nothing else is success)
``ERROR_CODES``    its error table (error_map checks every entry maps to an action)
``bind(ctx)``      an adapter bound to a context (for protocols whose parsing needs the bank's keys)
``render_notification_query(submission, ctx)``   how returns are asked for (returns suite)

Simulator-backed suites need a protocol handler for the adapter's protocol; the kit speaks ``https``
(:class:`~adapters.simulator.client.HttpTransport`) and ``folder`` (:class:`FolderKitTransport`: drop
the file, wait for the bank's receipt; a status query waits for the result file). Protocols whose answers
need keys the bank holds (a handler with ``bank_key_algorithm`` / ``working_key``) get them made by the
kit and put into the simulator's folder before it starts (:class:`Keys`), so both sides know them.
Every loop is bounded in count and time.
"""

from __future__ import annotations

import base64
import csv
import itertools
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from adapters.contract import AdapterContext, Submission, SubmissionLine, WireMessage, WireResponse
from adapters.simulator.client import TIMEOUT, ControlClient, HttpTransport, TransportError
from adapters.simulator.tls import provision_bank_keys
from gateway.intake.amounts import parse_yuan
from gateway.intake.generator import PayrollSpec, generate_payroll

REPO = Path(__file__).resolve().parents[2]
FORMATS_DIR = (REPO.parent / "shared" / "formats").resolve()
XSD_DIR = FORMATS_DIR / "xsd"

SUITES = {
    "render_parse": "the bank reads our lines back from our message; its answers parse to the ledger states",
    "status_map": "statuses outside the table are UNKNOWN, never success; every table entry is an outcome",
    "error_map": "every error code maps to an action; unknown codes never RETRY; timeouts never RETRY",
    "submit": "submit to the simulator → accepted → final states agree with the simulator's ledger",
    "dedup": "a resend of the same bank reference (serial, concurrent, after a restart) never credits twice",
    "malformed": "a malformed answer gives UNKNOWN/INQUIRE, never acceptance or a paid line",
    "faults": "5xx, refusal, dropped answer and latency map to the right action and end in one credit",
    "returns": "a return after settlement is RETURNED with the return reason and the original end-to-end id",
}
SIMULATOR_SUITES = frozenset({"submit", "dedup", "malformed", "faults", "returns"})

# Account-state rates for the kit's simulator: high, so a payroll of a hundred lines meets every state.
KIT_RATES = "closed=0.06,frozen=0.05,name_mismatch=0.05,deceased=0.04,class_ii=0.08"
KIT_SEED = 20240520
KIT_BANK = "102"
STARTUP_S = 60.0
# Settings an adapter needs to send at all (as a bank's [banks.X] table would give them).
KIT_SETTINGS = {"direct_link_json": {"user_id": "SILINKKIT"}}


@dataclass
class Keys:
    """Keys of one kit run: the gateway's signer, and the bank's signer and SM4 working key when its
    protocol has them (given to the simulator through its folder)."""

    gateway: object | None = None
    bank: object | None = None
    cipher: object | None = None
    working_key: bytes | None = None
    settings: dict = field(default_factory=dict)

    def provision(self, data_dir: Path) -> None:
        provision_bank_keys(data_dir, signer=self.bank, working_key=self.working_key)


def declared_suites(adapter) -> frozenset[str]:
    return frozenset(getattr(adapter, "SUITES", ()) or ())


def pending_reason(adapter) -> str | None:
    """Why the kit skips this adapter altogether (None: it has suites to run)."""
    if not declared_suites(adapter):
        return f"adapter {adapter.name!r} declares no conformance suites yet (SUITES is empty)"
    return None


def adapter_for(adapter, ctx: AdapterContext):
    bind = getattr(adapter, "bind", None)
    return bind(ctx) if callable(bind) else adapter


_counter = itertools.count(1)


def unique(prefix: str) -> str:
    """A short token unique in this test session (for bank references and end-to-end ids)."""
    return f"{prefix}{secrets.token_hex(3).upper()}{next(_counter):03d}"


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def context(keys: Keys | object | None = None, settings: dict | None = None) -> AdapterContext:
    """A fresh context (time, nonce) with the run's keys (or just a gateway signer)."""
    if not isinstance(keys, Keys):
        keys = Keys(gateway=keys)
    return AdapterContext(
        now_iso=now_iso(),
        nonce=secrets.token_hex(16),
        settings={**keys.settings, **(settings or {})},
        signer=keys.gateway,
        bank_verifier=keys.bank.verifier() if keys.bank is not None else None,
        cipher=keys.cipher,
    )


def payroll_lines(folder: Path, payees: int, seed: int, prefix: str) -> list[SubmissionLine]:
    """Lines of a payroll made by `silink gen payroll`'s generator (one bank: 102), with end-to-end ids
    ``<prefix><n>`` (≤ 16 characters)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"payroll-{seed}-{payees}.csv"
    if not path.exists():
        generate_payroll(path, PayrollSpec(payees=payees, seed=seed, banks=1))
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [
        SubmissionLine(
            seq=i,
            end_to_end_ref=f"{prefix}{i:04d}"[:16],
            account=row["account"],
            account_type=row.get("account_type") or "CARD",
            name=row["name"],
            id_type=row.get("id_type") or "RESIDENT_ID",
            id_number=row["id_number"],
            amount_fen=parse_yuan(row["amount"]),
            benefit=row["benefit"],
            period=row["period"],
        )
        for i, row in enumerate(rows, start=1)
    ]


def submission(lines: list[SubmissionLine], reference: str | None = None, bank: str = KIT_BANK) -> Submission:
    reference = reference or unique("CONF")
    return Submission(
        submission_id=f"S-{reference}"[:35],
        bank_reference=reference,
        bank_code=bank,
        fund="PENSION_EMPLOYEE",
        fund_account="37010000000000000001",
        fund_account_name="山东省社会保险事业中心企业职工养老保险基金支出户",
        lines=lines,
        control_sum_fen=sum(line.amount_fen for line in lines),
        requested_date=datetime.now(UTC).date().isoformat(),
    )


class SimulatorProcess:
    """`silink banksim serve` as a real separate process (bounded start-up wait, killed at the end)."""

    def __init__(
        self, data_dir: Path, protocol: str, log_dir: Path, *extra: str, bank: str = KIT_BANK
    ) -> None:
        self.data_dir = Path(data_dir)
        self.protocol = protocol
        self.bank = bank
        self.extra = extra
        self.log_dir = log_dir
        self.proc: subprocess.Popen | None = None
        self.log_path: Path | None = None
        self.start()

    def start(self) -> None:
        run_file = self.data_dir / "run.json"
        run_file.unlink(missing_ok=True)
        self.log_path = self.log_dir / f"banksim-{self.protocol}-{uuid.uuid4().hex[:8]}.log"
        log = self.log_path.open("wb")
        args = [
            sys.executable, "-m", "gateway.cli.main", "banksim", "serve", "--dir", str(self.data_dir),
            "--protocol", self.protocol, "--bank", self.bank, *self.extra,
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, cwd=REPO, env={**os.environ, "PYTHONUNBUFFERED": "1"}
        )
        log.close()
        deadline = time.monotonic() + STARTUP_S
        while not run_file.exists():
            if self.proc.poll() is not None:
                raise RuntimeError(f"simulator exited with {self.proc.returncode}; see {self.log_path}")
            if time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"simulator did not start within {STARTUP_S} s; see {self.log_path}")
            time.sleep(0.05)
        self.info = json.loads(run_file.read_text(encoding="utf-8"))

    def transport(self, timeout: float = 30.0) -> HttpTransport | FolderKitTransport:
        if self.info.get("payroll_dir"):
            return FolderKitTransport(self.info, timeout=timeout)
        return HttpTransport.for_simulator(self.data_dir, timeout=timeout)

    def control(self) -> ControlClient:
        return ControlClient(self.data_dir)

    def send(self, message: WireMessage, timeout: float = 30.0) -> WireResponse:
        return self.transport(timeout).send(message)

    def stop(self, timeout: float = 15.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path else ""


class FolderKitTransport:
    """The kit's side of a folder bank: a 报盘 drop waits (bounded) for a *new* receipt file; a folder poll
    waits for the file it names. The answer is the file, its ``.sig`` base64 in X-Detached-Signature."""

    def __init__(self, info: dict, timeout: float = 30.0) -> None:
        self.payroll = Path(info["payroll_dir"])
        self.results = Path(info["results_dir"])
        self.timeout = timeout

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    def _answer(self, name: str) -> WireResponse:
        data = (self.results / name).read_bytes()
        headers = {}
        sig = self.results / (name + ".sig")
        if sig.exists():
            headers["X-Detached-Signature"] = base64.b64encode(sig.read_bytes()).decode("ascii")
        return WireResponse(status=0, body=data, headers=headers)

    def send(self, message: WireMessage) -> WireResponse:
        deadline = time.monotonic() + self.timeout
        if not message.body:  # a folder poll: path is the file to wait for
            while not (self.results / message.path).exists():
                if time.monotonic() > deadline:
                    return WireResponse(status=0, body=b"")
                time.sleep(0.05)
            return self._answer(message.path)
        receipt = "ACK" + message.path[message.path.index("_") :]
        before = self._inode(receipt)
        for name, data in message.attachments.items():
            self._write(self.payroll / name, data)
        self._write(self.payroll / message.path, message.body)
        while self._inode(receipt) in (None, before):
            if time.monotonic() > deadline:
                raise TransportError(TIMEOUT, "no receipt within the wait")
            time.sleep(0.05)
        time.sleep(0.02)  # the signature is written before the file: both are there now
        return self._answer(receipt)

    def _inode(self, name: str) -> int | None:
        try:
            return (self.results / name).stat().st_ino
        except FileNotFoundError:
            return None


def wait_final(
    sim: SimulatorProcess, adapter, sub: Submission, ctx_factory, *, tries: int = 40, pause: float = 0.1
):
    """Query the status until every line is final (bounded: ``tries`` queries); the last result."""
    from adapters.contract import LineOutcome

    final = {LineOutcome.PAID, LineOutcome.FAILED, LineOutcome.RETURNED}
    result = None
    for _ in range(tries):
        response = sim.send(adapter.render_status_query(sub, ctx_factory()))
        result = adapter.parse_status_response(response, sub)
        if len(result.lines) == len(sub.lines) and all(r.outcome in final for r in result.lines):
            return result
        time.sleep(pause)
    return result
