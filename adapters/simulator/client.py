"""Talking to a running simulator: a small HTTPS transport for adapters' messages, and the control client.

:class:`HttpTransport` does what the gateway's dispatcher does with a :class:`~adapters.contract.WireMessage`
(POST it to ``message.path``) for tests, the conformance kit and the CLI, and names every failure with the
transport codes the adapters' error tables know (``adapters.iso20022._codes.TRANSPORT_*``): the phase
decides the action — nothing was sent (``CONNECT_REFUSED``, ``CONNECT_TIMEOUT``, ``RESOLVE_FAILED``:
retry is safe; ``TLS_FAILED``: a certificate problem), or the request left and no answer came
(``TIMEOUT``, ``CONNECTION_LOST``: inquire).
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import time
from pathlib import Path

from adapters.contract import WireMessage, WireResponse
from adapters.simulator.server import RUN_FILE, TOKEN_HEADER
from adapters.simulator.tls import client_context
from gateway.errors import NotFound, Unavailable

CONNECT_REFUSED = "CONNECT_REFUSED"
CONNECT_TIMEOUT = "CONNECT_TIMEOUT"
RESOLVE_FAILED = "RESOLVE_FAILED"
TLS_FAILED = "TLS_FAILED"
TIMEOUT = "TIMEOUT"
CONNECTION_LOST = "CONNECTION_LOST"
TRANSPORT_CODES = (CONNECT_REFUSED, CONNECT_TIMEOUT, RESOLVE_FAILED, TLS_FAILED, TIMEOUT, CONNECTION_LOST)


class TransportError(Exception):
    """No answer: ``code`` is one of ``TRANSPORT_CODES`` (the adapter's ``map_error`` decides the action)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


def read_run_file(data_dir: Path) -> dict:
    path = Path(data_dir) / RUN_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFound(
            "no bank simulator is running in this folder (no run.json)", "BANKSIM_NOT_RUNNING"
        ) from None


class HttpTransport:
    """POST adapter messages to a simulator (or any bank URL on loopback)."""

    def __init__(self, host: str, port: int, *, ca_file: Path | None = None, timeout: float = 30.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.tls = client_context(Path(ca_file)) if ca_file else None

    @classmethod
    def for_simulator(cls, data_dir: Path, timeout: float = 30.0) -> HttpTransport:
        info = read_run_file(data_dir)
        ca = Path(info["ca_file"]) if info.get("tls") else None
        return cls("127.0.0.1", int(info["port"]), ca_file=ca, timeout=timeout)

    def _connection(self) -> http.client.HTTPConnection:
        if self.tls is not None:
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=self.tls)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def send(self, message: WireMessage) -> WireResponse:
        conn = self._connection()
        try:
            try:
                conn.connect()
            except ConnectionRefusedError as exc:
                raise TransportError(CONNECT_REFUSED) from exc
            except socket.gaierror as exc:
                raise TransportError(RESOLVE_FAILED) from exc
            except TimeoutError as exc:
                raise TransportError(CONNECT_TIMEOUT) from exc
            except ssl.SSLCertVerificationError as exc:
                raise TransportError(TLS_FAILED, "certificate not trusted") from exc
            except (ssl.SSLEOFError, ssl.SSLZeroReturnError, ConnectionError) as exc:
                # The peer closed during the handshake: our request was never sent.
                raise TransportError(CONNECT_REFUSED, "closed before the request") from exc
            except ssl.SSLError as exc:
                raise TransportError(TLS_FAILED, type(exc).__name__) from exc
            headers = {"Content-Type": message.content_type, **message.headers}
            try:
                conn.request("POST", message.path or "/", body=message.body, headers=headers)
                answer = conn.getresponse()
                body = answer.read()
            except TimeoutError as exc:
                raise TransportError(TIMEOUT) from exc
            except (http.client.HTTPException, ConnectionError, ssl.SSLError, OSError) as exc:
                raise TransportError(CONNECTION_LOST, type(exc).__name__) from exc
            return WireResponse(status=answer.status, body=body, headers=dict(answer.getheaders()))
        finally:
            conn.close()


class ControlClient:
    """The simulator's control endpoint (token from run.json)."""

    def __init__(self, data_dir: Path, timeout: float = 30.0) -> None:
        self.data_dir = Path(data_dir)
        self.info = read_run_file(self.data_dir)
        self.timeout = timeout

    def call(self, method: str, path: str, payload: dict | None = None) -> dict:
        conn = http.client.HTTPConnection("127.0.0.1", int(self.info["control_port"]), timeout=self.timeout)
        body = json.dumps(payload).encode() if payload is not None else None
        headers = {TOKEN_HEADER: self.info["token"], "Content-Type": "application/json"}
        try:
            conn.request(method, path, body=body, headers=headers)
            answer = conn.getresponse()
            data = json.loads(answer.read() or b"{}")
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise Unavailable(
                f"the bank simulator's control endpoint did not answer ({type(exc).__name__})",
                "BANKSIM_UNREACHABLE",
            ) from None
        finally:
            conn.close()
        if answer.status != 200:
            from gateway.errors import InvalidInput

            raise InvalidInput(
                f"the bank simulator refused: {data.get('code')}: {data.get('text', '')}", "BANKSIM_REFUSED"
            )
        return data

    def fault(self, kind: str, **options) -> dict:
        return self.call(
            "POST", "/faults", {"kind": kind, **{k: v for k, v in options.items() if v is not None}}
        )

    def clear_faults(self, which: str | None = None) -> dict:
        return self.call("POST", "/faults", {"kind": "clear", "which": which})

    def return_credit(self, end_to_end_id: str, reason: str | None = None) -> dict:
        return self.call("POST", "/returns", {"end_to_end_id": end_to_end_id, "reason": reason})

    def late_returns(self, reference: str, rate: float) -> dict:
        return self.call("POST", "/returns", {"reference": reference, "rate": rate})

    def settle(self, reference: str | None = None) -> dict:
        return self.call("POST", "/settle", {"reference": reference})

    def ledger(self) -> dict:
        return self.call("GET", "/ledger")

    def stop(self, wait_s: float = 10.0) -> bool:
        """Ask the simulator to stop and wait (bounded) until its run.json is gone."""
        self.call("POST", "/stop", {})
        deadline = time.monotonic() + wait_s
        while (self.data_dir / RUN_FILE).exists():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True
