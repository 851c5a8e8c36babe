"""Transports: how bytes reach a bank. Adapters never open sockets; the core does, here.

The one distinction the dispatcher needs is whether a failed request may have reached the bank:

* :class:`NotSent` — the request certainly did not leave (no connection): sending again is safe;
* :class:`OutcomeUnknown` — it may have been received (timeout or reset after sending): the outcome
  must be found by a status query with our reference, never by sending again blindly.
"""

from __future__ import annotations

import http.client
import ssl
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from adapters.contract import WireMessage, WireResponse


class NotSent(Exception):
    """The request did not leave us."""


class OutcomeUnknown(Exception):
    """The request may have reached the bank; its effect is unknown."""


class Transport(Protocol):
    def send(self, message: WireMessage) -> WireResponse: ...


class HttpsTransport:
    """HTTP(S) POST of one message to ``base_url`` + ``message.path``; TLS verified against ``ca_file``."""

    def __init__(
        self,
        base_url: str,
        *,
        ca_file: Path | None = None,
        timeout: float = 30.0,
        client_cert: tuple[Path, Path] | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        self.scheme = parts.scheme
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.prefix = parts.path.rstrip("/")
        self.timeout = timeout
        self.context: ssl.SSLContext | None = None
        if self.scheme == "https":
            self.context = ssl.create_default_context(cafile=str(ca_file) if ca_file else None)
            if client_cert:
                self.context.load_cert_chain(str(client_cert[0]), str(client_cert[1]))

    def send(self, message: WireMessage) -> WireResponse:
        if self.scheme == "https":
            conn: http.client.HTTPConnection = http.client.HTTPSConnection(
                self.host, self.port, timeout=self.timeout, context=self.context
            )
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            try:
                conn.connect()
            except (OSError, ssl.SSLError) as exc:
                raise NotSent(f"cannot connect: {type(exc).__name__}") from None
            headers = {"Content-Type": message.content_type, **message.headers}
            try:
                conn.request(
                    "POST", self.prefix + "/" + message.path.lstrip("/"), body=message.body, headers=headers
                )
                resp = conn.getresponse()
                body = resp.read()
            except (TimeoutError, ConnectionError, http.client.HTTPException, OSError) as exc:
                raise OutcomeUnknown(f"no answer after sending: {type(exc).__name__}") from None
            return WireResponse(status=resp.status, body=body, headers=dict(resp.getheaders()))
        finally:
            conn.close()
