"""The bank simulator process: an HTTPS (or plain HTTP) bank front end plus a small control endpoint.

::

    DATA/
      bank.json        the bank's settings, fixed at the first start (protocol, bank, seed, rates …)
      ledger.sqlite3   accounts, batches, lines, credits, returns, nonces (see ledger.py)
      received/        every request body, one file each, written atomically: 00000001-submit.xml …
      tls/             the simulator's CA (ca.pem: what clients trust) and server certificate
      keys/            the bank's response-signing key (bank_sign.pem for RSA-PSS, bank_sm2.pem for SM2;
                       0600) and its public half; sm4.key, the working key of the SM4 protocols
      cards.sqlite3    direct-link banks: the card ledger (adapters/simulator/cards.py)
      payroll/, results/  folder banks: the drop folder it reads and the folder it writes
      run.json         while running: pid, ports, URL, CA file, control token (0600)

Two listeners on 127.0.0.1 (a folder bank has only the second). The *bank port* speaks the protocol
(a :class:`ProtocolHandler`), with fault injection. The *control port* (plain HTTP, loopback only,
every call needs ``X-Banksim-Token`` from run.json) arms faults, triggers returns and settlement, and
stops the process; it never suffers the faults, so a test can always clear them::

    GET  /health            {"ok", "protocol", "bank", "port"}
    GET  /faults            {"faults": [...]}
    POST /faults            {"kind", "rate"?, "count"?, "ms"?, "status"?, "variant"?, "endpoints"?}
                            kind "clear" disarms all (or {"kind": "clear", "which": KIND})
    POST /returns           {"end_to_end_id", "reason"?}  or  {"reference", "rate"}
    POST /settle            {"reference"?}: make batches settled now
    GET  /ledger            {"totals", "entries"} (accounts masked)
    POST /stop              stop both listeners; run.json is removed

Logs (structlog JSON, the gateway's redaction processor) name endpoints, references, counts and faults;
never accounts, names or message bodies.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import secrets
import signal
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from adapters.contract import FailureReason
from adapters.simulator._files import atomic_write
from adapters.simulator.accounts import Rates
from adapters.simulator.faults import Fault, FaultBox, FaultKind
from adapters.simulator.ledger import Ledger
from adapters.simulator.protocol import ProtocolHandler, Request, Response, SimContext, get_protocol
from adapters.simulator.tls import ensure_bank_signer, ensure_server_cert, ensure_working_key, server_context
from gateway.errors import InvalidInput
from gateway.logs import get_logger
from keys.algorithms import CipherAlgorithm, SignatureAlgorithm, get_backend

log = get_logger("banksim")

RUN_FILE = "run.json"
CONFIG_FILE = "bank.json"
LEDGER_FILE = "ledger.sqlite3"
TOKEN_HEADER = "X-Banksim-Token"  # noqa: S105 - a header name, not a secret
MAX_BODY = 64 * 1024 * 1024
FRESHNESS_WINDOW_S = 300  # DOMAIN.md §10: signed requests older or newer than this are refused
_EXT = {"xml": ".xml", "json": ".json"}


@dataclass
class BankConfig:
    """What makes a simulated bank this bank. Fixed at the first start and kept in DATA/bank.json."""

    protocol: str
    bank_code: str
    seed: int = 1
    rates: Rates = field(default_factory=Rates)
    class_ii_limit_fen: int = 500_000
    settle_after_s: float = 0.0
    # Protocol options (folders, line limit, cipher …): they do not touch the seeded accounts, so a later
    # start may change them.
    options: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "protocol": self.protocol,
            "bank_code": self.bank_code,
            "seed": self.seed,
            "rates": self.rates.as_dict(),
            "class_ii_limit_fen": self.class_ii_limit_fen,
            "settle_after_s": self.settle_after_s,
            "options": self.options,
        }

    @classmethod
    def from_dict(cls, d: dict) -> BankConfig:
        return cls(
            protocol=d["protocol"],
            bank_code=d["bank_code"],
            seed=int(d["seed"]),
            rates=Rates(**d["rates"]),
            class_ii_limit_fen=int(d["class_ii_limit_fen"]),
            settle_after_s=float(d["settle_after_s"]),
            options=dict(d.get("options") or {}),
        )


def load_bank_config(data_dir: Path, wanted: dict) -> BankConfig:
    """The stored config of the bank in ``data_dir``, created from ``wanted`` at the first start. A later
    start may not change it (the ledger's accounts were seeded with it): a differing value given
    explicitly (not None in ``wanted``) is refused."""
    path = Path(data_dir) / CONFIG_FILE
    if path.exists():
        stored = BankConfig.from_dict(json.loads(path.read_text(encoding="utf-8")))
        current = stored.as_dict()
        options = {k: v for k, v in (wanted.get("options") or {}).items() if v is not None}
        if options and {**stored.options, **options} != stored.options:
            stored.options = {**stored.options, **options}
            atomic_write(path, json.dumps(stored.as_dict(), indent=2).encode("utf-8"))
        for key, value in wanted.items():
            if value is None or key == "options":
                continue
            given = value.as_dict() if isinstance(value, Rates) else value
            if given != current[key]:
                raise InvalidInput(
                    f"the simulated bank in this folder was created with another {key}; "
                    "use a new --dir for a different bank",
                    "BANKSIM_CONFIG_CONFLICT",
                )
        return stored
    if not wanted.get("protocol") or not wanted.get("bank_code"):
        raise InvalidInput("a new simulated bank needs --protocol and --bank", "BANKSIM_CONFIG_MISSING")
    fields = {k: v for k, v in wanted.items() if v is not None}
    if "options" in fields:
        fields["options"] = {k: v for k, v in fields["options"].items() if v is not None}
    config = BankConfig(**fields)
    Path(data_dir).mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(config.as_dict(), indent=2).encode("utf-8"))
    return config


class _ReceivedStore:
    """DATA/received/: one file per request body, numbered in arrival order, written atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        numbers = [int(m.group(1)) for p in folder.iterdir() if (m := re.match(r"(\d{8})-", p.name))]
        self._next = itertools.count(max(numbers, default=0) + 1)
        self._lock = threading.Lock()

    def keep(self, endpoint: str, content_type: str, body: bytes) -> str:
        kind = next((ext for key, ext in _EXT.items() if key in content_type.lower()), ".bin")
        with self._lock:
            number = next(self._next)
        name = f"{number:08d}-{endpoint}{kind}"
        atomic_write(self.folder / name, body, mode=0o600)  # raw messages hold personal data
        return name


class _BankServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, handler_cls, sim: BankSimulator, tls: ssl.SSLContext | None) -> None:
        self.sim = sim
        self.tls = tls
        super().__init__(addr, handler_cls)

    def process_request(self, request, client_address) -> None:
        if self.sim.faults.fires(FaultKind.REFUSE, None) is not None:
            # Before the TLS handshake: the client cannot have sent anything, so a retry is safe.
            with contextlib.suppress(OSError):
                request.shutdown(socket.SHUT_RDWR)
            request.close()
            log.info("banksim.refused", fault="refuse")
            return
        super().process_request(request, client_address)

    def finish_request(self, request, client_address) -> None:
        # The handshake runs here, in the request's thread, so a slow client never blocks accept().
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(30)
        try:
            wrapped = self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(wrapped, client_address, self)
        finally:
            with contextlib.suppress(OSError):
                wrapped.close()


class _BankHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "silink-banksim"
    sys_version = ""
    timeout = 60

    def log_message(self, format, *args) -> None:  # the stdlib's access log would print raw paths
        pass

    def do_GET(self) -> None:
        self._reply(Response(405, b'{"code":"METHOD_NOT_ALLOWED"}', "application/json"))

    def do_POST(self) -> None:
        sim: BankSimulator = self.server.sim  # type: ignore[attr-defined]
        started = time.monotonic()
        path = self.path.split("?", 1)[0]
        endpoint = sim.handler.endpoints.get(path)
        if endpoint is None:
            self._drain()
            self._reply(_json(404, {"code": "NO_SUCH_ENDPOINT", "text": "unknown path"}))
            return
        faults: list[str] = []
        refusal = sim.faults.fires(FaultKind.HTTP_5XX, endpoint)
        if refusal is not None:
            self._drain()
            self._reply(_json(refusal.status, {"code": "UNAVAILABLE", "text": "service unavailable"}))
            log.info("banksim.request", endpoint=endpoint, status=refusal.status, fault="http-5xx")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.close_connection = True
            self._reply(_json(413, {"code": "BODY_TOO_LARGE", "text": "request body too large"}))
            return
        body = self.rfile.read(length) if length else b""
        headers = {k: v for k, v in self.headers.items()}
        content_type = self.headers.get("Content-Type", "")
        name = sim.received.keep(endpoint, content_type, body)
        request = Request("POST", path, headers, body, name)

        response = sim.verify(request)
        if response is None:
            try:
                response = sim.handler.handle(endpoint, request, sim.ctx)
            except Exception as exc:  # any bug in a handler: a generic 500, the type name in the log
                log.error("banksim.handler_failed", endpoint=endpoint, error=type(exc).__name__)
                response = _json(500, {"code": "INTERNAL", "text": "internal error"})
            malformed = sim.faults.fires(FaultKind.MALFORMED, endpoint)
            if malformed is not None and response.status == 200:
                variants = sim.handler.malformed_variants
                variant = malformed.variant or variants[(malformed.hits - 1) % len(variants)]
                response = sim.handler.corrupt(response, variant, sim.ctx)
                faults.append(f"malformed:{variant}")
            response = sim.sign(response)
        delay = sim.faults.fires(FaultKind.LATENCY, endpoint)
        if delay is not None:
            faults.append(f"latency:{delay.ms}ms")
            time.sleep(delay.ms / 1000)  # after processing: a slow bank that did the work
        if sim.faults.fires(FaultKind.DROP_RESPONSE, endpoint) is not None:
            faults.append("drop-response")
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
        else:
            self._reply(response)
        log.info(
            "banksim.request",
            endpoint=endpoint,
            status=response.status,
            reference=response.reference or None,
            received=name,
            bytes_in=len(body),
            bytes_out=len(response.body),
            ms=round((time.monotonic() - started) * 1000, 1),
            faults=faults or None,
        )

    def _drain(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if 0 < length <= MAX_BODY:
            self.rfile.read(length)
        elif length:
            self.close_connection = True

    def _reply(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for key, value in response.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(response.body)


def _json(status: int, payload: dict) -> Response:
    return Response(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json")


class _ControlHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "silink-banksim-control"
    sys_version = ""
    timeout = 30

    def log_message(self, format, *args) -> None:
        pass

    def _authorised(self) -> bool:
        sim: BankSimulator = self.server.sim  # type: ignore[attr-defined]
        token = self.headers.get(TOKEN_HEADER, "")
        return secrets.compare_digest(token.encode(), sim.token.encode())

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if 0 < length <= 1024 * 1024 else b""
        if not self._authorised():
            self._send(_json(401, {"code": "UNAUTHENTICATED", "text": "missing or wrong control token"}))
            return
        sim: BankSimulator = self.server.sim  # type: ignore[attr-defined]
        try:
            payload = json.loads(raw.decode("utf-8")) if raw else {}
            if not isinstance(payload, dict):
                raise ValueError("a JSON object is expected")
            response = sim.control(method, self.path.split("?", 1)[0], payload)
        except (ValueError, TypeError, KeyError) as exc:
            response = _json(400, {"code": "BAD_REQUEST", "text": str(exc)[:200]})
        self._send(response)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)


class BankSimulator:
    """One simulated bank: its ledger, faults, protocol handler and two listeners."""

    def __init__(
        self,
        data_dir: Path,
        config: BankConfig,
        *,
        port: int = 0,
        control_port: int = 0,
        tls: bool = True,
        client_key: Path | None = None,
        client_key_alg: str = "RSA-PSS-SHA256",
        xsd_dir: Path | None = None,
        sign_responses: bool = True,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.config = config
        self.handler: ProtocolHandler = get_protocol(config.protocol)
        self.ledger = Ledger(
            self.data_dir / LEDGER_FILE,
            seed=config.seed,
            rates=config.rates,
            class_ii_limit_fen=config.class_ii_limit_fen,
            settle_after_s=config.settle_after_s,
            protocol=config.protocol,
        )
        self.faults = FaultBox(seed=config.seed)
        self.received = _ReceivedStore(self.data_dir / "received")
        self.token = secrets.token_urlsafe(24)
        self.ctx = SimContext(
            ledger=self.ledger,
            faults=self.faults,
            bank_code=config.bank_code,
            seed=config.seed,
            data_dir=self.data_dir,
            xsd_dir=Path(xsd_dir) if xsd_dir else None,
            options=config.options,
        )
        if client_key is not None:
            self.ctx.client_verifier = get_backend().load_verifier(
                SignatureAlgorithm(client_key_alg), Path(client_key).read_bytes()
            )
        self.bank_public_key: Path | None = None
        self.bank_key_algorithm = SignatureAlgorithm(
            getattr(self.handler, "bank_key_algorithm", SignatureAlgorithm.RSA_PSS_SHA256)
        )
        if sign_responses:
            self.ctx.bank_signer, self.bank_public_key = ensure_bank_signer(
                self.data_dir, self.bank_key_algorithm
            )
        self.working_key: Path | None = None
        if getattr(self.handler, "working_key", False):
            cipher_alg = str(config.options.get("cipher") or CipherAlgorithm.SM4_GCM.value)
            self.ctx.cipher, self.working_key = ensure_working_key(self.data_dir, cipher_alg)
        self.ca_file: Path | None = None
        # A folder bank has no endpoints: no bank port at all, only the control port.
        self.bank: _BankServer | None = None
        self.tls = tls and bool(self.handler.endpoints)
        if self.handler.endpoints:
            tls_ctx = None
            if tls:
                self.ca_file, cert, key = ensure_server_cert(self.data_dir, config.bank_code)
                tls_ctx = server_context(cert, key)
            self.bank = _BankServer(("127.0.0.1", port), _BankHandler, self, tls_ctx)
        self.control_server = ThreadingHTTPServer(("127.0.0.1", control_port), _ControlHandler)
        self.control_server.daemon_threads = True
        self.control_server.sim = self  # type: ignore[attr-defined]
        self._threads: list[threading.Thread] = []
        self._stopped = threading.Event()
        self._loop_stop = threading.Event()

    @property
    def port(self) -> int | None:
        return self.bank.server_address[1] if self.bank is not None else None

    @property
    def control_port(self) -> int:
        return self.control_server.server_address[1]

    @property
    def url(self) -> str | None:
        if self.bank is None:
            return None
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    # -- request checks and signing (delegated to the protocol handler when it has them) -------------

    def verify(self, request: Request) -> Response | None:
        check = getattr(self.handler, "verify_request", None)
        return check(request, self.ctx) if check is not None else None

    def sign(self, response: Response) -> Response:
        signer = getattr(self.handler, "sign_response", None)
        return signer(response, self.ctx) if signer is not None else response

    # -- control --------------------------------------------------------------------------------------

    def control(self, method: str, path: str, payload: dict) -> Response:
        if method == "GET" and path == "/health":
            return _json(
                200,
                {
                    "ok": True,
                    "protocol": self.config.protocol,
                    "bank": self.config.bank_code,
                    "port": self.port,
                },
            )
        if method == "GET" and path == "/faults":
            return _json(200, {"faults": self.faults.active()})
        if method == "POST" and path == "/faults":
            kind = payload.get("kind")
            if kind == "clear":
                self.faults.clear(payload.get("which"))
                log.info("banksim.faults_cleared", which=payload.get("which"))
                return _json(200, {"faults": self.faults.active()})
            allowed = {"kind", "rate", "count", "ms", "status", "variant", "endpoints"}
            unknown = set(payload) - allowed
            if unknown:
                raise ValueError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
            fault = Fault(**{**payload, "endpoints": tuple(payload.get("endpoints") or ())})
            variants = (*self.handler.malformed_variants, *getattr(self.handler, "tamper_variants", ()))
            if fault.kind is FaultKind.MALFORMED and fault.variant and fault.variant not in variants:
                raise ValueError(f"unknown malformed variant; known: {', '.join(variants)}")
            self.faults.arm(fault)
            log.info("banksim.fault_armed", kind=fault.kind.value, rate=fault.rate, count=fault.count)
            return _json(200, {"faults": self.faults.active()})
        if method == "POST" and path == "/returns":
            now = self.ctx.now()
            if "end_to_end_id" in payload:
                reason = FailureReason(payload.get("reason") or FailureReason.ACCOUNT_CLOSED.value)
                done = self.ledger.return_credit(str(payload["end_to_end_id"]), reason, now)
                return _json(200, {"returned": int(done)})
            count = self.ledger.late_returns(str(payload["reference"]), float(payload["rate"]), now)
            return _json(200, {"returned": count})
        if method == "POST" and path == "/settle":
            changed = self.ledger.settle_now(payload.get("reference"), self.ctx.now())
            return _json(200, {"settled": changed})
        if method == "GET" and path == "/ledger":
            return _json(200, {"totals": self.ledger.totals(), "entries": list(self.ledger.entries())})
        if method == "POST" and path == "/stop":
            threading.Thread(target=self.stop, name="banksim-stop", daemon=True).start()
            return _json(200, {"stopping": True})
        return _json(404, {"code": "NO_SUCH_ENDPOINT", "text": "unknown control path"})

    # -- life cycle -----------------------------------------------------------------------------------

    def run_info(self) -> dict:
        extra = getattr(self.handler, "run_info", None)
        return {
            **(extra(self.ctx) if extra is not None else {}),
            "pid": os.getpid(),
            "protocol": self.config.protocol,
            "bank": self.config.bank_code,
            "port": self.port,
            "control_port": self.control_port,
            "tls": self.tls,
            "url": self.url,
            "ca_file": str(self.ca_file) if self.ca_file else None,
            "bank_public_key": str(self.bank_public_key) if self.bank_public_key else None,
            "bank_key_algorithm": self.bank_key_algorithm.value,
            "working_key": str(self.working_key) if self.working_key else None,
            "token": self.token,
        }

    def start(self) -> None:
        """Serve in background threads and write DATA/run.json (0600: it holds the control token)."""
        for server, name in ((self.bank, "banksim-bank"), (self.control_server, "banksim-control")):
            if server is None:
                continue
            thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        loop = getattr(self.handler, "run", None)
        if loop is not None:
            # The handler's own loop (a folder bank's watcher); it stops when _loop_stop is set.
            thread = threading.Thread(
                target=self._run_loop, args=(loop,), name="banksim-protocol", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        atomic_write(self.data_dir / RUN_FILE, json.dumps(self.run_info(), indent=2).encode(), mode=0o600)
        log.info(
            "banksim.started",
            protocol=self.config.protocol,
            bank=self.config.bank_code,
            port=self.port,
            control_port=self.control_port,
            tls=self.tls,
        )

    def _run_loop(self, loop) -> None:
        try:
            loop(self.ctx, self._loop_stop)
        except Exception as exc:  # a bug in the loop must not kill the process silently
            log.error("banksim.loop_failed", error=type(exc).__name__)

    def wait(self, timeout: float | None = None) -> bool:
        return self._stopped.wait(timeout)

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._loop_stop.set()
        for thread in self._threads:
            if thread.name == "banksim-protocol":
                thread.join(30)
        for server in (self.bank, self.control_server):
            if server is None:
                continue
            server.shutdown()
            server.server_close()
        with contextlib.suppress(FileNotFoundError):
            (self.data_dir / RUN_FILE).unlink()
        self.ledger.close()
        log.info("banksim.stopped", bank=self.config.bank_code)
        self._stopped.set()


def serve_forever(sim: BankSimulator) -> None:
    """Run until SIGTERM/SIGINT or a control /stop (the `silink banksim serve` foreground loop)."""

    def on_signal(signum, frame) -> None:
        threading.Thread(target=sim.stop, name="banksim-signal-stop", daemon=True).start()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        sim.start()
        while not sim.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
